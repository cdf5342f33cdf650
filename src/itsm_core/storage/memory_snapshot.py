"""Snapshots: how the in-memory backend keeps an entity without encoding it.

A store keeps an entity as its record (:meth:`AggregateSpec.to_record`) and
rebuilds it from the record when it is loaded. For an entity whose record
holds only immutable values — strings, numbers, enumeration members, aware
datetimes, durations, tuples of these and frozen attrs values — the memory
backend keeps a *snapshot* instead: the tuple of the entity's record fields,
exactly as loading its record would give them. Loading a snapshot sets those
values on a new instance: nothing is shared that can be changed, so a loaded
entity and a saved one stay as detached from the store as with records.

"Exactly as loading its record would give them" is what the snapshot keeps:
an instant in a zone (``ZoneInfo``) is kept with its fixed offset, as a
record's ISO 8601 string reads back; an ``int`` in a ``float`` field as a
float. A snapshot is taken under the record's rules (every string checked as
:func:`~itsm_core.kernel.text.check_texts` checks a record, every instant
aware) and the entity's validators are run, as loading its record would run
them (a validator marked :data:`VALUE_ONLY` only for a value that is not
still the very object of the snapshot the entity was loaded from: it passed
then). Anything else — a field of another type, a value that is not exactly
of its field's type, a class with its own ``__attrs_post_init__``, a spec
with a record mapping of its own — has no snapshot: the backend keeps its
record. So a snapshot never holds what a record would refuse or change.
"""

from __future__ import annotations

import copy
import enum
import functools
import types
import typing
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
from attr._make import _frozen_setattrs

from itsm_core.kernel.text import text_problem

__all__ = ["VALUE_ONLY", "Plan", "Snapshots", "kept_instant", "kept_zones", "take_snapshot"]

VALUE_ONLY = "__itsm_value_only__"
"""The mark of an attrs validator that checks its value alone (no other field, no
state): a snapshot skips it for a value still the very one it was loaded with.
Set by :func:`itsm_core.kernel.clock.aware_field` and the complaint's text check."""

_Norm = Callable[[Any, list[str]], Any]
"""A field's normaliser: the value as its record reads back; strings are collected."""


class _NoSnapshot(Exception):
    """The value has no snapshot: keep the record."""


_NO = _NoSnapshot()


_INLINE: dict[_Norm, tuple[str, Any]] = {}
"""Normalisers the compiled code writes out: ``(how, class)``."""


def _inline(norm: _Norm, how: str, cls: Any) -> _Norm:
    _INLINE[norm] = (how, cls)
    return norm


def _exact(kind: type) -> _Norm:
    def norm(value: Any, _texts: list[str]) -> Any:
        if value.__class__ is not kind:
            raise _NO
        return value

    return norm


def _text(value: Any, texts: list[str]) -> Any:
    if value.__class__ is not str:
        raise _NO
    texts.append(value)
    return value


def _float(value: Any, _texts: list[str]) -> Any:
    cls = value.__class__
    if cls is float:
        return value
    if cls is int:  # a record reads an int of a float field back as a float
        return float(value)
    raise _NO


_ZONES: dict[timedelta, timezone] = {}  # the fixed offsets instants are kept with
_ZONE_IDS: set[int] = set()


def _zone(offset: timedelta) -> timezone:
    zone = _ZONES.get(offset)
    if zone is None:
        zone = _ZONES.setdefault(offset, timezone(offset))  # unnamed, as ISO 8601 reads back
        _ZONE_IDS.add(id(zone))
    return zone


def kept_zones() -> set[int]:
    """The ids of the zones instants are kept with (read by :func:`kept_instant`; it grows)."""
    return _ZONE_IDS


def kept_instant(value: Any) -> bool:
    """Whether ``value`` is an instant as a snapshot keeps it (aware, with a fixed offset).

    Such an instant is aware and inside the years 2 to 9998: it passes
    :func:`~itsm_core.kernel.clock.require_aware` as it is.
    """
    return (
        value.__class__ is datetime
        and id(value.tzinfo) in _ZONE_IDS
        and 1 < value.year < 9999
    )


def _instant(value: Any, _texts: list[str]) -> Any:
    if value.__class__ is not datetime or not 1 < value.year < 9999:
        raise _NO  # (years 1 and 9999 may leave the range in UTC: the record decides)
    zone = value.tzinfo
    if id(zone) in _ZONE_IDS and not value.fold:
        return value  # already as its ISO 8601 string reads back
    for seen, kept in _recent:  # an instant often fills several fields, and comes back
        if seen is value:
            return kept
    offset = None if zone is None else value.utcoffset()
    if offset is None:
        raise _NO  # naive: the record refuses it
    kept = value.replace(tzinfo=_zone(offset), fold=0)
    _remember(value, kept)
    return kept


