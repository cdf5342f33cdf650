"""How one kind of aggregate is stored: :class:`AggregateSpec` and its :class:`IndexField`.

A spec tells the store how an entity becomes a JSON-able record and back, and
which of its fields are indexed for queries. The library's own specs name
their entity classes by import path (``"package.module:Class"``): opening a
store needs only each kind's name and index fields, so the classes, and what
their modules load, wait for their kind's first record. Both are importable
from :mod:`itsm_core.storage.base` and :mod:`itsm_core.storage` too.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar, overload

import attrs

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.text import check_texts
from itsm_core.storage.checks import IndexType
from itsm_core.storage.records import (
    RECORD_VERSION_KEY,
    Upcaster,
    check_versions,
    derived_mapping,
    stamp,
    upcast,
)

__all__ = ["AggregateSpec", "IndexField"]

T = TypeVar("T")
E = TypeVar("E")


@attrs.frozen
class IndexField(Generic[T]):
    """A queryable field of an aggregate.

    :param name: the field's name in queries (and the column name in SQL).
    :param type: one of ``str``, ``int``, ``float``, ``bool``, ``datetime``.
    :param extract: reads the value from an entity (None when absent).
    """

    name: str
    type: IndexType
    extract: Callable[[T], Any]


def _check_path(kind: str, path: str) -> None:
    """Refuse an entity class's import path that is not ``"package.module:Class"``."""
    module, colon, name = path.partition(":")
    if not (colon and name.isidentifier() and all(p.isidentifier() for p in module.split("."))):
        raise ValidationError(
            f"{kind}: name the entity class by its import path, such as "
            f"'package.module:Class', got {path!r}",
            field="entity_type",
        )


def _import_entity(kind: str, path: str) -> type[Any]:
    """The class named by ``path`` (``"package.module:Class"``).

    :raises ValidationError: naming the kind and the path if the module cannot be
        imported or holds no class of that name.
    """
    module_name, _, name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValidationError(
            f"{kind}: the entity class {path!r} cannot be imported ({exc})", field="entity_type"
        ) from exc
    found = getattr(module, name, None)
    if not isinstance(found, type):
        raise ValidationError(
            f"{kind}: the module {module_name!r} holds no class {name!r} (the entity class "
            f"{path!r})",
            field="entity_type",
        )
    return found


def _check_attrs_class(entity_type: Any) -> None:
    if not (isinstance(entity_type, type) and attrs.has(entity_type)):
        raise ValidationError(
            f"AggregateSpec.of needs an attrs class, got {entity_type!r}", field="entity_type"
        )


def _check_fields(entity_type: Any) -> None:
    if any(a.name == RECORD_VERSION_KEY for a in attrs.fields(entity_type)):
        raise ValidationError(
            f"{entity_type.__name__}: a field may not be named {RECORD_VERSION_KEY!r}: "
            "every record holds the version of its shape under that key",
            field=RECORD_VERSION_KEY,
        )


def _unresolved(_value: Any) -> Any:  # replaced when the spec is made
    raise AssertionError("a lazy spec's mapping was used before it was set")


_RESOLVING = threading.RLock()  # one thread at a time imports a lazy spec's entity class


