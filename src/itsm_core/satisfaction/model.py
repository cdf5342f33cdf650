"""The entities of satisfaction capture (DOMAIN §3): service records, callbacks,
customers and responses. Survey campaigns and invitations are in
:mod:`~itsm_core.satisfaction.campaigns`.

Service records (服务单) are the library's minimal reference to a request handled
in the provider's own ticketing tool. The ticketing tool stays the system of
record for the request itself; this library keeps what satisfaction needs:
who the customer and engineer were, when the request was opened, resolved and
closed, whether it was resolved at first contact, how often it was reopened,
and where it stands with callbacks.

**Record completeness** (工作记录完整率, 002 §4.6.3): a record is *complete*
when it names the engineer, has a non-blank resolution, and has its opened,
resolved and closed instants, in that order.

**Callbacks** (004): a record sampled for a daily callback has
``callback_state`` ``due``. If the customer says the problem is not really
solved, the record is *returned* to the engineer (its reopened count goes up,
its resolved and closed instants are cleared); once the engineer resolves it
again a second callback is due (``recheck_due``), and the record cannot close
until that callback confirms it is solved.

A :class:`Callback` is one entry of the callback register (回访登记表); a
:class:`CustomerProfile` one customer of the register (key customers, 重要客户);
a :class:`Response` one score given on one channel.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ConflictError, ValidationError
from itsm_core.satisfaction._values import (
    DEFAULT_TIMEZONE,
    local_day,
    local_period,
    optional_text,
    require_text,
)
from itsm_core.satisfaction.enums import (
    CallbackKind,
    CallbackOutcome,
    CallbackState,
    CallbackStatus,
    Channel,
    ServiceRecordState,
    Subject,
)
from itsm_core.satisfaction.lifecycle import CALLBACK, CALLBACK_STATUS, SERVICE_RECORD
from itsm_core.satisfaction.scales import Score

__all__ = [
    "Callback",
    "CallbackAttempt",
    "CustomerProfile",
    "Response",
    "ServiceRecord",
    "check_order",
]


def check_order(
    opened_at: datetime, resolved_at: datetime | None, closed_at: datetime | None
) -> None:
    """Raise :class:`ValidationError` unless opened ≤ resolved ≤ closed (where given)."""
    require_aware(opened_at, "opened_at")
    if resolved_at is not None:
        require_aware(resolved_at, "resolved_at")
        if resolved_at < opened_at:
            raise ValidationError(
                f"resolved_at ({resolved_at.isoformat()}) is before opened_at "
                f"({opened_at.isoformat()})",
                field="resolved_at",
            )
    if closed_at is not None:
        require_aware(closed_at, "closed_at")
        floor = resolved_at or opened_at
        if closed_at < floor:
            raise ValidationError(
                f"closed_at ({closed_at.isoformat()}) is before "
                f"{'resolved_at' if resolved_at else 'opened_at'} ({floor.isoformat()})",
                field="closed_at",
            )


@attrs.define(eq=False, kw_only=True)
class ServiceRecord(Aggregate):
    """A request handled in the provider's ticketing tool, as satisfaction needs it.

    :param id: the ticket's id in the provider's tool.
    :param customer: the customer (organisation) id.
    :param service: the service the request belongs to.
    :param engineer: the engineer who handled it.
    :param requester: the person who asked (the one to call back), if known.
    :param summary: a one-line summary of the request.
    :param resolution: how it was resolved.
    :param opened_at: when the request was opened.
    :param resolved_at: when it was resolved (None while open or returned).
    :param closed_at: when it was closed (None until closed).
    :param first_contact: resolved at first contact (首问解决).
    :param reopened_count: how often it was reopened or returned after a callback.
    :param state: the :class:`~itsm_core.satisfaction.enums.ServiceRecordState`.
    :param callback_status: where it stands with callbacks.
    :param timezone: the provider's zone, in which :attr:`closed_day` is counted.
    """

    KIND = "service_record"

    customer: str
    service: str
    engineer: str | None = None
    requester: str | None = None
    summary: str | None = None
    resolution: str | None = None
    opened_at: datetime
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    first_contact: bool = False
    reopened_count: int = 0
    state: ServiceRecordState = ServiceRecordState.OPEN
    callback_status: CallbackStatus = CallbackStatus.NONE
    last_callback_id: str | None = None
    last_return_reason: str | None = None
    timezone: str = DEFAULT_TIMEZONE

    @property
    def closed_day(self) -> str | None:
        """The local date of :attr:`closed_at`, ``"YYYY-MM-DD"`` (None if not closed)."""
        return local_day(self.closed_at, self.timezone) if self.closed_at else None

    @property
    def closed_period(self) -> str | None:
        """The local month of :attr:`closed_at`, ``"YYYY-MM"`` (None if not closed)."""
        return local_period(self.closed_at, self.timezone) if self.closed_at else None

    @property
    def handled_at(self) -> datetime | None:
        """When the work was handled: resolved, else closed (callbacks are due from here)."""
        return self.resolved_at or self.closed_at

    @property
    def complete(self) -> bool:
        """True if the record has every required field: engineer, resolution, the three
        instants, in order."""
        if not self.engineer or not self.resolution:
            return False
        if self.resolved_at is None or self.closed_at is None:
            return False
        return self.opened_at <= self.resolved_at <= self.closed_at

    def _facts(self) -> dict[str, object]:
        return {
            "customer": self.customer,
            "service": self.service,
            "engineer": self.engineer,
            "state": self.state.value,
            "opened_at": self.opened_at,
            "resolved_at": self.resolved_at,
            "closed_at": self.closed_at,
            "first_contact": self.first_contact,
            "reopened_count": self.reopened_count,
        }

    def register(self, actor: Actor, at: datetime) -> None:
        """Validate a new record (built open), take it to the state its instants say
        (closed if ``closed_at``, resolved if ``resolved_at``), record ``registered``."""
        event = (
            "register_closed"
            if self.closed_at is not None
            else "register_resolved"
            if self.resolved_at is not None
            else None
        )
        if event is not None:
            SERVICE_RECORD.check(self, event)
        check_order(self.opened_at, self.resolved_at, self.closed_at)
        if self.reopened_count < 0:
            raise ValidationError(
                f"reopened_count must be >= 0, got {self.reopened_count}", field="reopened_count"
            )
        if event is not None:
            SERVICE_RECORD.fire(self, event)
        self._record("registered", actor, at, self._facts())

    def resolve(
        self,
        actor: Actor,
        at: datetime,
        *,
        resolved_at: datetime,
        resolution: str | None = None,
        engineer: str | None = None,
        first_contact: bool | None = None,
    ) -> None:
        """The engineer resolved the request (again, after a return)."""
        SERVICE_RECORD.check(self, "resolve")
        check_order(self.opened_at, resolved_at, None)
        text = optional_text(resolution, "resolution")
        who = optional_text(engineer, "engineer")
        SERVICE_RECORD.fire(self, "resolve")
        self.resolved_at = resolved_at
        self.resolution = text or self.resolution
        self.engineer = who or self.engineer
        if first_contact is not None:
            self.first_contact = bool(first_contact)
        self._record("resolved", actor, at, self._facts())

    def close(self, actor: Actor, at: datetime, *, closed_at: datetime) -> None:
        """Close the record; refused while a second callback is due after a return."""
        SERVICE_RECORD.check(self, "close")
        if self.callback_status is CallbackStatus.RECHECK_DUE:
            raise SERVICE_RECORD.refuse(
                self,
                "close",
                "the record was returned after a callback and a second callback "
                f"({self.last_callback_id}) is due before it can close",
            )
        check_order(self.opened_at, self.resolved_at, closed_at)
        SERVICE_RECORD.fire(self, "close")
        self.closed_at = closed_at
        self._record("closed", actor, at, self._facts())

    def reopen(self, actor: Actor, at: datetime, *, reason: str) -> None:
        """The request was reopened in the ticketing tool."""
        SERVICE_RECORD.check(self, "reopen")
        text = require_text(reason, "reason")
        SERVICE_RECORD.fire(self, "reopen")
        self.reopened_count += 1
        self.resolved_at = None
        self.closed_at = None
        self._record("reopened", actor, at, {**self._facts(), "reason": text})

    def schedule_callback(
        self, actor: Actor, at: datetime, *, callback_id: str, recheck: bool = False
    ) -> None:
        """Note that a callback (a second one if ``recheck``) is due for this record."""
        CALLBACK_STATUS.fire(self, "schedule_recheck" if recheck else "schedule")
        self.last_callback_id = callback_id
        self._record(
            "callback_scheduled",
            actor,
            at,
            {"callback_id": callback_id, "callback_state": self.callback_status.value},
        )

    def confirm_solved(self, actor: Actor, at: datetime, *, callback_id: str) -> None:
        """A callback confirmed the problem is solved."""
        CALLBACK_STATUS.fire(self, "confirm")
        self.last_callback_id = callback_id
        self._record("callback_confirmed", actor, at, {"callback_id": callback_id})

    def cancel_callback(self, actor: Actor, at: datetime, *, callback_id: str, reason: str) -> bool:
        """The due callback ``callback_id`` was cancelled: no callback is planned any more.

        Cancelling a second callback after a return lets the record close
        without it; the reason stays in the history. Return False (and record
        nothing) if ``callback_id`` is not the record's pending callback.
        """
        pending = CALLBACK_STATUS.allowed(self.callback_status)
        if self.last_callback_id != callback_id or "cancel" not in pending:
            return False
        CALLBACK_STATUS.fire(self, "cancel")
        self._record(
            "callback_cancelled", actor, at, {"callback_id": callback_id, "reason": reason}
        )
        return True

    def return_to_engineer(
        self, actor: Actor, at: datetime, *, callback_id: str, reason: str
    ) -> None:
        """A callback found the problem not really solved: back to the engineer."""
        SERVICE_RECORD.check(self, "return")
        CALLBACK_STATUS.check(self, "return")
        text = require_text(reason, "reason")
        SERVICE_RECORD.fire(self, "return")
        CALLBACK_STATUS.fire(self, "return")
        self.reopened_count += 1
        self.resolved_at = None
        self.closed_at = None
        self.last_callback_id = callback_id
        self.last_return_reason = text
        self._record(
            "returned",
            actor,
            at,
            {**self._facts(), "callback_id": callback_id, "reason": text},
        )


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


@attrs.define(eq=False, kw_only=True)
class CustomerProfile(Aggregate):
    """A customer (organisation) as satisfaction capture knows it.

    :param id: the customer id used everywhere else (responses, service records).
    :param name: the display name.
    :param key: a key customer (重要客户).
    :param key_since: since when the key flag holds (None when not key).
    :param note: why it is (or stopped being) a key customer.
    """

    KIND = "customer_profile"

    name: str
    key: bool = False
    key_since: datetime | None = None
    note: str | None = None

    def register(self, actor: Actor, at: datetime) -> None:
        """Record the ``registered`` event of a new profile."""
        self.name = require_text(self.name, "name")
        if self.key and self.key_since is None:
            self.key_since = at
        if not self.key:
            self.key_since = None
        self._record(
            "registered",
            actor,
            at,
            {"name": self.name, "key": self.key, "key_since": self.key_since, "note": self.note},
        )

    def set_key(self, actor: Actor, at: datetime, *, key: bool, note: str | None = None) -> bool:
        """Set or clear the key-customer flag; return False (and record nothing) if unchanged."""
        text = optional_text(note, "note")
        if bool(key) == self.key:
            return False
        self.key = bool(key)
        self.key_since = at if self.key else None
        self.note = text
        self._record("key_changed", actor, at, {"key": self.key, "note": text})
        return True

    def rename(self, actor: Actor, at: datetime, *, name: str) -> bool:
        """Change the display name; return False if unchanged."""
        text = require_text(name, "name")
        if text == self.name:
            return False
        self.name = text
        self._record("renamed", actor, at, {"name": text})
        return True


@attrs.define(eq=False, kw_only=True)
class Response(Aggregate):
    """A score one respondent gave on one channel, with what it rates.

    A survey submission with several questions gives one response per answered
    question; they share a ``submission_id`` (the invitation's id). Responses
    are never edited: a second score for the same thing is a new response.

    :param channel: the :class:`~itsm_core.satisfaction.enums.Channel`.
    :param customer: the customer (organisation) id.
    :param service: the service rated.
    :param subject: what is rated (a service record, complaint, review, month, campaign).
    :param respondent: the person who answered.
    :param score: the :class:`~itsm_core.satisfaction.scales.Score` (raw and normalised).
    :param comment: the respondent's comment.
    :param responded_at: when the respondent answered.
    :param timezone: the provider's zone, in which :attr:`period` is counted.
    :param engineer: the engineer who did the work rated, where known.
    :param campaign_id: the survey campaign (survey channel only).
    :param question: the questionnaire question's code (survey channel only).
    :param submission_id: groups the answers of one submission; a complaint
        is opened at most once per submission.
    :param recorded_by: who entered the response.
    :param complaint_source: ``"satisfaction"`` or ``"callback"`` when this
        response must open a complaint, else None.
    :param complaint_id: the complaint it opened, once opened.
    """

    KIND = "satisfaction_response"

    channel: Channel
    customer: str
    service: str
    subject: Subject
    respondent: str
    score: Score
    comment: str | None = None
    responded_at: datetime
    timezone: str = DEFAULT_TIMEZONE
    engineer: str | None = None
    campaign_id: str | None = None
    question: str | None = None
    submission_id: str
    recorded_by: str
    complaint_source: str | None = None
    complaint_id: str | None = None

    @property
    def period(self) -> str:
        """The calendar month of :attr:`responded_at` in the provider's zone, ``"YYYY-MM"``."""
        return local_period(self.responded_at, self.timezone)

    @property
    def opens_complaint(self) -> bool:
        """True if this response must open a complaint."""
        return self.complaint_source is not None

    @property
    def complaint_pending(self) -> bool:
        """True if this response must open a complaint that is not linked yet."""
        return self.complaint_source is not None and self.complaint_id is None

    def register(self, actor: Actor, at: datetime) -> None:
        """Record the ``recorded`` event of this new response (once, right after building it).

        :param actor: who enters it.
        :param at: when it is entered.
        """
        require_aware(at, "at")
        require_aware(self.responded_at, "responded_at")
        self._record("recorded", actor, at, self.summary())

    def summary(self) -> dict[str, object]:
        """The response's facts as JSON-able data (the ``recorded`` event payload)."""
        return {
            "channel": self.channel.value,
            "customer": self.customer,
            "service": self.service,
            "subject_kind": self.subject.kind.value,
            "subject_ref": self.subject.ref,
            "respondent": self.respondent,
            "scale": self.score.scale,
            "raw": self.score.raw,
            "level": self.score.level,
            "normalised": self.score.normalised,
            "top_box": self.score.top_box,
            "very_dissatisfied": self.score.very_dissatisfied,
            "comment": self.comment,
            "responded_at": self.responded_at,
            "period": self.period,
            "engineer": self.engineer,
            "campaign_id": self.campaign_id,
            "question": self.question,
            "submission_id": self.submission_id,
            "opens_complaint": self.complaint_source,
        }

    def link_complaint(self, actor: Actor, complaint_id: str, at: datetime) -> bool:
        """Remember the complaint this response opened; return False if already linked to it.

        :raises ConflictError: if it is linked to another complaint already.
        """
        if self.complaint_id == complaint_id:
            return False
        if self.complaint_id is not None:
            raise ConflictError(
                f"response {self.id!r} already opened complaint {self.complaint_id!r}, "
                f"not {complaint_id!r}",
                kind=self.KIND,
                entity_id=self.id,
            )
        self.complaint_id = complaint_id
        self._record("complaint_opened", actor, at, {"complaint_id": complaint_id})
        return True
