"""The contract suite's data: its toy aggregates, their specs, sample data and helpers.

Part of :mod:`itsm_core.testing.contract`, the public entry of the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import attrs

from itsm_core.kernel.actors import SYSTEM, Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.events import DomainEvent
from itsm_core.storage.base import (
    AggregateSpec,
    IndexField,
    Op,
    Query,
    StorageBackend,
    Where,
)
from itsm_core.testing._extra import missing_extra

try:
    import pytest
    from hypothesis import HealthCheck, settings
    from hypothesis import strategies as st
except ModuleNotFoundError as exc:  # a plain install: say which extra brings it
    raise missing_extra(__name__, exc) from exc

StoreFactory = Callable[[Sequence[AggregateSpec[Any]]], StorageBackend]
"""What the ``backend_factory`` fixture returns: specs → a new, empty store."""

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
"""The instant the suite's data is built around."""

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


@attrs.define(eq=False, kw_only=True)
class Item(Aggregate):
    """A toy aggregate with one field of every index type.

    :param name: a string (indexed).
    :param size: an int (indexed).
    :param weight: a float (indexed).
    :param active: a bool (indexed).
    :param due_at: a timezone-aware datetime (indexed; its zone is kept in the record).
    :param group: a string whose name is an SQL keyword (indexed).
    :param counter: an int that is not indexed.
    :param secret: a value recorded as confidential in the events.
    """

    KIND: ClassVar[str] = "contract_item"

    name: str = ""
    size: int | None = None
    weight: float | None = None
    active: bool | None = None
    due_at: datetime | None = None
    group: str | None = None
    counter: int = 0
    secret: str | None = None

    @classmethod
    def create(
        cls, item_id: str, *, at: datetime = T0, actor: Actor = SYSTEM, **fields: Any
    ) -> Item:
        """Create an item and record its ``contract_item.created`` event."""
        item = cls(id=item_id, **fields)
        item._record(
            "created",
            actor,
            at,
            payload={"name": item.name, "secret": item.secret},
            confidential=("secret",),
        )
        return item

    def change(self, *, at: datetime = T0, actor: Actor = SYSTEM, **fields: Any) -> None:
        """Set ``fields`` and record a ``contract_item.changed`` event."""
        for key, value in fields.items():
            setattr(self, key, value)
        self._record("changed", actor, at, payload={"fields": sorted(fields)})

    def bump(self, *, at: datetime = T0, actor: Actor = SYSTEM) -> None:
        """Add one to ``counter`` and record a ``contract_item.bumped`` event."""
        self.counter += 1
        self._record("bumped", actor, at, payload={"counter": self.counter})


ITEM_SPEC: AggregateSpec[Item] = AggregateSpec.of(
    Item,
    index=(
        IndexField("name", "str", lambda i: i.name),
        IndexField("size", "int", lambda i: i.size),
        IndexField("weight", "float", lambda i: i.weight),
        IndexField("active", "bool", lambda i: i.active),
        IndexField("due_at", "datetime", lambda i: i.due_at),
        IndexField("group", "str", lambda i: i.group),
    ),
)
"""The storage spec of :class:`Item`."""


@attrs.define(eq=False, kw_only=True)
class Note(Aggregate):
    """A second toy aggregate kind, to check kinds are stored apart.

    :param item_id: the item the note is about (indexed).
    :param text: free text (not indexed).
    :param posted_at: when it was posted (indexed).
    """

    KIND: ClassVar[str] = "contract_note"

    item_id: str = ""
    text: str = ""
    posted_at: datetime = T0

    @classmethod
    def post(cls, note_id: str, item_id: str, text: str, *, at: datetime = T0) -> Note:
        """Create a note and record its ``contract_note.posted`` event."""
        note = cls(id=note_id, item_id=item_id, text=text, posted_at=at)
        note._record("posted", SYSTEM, at, payload={"item_id": item_id})
        return note


_NOTE_INDEX: tuple[IndexField[Note], ...] = (
    IndexField("item_id", "str", lambda n: n.item_id),
    IndexField("posted_at", "datetime", lambda n: n.posted_at),
)


def _note_v1_to_v2(record: dict[str, Any]) -> dict[str, Any]:
    """Version 1 of a note's record held its text under ``body``."""
    record["text"] = record.pop("body")
    return record


