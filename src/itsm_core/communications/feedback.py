"""Proactive feedback: progress updates to the customer of a request, due at an agreed interval.

For key customers, important requests and urgent incidents, the service desk
tells the customer how the request stands without being asked. A
:class:`ProactiveFeedback` is that promise for one request (a service record
or incident in the provider's tool): an update is due every ``interval`` of
business time on an SLA clock (target kind ``progress_update``) until the
request closes. Each update given is recorded
(:class:`~itsm_core.communications.values.ProgressUpdate`) and starts the
clock for the next one; a missed update warns the desk through the usual SLA
hooks (``itsm_sla_warning``, ``itsm_sla_breach``).

The feedback changes only through
:data:`~itsm_core.communications.lifecycle.FEEDBACK_LIFECYCLE`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

import attrs

from itsm_core.communications.enums import ContactChannel, FeedbackReason, FeedbackState
from itsm_core.communications.lifecycle import FEEDBACK_LIFECYCLE
from itsm_core.communications.values import (
    ProgressUpdate,
    optional_text,
    text,
    text_field,
)
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate, require_forward
from itsm_core.kernel.clock import aware_field, require_aware
from itsm_core.kernel.errors import ValidationError

__all__ = ["ProactiveFeedback"]


def _state(value: object) -> FeedbackState:
    return FeedbackState.parse(value, "state")


def _reason(value: object) -> FeedbackReason:
    return FeedbackReason.parse(value, "reason")


def _interval(_instance: object, _attribute: object, value: Any) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError(
            f"interval must be a positive timedelta of business time (e.g. timedelta(hours=2)), "
            f"got {value!r}",
            field="interval",
        )


@attrs.define(eq=False, kw_only=True)
class ProactiveFeedback(Aggregate):
    """The progress updates owed to the customer of one request.

    :param state: active (updates due) or closed.
    :param record_id: the request's id (a service record or incident in the provider's tool).
    :param customer: the customer told.
    :param reason: key customer, important request or urgent incident.
    :param interval: the agreed business time between updates.
    :param calendar: the business calendar the interval runs on.
    :param handler: who handles the request (carried into the clock's notifications).
    :param summary: what the request is about.
    :param updates: the updates given, oldest first.
    :param next_due_at: when the next update is due (None once closed).
    :param created_by: who started it.
    :param created_at: when.
    :param updated_at: the latest change.
    :param closed_at: when the request closed.
    """

    KIND: ClassVar[str] = "proactive_feedback"

    state: FeedbackState = attrs.field(default=FeedbackState.ACTIVE, converter=_state)
    record_id: str = attrs.field(validator=text_field)
    customer: str = attrs.field(validator=text_field)
    reason: FeedbackReason = attrs.field(converter=_reason)
    interval: timedelta = attrs.field(validator=_interval)
    calendar: str = attrs.field(default="default", validator=text_field)
    handler: str | None = None
    summary: str | None = None
    updates: tuple[ProgressUpdate, ...] = attrs.field(default=(), converter=tuple)
    next_due_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    created_by: str = attrs.field(validator=text_field)
    created_at: datetime = attrs.field(validator=aware_field())
    updated_at: datetime = attrs.field(validator=aware_field())
    closed_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))

    @property
    def is_active(self) -> bool:
        """True while updates are due."""
        return self.state is FeedbackState.ACTIVE

    @property
    def missed(self) -> int:
        """How many updates came after they were due."""
        return sum(1 for u in self.updates if not u.on_time)

    def _begin(self, event: str, at: datetime) -> None:
        FEEDBACK_LIFECYCLE.check(self, event)
        require_forward(at, self.updated_at, "the feedback")

    @classmethod
    def start(
        cls, actor: Actor, at: datetime, *, feedback_id: str, next_due_at: datetime, **fields: Any
    ) -> ProactiveFeedback:
        """Start the feedback of a request (``proactive_feedback.started``).

        :raises ValidationError: for a missing or malformed field.
        """
        require_aware(at, "at")
        feedback = cls(
            id=text(feedback_id, "feedback_id"),
            created_by=actor.id,
            created_at=at,
            updated_at=at,
            next_due_at=require_aware(next_due_at, "next_due_at"),
            **fields,
        )
        feedback.handler = optional_text(feedback.handler, "handler")
        feedback.summary = optional_text(feedback.summary, "summary")
        feedback._record(
            "started",
            actor,
            at,
            {
                "event": "start",
                "from": None,
                "to": feedback.state.value,
                "record_id": feedback.record_id,
                "customer": feedback.customer,
                "reason": feedback.reason.value,
                "interval_us": feedback.interval // timedelta(microseconds=1),
                "calendar": feedback.calendar,
                "handler": feedback.handler,
                "next_due_at": next_due_at.isoformat(),
            },
        )
        return feedback

    def update(
        self,
        actor: Actor,
        at: datetime,
        *,
        summary: str,
        channel: ContactChannel | str,
        next_due_at: datetime,
    ) -> ProgressUpdate:
        """Record one progress update (``proactive_feedback.updated``); the next is due then.

        :raises InvalidTransition: once closed.
        :raises ValidationError: for an empty summary or an unknown channel.
        """
        self._begin("update", at)
        due = require_aware(next_due_at, "next_due_at")
        given = ProgressUpdate(
            at=at,
            by=actor.id,
            channel=channel,
            summary=text(summary, "summary"),
            on_time=self.next_due_at is None or at <= self.next_due_at,
        )
        FEEDBACK_LIFECYCLE.fire(self, "update")
        self.updates = (*self.updates, given)
        self.updated_at = at
        self.next_due_at = due
        self._record(
            "updated",
            actor,
            at,
            {
                "event": "update",
                "from": self.state.value,
                "to": self.state.value,
                "record_id": self.record_id,
                "customer": self.customer,
                "channel": given.channel.value,
                "summary": given.summary,
                "on_time": given.on_time,
                "next_due_at": due.isoformat(),
            },
        )
        return given

    def close(self, actor: Actor, at: datetime, *, reason: str | None = None) -> None:
        """The request closed: no more updates are due (``proactive_feedback.closed``).

        :raises InvalidTransition: once closed.
        """
        self._begin("close", at)
        why = optional_text(reason, "reason")
        FEEDBACK_LIFECYCLE.fire(self, "close")
        self.updated_at = self.closed_at = at
        self.next_due_at = None
        self._record(
            "closed",
            actor,
            at,
            {
                "event": "close",
                "from": FeedbackState.ACTIVE.value,
                "to": self.state.value,
                "record_id": self.record_id,
                "reason": why,
                "updates": len(self.updates),
                "missed": self.missed,
            },
        )

    def end_with_request(self, actor: Actor, at: datetime, *, closed_at: datetime) -> None:
        """The service record of the request closed at ``closed_at``: no more updates are
        due (``proactive_feedback.request_closed``).

        :raises InvalidTransition: once closed.
        """
        self._begin("request_closed", at)
        require_aware(closed_at, "closed_at")
        FEEDBACK_LIFECYCLE.fire(self, "request_closed")
        self.updated_at = self.closed_at = at
        self.next_due_at = None
        self._record(
            "request_closed",
            actor,
            at,
            {
                "event": "request_closed",
                "from": FeedbackState.ACTIVE.value,
                "to": self.state.value,
                "record_id": self.record_id,
                "reason": "the request closed",
                "request_closed_at": closed_at.isoformat(),
                "updates": len(self.updates),
                "missed": self.missed,
            },
        )
