"""A callback (回访): one entry of the callback register (回访登记表), and its attempts."""

from __future__ import annotations

from datetime import datetime

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.satisfaction._values import optional_text, require_text
from itsm_core.satisfaction.enums import CallbackKind, CallbackOutcome, CallbackState
from itsm_core.satisfaction.lifecycle import CALLBACK

__all__ = ["Callback", "CallbackAttempt"]


@attrs.frozen
class CallbackAttempt:
    """An attempt to reach the customer that failed.

    :param at: when.
    :param by: who called.
    :param note: what happened (no answer, wrong number...).
    """

    at: datetime
    by: str
    note: str | None = None


@attrs.define(eq=False, kw_only=True)
class Callback(Aggregate):
    """One entry of the callback register (回访登记表).

    :param kind: daily, second callback after a return, or key-customer monthly.
    :param customer: the customer called.
    :param service: the service concerned (None for a monthly callback).
    :param service_record_id: the record called back about (None for monthly).
    :param engineer: the engineer who handled the record.
    :param contact: the person to call, if known.
    :param sample_day: the day whose sample picked it (daily callbacks).
    :param period: the month, ``"YYYY-MM"`` (monthly callbacks).
    :param due_at: when it is due.
    :param state: the :class:`~itsm_core.satisfaction.enums.CallbackState`.
    :param attempts: failed attempts.
    :param outcome: what it found, once done.
    :param reason: why not solved, when not solved.
    :param response_id: the callback score's response, if a score was given.
    """

    KIND = "service_callback"

    kind: CallbackKind
    customer: str
    service: str | None = None
    service_record_id: str | None = None
    engineer: str | None = None
    contact: str | None = None
    sample_day: str | None = None
    period: str | None = None
    due_at: datetime
    state: CallbackState = CallbackState.DUE
    attempts: tuple[CallbackAttempt, ...] = ()
    outcome: CallbackOutcome | None = None
    reason: str | None = None
    response_id: str | None = None
    done_at: datetime | None = None
    done_by: str | None = None
    scheduled_at: datetime

    def is_overdue(self, now: datetime) -> bool:
        """True if still due after its due time."""
        return self.state is CallbackState.DUE and now > self.due_at

    def register(self, actor: Actor, at: datetime) -> None:
        """Record the ``scheduled`` event of this new callback."""
        require_aware(self.due_at, "due_at")
        self._record(
            "scheduled",
            actor,
            at,
            {
                "kind": self.kind.value,
                "customer": self.customer,
                "service": self.service,
                "service_record_id": self.service_record_id,
                "engineer": self.engineer,
                "sample_day": self.sample_day,
                "period": self.period,
                "due_at": self.due_at,
            },
        )

    def attempt(self, actor: Actor, at: datetime, *, note: str | None = None) -> None:
        """Record a failed attempt to reach the customer; the callback stays due."""
        CALLBACK.check(self, "attempt")
        text = optional_text(note, "note")
        CALLBACK.fire(self, "attempt")
        self.attempts = (*self.attempts, CallbackAttempt(at, actor.id, text))
        self._record("attempted", actor, at, {"attempt": len(self.attempts), "note": text})

    def complete(
        self,
        actor: Actor,
        at: datetime,
        *,
        outcome: CallbackOutcome,
        reason: str | None = None,
        response_id: str | None = None,
    ) -> None:
        """Record what the callback found (solved or not really solved)."""
        CALLBACK.check(self, "complete")
        if outcome is CallbackOutcome.UNREACHABLE:
            raise ValidationError(
                "an unreachable customer is an attempt, not a completed callback", field="outcome"
            )
        text = optional_text(reason, "reason")
        if outcome is CallbackOutcome.NOT_SOLVED:
            text = require_text(reason, "reason")
        CALLBACK.fire(self, "complete")
        self.outcome = outcome
        self.reason = text
        self.response_id = response_id
        self.done_at = at
        self.done_by = actor.id
        self._record(
            "completed",
            actor,
            at,
            {
                "kind": self.kind.value,
                "customer": self.customer,
                "service_record_id": self.service_record_id,
                "outcome": outcome.value,
                "reason": text,
                "response_id": response_id,
            },
        )

    def cancel(self, actor: Actor, at: datetime, *, reason: str) -> None:
        """Cancel a due callback (e.g. the customer asked not to be called)."""
        CALLBACK.check(self, "cancel")
        text = require_text(reason, "reason")
        CALLBACK.fire(self, "cancel")
        self.reason = text
        self.done_at = at
        self.done_by = actor.id
        self._record("cancelled", actor, at, {"reason": text})
