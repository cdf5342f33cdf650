"""The outbox of the in-memory backend, indexed so that a claim costs what it takes.

Every pending entry has a sequence number (its place in commit order) and an
instant from which it may be claimed: the end of its claim, or its earliest
retry, whichever is later (none: at once). Entries claimable as far as the
last claim knew wait in a heap by sequence number; the others in a heap by
that instant, from which a claim first moves what has come due. A claim then
takes the oldest entries off the first heap: its cost follows the entries it
claims, not the backlog. Heap items are not removed when an entry changes or
is done (an entry's ``slot`` tells its current item from stale ones); stale
items are skipped when met and swept out once they outnumber the live ones.

Not thread-safe by itself: :class:`~itsm_core.storage.memory.MemoryBackend`
calls it with its lock held.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime

import attrs

from itsm_core.kernel.events import DomainEvent
from itsm_core.storage.base import OutboxEntry, OutboxOutcome

__all__ = ["MemoryOutbox"]


_NONE: frozenset[str] = frozenset()


@attrs.define(eq=False)
class _Entry:
    event: DomainEvent
    seq: int
    delivered: tuple[str, ...] = ()  # (a tuple: no object to track for most entries)
    attempts: dict[str, int] | None = None  # (None until a notifier fails: most never do)
    next_attempt_at: dict[str, datetime] | None = None
    claimed_until: datetime | None = None
    slot: int = 0

    def failed(self, notifier: str, retry_at: datetime) -> None:
        """Count a failed attempt of ``notifier``, to be retried at ``retry_at``."""
        if self.attempts is None:
            self.attempts = {}
        if self.next_attempt_at is None:
            self.next_attempt_at = {}
        self.attempts[notifier] = self.attempts.get(notifier, 0) + 1
        self.next_attempt_at[notifier] = retry_at

    def retries(self) -> list[datetime]:
        """The retry times of the notifiers that failed and do not have the event yet."""
        if not self.next_attempt_at:
            return []
        return [at for name, at in self.next_attempt_at.items() if name not in self.delivered]

    def waiting(self, now: datetime) -> bool:
        """Whether a notifier waits for a retry later than ``now``."""
        return bool(self.next_attempt_at) and any(at > now for at in self.retries())

    def ready_at(self) -> datetime | None:
        """From when the entry may be claimed (None: at once)."""
        if not self.next_attempt_at:
            return self.claimed_until
        retries = self.retries()
        first = min(retries) if retries else None
        until = self.claimed_until
        if until is None or (first is not None and first > until):
            return first
        return until

    def claimable(self, now: datetime) -> bool:
        """Not claimed (or the lease expired), and something is due at ``now``."""
        ready = self.ready_at()
        return ready is None or ready <= now

    def snapshot(self) -> OutboxEntry:
        retries = self.next_attempt_at
        return OutboxEntry(
            event=self.event,
            delivered=frozenset(self.delivered) if self.delivered else _NONE,
            attempts={} if self.attempts is None else dict(self.attempts),
            next_attempt_at={}
            if not retries
            else {n: at for n, at in retries.items() if n not in self.delivered},
            claimed_until=self.claimed_until,
        )


class MemoryOutbox:
    """Pending entries (in commit order, indexed for claims) and done ones until purged."""

    def __init__(self) -> None:
        self._pending: dict[str, _Entry] = {}  # commit order
        self._done: dict[str, datetime] = {}  # done entries (when), until purged
        self._seq = 0
        self._ready: list[tuple[int, str, int]] = []  # (seq, id, slot)
        self._timed: list[tuple[datetime, int, str, int]] = []  # (ready_at, seq, id, slot)
        self._stale = 0

    def __len__(self) -> int:
        return len(self._pending)

    # -- filing ----------------------------------------------------------------------

    def _file(self, entry: _Entry, *, refile: bool = True) -> None:
        """Put ``entry``'s (new) item into the heap its ``ready_at`` says."""
        if refile:
            entry.slot += 1
            self._stale += 1
        ready = entry.ready_at()
        if ready is None:
            heapq.heappush(self._ready, (entry.seq, entry.event.event_id, entry.slot))
        else:
            heapq.heappush(self._timed, (ready, entry.seq, entry.event.event_id, entry.slot))
        if self._stale > 64 and self._stale > 2 * len(self._pending):
            self._sweep()

    def _live(self, event_id: str, slot: int) -> _Entry | None:
        entry = self._pending.get(event_id)
        return entry if entry is not None and entry.slot == slot else None

    def _sweep(self) -> None:
        """Drop the stale heap items."""
        self._ready = [i for i in self._ready if self._live(i[1], i[2]) is not None]
        self._timed = [i for i in self._timed if self._live(i[2], i[3]) is not None]
        heapq.heapify(self._ready)
        heapq.heapify(self._timed)
        self._stale = 0

    def add(
        self, events: Iterable[DomainEvent], done: Mapping[str, datetime] | None = None
    ) -> None:
        """Add committed events as pending entries, in commit order.

        :param done: the events whose entries are done already (nobody is to
            receive them), with the instant: kept as done, never pending.
        """
        for event in events:
            if done:
                at = done.get(event.event_id)
                if at is not None:
                    self._done[event.event_id] = at
                    continue
            self._seq += 1
            entry = _Entry(event, self._seq)
            self._pending[event.event_id] = entry
            self._file(entry, refile=False)

    # -- reading and claiming -----------------------------------------------------------

    def pending(self, now: datetime, limit: int) -> list[OutboxEntry]:
        """The entries not done, oldest first, those waiting for a later retry last."""
        if limit <= 0:
            return []
        due: list[_Entry] = []
        waiting: list[_Entry] = []
        for entry in self._pending.values():
            (waiting if entry.waiting(now) else due).append(entry)
            if len(due) >= limit:
                break
        return [e.snapshot() for e in (due + waiting)[:limit]]

    def claim(
        self,
        now: datetime,
        limit: int,
        until: datetime,
        event_ids: Collection[str] | None = None,
    ) -> list[OutboxEntry]:
        """Claim up to ``limit`` claimable entries (of ``event_ids`` only, if given)."""
        if limit <= 0:
            return []
        if event_ids is not None:
            chosen = self._claim_among(now, limit, event_ids)
        else:
            chosen = self._claim_oldest(now, limit)
        for entry in chosen:
            entry.claimed_until = until
            self._file(entry)
        return [e.snapshot() for e in chosen]

    def _claim_among(self, now: datetime, limit: int, event_ids: Collection[str]) -> list[_Entry]:
        pending = self._pending
        if len(event_ids) == 1:  # the relay after a command of one event
            entry = pending.get(next(iter(event_ids)))
            return [entry] if entry is not None and entry.claimable(now) else []
        found = {pending[i] for i in event_ids if i in pending}
        candidates = sorted(
            (e for e in found if e.claimable(now)), key=lambda e: (e.waiting(now), e.seq)
        )
        return candidates[:limit]

    def _claim_oldest(self, now: datetime, limit: int) -> list[_Entry]:
        timed, ready = self._timed, self._ready
        while timed and timed[0][0] <= now:
            _, seq, event_id, slot = heapq.heappop(timed)
            if self._live(event_id, slot) is not None:
                heapq.heappush(ready, (seq, event_id, slot))
        taken: list[_Entry] = []
        waiting: list[tuple[tuple[int, str, int], _Entry]] = []
        aside: list[tuple[int, str, int]] = []
        while ready and len(taken) < limit:
            item = heapq.heappop(ready)
            entry = self._live(item[1], item[2])
            if entry is None:
                continue  # stale: the entry changed or is done
            if not entry.claimable(now):  # an earlier ``now`` than a claim before
                aside.append(item)
            elif entry.waiting(now):
                waiting.append((item, entry))
            else:
                taken.append(entry)
        room = limit - len(taken)
        taken.extend(entry for _, entry in waiting[:room])
        for item, _ in waiting[room:]:
            heapq.heappush(ready, item)
        for item in aside:
            heapq.heappush(ready, item)
        return taken

    # -- marks ---------------------------------------------------------------------------

    def delivered(self, event_id: str, notifier: str) -> None:
        entry = self._pending.get(event_id)
        if entry is not None:
            if notifier not in entry.delivered:
                entry.delivered += (notifier,)
            if entry.next_attempt_at:
                entry.next_attempt_at.pop(notifier, None)
            self._file(entry)

    def failed(self, event_id: str, notifier: str, retry_at: datetime) -> None:
        entry = self._pending.get(event_id)
        if entry is not None:
            entry.failed(notifier, retry_at)
            self._file(entry)

    def release(self, event_id: str, claimed_until: datetime) -> None:
        entry = self._pending.get(event_id)
        if entry is not None and entry.claimed_until == claimed_until:
            entry.claimed_until = None
            self._file(entry)

    def done(self, event_id: str, at: datetime) -> None:
        if self._pending.pop(event_id, None) is not None:
            self._done[event_id] = at
            self._stale += 1

    def settle(self, outcomes: Sequence[OutboxOutcome], at: datetime) -> None:
        """Record a relay pass: marks, then done or the end of the claim, per entry."""
        for outcome in outcomes:
            entry = self._pending.get(outcome.event_id)
            if entry is None:
                continue
            for notifier in outcome.delivered:
                if notifier not in entry.delivered:
                    entry.delivered += (notifier,)
                if entry.next_attempt_at:
                    entry.next_attempt_at.pop(notifier, None)
            for failure in outcome.failed:
                entry.failed(failure.notifier, failure.retry_at)
            if outcome.done:
                self.done(outcome.event_id, at)
                continue
            if outcome.claimed_until is not None and entry.claimed_until == outcome.claimed_until:
                entry.claimed_until = None
            self._file(entry)

    def purge(self, done_before: datetime) -> int:
        old = [i for i, at in self._done.items() if at < done_before]
        for event_id in old:
            del self._done[event_id]
        return len(old)