_recent: tuple[tuple[Any, Any], ...] = ()
"""The instants kept last, and how (held, so that identity means the same instant);
replaced whole, never changed in place: a thread reading it meanwhile reads a whole tuple."""


def _remember(value: Any, kept: Any) -> None:
    global _recent
    _recent = ((value, kept), *_recent[:3])


def _optional(inner: _Norm) -> _Norm:
    def norm(value: Any, texts: list[str]) -> Any:
        return None if value is None else inner(value, texts)

    return norm


def _tuple_of(inner: _Norm) -> _Norm:
    def norm(value: Any, texts: list[str], before: Any = None) -> Any:
        """The tuple as kept; ``before``, the field's value when loaded: its items still
        in their places were taken (and checked) then, and are immutable."""
        if value.__class__ is not tuple:
            raise _NO
        start = 0
        if before.__class__ is tuple:  # an item appended or changed: the rest stays
            for a, b in zip(value, before, strict=False):
                if a is not b:
                    break
                start += 1
        if start == len(value):
            return value
        items = value[:start] + tuple(inner(v, texts) for v in value[start:])
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return items

    _TUPLES.add(norm)
    return norm


_TUPLES: set[_Norm] = set()
"""Normalisers of tuple fields: the compiled code gives them the value loaded as well."""


def _frozenset_of(inner: _Norm) -> _Norm:
    def norm(value: Any, texts: list[str]) -> Any:
        if value.__class__ is not frozenset:
            raise _NO
        for v in value:
            if inner(v, texts) is not v:
                raise _NO
        return value

    return norm


def _value_of(cls: type) -> _Norm | None:
    """The normaliser of a frozen attrs value class, or None if it has no snapshot.

    Compiled for the class: each field checked as :func:`_compile` checks an
    entity's; a value with a field kept otherwise (an instant in a named zone)
    is rebuilt with the kept values (the same instants: its validators passed).
    """
    setter: Any = cls.__setattr__
    if setter is not _frozen_setattrs:
        return None
    fields = _record_fields(cls)
    if fields is None or len(fields) != len(attrs.fields(cls)):
        return None  # a private or computed field: its record would drop it
    scope: dict[str, Any] = {"NO": _NO, "cls": cls, "new": object.__new__}
    lines = ["def norm(value, texts):", "    if value.__class__ is not cls: raise NO"]
    for i, (name, field_norm) in enumerate(fields):
        lines.append(f"    v{i} = w{i} = value.{name}")
        lines.extend(_check_lines(i, field_norm, scope, "    "))
    same = " and ".join(f"v{i} is w{i}" for i in range(len(fields))) or "True"
    lines.append(f"    if {same}: return value")
    lines.append("    rebuilt = new(cls)")
    for i, (name, _) in enumerate(fields):
        scope[f"S{i}"] = _slot_setter(cls, name)
        lines.append(f"    S{i}(rebuilt, v{i})")
    lines.append("    return rebuilt")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<snapshot value {cls.__module__}.{cls.__qualname__}>", "exec"), scope)
    norm: _Norm = scope["norm"]
    return norm


def _check_lines(i: int, norm: _Norm, scope: dict[str, Any], indent: str) -> list[str]:
    """The code that checks (and keeps) field ``i``'s value ``v{i}`` with ``norm``."""
    v = f"v{i}"
    how, kind = _INLINE.get(norm, ("call", None))
    scope[f"C{i}"] = kind
    scope[f"N{i}"] = norm
    if how == "str":
        return [f"{indent}if {v}.__class__ is not str: raise NO", f"{indent}texts.append({v})"]
    if how == "str?":
        return [
            f"{indent}if {v}.__class__ is str: texts.append({v})",
            f"{indent}elif {v} is not None: raise NO",
        ]
    if how == "exact":
        return [f"{indent}if {v}.__class__ is not C{i}: raise NO"]
    if how == "exact?":
        return [f"{indent}if {v} is not None and {v}.__class__ is not C{i}: raise NO"]
    if how == "float":
        return [f"{indent}if {v}.__class__ is not float: {v} = N{i}({v}, texts)"]
    if how in ("instant", "instant?"):  # kept already (kept_instant, written out), or keep it
        kept = (
            f"{v}.__class__ is datetime and id({v}.tzinfo) in ZONES and not {v}.fold "
            f"and 1 < {v}.year < 9999"
        )
        if how == "instant?":
            kept = f"{v} is None or ({kept})"
        scope["datetime"] = datetime
        scope["ZONES"] = _ZONE_IDS
        return [f"{indent}if not ({kept}): {v} = N{i}({v}, texts)"]
    return [f"{indent}{v} = N{i}({v}, texts)"]


