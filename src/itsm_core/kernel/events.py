"""Domain events: the immutable record of every state change (the audit trail, 留痕)."""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any

import attrs

from itsm_core.kernel.actors import Actor, Role
from itsm_core.kernel.clock import aware_field, require_aware
from itsm_core.kernel.ids import new_id
from itsm_core.kernel.text import check_texts, text_problem

__all__ = ["REDACTED", "DomainEvent", "jsonable", "may_see_confidential", "visible_to"]

REDACTED = "[redacted]"
"""What a confidential payload value is replaced with outside its permitted readers."""


def jsonable(value: Any) -> Any:
    """Convert ``value`` into plain JSON-able data (str, int, float, bool, None, list, dict).

    Datetimes become ISO 8601 strings, timedeltas seconds, enums their code,
    attrs instances dicts.
    """
    if value is None or isinstance(value, bool | int | float | str):
        if isinstance(value, enum.Enum):
            return value.value
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, datetime):
        return require_aware(value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if attrs.has(type(value)):
        return {k: jsonable(v) for k, v in attrs.asdict(value, recurse=False).items()}
    if isinstance(value, Iterable):
        items = [jsonable(v) for v in value]
        if isinstance(value, set | frozenset):
            items.sort(key=repr)
        return items
    raise TypeError(f"cannot convert {type(value).__name__} to JSON data")


_PLAIN = frozenset({str, int, float, bool, type(None)})
_new = object.__new__
_put = object.__setattr__


def _frozen(value: Any, texts: list[str]) -> Any:
    """:func:`jsonable`, then frozen (mappings as :class:`FrozenMapping`, lists as tuples),
    in one pass; strings collected."""
    cls = value.__class__
    if cls in _PLAIN:
        if cls is str:
            texts.append(value)
        return value
    if cls is dict or cls is FrozenMapping or cls is MappingProxyType:
        keys = []
        values = []
        for k, v in value.items():
            key = k if k.__class__ is str else str(k)
            texts.append(key)
            kind = v.__class__
            if kind is str:
                texts.append(v)
            elif kind not in _PLAIN:
                v = _frozen(v, texts)
            keys.append(key)
            values.append(v)
        return _mapping(tuple(keys), tuple(values))
    if cls is list or cls is tuple:
        return tuple([_frozen(v, texts) for v in value])
    if cls is datetime:  # as jsonable gives it
        text = require_aware(value).isoformat()
        texts.append(text)
        return text
    if _CODES[cls]:  # a string enumeration member: its code, as jsonable gives it
        code = value._value_
        if code.__class__ is str:
            texts.append(code)
            return code
    return _frozen(jsonable(value), texts)  # anything else: as jsonable says (plain data)


class _Codes(dict[type, bool]):
    """The string enumeration classes met in payloads (found on first sight)."""

    def __missing__(self, cls: type) -> bool:
        found = issubclass(cls, enum.Enum) and issubclass(cls, str)
        self[cls] = found
        return found


_CODES = _Codes()


class FrozenMapping(Mapping[str, Any]):
    """A read-only mapping of a frozen payload: its values in a tuple, the places of its
    keys shared by every payload with the same keys (the events of one kind, mostly).

    It reads as any mapping (``payload["to"]``, ``.get``, ``.items()``, ``==`` with a
    dict) and cannot be changed: no item or attribute can be set.
    """

    __slots__ = ("_places", "_values")
    _places: Mapping[str, int]
    _values: tuple[Any, ...]

    def __init__(self, items: Mapping[str, Any] = MappingProxyType({})) -> None:
        keys = tuple(items)
        _put(self, "_places", _shape(keys))
        _put(self, "_values", tuple(items[k] for k in keys))

    def __getitem__(self, key: str) -> Any:
        return self._values[self._places[key]]

    def get(self, key: str, default: Any = None) -> Any:
        place = self._places.get(key)
        return default if place is None else self._values[place]

    def __contains__(self, key: object) -> bool:
        return key in self._places

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"FrozenMapping({dict(zip(self._places, self._values, strict=True))!r})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a frozen payload cannot be changed (set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a frozen payload cannot be changed (delete {name!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMapping, (dict(zip(self._places, self._values, strict=True)),))


_SHAPES: dict[tuple[str, ...], Mapping[str, int]] = {}
"""The places of the keys of each payload shape met (bounded: see :func:`_shape`)."""
_MAX_SHAPES = 4096


def _shape(keys: tuple[str, ...]) -> Mapping[str, int]:
    """``{key: place}`` for ``keys`` (distinct): one shared dict per shape, while few."""
    places = _SHAPES.get(keys)
    if places is None:
        places = {k: i for i, k in enumerate(keys)}
        if len(_SHAPES) < _MAX_SHAPES:  # payloads keyed by data (ids...) are not kept
            places = _SHAPES.setdefault(keys, places)
    return places


def _mapping(keys: tuple[str, ...], values: tuple[Any, ...]) -> Mapping[str, Any]:
    """The frozen mapping of ``keys`` → ``values`` (a key given twice: the last value)."""
    places = _shape(keys)
    if len(places) != len(keys):  # a key twice (1 and "1"): as a dict keeps them
        return FrozenMapping(dict(zip(keys, values, strict=True)))
    mapping = _new(FrozenMapping)
    _put(mapping, "_places", places)
    _put(mapping, "_values", values)
    return mapping


def _frozen_payload(value: Mapping[str, Any]) -> Mapping[str, Any]:
    """The payload as deeply immutable data: read-only mappings and tuples all the way down.

    An event is the history: a caller or notifier that could change a nested
    value would rewrite what is stored (on the memory backend) or what the
    next notifier sees. :func:`jsonable` (and :meth:`DomainEvent.to_dict`)
    turns it back into plain JSON data.
    """
    texts: list[str] = []
    frozen: Mapping[str, Any] = _frozen(value if value.__class__ is dict else dict(value), texts)
    if text_problem("".join(texts)) is not None:  # no backend stores NUL or lone surrogates
        check_texts(jsonable(dict(value)), "payload")  # raises, naming the string's path
    return frozen


def _thaw(value: Any) -> Any:
    """The plain JSON data of a frozen payload value (the inverse of :func:`_frozen`)."""
    if type(value) is FrozenMapping:
        return {k: _thaw(v) for k, v in zip(value._places, value._values, strict=True)}
    if type(value) is tuple:
        return [_thaw(v) for v in value]
    return value


_NO_KEYS: frozenset[str] = frozenset()


def _frozen_keys(value: Iterable[str]) -> frozenset[str]:
    keys = frozenset(value)
    return keys if keys else _NO_KEYS  # most events have none: one shared empty set


@functools.lru_cache(maxsize=256)
def _role_names(roles: frozenset[Role]) -> tuple[str, ...]:
    """The names of ``roles``, sorted (one shared tuple per set of roles)."""
    return tuple(sorted(r.value for r in roles))


@attrs.frozen
class DomainEvent:
    """One state change of one aggregate.

    :param aggregate_kind: e.g. ``"complaint"``.
    :param aggregate_id: the id of the entity that changed.
    :param aggregate_version: the entity's version after this change (1 for its first event).
    :param name: what happened, e.g. ``"complaint.received"``.
    :param occurred_at: when (timezone-aware).
    :param actor_id: who did it.
    :param actor_roles: the roles the actor held.
    :param payload: JSON-able facts of the change; kept deeply immutable
        (read-only mappings, tuples for lists); ``to_dict`` gives plain JSON data.
    :param confidential: payload keys only privileged readers may see.
    :param event_id: unique id; the idempotency key for notifiers.
    """

    aggregate_kind: str
    aggregate_id: str
    aggregate_version: int
    name: str
    occurred_at: datetime = attrs.field(validator=aware_field())
    actor_id: str
    actor_roles: tuple[str, ...] = ()
    payload: Mapping[str, Any] = attrs.field(converter=_frozen_payload, factory=dict)
    confidential: frozenset[str] = attrs.field(converter=_frozen_keys, factory=frozenset)
    event_id: str = attrs.field(factory=lambda: new_id("evt-"))

    @classmethod
    def create(
        cls,
        *,
        kind: str,
        aggregate_id: str,
        version: int,
        name: str,
        at: datetime,
        actor: Actor,
        payload: Mapping[str, Any] | None = None,
        confidential: Iterable[str] = (),
    ) -> DomainEvent:
        """Build an event for ``actor`` at ``at``.

        The same checks and conversions as the constructor (``at`` aware, the
        payload deeply frozen and its strings checked, the confidential keys a
        frozenset), without the constructor's generic machinery.
        """
        require_aware(at, "occurred_at")
        event = _new(cls)
        _put(event, "aggregate_kind", kind)
        _put(event, "aggregate_id", aggregate_id)
        _put(event, "aggregate_version", version)
        _put(event, "name", name)
        _put(event, "occurred_at", at)
        _put(event, "actor_id", actor.id)
        _put(event, "actor_roles", _role_names(actor.roles))
        _put(event, "payload", _frozen_payload(payload or {}))
        _put(event, "confidential", _frozen_keys(confidential) if confidential else _NO_KEYS)
        _put(event, "event_id", new_id("evt-"))
        return event

    def redacted(self) -> DomainEvent:
        """Return this event with every confidential payload value replaced by :data:`REDACTED`."""
        if not self.confidential:
            return self
        payload = {
            k: (REDACTED if k in self.confidential and v is not None else v)
            for k, v in self.payload.items()
        }
        return attrs.evolve(self, payload=payload)

    def to_dict(self) -> dict[str, Any]:
        """Return the event as JSON-able data (the inverse of :meth:`from_dict`)."""
        return {
            "event_id": self.event_id,
            "aggregate_kind": self.aggregate_kind,
            "aggregate_id": self.aggregate_id,
            "aggregate_version": self.aggregate_version,
            "name": self.name,
            "occurred_at": self.occurred_at.isoformat(),
            "actor_id": self.actor_id,
            "actor_roles": list(self.actor_roles),
            "payload": _thaw(self.payload),  # frozen JSON data already: only thawed
            "confidential": sorted(self.confidential),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainEvent:
        """Rebuild an event from :meth:`to_dict` output."""
        return cls(
            aggregate_kind=data["aggregate_kind"],
            aggregate_id=data["aggregate_id"],
            aggregate_version=int(data["aggregate_version"]),
            name=data["name"],
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
            actor_id=data["actor_id"],
            actor_roles=tuple(data.get("actor_roles", ())),
            payload=data.get("payload", {}),
            confidential=frozenset(data.get("confidential", ())),
            event_id=data["event_id"],
        )


def may_see_confidential(actor: Actor) -> bool:
    """Return True if ``actor`` may read confidential payload values.

    The one confidential value of the domain is an internal complainant's
    identity, which the complaint specialist alone may see (the complaint process).
    """
    return actor.has(Role.COMPLAINT_SPECIALIST)


def visible_to(actor: Actor, events: Iterable[DomainEvent]) -> list[DomainEvent]:
    """Return ``events`` as ``actor`` may read them: redacted unless they may see all."""
    if may_see_confidential(actor):
        return list(events)
    return [event.redacted() for event in events]
