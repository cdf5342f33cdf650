"""The contract suite, part: history, the outbox, its claims and purge.

Part of :mod:`itsm_core.testing.contract`, the public entry of the suite.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from itsm_core.kernel.errors import ValidationError
from itsm_core.storage.base import (
    FailedDelivery,
    OutboxOutcome,
    StorageBackend,
)
from itsm_core.testing.contract_data import (
    ITEM_SPEC,
    LEASE,
    T0,
    ContractFixtures,
    Item,
    Note,
    _claim_ids,
    _event_ids,
    _history,
    _pending_ids,
    _put,
)


class OutboxContract(ContractFixtures):
    """The contract on history, the outbox, its claims and purge."""

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

    def test_a_claim_of_given_events_takes_only_those(self, store: StorageBackend) -> None:
        e1, e2, e3, e4 = _event_ids(store, 4)
        store.outbox_failed(e4, "hook", "down", T0 + timedelta(hours=1))
        claimed = store.outbox_claim(T0, 10, LEASE, event_ids=[e3, e1, e4, "no such event"])
        # commit order; an entry waiting for its retry is not claimed before its time
        assert [c.event.event_id for c in claimed] == [e1, e3]
        assert {c.claimed_until for c in claimed} == {T0 + LEASE}
        assert store.outbox_claim(T0, 10, LEASE, event_ids=[e1, e3]) == []  # claimed already
        assert [c.event.event_id for c in store.outbox_claim(T0, 1, LEASE, [e2, e3])] == [e2]
        assert store.outbox_claim(T0, 10, LEASE, event_ids=[]) == []
        store.outbox_done(e1, T0)
        assert store.outbox_claim(T0 + LEASE, 10, LEASE, event_ids=[e1]) == []  # done
        assert _claim_ids(store, T0 + LEASE) == [e2, e3]  # leases over: claimable again

    def test_settle_records_a_whole_pass(self, store: StorageBackend) -> None:
        e1, e2, e3, e4 = _event_ids(store, 4)
        claims = {c.event.event_id: c.claimed_until for c in store.outbox_claim(T0, 3, LEASE)}
        retry = T0 + timedelta(minutes=5)
        store.outbox_settle(
            [
                OutboxOutcome(e1, claims[e1], delivered=("mail", "hook"), done=True),
                OutboxOutcome(
                    e2,
                    claims[e2],
                    delivered=("mail",),
                    failed=(FailedDelivery("hook", "ConnectionError: down", retry),),
                ),
                OutboxOutcome(e3, T0 + timedelta(seconds=1)),  # another claim: kept
                OutboxOutcome("no such event", T0 + LEASE, delivered=("mail",), done=True),
            ],
            T0 + timedelta(seconds=2),
        )
        pending = {p.event.event_id: p for p in store.outbox_pending(T0)}
        assert list(pending) == [e3, e4, e2]  # e1 done; e2 waits for its retry: last
        assert pending[e2].delivered == frozenset({"mail"})
        assert dict(pending[e2].attempts) == {"hook": 1}
        assert dict(pending[e2].next_attempt_at) == {"hook": retry}
        assert pending[e2].claimed_until is None  # released
        assert pending[e3].claimed_until == T0 + LEASE  # not this claim: not released
        assert _claim_ids(store, T0 + timedelta(seconds=3)) == [e4]
        assert _claim_ids(store, retry) == [e2, e3, e4]  # every lease is over
        # done entries ignore later outcomes; the purge sees when it was done
        store.outbox_settle([OutboxOutcome(e1, None, failed=(FailedDelivery("x", "y", T0),))], T0)
        assert e1 not in {p.event.event_id for p in store.outbox_pending(T0)}
        assert store.outbox_purge(T0 + timedelta(seconds=2)) == 0
        assert store.outbox_purge(T0 + timedelta(seconds=3)) == 1
        store.outbox_settle([], T0)  # nothing to record

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
