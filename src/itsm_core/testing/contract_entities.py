"""The contract suite, part: loading, saving, conflicts, transactions and record versions.

Part of :mod:`itsm_core.testing.contract`, the public entry of the suite.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from itsm_core.kernel.errors import ConflictError, NotFound, StorageError, ValidationError
from itsm_core.storage.base import (
    Measure,
    Query,
    StorageBackend,
    Where,
)
from itsm_core.storage.records import RECORD_VERSION_KEY
from itsm_core.testing.contract_data import (
    ITEM_SPEC,
    LEASE,
    NOTE_SPEC,
    NOTE_V1_SPEC,
    SHANGHAI,
    T0,
    ContractFixtures,
    Item,
    Note,
    StoreFactory,
    _history,
    _ids,
    _load,
    _pending_ids,
    _put,
)


class EntityContract(ContractFixtures):
    """The contract on loading, saving, conflicts, transactions and record versions."""

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
        assert ITEM_SPEC.to_record(loaded) == ITEM_SPEC.to_record(item)
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

    # -- record versions ---------------------------------------------------------

    def test_records_are_json_and_carry_their_version(self, store: StorageBackend) -> None:
        item = Item.create("a", name="alpha", due_at=T0.astimezone(SHANGHAI), active=True)
        _put(store, item, Note.post("n1", "a", "hello"))
        with store.unit_of_work() as uow:
            record = ITEM_SPEC.to_record(uow.get(ITEM_SPEC, "a"))
            note = NOTE_SPEC.to_record(uow.get(NOTE_SPEC, "n1"))
        assert json.loads(json.dumps(record)) == record
        assert record[RECORD_VERSION_KEY] == ITEM_SPEC.record_version == 1
        assert note[RECORD_VERSION_KEY] == NOTE_SPEC.record_version == 2
        assert record["due_at"] == "2025-01-06T17:00:00+08:00"

    def test_an_older_record_is_upcast_on_load_and_saved_in_the_current_shape(
        self, store: StorageBackend
    ) -> None:
        # an older release stored the note (record version 1: its text under "body")
        with store.unit_of_work() as uow:
            uow.save(NOTE_V1_SPEC, Note.post("n1", "a", "written by 0.1"))
            uow.commit()
        with store.unit_of_work() as uow:
            note = uow.get(NOTE_SPEC, "n1")
            assert note.text == "written by 0.1"
            assert [n.text for n in uow.find(NOTE_SPEC, Query.eq(item_id="a"))] == [note.text]
        with store.unit_of_work() as uow:  # loading did not rewrite the stored record
            assert uow.get(NOTE_V1_SPEC, "n1").text == "written by 0.1"
        note.text = "saved again"
        _put(store, note)
        with store.unit_of_work() as uow:  # saving wrote the current shape (version 2)
            assert uow.get(NOTE_SPEC, "n1").text == "saved again"
            with pytest.raises(StorageError, match="record_version 2"):
                uow.get(NOTE_V1_SPEC, "n1")
            with pytest.raises(StorageError, match="newer release"):
                uow.find(NOTE_V1_SPEC)
