"""Records: the JSON-able form of entities and value objects, derived from their attrs classes.

:data:`RECORDS` is the one converter (cattrs) every aggregate's record goes
through. It turns an attrs instance into plain JSON data and back, field by
field, following the declared types:

* a timezone-aware :class:`~datetime.datetime` is an ISO 8601 string with its
  offset (``"2025-01-06T09:00:00+08:00"``); a naive one is refused, both ways;
* a :class:`~datetime.timedelta` is a whole number of microseconds;
* a :class:`~itsm_core.kernel.labels.Labelled` enumeration member (and any
  other enumeration member) is its code;
* tuples and lists are lists; sets and frozensets are sorted lists;
* a nested attrs class is a dict of its fields, ``None`` stays ``None``;
* ``str``, ``int``, ``float`` and ``bool`` are checked, not coerced: a record
  holding ``"3"`` for an ``int`` field is refused rather than read as 3;
* private attributes (a name starting with ``_``, such as an aggregate's
  pending events) and attributes not set by ``__init__`` are not part of the
  record;
* a key that is no field is refused when reading, so that nothing stored is
  dropped without a word (a shape change needs an upcaster).

Structuring calls the class itself, so its converters and validators check a
record as they check any other input.

:func:`iso`, :func:`instant` and :func:`optional_instant` are the small
converters for code that reads or writes instants by hand (event payloads).
"""

from __future__ import annotations

import enum
import functools
import json
import typing
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError

__all__ = [
    "RECORDS",
    "instant",
    "iso",
    "make_record_converter",
    "optional_instant",
    "record_errors",
]


def iso(value: datetime | None) -> str | None:
    """Return ``value`` as an ISO 8601 string (None stays None)."""
    return None if value is None else value.isoformat()


def instant(value: Any, name: str = "instant") -> datetime:
    """Return the aware datetime of an ISO string (or of a datetime).

    :raises ValidationError: for a naive value or one that is not an instant.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                f"{name}: {value!r} is not an ISO 8601 instant such as '2025-01-06T09:00:00+08:00'",
                field=name,
            ) from None
    return require_aware(value, name)


def optional_instant(value: Any, name: str = "instant") -> datetime | None:
    """Like :func:`instant`, with None for None."""
    return None if value is None else instant(value, name)


_US = timedelta(microseconds=1)


def _dump_instant(value: datetime) -> str:
    return require_aware(value, "instant").isoformat()


def _load_instant(value: Any, _type: Any) -> datetime:
    if not isinstance(value, str):
        raise ValidationError(
            f"an instant is stored as an ISO 8601 string, got {type(value).__name__} {value!r}",
            field="instant",
        )
    return instant(value)


def _dump_duration(value: timedelta) -> int:
    return value // _US


def _load_duration(value: Any, _type: Any) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            f"a duration is stored as a whole number of microseconds, got {value!r}",
            field="duration",
        )
    return timedelta(microseconds=value)


def _strict(kind: type, accepts: tuple[type, ...]) -> Callable[[Any, Any], Any]:
    def load(value: Any, type_: Any) -> Any:
        if type_ is not kind and _is_enum(type_):  # a str or int enumeration
            return _load_enum(type_)(value, type_)
        if isinstance(value, accepts) and (kind is bool or not isinstance(value, bool)):
            return kind(value)
        raise ValidationError(
            f"expected {kind.__name__}, got {type(value).__name__} {value!r}", field=kind.__name__
        )

    return load


@functools.cache
def _load_enum(cls: type[enum.Enum]) -> Callable[[Any, Any], Any]:
    members: dict[Any, enum.Enum] = {m.value: m for m in cls}
    parse = getattr(cls, "parse", None)

    def load(value: Any, _type: Any) -> Any:
        member = members.get(value) if isinstance(value, str | int) else None
        if member is not None and type(member.value) is type(value):
            return member
        if parse is not None:  # a Labelled enumeration: its own message
            return parse(value, cls.__name__)
        allowed = ", ".join(repr(m.value) for m in cls)
        raise ValidationError(
            f"{value!r} is not a valid {cls.__name__}; allowed: {allowed}", field=cls.__name__
        )

    return load


def _dump_enum(value: enum.Enum) -> Any:
    return value.value


def _plain(value: Any) -> Any:
    if value.__class__ is str or value.__class__ is int:
        return value
    return value.value if isinstance(value, enum.Enum) else value


def _is_enum(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, enum.Enum)


def _is_set(type_: Any) -> bool:
    origin = typing.get_origin(type_) or type_
    return isinstance(origin, type) and issubclass(origin, set | frozenset)


def _sorted(values: list[Any]) -> list[Any]:
    """A set's members in a stable order, so that equal sets give equal records."""
    return sorted(values, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))


def _private(cls: type) -> dict[str, Any]:
    return {a.name: override(omit=True) for a in attrs.fields(cls) if a.name.startswith("_")}


def make_record_converter() -> cattrs.Converter:
    """Return a new converter with the record rules above (for specs that add their own hooks).

    :data:`RECORDS` is the shared one; a module that needs a rule of its own
    (a field of a type no rule covers) copies it with
    ``RECORDS.copy()`` rather than changing it.
    """
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_unstructure_hook(datetime, _dump_instant)
    converter.register_structure_hook(datetime, _load_instant)
    converter.register_unstructure_hook(timedelta, _dump_duration)
    converter.register_structure_hook(timedelta, _load_duration)
    # checked, not coerced; these hooks also receive str and int enumerations (subclasses)
    for kind, accepts in ((str, (str,)), (int, (int,)), (float, (int, float)), (bool, (bool,))):
        converter.register_structure_hook(kind, _strict(kind, accepts))
    # a str or int enumeration member is its code (an enum hook alone would come after str's)
    converter.register_unstructure_hook(str, _plain)
    converter.register_unstructure_hook(int, _plain)
    converter.register_unstructure_hook_func(_is_enum, _dump_enum)
    converter.register_unstructure_hook_func(
        _is_set, lambda value: _sorted([converter.unstructure(v) for v in value])
    )
    converter.register_structure_hook_factory(_is_enum, _load_enum)
    converter.register_unstructure_hook_factory(
        attrs.has,
        lambda cls: make_dict_unstructure_fn(cls, converter, **_private(cls)),
    )
    converter.register_structure_hook_factory(
        attrs.has,
        lambda cls: make_dict_structure_fn(cls, converter, **_private(cls)),
    )
    return converter


RECORDS: cattrs.Converter = make_record_converter()
"""The converter of every record: ``RECORDS.unstructure(entity)``, ``RECORDS.structure(d, Cls)``."""


def record_errors(exc: BaseException) -> str:
    """Describe why a record could not be structured, one problem per path.

    :param exc: what :meth:`cattrs.Converter.structure` raised.
    :return: e.g. ``"$.log[0].at: a naive datetime ...; $.state: ..."``.
    """
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(exc, format_exception=_describe))
    return _describe(exc, None)


@functools.cache
def _type_name(type_: Any) -> str:
    return getattr(type_, "__name__", str(type_))


def _describe(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, ValidationError):
        return str(exc)
    text = str(exc) or type(exc).__name__
    return text if type_ is None else f"{text} (expected {_type_name(type_)})"