_SIMPLE: dict[Any, _Norm] = {
    str: _inline(_text, "str", str),
    int: _inline(_exact(int), "exact", int),
    bool: _inline(_exact(bool), "exact", bool),
    float: _inline(_float, "float", float),
    datetime: _inline(_instant, "instant", datetime),
    timedelta: _inline(_exact(timedelta), "exact", timedelta),
}


def _normaliser(type_: Any) -> _Norm | None:
    """The normaliser of a field of ``type_``, or None if its values have no snapshot."""
    simple = _SIMPLE.get(type_)
    if simple is not None:
        return simple
    origin = typing.get_origin(type_)
    args = typing.get_args(type_)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1 or len(args) != 2:
            return None
        inner = _normaliser(rest[0])
        if inner is None:
            return None
        how, kind = _INLINE.get(inner, ("call", None))
        if how in ("str", "exact", "instant"):
            return _inline(_optional(inner), f"{how}?", kind)
        return _optional(inner)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        inner = _normaliser(args[0])
        return None if inner is None else _tuple_of(inner)
    if origin is frozenset and len(args) == 1:
        member = args[0]
        if member is str or (isinstance(member, type) and issubclass(member, enum.Enum)):
            inner = _normaliser(member)
            return None if inner is None else _frozenset_of(inner)
        return None
    if origin is not None or not isinstance(type_, type):
        return None
    if issubclass(type_, enum.Enum):
        return _enum_member(type_)
    if attrs.has(type_):
        return _value_class(type_)
    return None


@functools.cache
def _enum_member(cls: type) -> _Norm:
    return _inline(_exact(cls), "exact", cls)


@functools.cache
def _value_class(cls: type) -> _Norm | None:
    return _value_of(cls)


@functools.cache
def _record_fields(cls: type) -> tuple[tuple[str, _Norm], ...] | None:
    """``(name, normaliser)`` of each field of ``cls``'s record, or None if one has none.

    A record holds the public fields ``__init__`` sets.
    """
    if hasattr(cls, "__attrs_post_init__") or hasattr(cls, "__attrs_pre_init__"):
        return None
    try:
        attrs.resolve_types(cls)
    except Exception:  # a name the class's module does not hold: no snapshot
        return None
    found = []
    for a in attrs.fields(cls):
        if a.name.startswith("_") or not a.init:
            continue
        norm = _normaliser(a.type)
        if norm is None:
            return None
        found.append((a.name, norm))
    return tuple(found)


class Plan:
    """How entities of one class are snapshot and rebuilt (code compiled for the class)."""

    def __init__(
        self,
        cls: type,
        fields: tuple[tuple[str, _Norm], ...],
        others: tuple[tuple[str, Callable[[Any], Any]], ...],
    ) -> None:
        self.cls = cls
        self.names = tuple(n for n, _ in fields)
        self._nothing = tuple(object() for _ in fields)  # no earlier snapshot: all changed
        self.take_code: Callable[[Any, tuple[Any, ...]], tuple[Any, ...]]
        self.load: Callable[[tuple[Any, ...]], Any]
        """A new entity holding a snapshot's values (and the defaults of the fields left out)."""
        self.take_code, self.load = _compile(cls, fields, others)
        self.spec: Any = None  # the spec whose records the snapshots stand for (see Snapshots)

    def __deepcopy__(self, memo: dict[int, Any]) -> Plan:
        return self  # compiled code and a spec: nothing a copy could hold apart

    def take(self, entity: Any, loaded: tuple[Any, ...] | None = None) -> tuple[Any, ...]:
        """The snapshot of ``entity``; ``loaded``, the one it was loaded from, if any.

        A value still the very object of ``loaded`` is unchanged: it was taken
        (and checked) then, and is immutable.

        :raises _NoSnapshot: if a value has none.
        """
        if entity.__class__ is not self.cls:
            raise _NO
        return self.take_code(entity, self._nothing if loaded is None else loaded)