NOTE_SPEC: AggregateSpec[Note] = AggregateSpec.of(
    Note, index=_NOTE_INDEX, record_version=2, upcasters={1: _note_v1_to_v2}
)
"""The storage spec of :class:`Note`: record version 2, with the upcaster from version 1."""

NOTE_V1_SPEC: AggregateSpec[Note] = AggregateSpec(
    Note.KIND,
    Note,
    lambda n: {
        "id": n.id,
        "version": n.version,
        "item_id": n.item_id,
        "body": n.text,
        "posted_at": n.posted_at.isoformat(),
    },
    lambda r: Note(
        id=r["id"],
        version=r["version"],
        item_id=r["item_id"],
        text=r["body"],
        posted_at=datetime.fromisoformat(r["posted_at"]),
    ),
    _NOTE_INDEX,
)
"""How an older release stored notes (record version 1): the suite writes such records."""

CONTRACT_SPECS: tuple[AggregateSpec[Any], ...] = (ITEM_SPEC, NOTE_SPEC)
"""The specs the suite opens its stores with."""


def sample_items() -> list[Item]:
    """Return the five items most query tests run on (not yet stored).

    ====  =========  ====  ======  ======  =====================  =====
    id    name       size  weight  active  due_at                 group
    ====  =========  ====  ======  ======  =====================  =====
    i1    alpha      1     0.5     True    T0 (UTC)               x
    i2    Beta       2     1.5     False   T0+1h (Shanghai)       x
    i3    gamma      3     None    True    None                   y
    i4    delta      None  2.25    None    T0+2h (New York)       None
    i5    épsilon    2     0.5     False   T0-1h (UTC)            y
    ====  =========  ====  ======  ======  =====================  =====
    """
    return [
        Item.create("i1", name="alpha", size=1, weight=0.5, active=True, due_at=T0, group="x"),
        Item.create(
            "i2",
            name="Beta",
            size=2,
            weight=1.5,
            active=False,
            due_at=(T0 + timedelta(hours=1)).astimezone(SHANGHAI),
            group="x",
        ),
        Item.create("i3", name="gamma", size=3, weight=None, active=True, due_at=None, group="y"),
        Item.create(
            "i4",
            name="delta",
            size=None,
            weight=2.25,
            active=None,
            due_at=(T0 + timedelta(hours=2)).astimezone(NEW_YORK),
            group=None,
        ),
        Item.create(
            "i5",
            name="épsilon",
            size=2,
            weight=0.5,
            active=False,
            due_at=T0 - timedelta(hours=1),
            group="y",
        ),
    ]


def _more_items() -> list[Item]:
    """A larger, deterministic data set for the property tests (ties and Nones included)."""
    names = ["alpha", "Beta", "gamma", "delta", "épsilon", "Zeta", "alpha", "", "éta", "beta"]
    items = sample_items()
    for n in range(6, 21):
        due = None if n % 5 == 0 else (T0 + timedelta(minutes=37 * (n % 7) - 90))
        if due is not None and n % 3 == 0:
            due = due.astimezone(SHANGHAI)
        elif due is not None and n % 3 == 1:
            due = due.astimezone(NEW_YORK)
        items.append(
            Item.create(
                f"i{n:02d}",
                name=names[n % len(names)],
                size=None if n % 6 == 0 else n % 4,
                weight=None if n % 4 == 0 else [0.5, 1.5, 2.25, -0.75][n % 4],
                active=None if n % 7 == 0 else n % 2 == 0,
                due_at=due,
                group=None if n % 8 == 0 else "xyz"[n % 3],
            )
        )
    return items


_FIELD_VALUES: dict[str, list[Any]] = {
    "id": ["i1", "i3", "i07", "i20", "zz"],
    "name": ["alpha", "Beta", "beta", "delta", "épsilon", "", "m", None],
    "size": [0, 1, 2, 3, 5, -1, None],
    "weight": [0.5, 1.5, 2.25, -0.75, 1.0, None],
    "active": [True, False, None],
    "due_at": [
        T0,
        (T0 + timedelta(hours=1)).astimezone(SHANGHAI),
        (T0 - timedelta(minutes=90)).astimezone(NEW_YORK),
        T0 + timedelta(minutes=37),
        T0 + timedelta(days=1),
        None,
    ],
    "group": ["x", "y", "z", "w", None],
}
_OPS: list[Op] = ["eq", "ne", "in", "lt", "le", "gt", "ge", "is_null", "not_null"]


