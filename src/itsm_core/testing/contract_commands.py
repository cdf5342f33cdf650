"""The contract suite, part: idempotency keys (``stamp`` and ``command_events``).

Part of :mod:`itsm_core.testing.contract`, the public entry of the suite.

A command given an idempotency key runs its units of work stamped with a
:class:`~itsm_core.kernel.idempotency.CommandStamp` (see
:mod:`itsm_core.kernel.idempotency`). The store keeps the stamp with the
events it commits and hands them back by key; the kernel answers a retry
from them and refuses a key given with another command or target. A key is
the caller's, store-wide: it names one command on one target, whoever runs
it (a retry by another actor is answered from the same events).
"""

from __future__ import annotations

from typing import Any

import pytest

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.errors import ConflictError, NotFound, StorageError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.idempotency import CommandStamp, StoredCommand
from itsm_core.storage.base import StorageBackend
from itsm_core.testing.contract_data import (
    ITEM_SPEC,
    NOTE_SPEC,
    ContractFixtures,
    Item,
    Note,
    _history,
    _ids,
    _load,
    _pending_ids,
    _put,
)

CHANGE = "ItemService.change"
"""The command name the suite stamps changes of an item with."""

CREATE = "ItemService.create"
"""The command name the suite stamps creations with (no target)."""

_CLERK = Actor("clerk-1", (), "Clerk")
_OTHER = Actor("clerk-2", (), "Other clerk")


def _bodies(events: Any) -> list[dict[str, Any]]:
    return [event.to_dict() for event in events]


def _stored(store: StorageBackend, key: str) -> StoredCommand | None:
    with store.unit_of_work() as uow:
        return uow.command_events(key)


def _run(store: StorageBackend, stamp: CommandStamp, *entities: Any) -> list[DomainEvent]:
    """Commit ``entities`` in one unit of work stamped with ``stamp``."""
    with store.unit_of_work() as uow:
        uow.stamp(stamp)
        for entity in entities:
            uow.save(NOTE_SPEC if isinstance(entity, Note) else ITEM_SPEC, entity)
        return uow.commit()