@attrs.frozen(eq=False)
class AggregateSpec(Generic[T]):
    """How one kind of aggregate is stored.

    Build it from the entity class with :meth:`of`: the record mapping is then
    derived from the attrs fields (:data:`~itsm_core.kernel.codec.RECORDS`).
    The constructor takes a hand-written mapping instead.

    The entity class may be named by its import path, ``"package.module:Class"``:
    the spec then imports it on first use (a record converted, ``entity_type``
    read), so a program that opens a store loads no entity class it does not
    use. The kind's table needs only ``kind`` and ``index``.

    A spec is equal only to itself (it is the identity of a kind in a store).

    :param kind: the kind's name, e.g. ``"complaint"``.
    :param entity_type: the entity class, or its import path ``"module:Class"``.
    :param to_record: entity → JSON-able dict (the whole state).
    :param from_record: that dict → entity.
    :param index: the fields queries and aggregates may use.
    :param record_version: the version of the record's current shape (1 until
        it first changes); see :mod:`itsm_core.storage.records`.
    :param upcasters: for each older version ``n`` (1 to ``record_version - 1``),
        the function turning a record of version ``n`` into one of ``n + 1``.
    :param confidential: entity → the names of its record's fields that hold a
        confidential value (an internal complainant's identity); a store opened
        with encryption keys seals them (:mod:`itsm_core.storage.sealing`).
    :raises ValidationError: unless there is exactly one upcaster per older version,
        or for an import path that is not of the form ``"module:Class"``.
    """

    kind: str
    _entity: type[T] | str = attrs.field(alias="entity_type")
    _record_of: Callable[[T], dict[str, Any]] = attrs.field(alias="to_record")
    _entity_of: Callable[[Mapping[str, Any]], T] = attrs.field(alias="from_record")
    index: tuple[IndexField[T], ...] = ()
    record_version: int = 1
    upcasters: Mapping[int, Upcaster] = attrs.field(factory=dict)
    confidential: Callable[[T], Iterable[str]] | None = None
    _derive: bool = attrs.field(default=False, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        checked = check_versions(self.kind, self.record_version, self.upcasters)
        object.__setattr__(self, "upcasters", checked)  # a copy of its own
        if isinstance(self._entity, str):
            _check_path(self.kind, self._entity)

    @overload
    @classmethod
    def of(
        cls,
        entity_type: type[E],
        *,
        kind: str | None = None,
        index: Sequence[IndexField[E]] = (),
        record_version: int = 1,
        upcasters: Mapping[int, Upcaster] | None = None,
        confidential: Callable[[E], Iterable[str]] | None = None,
    ) -> AggregateSpec[E]: ...

    @overload
    @classmethod
    def of(
        cls,
        entity_type: str,
        *,
        kind: str | None = None,
        index: Sequence[IndexField[Any]] = (),
        record_version: int = 1,
        upcasters: Mapping[int, Upcaster] | None = None,
        confidential: Callable[[Any], Iterable[str]] | None = None,
    ) -> AggregateSpec[Any]: ...

    @classmethod
    def of(
        cls,
        entity_type: type[E] | str,
        *,
        kind: str | None = None,
        index: Sequence[IndexField[E]] = (),
        record_version: int = 1,
        upcasters: Mapping[int, Upcaster] | None = None,
        confidential: Callable[[E], Iterable[str]] | None = None,
    ) -> AggregateSpec[E]:
        """Return the spec of ``entity_type`` with its record mapping derived from its fields.

        Given the class's import path (``"package.module:Class"``), the spec
        imports the class, checks it and derives the mapping on first use;
        ``kind`` must then be given.

        :param entity_type: an attrs class (an :class:`~itsm_core.kernel.aggregate.Aggregate`),
            or its import path.
        :param kind: the kind's name; default ``entity_type.KIND``.
        :param index: the fields queries and aggregates may use.
        :param record_version: the version of the record's current shape.
        :param upcasters: one per older version, see :mod:`itsm_core.storage.records`.
        :param confidential: entity → its record's fields holding a confidential value.
        :raises ValidationError: for a class that is not an attrs class, no kind,
            a field named ``record_version``, or upcasters that do not fit; for an
            import path, a class that cannot be imported is refused on first use.
        """
        if isinstance(entity_type, str):
            if not isinstance(kind, str) or not kind:
                raise ValidationError(
                    f"{entity_type}: give kind=... with an entity class named by its path",
                    field="kind",
                )
            spec: AggregateSpec[E] = AggregateSpec(
                kind,
                entity_type,
                _unresolved,
                _unresolved,
                tuple(index),
                record_version,
                {} if upcasters is None else upcasters,
                confidential,
            )
            object.__setattr__(spec, "_derive", True)
            object.__setattr__(spec, "_record_of", spec._first_to_record)
            object.__setattr__(spec, "_entity_of", spec._first_from_record)
            return spec
        _check_attrs_class(entity_type)
        name = kind if kind is not None else getattr(entity_type, "KIND", None)
        if not isinstance(name, str) or not name:
            raise ValidationError(
                f"{entity_type.__name__}: give kind=..., or a KIND class attribute",
                field="kind",
            )
        _check_fields(entity_type)
        to_record, from_record = derived_mapping(name, entity_type)
        return AggregateSpec(
            name,
            entity_type,
            to_record,
            from_record,
            tuple(index),
            record_version,
            {} if upcasters is None else upcasters,
            confidential,
        )

    @property
    def entity_type(self) -> type[T]:
        """The entity class (imported now if the spec names it by its path)."""
        entity = self._entity
        if isinstance(entity, str):
            self._resolve()
            entity = self._entity
        return entity  # type: ignore[return-value]  # resolved to the class

    @property
    def _to_record(self) -> Callable[[T], dict[str, Any]]:
        """The record mapping's entity → record function (resolved first if need be)."""
        if isinstance(self._entity, str):
            self._resolve()
        return self._record_of

    @property
    def _from_record(self) -> Callable[[Mapping[str, Any]], T]:
        """The record mapping's record → entity function (resolved first if need be)."""
        if isinstance(self._entity, str):
            self._resolve()
        return self._entity_of

    def _resolve(self) -> None:
        """Import the entity class named by path; derive the mapping if the spec is :meth:`of`'s."""
        with _RESOLVING:
            path = self._entity
            if not isinstance(path, str):
                return  # another thread did
            entity_type: Any = _import_entity(self.kind, path)
            if self._derive:
                _check_attrs_class(entity_type)
                _check_fields(entity_type)
                to_record, from_record = derived_mapping(self.kind, entity_type)
                object.__setattr__(self, "_record_of", to_record)
                object.__setattr__(self, "_entity_of", from_record)
            else:  # a copy (attrs.evolve) of a lazy spec: its functions are the original's
                for name, own in (("_record_of", "_to_record"), ("_entity_of", "_from_record")):
                    first = getattr(self, name)
                    origin = getattr(first, "__self__", None)
                    if isinstance(origin, AggregateSpec) and origin is not self:
                        object.__setattr__(self, name, getattr(origin, own))
            object.__setattr__(self, "_entity", entity_type)

    def _first_to_record(self, entity: T) -> dict[str, Any]:
        self._resolve()
        return self._record_of(entity)

    def _first_from_record(self, record: Mapping[str, Any]) -> T:
        self._resolve()
        return self._entity_of(record)

    def to_record(self, entity: T) -> dict[str, Any]:
        """Return the whole state of ``entity`` as a JSON-able dict of the current shape.

        The dict holds the shape's version under ``"record_version"``.

        :raises ValidationError: if a string of the record holds a character
            no backend stores alike (:mod:`itsm_core.kernel.text`).
        """
        record = self._record_of(entity)
        check_texts(record, self.kind)
        return stamp(record, self.record_version)

    def from_record(self, record: Mapping[str, Any]) -> T:
        """Rebuild an entity from a record of this or any older shape.

        An older record is upcast first (in memory; the stored row is unchanged);
        the mapping then receives a record of the current shape, with its
        ``"record_version"`` key.

        :raises StorageError: for a record of a newer shape, or one that does not fit.
        """
        return self._entity_of(upcast(self.kind, record, self.record_version, self.upcasters))

    def sealed_fields(self, entity: T) -> tuple[str, ...]:
        """Return the names of ``entity``'s record fields that hold a confidential value."""
        return () if self.confidential is None else tuple(self.confidential(entity))

    def index_values(self, entity: T) -> dict[str, Any]:
        """Return ``{field name: value}`` of every indexed field of ``entity``."""
        return {f.name: f.extract(entity) for f in self.index}

    def field(self, name: str) -> IndexField[T]:
        """Return the indexed field ``name``.

        :raises ValidationError: naming the indexed fields when there is none such.
        """
        for f in self.index:
            if f.name == name:
                return f
        allowed = ", ".join(f.name for f in self.index) or "none"
        raise ValidationError(
            f"{self.kind} has no indexed field {name!r}; queryable fields: {allowed}", field=name
        )
