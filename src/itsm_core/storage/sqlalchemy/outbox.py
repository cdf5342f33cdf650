"""The SQL backend's outbox: committed events waiting for the notifiers.

Claims (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), deliveries, retries,
done marks, the settle of a whole relay pass and the purge of done entries.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
import sqlalchemy as sa

from itsm_core.kernel.events import DomainEvent
from itsm_core.storage.base import OutboxEntry, OutboxOutcome, lease_end
from itsm_core.storage.sqlalchemy.engine import MAX_ROWS
from itsm_core.storage.sqlalchemy.store import SqlStore

__all__ = ["SqlOutbox"]

_MAX_ERROR_TEXT = 2000


@attrs.frozen
class _OutboxStatements:
    """The outbox statements of one store (see :attr:`SqlBackend._outbox_sql`)."""

    pending_due: Any
    pending_waiting: Any
    claim: Any
    claim_among: Any
    bodies: Any
    deliveries: Any
    delivered: Any
    failed: Any
    release: Any
    done: Any


class SqlOutbox(SqlStore):
    """The outbox methods of the SQL backend (:class:`~itsm_core.storage.base.StorageBackend`)."""

    def _retry_tests(self, outbox: Any, at: Any) -> tuple[Any, Any, Any]:
        """``(waiting, due, failed)`` about the failed deliveries of an ``outbox`` row.

        ``waiting``: one waits for a retry later than ``at``; ``due``: one may
        be retried at ``at``; ``failed``: there is one that waits for a retry.
        """
        d = self._delivery
        failed = (
            sa.exists()
            .where(d.c.event_id == outbox.c.event_id)
            .where(d.c.delivered_at.is_(None))
            .where(d.c.next_attempt_at.is_not(None))
        )
        return (
            failed.where(d.c.next_attempt_at > at),
            failed.where(d.c.next_attempt_at <= at),
            failed,
        )

    @functools.cached_property
    def _outbox_sql(self) -> _OutboxStatements:
        """The outbox statements, built once: the relay runs them after every command.

        Values come as bound parameters (``p_at``, ``p_until``, ``p_limit``,
        ``p_event_id``...), so each call only executes (SQLAlchemy caches the
        compiled form).
        """
        o, e, d = self._outbox, self._events, self._delivery
        at = sa.bindparam("p_at", type_=o.c.claimed_until.type)
        limit = sa.bindparam("p_limit", type_=sa.Integer())
        event_id = sa.bindparam("p_event_id", type_=o.c.event_id.type)

        waiting, _, _ = self._retry_tests(o, at)
        pending = (
            sa.select(o.c.event_id, o.c.seq, o.c.claimed_until)
            .where(o.c.done_at.is_(None))
            .order_by(o.c.seq)
        )

        free = o.alias("free")
        free_waiting, due, failed = self._retry_tests(free, at)
        candidates = (
            sa.select(free.c.seq)
            .where(free.c.done_at.is_(None))
            .where(sa.or_(free.c.claimed_until.is_(None), free.c.claimed_until <= at))
            .where(sa.or_(~failed, due))
            .order_by(sa.case((free_waiting, 1), else_=0), free.c.seq)
            .limit(limit)
        )
        among = candidates.where(free.c.event_id.in_(sa.bindparam("p_ids", expanding=True)))
        if self.dialect == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True, of=free)
            among = among.with_for_update(skip_locked=True, of=free)

        def claim_of(chosen: Any) -> Any:
            return (
                sa.update(o)
                .where(o.c.seq.in_(chosen.scalar_subquery()))
                .values(claimed_until=sa.bindparam("p_until", type_=o.c.claimed_until.type))
                .returning(o.c.event_id, o.c.seq, o.c.claimed_until)
            )

        def mark(values: dict[str, Any], on_conflict: dict[str, Any]) -> Any:
            """Upsert one delivery row, if the entry is still pending."""
            source = sa.select(
                o.c.event_id, *(sa.bindparam(f"p_{k}", type_=d.c[k].type) for k in values)
            ).where(o.c.event_id == event_id, o.c.done_at.is_(None))
            return (
                self._insert(d)
                .from_select(["event_id", *values], source)
                .on_conflict_do_update(
                    index_elements=[d.c.event_id, d.c.notifier], set_=on_conflict
                )
            )

        ids: Any = sa.bindparam("p_ids", expanding=True)
        return _OutboxStatements(
            pending_due=pending.where(~waiting).limit(limit),
            pending_waiting=pending.where(waiting).limit(limit),
            claim=claim_of(candidates),
            claim_among=claim_of(among),
            bodies=sa.select(e.c.event_id, e.c.body).where(e.c.event_id.in_(ids)),
            deliveries=sa.select(d).where(d.c.event_id.in_(ids)),
            delivered=mark(
                {"notifier": None, "attempts": None, "delivered_at": None},
                {"delivered_at": sa.bindparam("p_delivered_at"), "next_attempt_at": None},
            ),
            failed=mark(
                {"notifier": None, "attempts": None, "next_attempt_at": None, "last_error": None},
                {
                    "attempts": d.c.attempts + 1,
                    "next_attempt_at": sa.bindparam("p_next_attempt_at"),
                    "last_error": sa.bindparam("p_last_error"),
                },
            ),
            release=(
                sa.update(o)
                .where(o.c.event_id == event_id)
                .where(o.c.done_at.is_(None))
                .where(o.c.claimed_until == sa.bindparam("p_until", type_=o.c.claimed_until.type))
                .values(claimed_until=None)
            ),
            done=(
                sa.update(o)
                .where(o.c.event_id == event_id)
                .where(o.c.done_at.is_(None))
                .values(
                    done_at=sa.bindparam("p_done_at", type_=o.c.done_at.type), claimed_until=None
                )
            ),
        )

    def _entries(
        self, connection: sa.Connection, rows: Sequence[Any], now: datetime
    ) -> list[OutboxEntry]:
        """Build the entries of outbox ``rows`` (``event_id``, ``seq``, ``claimed_until``).

        Ordered by commit, entries where a notifier waits for a later retry last.
        """
        sql = self._outbox_sql
        ids = [r.event_id for r in rows]
        if not ids:
            return []
        bodies: dict[str, Any] = {
            row.event_id: row.body for row in connection.execute(sql.bodies, {"p_ids": ids})
        }
        bodies = dict(zip(bodies, self.open_events(connection, list(bodies.values())), strict=True))
        deliveries: dict[str, list[Any]] = {i: [] for i in ids}
        for row in connection.execute(sql.deliveries, {"p_ids": ids}):
            deliveries[row.event_id].append(row)
        entries: list[tuple[bool, int, OutboxEntry]] = []
        for row in rows:
            rows_d = deliveries[row.event_id]
            retries = {
                r.notifier: self.from_db(r.next_attempt_at, "datetime")
                for r in rows_d
                if r.delivered_at is None and r.next_attempt_at is not None
            }
            entry = OutboxEntry(
                event=DomainEvent.from_dict(bodies[row.event_id]),
                delivered=frozenset(r.notifier for r in rows_d if r.delivered_at is not None),
                attempts={r.notifier: int(r.attempts) for r in rows_d if r.attempts},
                next_attempt_at=retries,
                claimed_until=self.from_db(row.claimed_until, "datetime"),
            )
            waiting = any(at > now for at in retries.values())
            entries.append((waiting, int(row.seq), entry))
        entries.sort(key=lambda w: (w[0], w[1]))
        return [entry for _, _, entry in entries]

    def outbox_pending(self, now: datetime, limit: int = 100) -> list[OutboxEntry]:
        """The entries not yet done, without claiming them (claimed ones included).

        Oldest first, except that entries where a notifier waits for a retry
        later than ``now`` come after the others: a failing notifier never
        holds back new events.
        """
        if limit <= 0:
            return []
        sql = self._outbox_sql
        at = self._instant(now, "now")
        limit = min(limit, MAX_ROWS)
        with self._begin("reading the outbox") as connection:
            rows = list(connection.execute(sql.pending_due, {"p_at": at, "p_limit": limit}))
            if len(rows) < limit:
                seen = {r.event_id for r in rows}
                more = connection.execute(
                    sql.pending_waiting, {"p_at": at, "p_limit": limit - len(rows)}
                )
                rows.extend(r for r in more if r.event_id not in seen)
            return self._entries(connection, rows, now)

    def outbox_claim(
        self,
        now: datetime,
        limit: int,
        lease: timedelta,
        event_ids: Collection[str] | None = None,
    ) -> list[OutboxEntry]:
        """Claim up to ``limit`` entries until ``now + lease`` and return them.

        One statement, ``UPDATE itsm_outbox SET claimed_until = … WHERE seq IN
        (SELECT … LIMIT n) RETURNING …``: on PostgreSQL the inner select takes
        its rows ``FOR UPDATE SKIP LOCKED``, so relays claiming at once get
        disjoint entries without waiting for each other (and a row claimed
        meanwhile is checked again, and skipped); SQLite runs the statement
        under its write lock. Which entries and in which order: see
        :meth:`~itsm_core.storage.StorageBackend.outbox_claim`.
        """
        until = lease_end(now, lease)
        ids = None if event_ids is None else sorted(set(event_ids))
        if limit <= 0 or ids == []:
            self._check_open()
            return []
        params: dict[str, Any] = {
            "p_at": self._instant(now, "now"),
            "p_until": self._instant(until, "claimed_until"),
            "p_limit": min(limit, MAX_ROWS),
        }
        statement = self._outbox_sql.claim
        if ids is not None:
            params["p_ids"] = ids
            statement = self._outbox_sql.claim_among
        with self._begin("claiming outbox entries") as connection:
            rows = list(connection.execute(statement, params))
            return self._entries(connection, rows, now)

    def _run(self, doing: str, statement: Any, params: dict[str, Any]) -> None:
        with self._begin(doing) as connection:
            connection.execute(statement, params)

    def outbox_delivered(self, event_id: str, notifier: str, at: datetime) -> None:
        """Record that ``notifier`` received the event (ignored once the entry is done)."""
        self._run(
            "recording a delivery",
            self._outbox_sql.delivered,
            {
                "p_event_id": event_id,
                "p_notifier": notifier,
                "p_attempts": 0,
                "p_delivered_at": self._instant(at, "at"),
            },
        )

    def outbox_failed(self, event_id: str, notifier: str, error: str, retry_at: datetime) -> None:
        """Record a failed delivery and when to try again (ignored once the entry is done)."""
        self._run(
            "recording a failed delivery",
            self._outbox_sql.failed,
            {
                "p_event_id": event_id,
                "p_notifier": notifier,
                "p_attempts": 1,
                "p_next_attempt_at": self._instant(retry_at, "retry_at"),
                "p_last_error": error[:_MAX_ERROR_TEXT],
            },
        )

    def outbox_release(self, event_id: str, claimed_until: datetime) -> None:
        """End the claim lasting until ``claimed_until``, if it is still the entry's claim."""
        self._run(
            "releasing an outbox entry",
            self._outbox_sql.release,
            {"p_event_id": event_id, "p_until": self._instant(claimed_until, "claimed_until")},
        )

    def outbox_done(self, event_id: str, at: datetime) -> None:
        """Record that every notifier has the event; it leaves the pending list, unclaimed."""
        self._run(
            "closing an outbox entry",
            self._outbox_sql.done,
            {"p_event_id": event_id, "p_done_at": self._instant(at, "at")},
        )

    def outbox_settle(self, outcomes: Sequence[OutboxOutcome], at: datetime) -> None:
        """Record a relay pass's outcomes in one transaction (see the protocol).

        Each kind of mark is one batched statement (deliveries, failures, done,
        releases, in that order).
        """
        sql = self._outbox_sql
        when = self._instant(at, "at")
        delivered: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        done: list[dict[str, Any]] = []
        released: list[dict[str, Any]] = []
        for outcome in outcomes:
            event_id = outcome.event_id
            for notifier in outcome.delivered:
                delivered.append({
                    "p_event_id": event_id, "p_notifier": notifier, "p_attempts": 0,
                    "p_delivered_at": when,
                })  # fmt: skip
            for failure in outcome.failed:
                failed.append({
                    "p_event_id": event_id, "p_notifier": failure.notifier, "p_attempts": 1,
                    "p_next_attempt_at": self._instant(failure.retry_at, "retry_at"),
                    "p_last_error": failure.error[:_MAX_ERROR_TEXT],
                })  # fmt: skip
            if outcome.done:
                done.append({"p_event_id": event_id, "p_done_at": when})
            elif outcome.claimed_until is not None:
                until = self._instant(outcome.claimed_until, "claimed_until")
                released.append({"p_event_id": event_id, "p_until": until})
        batches = (
            (sql.delivered, delivered),
            (sql.failed, failed),
            (sql.done, done),
            (sql.release, released),
        )
        if not any(params for _, params in batches):
            self._check_open()
            return
        with self._begin("recording a relay pass") as connection:
            for statement, params in batches:
                if params:
                    connection.execute(statement, params)

    def outbox_purge(self, done_before: datetime) -> int:
        """Delete the entries done before ``done_before`` and their delivery rows.

        The events stay. Delivery rows go first (they refer to the entries);
        an entry done while this runs keeps its rows and is left for the next
        purge. Returns how many entries were deleted.
        """
        o, d = self._outbox, self._delivery
        cutoff = self._instant(done_before, "done_before")
        old = sa.select(o.c.event_id).where(o.c.done_at.is_not(None), o.c.done_at < cutoff)
        with self._begin("purging the outbox") as connection:
            connection.execute(sa.delete(d).where(d.c.event_id.in_(old.scalar_subquery())))
            result = connection.execute(
                sa.delete(o)
                .where(o.c.done_at.is_not(None), o.c.done_at < cutoff)
                .where(~sa.exists().where(d.c.event_id == o.c.event_id))
            )
            return int(result.rowcount)
