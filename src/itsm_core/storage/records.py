"""Record versions and upcasters: how a stored record of an older shape still loads.

Every record carries the version of its shape under the key
:data:`RECORD_VERSION_KEY` (``"record_version"``). A kind's current shape is
its spec's ``record_version`` (1 unless the shape changed); a record stored
without the key has version 1, the shape of release 0.1.0.

When the shape of an entity changes (a field renamed, split, moved into a
value object), the spec's ``record_version`` goes up by one and an
*upcaster* for the previous version is added: a function that turns a
record of version ``n`` into one of version ``n + 1``. Loading runs the
upcasters from the record's version up to the current one, in memory;
saving always writes the current shape. Stored rows are not rewritten until
their aggregate is saved again, so upcasters stay for as long as old rows
may exist.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from itsm_core.kernel.codec import RECORDS, record_errors
from itsm_core.kernel.errors import StorageError, ValidationError
from itsm_core.kernel.text import check_texts

if TYPE_CHECKING:
    from itsm_core.storage.base import AggregateSpec

__all__ = [
    "RECORD_VERSION_KEY",
    "Upcaster",
    "check_versions",
    "derived_mapping",
    "encoded_record",
    "json_text",
    "stamp",
    "upcast",
]

T = TypeVar("T")

RECORD_VERSION_KEY = "record_version"
"""The key of a record that holds the version of its shape (absent: version 1)."""

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns a record of version ``n`` into one of version ``n + 1`` (it may change its argument)."""


def check_versions(kind: str, record_version: object, upcasters: object) -> dict[int, Upcaster]:
    """Return ``upcasters`` as a dict once they fit ``record_version``.

    :raises ValidationError: unless ``record_version`` is a whole number from
        1 and there is exactly one callable upcaster for each version from 1
        to ``record_version - 1``.
    """
    if (
        isinstance(record_version, bool)
        or not isinstance(record_version, int)
        or record_version < 1
    ):
        raise ValidationError(
            f"{kind}: record_version must be a whole number from 1, got {record_version!r}",
            field="record_version",
        )
    if not isinstance(upcasters, Mapping):
        raise ValidationError(
            f"{kind}: upcasters must be a mapping of version to function, "
            f"got {type(upcasters).__name__}",
            field="upcasters",
        )
    needed = set(range(1, record_version))
    given = set(upcasters)
    if given != needed:
        allowed = ", ".join(map(str, sorted(needed))) or "none (record_version is 1)"
        problems = []
        if needed - given:
            problems.append(f"missing for {', '.join(map(str, sorted(needed - given)))}")
        if given - needed:
            extra = sorted(given - needed, key=repr)
            problems.append(f"not expected for {', '.join(map(repr, extra))}")
        raise ValidationError(
            f"{kind}: at record_version {record_version} there is one upcaster per older "
            f"version ({allowed}); {'; '.join(problems)}",
            field="upcasters",
        )
    for version, fn in upcasters.items():
        if not callable(fn):
            raise ValidationError(
                f"{kind}: the upcaster of version {version} is not callable: {fn!r}",
                field="upcasters",
            )
    return dict(upcasters)


def _label(kind: str, record: Mapping[str, Any]) -> str:
    rid = record.get("id")
    return f"the stored {kind} {rid!r}" if isinstance(rid, str) else f"a stored {kind} record"