@st.composite
def _conditions(draw: st.DrawFn) -> Where:
    field = draw(st.sampled_from(sorted(_FIELD_VALUES)))
    op = draw(st.sampled_from(_OPS))
    pool = _FIELD_VALUES[field]
    if field == "id":
        pool = [v for v in pool if v is not None]
    if op == "in":
        return Where(field, "in", tuple(draw(st.lists(st.sampled_from(pool), max_size=3))))
    if op in ("is_null", "not_null"):
        return Where(field, op)
    return Where(field, op, draw(st.sampled_from(pool)))


_QUERIES = st.builds(
    Query,
    where=st.lists(_conditions(), max_size=3).map(tuple),
    order_by=st.lists(
        st.sampled_from([f"{sign}{f}" for f in sorted(_FIELD_VALUES) for sign in ("", "-")]),
        max_size=3,
        unique_by=lambda name: name.lstrip("-"),
    ).map(tuple),
    limit=st.one_of(st.none(), st.integers(0, 8)),
    offset=st.integers(0, 6),
)

_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    # one store per test serves every example (the examples only read), and each
    # backend's subclass runs the same test: both are intended
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.differing_executors,
    ],
)


def _values(item: Item) -> dict[str, Any]:
    return {**ITEM_SPEC.index_values(item), "id": item.id}


def _ids(store: StorageBackend, query: Query = Query()) -> list[str]:  # noqa: B008
    with store.unit_of_work() as uow:
        return [i.id for i in uow.find(ITEM_SPEC, query)]


def _put(store: StorageBackend, *entities: Any) -> list[DomainEvent]:
    with store.unit_of_work() as uow:
        for entity in entities:
            uow.save(NOTE_SPEC if isinstance(entity, Note) else ITEM_SPEC, entity)
        return uow.commit()


def _load(store: StorageBackend, item_id: str) -> Item:
    with store.unit_of_work() as uow:
        return uow.get(ITEM_SPEC, item_id)


def _history(store: StorageBackend, item_id: str, kind: str = Item.KIND) -> list[DomainEvent]:
    with store.unit_of_work() as uow:
        return uow.history(kind, item_id)


def _pending_ids(store: StorageBackend, now: datetime = T0, limit: int = 100) -> list[str]:
    return [e.event.event_id for e in store.outbox_pending(now, limit)]


LEASE = timedelta(seconds=60)
"""The lease the suite's outbox claims take."""


def _claim_ids(
    store: StorageBackend, now: datetime = T0, limit: int = 100, lease: timedelta = LEASE
) -> list[str]:
    return [e.event.event_id for e in store.outbox_claim(now, limit, lease)]


def _event_ids(store: StorageBackend, count: int) -> list[str]:
    """Commit ``count`` new items, one unit of work each; return their event ids in order."""
    return [e.event_id for n in range(count) for e in _put(store, Item.create(f"o{n:03d}"))]


class ContractFixtures:
    """The fixtures every part of the suite uses; ``backend_factory`` is the subclass's."""

    # -- fixtures --------------------------------------------------------------

    @pytest.fixture
    def backend_factory(self) -> StoreFactory:
        """Override: return a callable ``specs -> new empty StorageBackend``."""
        pytest.fail(
            "a StorageContract subclass must define a `backend_factory` fixture returning "
            "a callable that takes a sequence of AggregateSpec and returns a new, empty store"
        )

    @pytest.fixture
    def store(self, backend_factory: StoreFactory) -> Iterator[StorageBackend]:
        """A new, empty store for :data:`CONTRACT_SPECS`, closed afterwards."""
        backend = backend_factory(CONTRACT_SPECS)
        try:
            yield backend
        finally:
            backend.close()

    @pytest.fixture
    def sample(self, store: StorageBackend) -> StorageBackend:
        """The store holding :func:`sample_items`."""
        _put(store, *sample_items())
        return store