def _compile(
    cls: type,
    fields: tuple[tuple[str, _Norm], ...],
    others: tuple[tuple[str, Callable[[Any], Any]], ...],
) -> tuple[Callable[[Any, tuple[Any, ...]], tuple[Any, ...]], Callable[[tuple[Any, ...]], Any]]:
    """The ``take`` and ``load`` functions of ``cls``, written out field by field."""
    scope: dict[str, Any] = {
        "NO": _NO,
        "problem": text_problem,
        "new": object.__new__,
        "put": object.__setattr__,
        "cls": cls,
        "str": str,
    }
    take = ["def take(entity, loaded):", "    texts = []"]
    for i, (name, norm) in enumerate(fields):
        v = f"v{i}"
        take.append(f"    {v} = entity.{name}")
        take.append(f"    if {v} is not loaded[{i}]:")
        if norm in _TUPLES:
            scope[f"N{i}"] = norm
            take.append(f"        {v} = N{i}({v}, texts, loaded[{i}])")
        else:
            take.extend(_check_lines(i, norm, scope, "        "))
    take.append("    if texts and problem(''.join(texts)) is not None: raise NO")
    places = {name: i for i, (name, _) in enumerate(fields)}
    for a in attrs.fields(cls):
        if a.validator is not None:
            scope[f"V_{a.name}"] = a.validator
            scope[f"A_{a.name}"] = a
            check = f"V_{a.name}(entity, A_{a.name}, entity.{a.name})"
            place = places.get(a.name)
            if place is not None and getattr(a.validator, VALUE_ONLY, False):
                # a check of the value alone, which passed when ``loaded`` was taken
                take.append(f"    if entity.{a.name} is not loaded[{place}]: {check}")
            else:
                take.append(f"    {check}")
    take.append(f"    return ({''.join(f'v{i}, ' for i in range(len(fields)))})")
    load = ["def load(values):", "    entity = new(cls)"]
    if fields:
        load.append(f"    {''.join(f'v{i}, ' for i in range(len(fields)))}= values")
    for i, (name, _) in enumerate(fields):
        scope[f"S{i}"] = _slot_setter(cls, name)
        load.append(f"    S{i}(entity, v{i})")
    for j, (name, default) in enumerate(others):
        scope[f"D{j}"] = default
        load.append(f"    put(entity, {name!r}, D{j}(entity))")
    load.append("    return entity")
    source = "\n".join(take) + "\n\n" + "\n".join(load) + "\n"
    exec(compile(source, f"<snapshot {cls.__module__}.{cls.__qualname__}>", "exec"), scope)
    return scope["take"], scope["load"]


def _slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """Sets ``name`` on an instance of ``cls`` as ``object.__setattr__`` does.

    The slot's own descriptor when the attribute is a slot (what
    ``object.__setattr__`` finds and calls, without looking it up each time).
    """
    for klass in cls.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            if isinstance(found, types.MemberDescriptorType):
                setter: Callable[[Any, Any], None] = found.__set__
                return setter
            break
    return lambda entity, value: object.__setattr__(entity, name, value)


def _default(a: attrs.Attribute[Any]) -> Callable[[Any], Any] | None:
    default: Any = a.default
    if default is attrs.NOTHING:
        return None
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        factory: Callable[..., Any] = default.factory
        if default.takes_self:
            return factory
        return lambda _entity: factory()
    return lambda _entity: default


@functools.cache
def _plan(cls: type) -> Plan | None:
    fields = _record_fields(cls)
    if fields is None:
        return None
    others = []
    for a in attrs.fields(cls):
        if a.name.startswith("_") or not a.init:
            default = _default(a)
            if default is None:
                return None
            others.append((a.name, default))
    return Plan(cls, fields, tuple(others))


def _derived(spec: Any) -> bool:
    """Whether ``spec`` maps records the way :meth:`AggregateSpec.of` derives."""
    fn = getattr(spec, "_from_record", None)
    to = getattr(spec, "_to_record", None)
    return all(
        getattr(f, "__module__", None) == "itsm_core.storage.records"
        and getattr(f, "__qualname__", "").startswith("derived_mapping.")
        for f in (fn, to)
    )


class Snapshots:
    """The snapshot plans of a store's specs (a spec without one keeps records).

    A spec's plan knows the spec: a snapshot taken for one spec and loaded
    with another of the same kind (an older ``record_version``, a mapping of
    its own) is loaded as that spec's record (:meth:`AggregateSpec.to_record`)
    read by the other (:meth:`AggregateSpec.from_record`), as a stored record is.
    """

    def __init__(self) -> None:
        self._plans: dict[int, tuple[Any, Plan | None]] = {}  # id(spec) → (spec, plan)

    def plan(self, spec: Any) -> Plan | None:
        """The plan of ``spec``'s entities, or None when they are kept as records."""
        found = self._plans.get(id(spec))
        if found is not None and found[0] is spec:
            return found[1]
        try:
            shared = _plan(spec.entity_type) if _derived(spec) else None
        except RecursionError:  # a value class that holds itself
            shared = None
        plan = None
        if shared is not None:  # the class's code, with the spec its records follow
            plan = copy.copy(shared)
            plan.spec = spec
        self._plans[id(spec)] = (spec, plan)
        return plan


def take_snapshot(
    plan: Plan, entity: Any, loaded: tuple[Any, ...] | None = None
) -> tuple[Any, ...] | None:
    """``entity``'s snapshot, or None when it has none (then keep its record).

    :param loaded: the snapshot ``entity`` was loaded from, if any (see :meth:`Plan.take`).

    :raises ValidationError: if a validator of the entity refuses a value.
    """
    try:
        return plan.take(entity, loaded)
    except _NoSnapshot:
        return None