class CommandContract(ContractFixtures):
    """The contract on idempotency keys: stamped events found by key, once, atomically."""

    def test_stamped_events_are_found_by_their_key(self, store: StorageBackend) -> None:
        item = Item.create("a", name="first", actor=_CLERK)
        item.change(name="second", actor=_CLERK)
        note = Note.post("n1", "a", "noted")
        committed = _run(store, CommandStamp("key-1", CREATE, None), item, note)
        assert len(committed) == 3
        stored = _stored(store, "key-1")
        assert stored is not None, "command_events found nothing for a key just committed"
        assert (stored.key, stored.command, stored.target) == ("key-1", CREATE, None)
        # the events as committed, in commit order, whole (payload, actor, instant)
        assert _bodies(stored.events) == _bodies(committed)
        assert all(isinstance(e, DomainEvent) for e in stored.events)
        # and they are the aggregates' history as well
        assert _bodies(_history(store, "a")) == _bodies(committed[:2])

    def test_a_key_keeps_its_command_and_target(self, store: StorageBackend) -> None:
        _put(store, Item.create("a"), Item.create("b"))
        item = _load(store, "a")
        item.change(name="changed", actor=_CLERK)
        _run(store, CommandStamp("key-a", CHANGE, "a"), item)
        stored = _stored(store, "key-a")
        assert stored is not None
        assert (stored.command, stored.target) == (CHANGE, "a")
        assert [e.aggregate_id for e in stored.events] == ["a"]

    def test_keys_are_kept_apart_and_matched_exactly(self, store: StorageBackend) -> None:
        first = _run(store, CommandStamp("key-1", CREATE, None), Item.create("a"))
        second = _run(store, CommandStamp("key-2", CREATE, None), Item.create("b"))
        _put(store, Item.create("c"))  # no key: stored with none
        one, two = _stored(store, "key-1"), _stored(store, "key-2")
        assert one is not None and two is not None
        assert _bodies(one.events) == _bodies(first)
        assert _bodies(two.events) == _bodies(second)
        for unknown in ("key", "key-10", "key-1 ", "KEY-1", "c"):
            assert _stored(store, unknown) is None, f"{unknown!r} found events of another key"

    def test_a_key_is_the_callers_whoever_acts(self, store: StorageBackend) -> None:
        # the kernel keys a command by its key alone: events of several actors
        # under one key are one command, and a second run by another actor is refused
        mine = Item.create("a", actor=_CLERK)
        theirs = Item.create("b", actor=_OTHER)
        committed = _run(store, CommandStamp("shared", CREATE, None), mine, theirs)
        stored = _stored(store, "shared")
        assert stored is not None
        assert [e.actor_id for e in stored.events] == [_CLERK.id, _OTHER.id]
        assert _bodies(stored.events) == _bodies(committed)
        with pytest.raises(ConflictError), store.unit_of_work() as uow:
            uow.stamp(CommandStamp("shared", CREATE, None))
            uow.save(ITEM_SPEC, Item.create("c", actor=_OTHER))
            uow.commit()
        assert _ids(store) == ["a", "b"]

    def test_a_second_run_of_a_stored_key_conflicts_and_stores_nothing(
        self, store: StorageBackend
    ) -> None:
        first = _run(store, CommandStamp("key-1", CREATE, None), Item.create("a"))
        with store.unit_of_work() as uow:
            uow.stamp(CommandStamp("key-1", CREATE, None))  # its lookup missed the first run
            with pytest.raises(ConflictError):
                uow.save(ITEM_SPEC, Item.create("b"))
                uow.commit()
        assert _ids(store) == ["a"]
        assert _history(store, "b") == []
        assert _pending_ids(store) == [e.event_id for e in first]
        stored = _stored(store, "key-1")
        assert stored is not None
        assert _bodies(stored.events) == _bodies(first)

    def test_a_command_continues_its_ordinals_in_later_units_of_work(
        self, store: StorageBackend
    ) -> None:
        item = Item.create("a")
        item.change(name="two")
        first = _run(store, CommandStamp("key-1", CREATE, None, seq=0), item)
        assert len(first) == 2
        second = _run(store, CommandStamp("key-1", CREATE, None, seq=2), Item.create("b"))
        stored = _stored(store, "key-1")
        assert stored is not None
        assert _bodies(stored.events) == _bodies([*first, *second])
        with pytest.raises(ConflictError), store.unit_of_work() as uow:
            uow.stamp(CommandStamp("key-1", CREATE, None, seq=2))  # that ordinal is taken
            uow.save(ITEM_SPEC, Item.create("c"))
            uow.commit()
        assert _ids(store) == ["a", "b"]

    def test_nothing_is_found_after_a_rollback(self, store: StorageBackend) -> None:
        with store.unit_of_work() as uow:
            uow.stamp(CommandStamp("key-1", CREATE, None))
            uow.save(ITEM_SPEC, Item.create("a"))
            uow.rollback()
            assert uow.command_events("key-1") is None
        with store.unit_of_work() as uow:  # left without commit
            uow.stamp(CommandStamp("key-2", CREATE, None))
            uow.save(ITEM_SPEC, Item.create("b"))
        with pytest.raises(RuntimeError, match="boom"), store.unit_of_work() as uow:
            uow.stamp(CommandStamp("key-3", CREATE, None))
            uow.save(ITEM_SPEC, Item.create("c"))
            raise RuntimeError("boom")
        for key in ("key-1", "key-2", "key-3"):
            assert _stored(store, key) is None, f"{key!r} was kept without a commit"
        # the key is free: a later run stores its events under it
        committed = _run(store, CommandStamp("key-1", CREATE, None), Item.create("d"))
        stored = _stored(store, "key-1")
        assert stored is not None
        assert _bodies(stored.events) == _bodies(committed)

    def test_a_failed_commit_keeps_no_key(self, store: StorageBackend) -> None:
        _put(store, Item.create("a"))
        stale = _load(store, "a")
        fresh = _load(store, "a")
        fresh.change(name="by someone else")
        _put(store, fresh)
        stale.change(name="stale")
        with pytest.raises(ConflictError), store.unit_of_work() as uow:
            uow.stamp(CommandStamp("key-1", CHANGE, "a"))
            uow.save(ITEM_SPEC, Item.create("b"))
            uow.save(ITEM_SPEC, stale)
            uow.commit()
        assert _stored(store, "key-1") is None
        with store.unit_of_work() as uow, pytest.raises(NotFound):
            uow.get(ITEM_SPEC, "b")

    def test_a_stamped_unit_of_work_that_commits_no_event_keeps_no_key(
        self, store: StorageBackend
    ) -> None:
        with store.unit_of_work() as uow:
            uow.stamp(CommandStamp("idle", CREATE, None))
            assert uow.commit() == []
        assert _stored(store, "idle") is None

    def test_an_uncommitted_key_is_not_seen_by_other_units_of_work(
        self, store: StorageBackend
    ) -> None:
        with store.unit_of_work() as uow:
            uow.stamp(CommandStamp("key-1", CREATE, None))
            uow.save(ITEM_SPEC, Item.create("a"))
            with store.unit_of_work() as other:
                assert other.command_events("key-1") is None
            uow.commit()
        assert _stored(store, "key-1") is not None

    def test_closed_store_refuses_the_key_lookup(self, store: StorageBackend) -> None:
        _run(store, CommandStamp("key-1", CREATE, None), Item.create("a"))
        uow = store.unit_of_work()
        store.close()
        with pytest.raises(StorageError, match="closed"):
            uow.command_events("key-1")
        uow.__exit__(None, None, None)