def upcast(
    kind: str,
    record: Mapping[str, Any],
    record_version: int,
    upcasters: Mapping[int, Upcaster],
) -> Mapping[str, Any]:
    """Return ``record`` in the current shape (``record`` itself when it already is).

    The record is copied before the first upcaster runs; the result holds
    :data:`RECORD_VERSION_KEY` = ``record_version``.

    :raises StorageError: for a record that is not a mapping, a version that
        is not a whole number from 1, a version newer than ``record_version``
        (written by a newer release), or an upcaster that does not return a dict.
    """
    if not isinstance(record, Mapping):
        raise StorageError(f"a stored {kind} record must be a mapping, got {type(record).__name__}")
    version = record.get(RECORD_VERSION_KEY, 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise StorageError(
            f"{_label(kind, record)} has {RECORD_VERSION_KEY} {version!r}; "
            "it must be a whole number from 1"
        )
    if version > record_version:
        raise StorageError(
            f"{_label(kind, record)} has {RECORD_VERSION_KEY} {version}, newer than the "
            f"{record_version} this release reads: a newer release of itsm_core wrote it"
        )
    if version == record_version:
        return record
    current: dict[str, Any] = copy.deepcopy(dict(record))
    while version < record_version:
        result = upcasters[version](current)
        if not isinstance(result, dict):
            raise StorageError(
                f"the {kind} upcaster of version {version} returned "
                f"{type(result).__name__}, not a dict"
            )
        version += 1
        current = result
        current[RECORD_VERSION_KEY] = version
    return current


def stamp(record: dict[str, Any], record_version: int) -> dict[str, Any]:
    """Put ``record_version`` into ``record`` (under :data:`RECORD_VERSION_KEY`) and return it."""
    record[RECORD_VERSION_KEY] = record_version
    return record


_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_text(value: Any) -> str | None:
    """The JSON text of ``value`` (UTF-8 characters as they are), or None if it is no JSON data."""
    try:
        return _ENCODE(value)
    except (TypeError, ValueError):
        return None


def encoded_record(spec: AggregateSpec[T], entity: T) -> tuple[dict[str, Any], str | None]:
    """``spec.to_record(entity)`` and its JSON text, encoded once.

    The text rule (:mod:`itsm_core.kernel.text`) is checked on the encoded
    text, as :meth:`~itsm_core.storage.base.AggregateSpec.to_record` checks
    it, so the record is encoded once for the check and the database both. The
    text is None when the record is no JSON data (the database's own encoding
    then reports it).

    :raises ValidationError: as :meth:`~itsm_core.storage.base.AggregateSpec.to_record`.
    """
    record = stamp(spec._to_record(entity), spec.record_version)
    text = json_text(record)
    # a NUL shows as \u0000 (or an escaped backslash before "u0000": the closer look decides)
    if text is None or "\\u0000" in text or _SURROGATE.search(text) is not None:
        check_texts(record, spec.kind)
    return record, text


def derived_mapping(
    kind: str, entity_type: type[T]
) -> tuple[Callable[[T], dict[str, Any]], Callable[[Mapping[str, Any]], T]]:
    """Return ``(to_record, from_record)`` of ``entity_type`` derived by :data:`RECORDS`.

    ``from_record`` skips :data:`RECORD_VERSION_KEY` and raises
    :class:`StorageError` naming what does not fit: a value of the wrong
    type, a field missing, a key that is no field.

    The converter's functions for the class are made on the first record
    either way (making them compiles code: a library that defines many kinds
    would pay for every one of them at import); the class's own field types
    are resolved now.

    :raises ValidationError: if the field types cannot be resolved (a string
        annotation naming something the class's module does not hold).
    """
    _resolve(kind, entity_type)
    unstructure: Callable[[T], dict[str, Any]] | None = None
    structure: Callable[[Mapping[str, Any], type[T]], T] | None = None

    def to_record(entity: T) -> dict[str, Any]:
        nonlocal unstructure
        if unstructure is None:
            unstructure = _resolve(kind, entity_type, RECORDS.get_unstructure_hook)
        record: dict[str, Any] = unstructure(entity)
        return record

    def from_record(record: Mapping[str, Any]) -> T:
        nonlocal structure
        if structure is None:
            structure = _resolve(kind, entity_type, RECORDS.get_structure_hook)
        fields = {k: v for k, v in record.items() if k != RECORD_VERSION_KEY}
        try:
            entity: T = structure(fields, entity_type)
        except Exception as exc:
            raise StorageError(
                f"{_label(kind, record)} does not fit {entity_type.__name__}: {record_errors(exc)}"
            ) from exc
        return entity

    return to_record, from_record


def _resolve(
    kind: str, entity_type: type[T], hook: Callable[[Any], Any] = attrs.resolve_types
) -> Any:
    """Return ``hook(entity_type)``, naming the class's unresolvable field types if any."""
    try:
        return hook(entity_type)
    except NameError as exc:
        raise ValidationError(
            f"{kind}: the field types of {entity_type.__name__} cannot be resolved ({exc}); "
            "define the class in an importable module, or call "
            "attrs.resolve_types(cls, globals()) first",
            field="entity_type",
        ) from exc
