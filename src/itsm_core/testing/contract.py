"""The storage backend contract suite: the behaviour every backend must have.

The in-memory backend, SQLAlchemy on SQLite and SQLAlchemy on PostgreSQL all
pass these same tests; a third-party backend runs them too. Subclass
:class:`StorageContract` in a test module (name the subclass ``Test…`` so
pytest collects it) and provide a ``backend_factory`` fixture: a callable
that takes a sequence of :class:`~itsm_core.storage.AggregateSpec` and
returns a new, **empty** store for them (each call a store of its own; the
suite closes it)::

    import pytest
    from itsm_core.testing.contract import StorageContract

    class TestMyBackend(StorageContract):
        @pytest.fixture
        def backend_factory(self, tmp_path):
            return lambda specs: MyBackend(f"my://{tmp_path}/db", specs)

The suite stores two toy aggregate kinds, :class:`Item` (every index type:
``str``, ``int``, ``float``, ``bool``, ``datetime``) and :class:`Note`, so it
does not depend on the library's domain. It needs pytest and hypothesis.

What it checks: loading (``NotFound``), saving new and changed entities,
``ConflictError`` on a stale write and on a taken id with nothing changed,
rollback, read-your-writes within a unit of work and isolation from others,
``find`` with every operator, ordering (descending, ``None`` values, ties,
code-point order of strings), limit/offset, ``count``, ``aggregate``
(group_by, count/sum/min/max, empty input), the ``ValidationError`` of a
bad query or aggregate and of an indexed value that does not fit its
field's type (nothing staged), datetime fields given in
different zones, history order, the outbox lifecycle (pending → delivered /
failed with retries → done) and that entries waiting for a retry do not
starve new ones, outbox claims (two claims, also from threads at once, get
disjoint entries; a claim lasts until its lease expires or the entry is
released or done; progress marks keep it; an entry waiting for a retry is
not claimed before its time), purging done entries (pending ones and the
history stay), events committed atomically with the state, and a closed
store refusing every call (units of work, reads, saves, the outbox). Two
property tests compare ``find``, ``count`` and ``aggregate`` with the
reference evaluation of :mod:`itsm_core.storage.evaluate` on random queries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itsm_core.kernel.actors import SYSTEM, Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.codec import iso, optional_instant
from itsm_core.kernel.errors import ConflictError, NotFound, StorageError, ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.storage.base import (
    AggregateSpec,
    IndexField,
    Measure,
    Op,
    Query,
    StorageBackend,
    Where,
)
from itsm_core.storage.evaluate import aggregate_rows, matches, select

__all__ = [
    "CONTRACT_SPECS",
    "ITEM_SPEC",
    "NOTE_SPEC",
    "T0",
    "Item",
    "Note",
    "StorageContract",
    "StoreFactory",
    "sample_items",
]

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


def _item_to_record(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "version": item.version,
        "name": item.name,
        "size": item.size,
        "weight": item.weight,
        "active": item.active,
        "due_at": iso(item.due_at),
        "group": item.group,
        "counter": item.counter,
        "secret": item.secret,
    }


def _item_from_record(record: Mapping[str, Any]) -> Item:
    return Item(
        id=record["id"],
        version=record["version"],
        name=record["name"],
        size=record["size"],
        weight=record["weight"],
        active=record["active"],
        due_at=optional_instant(record["due_at"]),
        group=record["group"],
        counter=record["counter"],
        secret=record["secret"],
    )


ITEM_SPEC: AggregateSpec[Item] = AggregateSpec(
    kind=Item.KIND,
    entity_type=Item,
    to_record=_item_to_record,
    from_record=_item_from_record,
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


NOTE_SPEC: AggregateSpec[Note] = AggregateSpec(
    kind=Note.KIND,
    entity_type=Note,
    to_record=lambda n: {
        "id": n.id,
        "version": n.version,
        "item_id": n.item_id,
        "text": n.text,
        "posted_at": n.posted_at.isoformat(),
    },
    from_record=lambda r: Note(
        id=r["id"],
        version=r["version"],
        item_id=r["item_id"],
        text=r["text"],
        posted_at=datetime.fromisoformat(r["posted_at"]),
    ),
    index=(
        IndexField("item_id", "str", lambda n: n.item_id),
        IndexField("posted_at", "datetime", lambda n: n.posted_at),
    ),
)
"""The storage spec of :class:`Note`."""

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


class StorageContract:
    """The contract suite. Subclass it as ``Test…`` and provide ``backend_factory``."""

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

    # -- get / save ------------------------------------------------------------

    def test_get_unknown_id_raises_not_found(self, store: StorageBackend) -> None:
        with store.unit_of_work() as uow, pytest.raises(NotFound) as info:
            uow.get(ITEM_SPEC, "nope")
        assert info.value.kind == Item.KIND
        assert info.value.entity_id == "nope"
        assert isinstance(info.value, LookupError)

    def test_new_entity_round_trips(self, store: StorageBackend) -> None:
        item = Item.create(
            "a",
            name="Ärger 投诉",
            size=7,
            weight=2.5,
            active=True,
            due_at=datetime(2025, 3, 1, 17, 30, 15, 123456, tzinfo=SHANGHAI),
            group="x",
            secret="s",
        )
        events = _put(store, item)
        assert [e.name for e in events] == ["contract_item.created"]
        assert item.pending_events == ()
        assert item.stored_version == item.version == 1
        loaded = _load(store, "a")
        assert loaded is not item
        assert _item_to_record(loaded) == _item_to_record(item)
        assert loaded.due_at is not None
        assert loaded.due_at.utcoffset() == timedelta(hours=8)

    def test_loaded_entities_are_independent_copies(self, store: StorageBackend) -> None:
        _put(store, Item.create("a", name="one"))
        with store.unit_of_work() as uow:
            first = uow.get(ITEM_SPEC, "a")
            second = uow.get(ITEM_SPEC, "a")
            assert first is not second
            first.name = "changed without saving"
        assert _load(store, "a").name == "one"

    def test_update_bumps_version_and_appends_history(self, store: StorageBackend) -> None:
        _put(store, Item.create("a", name="one", size=1))
        with store.unit_of_work() as uow:
            item = uow.get(ITEM_SPEC, "a")
            item.change(name="two", size=2, at=T0 + timedelta(minutes=1))
            uow.save(ITEM_SPEC, item)
            events = uow.commit()
        assert [e.aggregate_version for e in events] == [2]
        loaded = _load(store, "a")
        assert (loaded.name, loaded.size, loaded.version) == ("two", 2, 2)
        assert [e.name for e in _history(store, "a")] == [
            "contract_item.created",
            "contract_item.changed",
        ]

    def test_commit_returns_events_in_save_order(self, store: StorageBackend) -> None:
        a = Item.create("a")
        a.change(name="a2")
        b = Item.create("b")
        with store.unit_of_work() as uow:
            uow.save(ITEM_SPEC, a)
            uow.save(ITEM_SPEC, b)
            events = uow.commit()
        assert [(e.aggregate_id, e.aggregate_version) for e in events] == [
            ("a", 1),
            ("a", 2),
            ("b", 1),
        ]

    def test_saving_twice_in_one_unit_of_work(self, store: StorageBackend) -> None:
        _put(store, Item.create("a"))
        with store.unit_of_work() as uow:
            item = uow.get(ITEM_SPEC, "a")
            item.bump()
            uow.save(ITEM_SPEC, item)
            item.bump()
            uow.save(ITEM_SPEC, item)
            events = uow.commit()
        assert [e.aggregate_version for e in events] == [2, 3]
        assert _load(store, "a").counter == 2
        assert [e.aggregate_version for e in _history(store, "a")] == [1, 2, 3]
        assert len(_pending_ids(store)) == 3

    def test_saved_entity_can_change_again_after_commit(self, store: StorageBackend) -> None:
        item = Item.create("a")
        with store.unit_of_work() as uow:
            uow.save(ITEM_SPEC, item)
            uow.commit()
            item.bump()
            uow.save(ITEM_SPEC, item)
            uow.commit()
        assert _load(store, "a").version == 2
        assert len(_history(store, "a")) == 2

    def test_kinds_are_stored_apart(self, store: StorageBackend) -> None:
        _put(store, Item.create("x1", name="item"), Note.post("x1", "x1", "a note"))
        with store.unit_of_work() as uow:
            assert uow.get(ITEM_SPEC, "x1").name == "item"
            assert uow.get(NOTE_SPEC, "x1").text == "a note"
            assert uow.count(ITEM_SPEC) == 1
            assert uow.count(NOTE_SPEC) == 1
            assert [e.name for e in uow.history(Note.KIND, "x1")] == ["contract_note.posted"]

    def test_spec_the_store_was_not_opened_for_is_refused(
        self, backend_factory: StoreFactory
    ) -> None:
        backend = backend_factory([ITEM_SPEC])
        try:
            with backend.unit_of_work() as uow, pytest.raises(StorageError):
                uow.get(NOTE_SPEC, "n1")
        finally:
            backend.close()

    # -- conflicts -------------------------------------------------------------

    def test_stale_write_raises_conflict_and_changes_nothing(self, store: StorageBackend) -> None:
        _put(store, Item.create("a", name="one"))
        stale = _load(store, "a")
        with store.unit_of_work() as uow:
            fresh = uow.get(ITEM_SPEC, "a")
            fresh.change(name="fresh")
            uow.save(ITEM_SPEC, fresh)
            uow.commit()
        stale.change(name="stale")
        with store.unit_of_work() as uow, pytest.raises(ConflictError) as info:
            uow.save(ITEM_SPEC, stale)
            uow.commit()
        error = info.value
        assert (error.kind, error.entity_id, error.expected, error.actual) == (Item.KIND, "a", 1, 2)
        loaded = _load(store, "a")
        assert (loaded.name, loaded.version) == ("fresh", 2)
        stale_ids = {e.event_id for e in stale.pending_events}
        assert not stale_ids & {e.event_id for e in _history(store, "a")}
        assert not stale_ids & set(_pending_ids(store))

    def test_taken_id_raises_conflict_and_changes_nothing(self, store: StorageBackend) -> None:
        _put(store, Item.create("a", name="first"))
        second = Item.create("a", name="second")
        with store.unit_of_work() as uow, pytest.raises(ConflictError) as info:
            uow.save(ITEM_SPEC, second)
            uow.commit()
        assert (info.value.expected, info.value.actual) == (0, 1)
        assert _load(store, "a").name == "first"
        assert len(_history(store, "a")) == 1
        assert len(_pending_ids(store)) == 1

    @pytest.mark.parametrize(
        "fields",
        [{"size": "3"}, {"weight": "heavy"}, {"active": 1}, {"due_at": datetime(2025, 1, 6)}],
        ids=["str-for-int", "str-for-float", "int-for-bool", "naive-datetime"],
    )
    def test_indexed_value_that_does_not_fit_is_refused_at_save(
        self, store: StorageBackend, fields: dict[str, Any]
    ) -> None:
        with store.unit_of_work() as uow:
            with pytest.raises(ValidationError):
                uow.save(ITEM_SPEC, Item.create("bad", **fields))
            uow.save(ITEM_SPEC, Item.create("good", size=1))
            uow.commit()
        assert _ids(store) == ["good"]
        assert _ids(store, Query((Where("size", "ge", 0),))) == ["good"]
        assert _history(store, "bad") == []
        assert len(_pending_ids(store)) == 1

    def test_conflict_undoes_the_whole_unit_of_work(self, store: StorageBackend) -> None:
        _put(store, Item.create("a", name="a"), Item.create("b", name="b"))
        stale_b = _load(store, "b")
        with store.unit_of_work() as uow:
            b = uow.get(ITEM_SPEC, "b")
            b.change(name="b by someone else")
            uow.save(ITEM_SPEC, b)
            uow.commit()
        with store.unit_of_work() as uow:
            a = uow.get(ITEM_SPEC, "a")
            a.change(name="a changed")
            stale_b.change(name="b stale")
            with pytest.raises(ConflictError):
                uow.save(ITEM_SPEC, a)
                uow.save(ITEM_SPEC, stale_b)
                uow.commit()
            with pytest.raises(ConflictError):
                uow.commit()
        assert _load(store, "a").name == "a"
        assert _load(store, "b").name == "b by someone else"
        assert len(_history(store, "a")) == 1
        assert len(_pending_ids(store)) == 3

    # -- transactions ---------------------------------------------------------

    def test_leaving_without_commit_stores_nothing(self, store: StorageBackend) -> None:
        with store.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("a"))
        with store.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.get(ITEM_SPEC, "a")
            assert uow.history(Item.KIND, "a") == []
        assert store.outbox_pending(T0) == []

    def test_rollback_drops_what_was_staged(self, store: StorageBackend) -> None:
        with store.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("a"))
            uow.rollback()
            assert uow.commit() == []
        assert _ids(store) == []
        assert store.outbox_pending(T0) == []

    def test_error_inside_the_block_stores_nothing(self, store: StorageBackend) -> None:
        with pytest.raises(RuntimeError, match="boom"), store.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("a"))
            raise RuntimeError("boom")
        assert _ids(store) == []
        assert store.outbox_pending(T0) == []

    def test_reads_see_own_writes_and_others_do_not(self, store: StorageBackend) -> None:
        _put(store, Item.create("old", size=1))
        with store.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("new", size=5))
            item = uow.get(ITEM_SPEC, "old")
            item.change(size=9)
            uow.save(ITEM_SPEC, item)
            assert uow.get(ITEM_SPEC, "new").size == 5
            assert [i.id for i in uow.find(ITEM_SPEC, Query().filter("size", "gt", 4))] == [
                "new",
                "old",
            ]
            assert uow.count(ITEM_SPEC) == 2
            with store.unit_of_work() as other:
                assert [i.id for i in other.find(ITEM_SPEC)] == ["old"]
                assert other.get(ITEM_SPEC, "old").size == 1
            uow.commit()
        assert _ids(store, Query().filter("size", "gt", 4)) == ["new", "old"]

    def test_closed_store_refuses_work(self, store: StorageBackend) -> None:
        uow = store.unit_of_work()
        uow.save(ITEM_SPEC, Item.create("a"))
        store.close()
        with pytest.raises(StorageError):
            uow.commit()
        uow.__exit__(None, None, None)
        with pytest.raises(StorageError):
            store.unit_of_work()

    def test_closed_store_refuses_reads_and_the_outbox(self, store: StorageBackend) -> None:
        (event,) = _put(store, Item.create("a"))
        uow = store.unit_of_work()
        store.close()
        refused: dict[str, Callable[[], object]] = {
            "get": lambda: uow.get(ITEM_SPEC, "a"),
            "find": lambda: uow.find(ITEM_SPEC),
            "count": lambda: uow.count(ITEM_SPEC),
            "aggregate": lambda: uow.aggregate(ITEM_SPEC, Query(), [], [Measure("n", "count")]),
            "history": lambda: uow.history(Item.KIND, "a"),
            "save": lambda: uow.save(ITEM_SPEC, Item.create("b")),
            "outbox_pending": lambda: store.outbox_pending(T0),
            "outbox_claim": lambda: store.outbox_claim(T0, 10, LEASE),
            "outbox_delivered": lambda: store.outbox_delivered(event.event_id, "mail", T0),
            "outbox_failed": lambda: store.outbox_failed(event.event_id, "mail", "down", T0),
            "outbox_release": lambda: store.outbox_release(event.event_id, T0 + LEASE),
            "outbox_done": lambda: store.outbox_done(event.event_id, T0),
            "outbox_purge": lambda: store.outbox_purge(T0),
        }
        for name, call in refused.items():
            with pytest.raises(StorageError, match="closed"):
                call()
                pytest.fail(f"{name} worked on a closed store")
        uow.__exit__(None, None, None)
        store.close()  # closing twice is harmless

    # -- find ------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("where", "expected"),
        [
            (Where("size", "eq", 2), ["i2", "i5"]),
            (Where("size", "eq", None), []),
            (Where("size", "ne", 2), ["i1", "i3", "i4"]),
            (Where("size", "ne", None), ["i1", "i2", "i3", "i5"]),
            (Where("size", "in", (1, 3)), ["i1", "i3"]),
            (Where("size", "in", (2, None)), ["i2", "i4", "i5"]),
            (Where("size", "in", ()), []),
            (Where("size", "lt", 2), ["i1"]),
            (Where("size", "le", 2), ["i1", "i2", "i5"]),
            (Where("size", "gt", 2), ["i3"]),
            (Where("size", "ge", 2), ["i2", "i3", "i5"]),
            (Where("size", "lt", None), []),
            (Where("size", "is_null"), ["i4"]),
            (Where("size", "not_null"), ["i1", "i2", "i3", "i5"]),
            (Where("weight", "eq", 0.5), ["i1", "i5"]),
            (Where("weight", "gt", 0.5), ["i2", "i4"]),
            (Where("weight", "le", 1.5), ["i1", "i2", "i5"]),
            (Where("weight", "is_null"), ["i3"]),
            (Where("active", "eq", True), ["i1", "i3"]),
            (Where("active", "eq", False), ["i2", "i5"]),
            (Where("active", "ne", True), ["i2", "i4", "i5"]),
            (Where("active", "is_null"), ["i4"]),
            (Where("name", "eq", "Beta"), ["i2"]),
            (Where("name", "eq", "beta"), []),
            (Where("name", "lt", "a"), ["i2"]),
            (Where("name", "gt", "delta"), ["i3", "i5"]),
            (Where("name", "in", ("alpha", "épsilon")), ["i1", "i5"]),
            (Where("group", "eq", "x"), ["i1", "i2"]),
            (Where("group", "ne", "x"), ["i3", "i4", "i5"]),
            (Where("group", "is_null"), ["i4"]),
            (Where("id", "eq", "i3"), ["i3"]),
            (Where("id", "in", ("i1", "i4", "zz")), ["i1", "i4"]),
            (Where("id", "ne", "i1"), ["i2", "i3", "i4", "i5"]),
            (Where("id", "ge", "i4"), ["i4", "i5"]),
        ],
        ids=lambda v: repr(v) if isinstance(v, Where) else None,
    )
    def test_find_operator(self, sample: StorageBackend, where: Where, expected: list[str]) -> None:
        assert _ids(sample, Query((where,))) == expected
        with sample.unit_of_work() as uow:
            assert uow.count(ITEM_SPEC, Query((where,))) == len(expected)

    @pytest.mark.parametrize(
        ("where", "expected"),
        [
            (Where("due_at", "eq", T0), ["i1"]),
            (Where("due_at", "eq", T0.astimezone(SHANGHAI)), ["i1"]),
            (Where("due_at", "eq", T0 + timedelta(hours=1)), ["i2"]),
            (Where("due_at", "gt", T0.astimezone(NEW_YORK)), ["i2", "i4"]),
            (Where("due_at", "le", T0.astimezone(SHANGHAI)), ["i1", "i5"]),
            (Where("due_at", "lt", T0 + timedelta(hours=2)), ["i1", "i2", "i5"]),
            (Where("due_at", "ge", (T0 + timedelta(hours=2)).astimezone(SHANGHAI)), ["i4"]),
            (Where("due_at", "ne", T0), ["i2", "i3", "i4", "i5"]),
            (
                Where("due_at", "in", (T0.astimezone(NEW_YORK), T0 + timedelta(hours=2))),
                ["i1", "i4"],
            ),
            (Where("due_at", "is_null"), ["i3"]),
        ],
        ids=lambda v: repr(v) if isinstance(v, Where) else None,
    )
    def test_find_datetimes_compare_as_instants(
        self, sample: StorageBackend, where: Where, expected: list[str]
    ) -> None:
        assert _ids(sample, Query((where,))) == expected

    def test_all_conditions_must_hold(self, sample: StorageBackend) -> None:
        query = Query().filter("group", "eq", "y").filter("size", "ge", 3)
        assert _ids(sample, query) == ["i3"]
        assert _ids(sample, Query.eq(size=2, group=None)) == ["i2", "i5"]
        assert _ids(sample, Query.eq(size=2, group="y")) == ["i5"]

    @pytest.mark.parametrize(
        "query",
        [
            Query((Where("colour", "eq", "red"),)),
            Query((Where("size", "like", 1),)),  # type: ignore[arg-type]
            Query((Where("size", "in", 1),)),
            Query(order_by=("colour",)),
            Query(limit=-1),
            Query(offset=-1),
            Query((Where("size", "lt", "2"),)),
            Query((Where("size", "eq", True),)),
            Query((Where("active", "eq", 1),)),
            Query((Where("weight", "ge", "0.5"),)),
            Query((Where("name", "in", ("alpha", 3)),)),
            Query((Where("due_at", "lt", "2025-01-06"),)),
            Query((Where("due_at", "lt", datetime(2025, 1, 6)),)),
            Query((Where("id", "eq", 1),)),
            Query(Where("size", "eq", 1)),  # type: ignore[arg-type]
            Query((("size", "eq", 1),)),  # type: ignore[arg-type]
            Query(order_by="name"),  # type: ignore[arg-type]
            Query(limit="3"),  # type: ignore[arg-type]
            Query(offset=1.5),  # type: ignore[arg-type]
        ],
        ids=[
            "unknown-field",
            "unknown-op",
            "in-without-tuple",
            "unknown-order",
            "limit",
            "offset",
            "str-for-int",
            "bool-for-int",
            "int-for-bool",
            "str-for-float",
            "int-in-str-tuple",
            "str-for-datetime",
            "naive-datetime",
            "int-for-id",
            "where-not-a-tuple",
            "condition-not-a-where",
            "order-by-a-string",
            "limit-not-an-int",
            "offset-not-an-int",
        ],
    )
    def test_bad_query_raises_validation_error(self, sample: StorageBackend, query: Query) -> None:
        # the same refusal for every backend, from find, count and aggregate alike
        with sample.unit_of_work() as uow:
            with pytest.raises(ValidationError):
                uow.find(ITEM_SPEC, query)
            with pytest.raises(ValidationError):
                uow.count(ITEM_SPEC, query)
            with pytest.raises(ValidationError):
                uow.aggregate(ITEM_SPEC, query, [], [Measure("n", "count")])

    # -- ordering and slicing -----------------------------------------------------

    @pytest.mark.parametrize(
        ("order_by", "expected"),
        [
            ((), ["i1", "i2", "i3", "i4", "i5"]),
            (("size",), ["i1", "i2", "i5", "i3", "i4"]),
            (("-size",), ["i4", "i3", "i2", "i5", "i1"]),
            (("weight",), ["i1", "i5", "i2", "i4", "i3"]),
            (("-weight",), ["i3", "i4", "i2", "i1", "i5"]),
            (("active",), ["i2", "i5", "i1", "i3", "i4"]),
            (("name",), ["i2", "i1", "i4", "i3", "i5"]),
            (("-name",), ["i5", "i3", "i4", "i1", "i2"]),
            (("due_at",), ["i5", "i1", "i2", "i4", "i3"]),
            (("-due_at",), ["i3", "i4", "i2", "i1", "i5"]),
            (("group", "-weight"), ["i2", "i1", "i3", "i5", "i4"]),
            (("-group", "size"), ["i4", "i5", "i3", "i1", "i2"]),
            (("-id",), ["i5", "i4", "i3", "i2", "i1"]),
        ],
        ids=lambda v: (",".join(v) or "none") if isinstance(v, tuple) else None,
    )
    def test_order_by(
        self, sample: StorageBackend, order_by: tuple[str, ...], expected: list[str]
    ) -> None:
        assert _ids(sample, Query(order_by=order_by)) == expected

    @pytest.mark.parametrize(
        ("limit", "offset", "expected"),
        [
            (2, 0, ["i1", "i2"]),
            (2, 2, ["i5", "i3"]),
            (None, 3, ["i3", "i4"]),
            (10, 4, ["i4"]),
            (None, 10, []),
            (0, 0, []),
        ],
    )
    def test_limit_and_offset(
        self, sample: StorageBackend, limit: int | None, offset: int, expected: list[str]
    ) -> None:
        query = Query(order_by=("size",), limit=limit, offset=offset)
        assert _ids(sample, query) == expected

    def test_count_ignores_order_and_slice(self, sample: StorageBackend) -> None:
        with sample.unit_of_work() as uow:
            assert uow.count(ITEM_SPEC) == 5
            assert uow.count(ITEM_SPEC, Query(order_by=("-size",), limit=1, offset=1)) == 5
            assert uow.count(ITEM_SPEC, Query((Where("id", "in", ("i1", "i2")),))) == 2
            assert uow.count(NOTE_SPEC) == 0

    def test_lock_claims_rows_in_a_unit_of_work(self, sample: StorageBackend) -> None:
        query = Query((Where("size", "ge", 2),), order_by=("size",), limit=2, lock=True)
        with sample.unit_of_work() as uow:
            claimed = uow.find(ITEM_SPEC, query)
            assert [i.id for i in claimed] == ["i2", "i5"]
            for item in claimed:
                item.bump()
                uow.save(ITEM_SPEC, item)
            uow.commit()
        assert _load(sample, "i2").counter == 1

    # -- aggregate ---------------------------------------------------------------

    def test_aggregate_by_group(self, sample: StorageBackend) -> None:
        measures = [
            Measure("n", "count"),
            Measure("total", "sum", "size"),
            Measure("lightest", "min", "weight"),
            Measure("largest", "max", "size"),
            Measure("latest", "max", "due_at"),
            Measure("first_name", "min", "name"),
        ]
        with sample.unit_of_work() as uow:
            rows = uow.aggregate(ITEM_SPEC, Query(), ["group"], measures)
        assert rows == [
            {
                "group": "x",
                "n": 2,
                "total": 3,
                "lightest": 0.5,
                "largest": 2,
                "latest": T0 + timedelta(hours=1),
                "first_name": "Beta",
            },
            {
                "group": "y",
                "n": 2,
                "total": 5,
                "lightest": 0.5,
                "largest": 3,
                "latest": T0 - timedelta(hours=1),
                "first_name": "gamma",
            },
            {
                "group": None,
                "n": 1,
                "total": 0,
                "lightest": 2.25,
                "largest": None,
                "latest": T0 + timedelta(hours=2),
                "first_name": "delta",
            },
        ]
        for row in rows:
            assert isinstance(row["n"], int)
            assert isinstance(row["total"], int)
            assert row["latest"].tzinfo is not None

    def test_aggregate_without_group_by_and_with_a_filter(self, sample: StorageBackend) -> None:
        measures = [
            Measure("n", "count"),
            Measure("size", "sum", "size"),
            Measure("weight", "sum", "weight"),
            Measure("actives", "sum", "active"),
            Measure("earliest", "min", "due_at"),
            Measure("last_name", "max", "name"),
        ]
        with sample.unit_of_work() as uow:
            everything = uow.aggregate(ITEM_SPEC, Query(), [], measures)
            only_x = uow.aggregate(ITEM_SPEC, Query.eq(group="x"), [], [Measure("n", "count")])
        assert everything == [
            {
                "n": 5,
                "size": 8,
                "weight": 4.75,
                "actives": 2,
                "earliest": T0 - timedelta(hours=1),
                "last_name": "épsilon",
            }
        ]
        assert only_x == [{"n": 2}]

    def test_aggregate_by_two_fields(self, sample: StorageBackend) -> None:
        with sample.unit_of_work() as uow:
            rows = uow.aggregate(
                ITEM_SPEC,
                Query().filter("group", "not_null"),
                ["group", "active"],
                [Measure("n", "count"), Measure("size", "sum", "size")],
            )
        assert rows == [
            {"group": "x", "active": False, "n": 1, "size": 2},
            {"group": "x", "active": True, "n": 1, "size": 1},
            {"group": "y", "active": False, "n": 1, "size": 2},
            {"group": "y", "active": True, "n": 1, "size": 3},
        ]

    def test_aggregate_of_nothing_is_empty(self, sample: StorageBackend) -> None:
        nothing = Query.eq(group="none such")
        with sample.unit_of_work() as uow:
            assert uow.aggregate(ITEM_SPEC, nothing, ["group"], [Measure("n", "count")]) == []
            assert uow.aggregate(ITEM_SPEC, nothing, [], [Measure("n", "count")]) == []
            assert uow.aggregate(NOTE_SPEC, Query(), [], [Measure("n", "count")]) == []

    def test_aggregate_with_unknown_field_raises(self, sample: StorageBackend) -> None:
        with sample.unit_of_work() as uow:
            with pytest.raises(ValidationError):
                uow.aggregate(ITEM_SPEC, Query(), ["colour"], [Measure("n", "count")])
            with pytest.raises(ValidationError):
                uow.aggregate(ITEM_SPEC, Query(), [], [Measure("n", "max", "colour")])

    @pytest.mark.parametrize(
        ("group_by", "measure"),
        [
            ([], Measure("s", "sum", "name")),
            ([], Measure("s", "sum", "due_at")),
            ([], Measure("s", "avg", "size")),  # type: ignore[arg-type]
            ([], Measure("s", "sum", None)),
            ([], Measure("s", "max")),
            (["group"], Measure("group", "count")),
            ("group", Measure("n", "count")),
            (["id"], Measure("n", "count")),
        ],
        ids=[
            "sum-of-str",
            "sum-of-datetime",
            "unknown-function",
            "sum-without-field",
            "max-without-field",
            "name-clash",
            "group-by-a-string",
            "group-by-id",
        ],
    )
    def test_bad_aggregate_raises_validation_error(
        self, sample: StorageBackend, group_by: Any, measure: Measure
    ) -> None:
        with sample.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.aggregate(ITEM_SPEC, Query(), group_by, [measure])

    # -- datetimes ---------------------------------------------------------------

    def test_datetimes_in_other_zones(self, store: StorageBackend) -> None:
        instants = {
            "utc": T0,
            "sh": T0.astimezone(SHANGHAI),
            "ny": (T0 + timedelta(seconds=1)).astimezone(NEW_YORK),
            "early": (T0 - timedelta(microseconds=1)).astimezone(SHANGHAI),
        }
        _put(store, *(Item.create(k, due_at=v) for k, v in instants.items()))
        for key, value in instants.items():
            loaded = _load(store, key)
            assert loaded.due_at == value
            assert loaded.due_at is not None
            assert loaded.due_at.utcoffset() == value.utcoffset()
        assert _ids(store, Query(order_by=("due_at", "id"))) == ["early", "sh", "utc", "ny"]
        assert _ids(store, Query.eq(due_at=T0.astimezone(NEW_YORK))) == ["sh", "utc"]
        with store.unit_of_work() as uow:
            (row,) = uow.aggregate(
                ITEM_SPEC,
                Query(),
                [],
                [Measure("lo", "min", "due_at"), Measure("hi", "max", "due_at")],
            )
        assert row == {"lo": instants["early"], "hi": instants["ny"]}
        assert row["lo"].tzinfo is not None
        assert row["hi"].tzinfo is not None

    # -- history and events -----------------------------------------------------

    def test_history_is_oldest_first_and_complete(self, store: StorageBackend) -> None:
        item = Item.create("a", secret="only for the eyes of the privileged")
        committed = _put(store, item)
        for n in range(1, 4):
            with store.unit_of_work() as uow:
                loaded = uow.get(ITEM_SPEC, "a")
                loaded.bump(at=T0 + timedelta(minutes=n))
                uow.save(ITEM_SPEC, loaded)
                committed += uow.commit()
        history = _history(store, "a")
        assert [e.to_dict() for e in history] == [e.to_dict() for e in committed]
        assert [e.aggregate_version for e in history] == [1, 2, 3, 4]
        assert history[0].payload["secret"] == "only for the eyes of the privileged"
        assert history[0].confidential == frozenset({"secret"})
        assert _history(store, "unknown") == []

    # -- outbox -------------------------------------------------------------------

    def test_outbox_lifecycle(self, store: StorageBackend) -> None:
        first = Item.create("a", secret="s")
        first.change(name="a2")
        events = _put(store, first) + _put(store, Item.create("b"))
        e1, e2, e3 = (e.event_id for e in events)
        pending = store.outbox_pending(T0)
        assert [p.event.event_id for p in pending] == [e1, e2, e3]
        assert pending[0].event.to_dict() == events[0].to_dict()
        assert pending[0].event.payload["secret"] == "s"  # stored unredacted
        assert (pending[0].delivered, dict(pending[0].attempts)) == (frozenset(), {})
        assert dict(pending[0].next_attempt_at) == {}

        store.outbox_delivered(e1, "mail", T0)
        store.outbox_failed(e1, "hook", "ConnectionError: down", T0 + timedelta(seconds=5))
        store.outbox_failed(e1, "hook", "ConnectionError: down", T0 + timedelta(seconds=15))
        entry = store.outbox_pending(T0 + timedelta(seconds=20))[0]
        assert entry.event.event_id == e1
        assert entry.delivered == frozenset({"mail"})
        assert dict(entry.attempts) == {"hook": 2}
        assert dict(entry.next_attempt_at) == {"hook": T0 + timedelta(seconds=15)}

        store.outbox_delivered(e1, "hook", T0 + timedelta(seconds=20))
        entry = store.outbox_pending(T0 + timedelta(seconds=20))[0]
        assert entry.delivered == frozenset({"mail", "hook"})
        assert dict(entry.next_attempt_at) == {}

        store.outbox_done(e1, T0 + timedelta(seconds=20))
        assert _pending_ids(store) == [e2, e3]
        store.outbox_delivered(e1, "late", T0 + timedelta(seconds=30))
        store.outbox_failed(e1, "late", "x", T0 + timedelta(seconds=30))
        assert _pending_ids(store) == [e2, e3]
        assert _pending_ids(store, limit=1) == [e2]
        store.outbox_done(e2, T0)
        store.outbox_done(e3, T0)
        assert store.outbox_pending(T0) == []

    def test_outbox_entries_waiting_for_a_retry_do_not_starve_new_ones(
        self, store: StorageBackend
    ) -> None:
        old = [e.event_id for e in _put(store, Item.create("a"), Item.create("b"))]
        (due,) = (e.event_id for e in _put(store, Item.create("c")))
        later = T0 + timedelta(hours=1)
        for event_id in old:
            store.outbox_failed(event_id, "hook", "down", later)
        (new,) = (e.event_id for e in _put(store, Item.create("d")))
        assert _pending_ids(store, T0, limit=2) == [due, new]
        assert _pending_ids(store, T0, limit=10) == [due, new, *old]
        assert _pending_ids(store, later, limit=2) == old

    # -- outbox claims ---------------------------------------------------------------

    def test_claims_get_disjoint_entries_oldest_first(self, store: StorageBackend) -> None:
        e = _event_ids(store, 5)
        first = store.outbox_claim(T0, 2, LEASE)
        assert [c.event.event_id for c in first] == e[:2]
        assert {c.claimed_until for c in first} == {T0 + LEASE}
        assert first[0].event.to_dict() == _history(store, "o000")[0].to_dict()
        assert _claim_ids(store, T0 + timedelta(seconds=1), limit=2) == e[2:4]
        assert _claim_ids(store, T0 + timedelta(seconds=2)) == e[4:]
        assert _claim_ids(store, T0 + timedelta(seconds=3)) == []
        assert store.outbox_claim(T0, 0, LEASE) == []
        # a claim is no view: every entry is still pending, and shows its lease
        pending = store.outbox_pending(T0)
        assert [p.event.event_id for p in pending] == e
        assert [p.claimed_until for p in pending] == [
            T0 + LEASE,
            T0 + LEASE,
            T0 + timedelta(seconds=1) + LEASE,
            T0 + timedelta(seconds=1) + LEASE,
            T0 + timedelta(seconds=2) + LEASE,
        ]

    def test_an_expired_lease_makes_the_entry_claimable_again(self, store: StorageBackend) -> None:
        (e1,) = _event_ids(store, 1)
        assert _claim_ids(store, T0) == [e1]
        assert _claim_ids(store, T0 + LEASE - timedelta(microseconds=1)) == []
        # the relay that claimed it died: at the end of its lease another one takes over
        (again,) = store.outbox_claim(T0 + LEASE, 10, timedelta(seconds=5))
        assert again.event.event_id == e1
        assert again.claimed_until == T0 + LEASE + timedelta(seconds=5)
        assert _claim_ids(store, T0 + LEASE + timedelta(seconds=4)) == []
        assert _claim_ids(store, T0 + LEASE + timedelta(seconds=5)) == [e1]

    def test_done_and_release_end_a_claim_progress_marks_keep_it(
        self, store: StorageBackend
    ) -> None:
        e1, e2, e3 = _event_ids(store, 3)
        claimed = {c.event.event_id: c for c in store.outbox_claim(T0, 10, LEASE)}
        assert list(claimed) == [e1, e2, e3]
        # the relay records progress while it still works on the entries
        store.outbox_delivered(e1, "mail", T0)
        store.outbox_delivered(e2, "mail", T0)
        store.outbox_failed(e2, "hook", "down", T0)  # retry due at once
        assert _claim_ids(store, T0 + timedelta(seconds=1)) == []
        # done: the entry leaves the outbox, claimed or not
        store.outbox_done(e1, T0)
        # released: claimable again at once (its due retry included)
        store.outbox_release(e2, T0 + LEASE)
        assert _pending_ids(store) == [e2, e3]
        (entry,) = store.outbox_claim(T0 + timedelta(seconds=1), 10, LEASE)
        assert entry.event.event_id == e2
        assert entry.delivered == frozenset({"mail"})
        assert dict(entry.attempts) == {"hook": 1}
        # a late release (the lease expired, another relay claimed anew) changes nothing
        late = T0 + timedelta(seconds=1) + LEASE
        assert _claim_ids(store, late) == [e2, e3]
        store.outbox_release(e3, T0 + LEASE)
        store.outbox_release(e2, T0 + timedelta(seconds=1) + LEASE)
        assert _claim_ids(store, late + timedelta(seconds=1)) == []
        # releasing an entry that is done, or unknown, is ignored
        store.outbox_release(e1, T0 + LEASE)
        store.outbox_release("no such event", T0 + LEASE)
        store.outbox_release(e3, late + LEASE)
        assert _claim_ids(store, late + timedelta(seconds=1)) == [e3]
        assert _pending_ids(store) == [e2, e3]

    def test_an_entry_waiting_for_a_retry_is_not_claimed_before_its_time(
        self, store: StorageBackend
    ) -> None:
        waiting, partly, fresh = _event_ids(store, 3)
        soon, later = T0 + timedelta(seconds=30), T0 + timedelta(hours=1)
        store.outbox_failed(waiting, "hook", "down", later)
        store.outbox_failed(waiting, "mail", "down", soon)
        store.outbox_delivered(waiting, "chat", T0)
        store.outbox_failed(partly, "hook", "down", later)  # waits for later ...
        store.outbox_failed(partly, "mail", "down", T0)  # ... but this one is due now
        # nothing of `waiting` is due: not claimed; `partly` is, but a notifier waits: last
        assert _claim_ids(store, T0) == [fresh, partly]
        for event_id in (fresh, partly):
            store.outbox_release(event_id, T0 + LEASE)
        assert _claim_ids(store, soon - timedelta(microseconds=1)) == [fresh, partly]
        # at the earliest retry the entry is claimable; its own waiting notifier puts it last
        assert _claim_ids(store, soon + LEASE) == [fresh, waiting, partly]
        # once every retry is due, nothing waits: commit order again
        (entry,) = store.outbox_claim(later + LEASE * 2, 1, LEASE)
        assert entry.event.event_id == waiting
        assert entry.delivered == frozenset({"chat"})
        assert dict(entry.next_attempt_at) == {"hook": later, "mail": soon}
        assert dict(entry.attempts) == {"hook": 1, "mail": 1}

    def test_claims_from_threads_at_once_are_disjoint(self, store: StorageBackend) -> None:
        events = _event_ids(store, 24)
        workers = 4
        barrier = threading.Barrier(workers)
        claimed: list[list[str]] = [[] for _ in range(workers)]
        errors: list[BaseException] = []

        def claim(n: int) -> None:
            try:
                barrier.wait(timeout=30)
                while batch := _claim_ids(store, T0, limit=2):
                    claimed[n].extend(batch)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=claim, args=(n,)) for n in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        flat = [event_id for batch in claimed for event_id in batch]
        assert sorted(flat) == sorted(events)  # each entry claimed exactly once

    def test_claim_needs_a_positive_lease(self, store: StorageBackend) -> None:
        _event_ids(store, 1)
        for lease in (timedelta(0), timedelta(seconds=-1)):
            with pytest.raises(ValidationError):
                store.outbox_claim(T0, 10, lease)
        assert _claim_ids(store) != []  # nothing was claimed by the refused calls

    # -- outbox purge ----------------------------------------------------------------

    def test_purge_removes_done_entries_only(self, store: StorageBackend) -> None:
        e1, e2, e3, e4 = _event_ids(store, 4)
        store.outbox_delivered(e1, "mail", T0)
        store.outbox_failed(e1, "hook", "down", T0)
        store.outbox_delivered(e1, "hook", T0)
        store.outbox_done(e1, T0)
        store.outbox_done(e2, T0 + timedelta(hours=1))
        store.outbox_failed(e3, "hook", "down", T0 + timedelta(days=30))
        assert _claim_ids(store, T0) == [e4]  # e4 claimed: claims do not matter to a purge
        assert store.outbox_purge(T0) == 0  # done *before* the instant
        assert store.outbox_purge(T0 + timedelta(microseconds=1)) == 1
        assert store.outbox_purge(T0 + timedelta(microseconds=1)) == 0
        assert store.outbox_purge(T0 + timedelta(days=365)) == 1
        assert _pending_ids(store) == [e4, e3]
        # marks on a purged entry are ignored: it does not come back
        store.outbox_delivered(e1, "late", T0)
        store.outbox_failed(e2, "late", "x", T0)
        store.outbox_done(e2, T0)
        store.outbox_release(e1, T0 + LEASE)
        assert store.outbox_purge(T0 + timedelta(days=365)) == 0
        assert _pending_ids(store) == [e4, e3]
        # the events are the history: a purge never touches them
        for n, event_id in enumerate((e1, e2, e3, e4)):
            assert [e.event_id for e in _history(store, f"o{n:03d}")] == [event_id]
        store.outbox_done(e3, T0 + timedelta(days=1))
        store.outbox_done(e4, T0 + timedelta(days=1))
        assert store.outbox_pending(T0) == []
        assert store.outbox_purge(T0 + timedelta(days=2)) == 2

    def test_events_commit_with_the_state(self, store: StorageBackend) -> None:
        a = Item.create("a")
        note = Note.post("n1", "a", "hello")
        events = _put(store, a, note)
        assert [e.aggregate_kind for e in events] == [Item.KIND, Note.KIND]
        assert _pending_ids(store) == [e.event_id for e in events]
        assert [e.event_id for e in _history(store, "a")] == [events[0].event_id]
        assert [e.event_id for e in _history(store, "n1", Note.KIND)] == [events[1].event_id]

    # -- properties: the same answers as the reference evaluation -----------------

    @pytest.fixture
    def many(self, store: StorageBackend) -> tuple[StorageBackend, list[dict[str, Any]]]:
        """The store holding a larger data set, and the indexed values of its items."""
        items = _more_items()
        _put(store, *items)
        return store, [_values(i) for i in items]

    @_SETTINGS
    @given(query=_QUERIES)
    def test_find_and_count_agree_with_the_reference(
        self, many: tuple[StorageBackend, list[dict[str, Any]]], query: Query
    ) -> None:
        store, rows = many
        expected = select(query, ((r["id"], r) for r in rows))
        total = sum(1 for r in rows if matches(query, r))
        with store.unit_of_work() as uow:
            assert [i.id for i in uow.find(ITEM_SPEC, query)] == expected
            assert uow.count(ITEM_SPEC, query) == total

    @_SETTINGS
    @given(
        where=st.lists(_conditions(), max_size=2).map(tuple),
        group_by=st.lists(
            st.sampled_from(["name", "size", "weight", "active", "group"]), unique=True, max_size=2
        ),
        measures=st.lists(
            st.one_of(
                st.just(("count", None)),
                st.tuples(st.just("sum"), st.sampled_from(["size", "weight", "active"])),
                st.tuples(
                    st.sampled_from(["min", "max"]),
                    st.sampled_from(["name", "size", "weight", "due_at", "group"]),
                ),
            ),
            min_size=1,
            max_size=3,
        ),
    )
    def test_aggregate_agrees_with_the_reference(
        self,
        many: tuple[StorageBackend, list[dict[str, Any]]],
        where: tuple[Where, ...],
        group_by: list[str],
        measures: list[tuple[str, str | None]],
    ) -> None:
        store, rows = many
        query = Query(where)
        ms = [Measure(f"m{i}", fn, field) for i, (fn, field) in enumerate(measures)]  # type: ignore[arg-type]
        expected = aggregate_rows((r for r in rows if matches(query, r)), group_by, ms)
        with store.unit_of_work() as uow:
            assert uow.aggregate(ITEM_SPEC, query, group_by, ms) == expected
