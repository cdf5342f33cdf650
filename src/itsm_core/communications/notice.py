"""The customer notice: a change notice or planned-outage announcement and its recipients.

A :class:`CustomerNotice` records what is announced (the change or the
outage, its window and the services affected), every customer it goes to
(:class:`~itsm_core.communications.values.Recipient`), the channels, each
phone call and each acknowledgement. Key customers and the main affected
customers are reached by phone; the others get the written notice (e-mail or
webhook) through the notifier plug-ins when the notice is issued.

The notice changes only through
:data:`~itsm_core.communications.lifecycle.NOTICE_LIFECYCLE`; every change is
one event (``customer_notice.announced``, ``.issued``, ``.call_recorded``,
``.acknowledged``, ``.closed``, ``.cancelled``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar

import attrs

from itsm_core.communications.enums import ContactChannel, NoticeKind, NoticeState
from itsm_core.communications.lifecycle import NOTICE_LIFECYCLE
from itsm_core.communications.templates import notice_messages
from itsm_core.communications.values import (
    CallAttempt,
    Recipient,
    optional_text,
    text,
    text_field,
)
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate, require_forward
from itsm_core.kernel.clock import aware_field, require_aware
from itsm_core.kernel.errors import ValidationError

__all__ = ["CustomerNotice"]


def _state(value: object) -> NoticeState:
    return NoticeState.parse(value, "state")


def _kind(value: object) -> NoticeKind:
    return NoticeKind.parse(value, "kind")


def _services(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    return tuple(text(v, "services") for v in value)


def _call_within(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError(
            f"call_within must be a positive timedelta of business time, got {value!r}",
            field="call_within",
        )


@attrs.define(eq=False, kw_only=True)
class CustomerNotice(Aggregate):
    """A change notice or planned-outage announcement to the customers it affects.

    :param state: draft, issued, closed or cancelled.
    :param kind: change or planned outage.
    :param title: the notice's title.
    :param body: what the customers are told.
    :param change_id: the change's id in the provider's tool, if any.
    :param starts_at: when the change or outage starts.
    :param ends_at: when it ends (None if open-ended).
    :param services: the services affected.
    :param recipients: the customers it goes to, one each.
    :param call_within: the business time in which a key customer's call is
        due once the notice is issued (its SLA clock, target kind ``notice_call``).
    :param calendar: the business calendar that time runs on.
    :param created_by: who wrote it.
    :param created_at: when.
    :param updated_at: the latest change.
    :param issued_at: when it was sent.
    :param closed_at: when it was closed or cancelled.
    :param close_reason: why it closed with customers not reached, or why it was cancelled.
    """

    KIND: ClassVar[str] = "customer_notice"

    state: NoticeState = attrs.field(default=NoticeState.DRAFT, converter=_state)
    kind: NoticeKind = attrs.field(converter=_kind)
    title: str = attrs.field(validator=text_field)
    body: str = attrs.field(validator=text_field)
    change_id: str | None = None
    starts_at: datetime = attrs.field(validator=aware_field())
    ends_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    services: tuple[str, ...] = attrs.field(default=(), converter=_services)
    recipients: tuple[Recipient, ...] = attrs.field(converter=tuple)
    call_within: timedelta = attrs.field(default=timedelta(hours=2), validator=_call_within)
    calendar: str = attrs.field(default="default", validator=text_field)
    created_by: str = attrs.field(validator=text_field)
    created_at: datetime = attrs.field(validator=aware_field())
    updated_at: datetime = attrs.field(validator=aware_field())
    issued_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    closed_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    close_reason: str | None = None

    @property
    def is_open(self) -> bool:
        """True until the notice is closed or cancelled."""
        return self.state in (NoticeState.DRAFT, NoticeState.ISSUED)

    @property
    def unacknowledged(self) -> tuple[Recipient, ...]:
        """The recipients that have not taken the notice yet."""
        return tuple(r for r in self.recipients if not r.acknowledged)

    @property
    def to_call(self) -> tuple[Recipient, ...]:
        """The recipients that must be reached by phone and were not yet."""
        return tuple(r for r in self.recipients if r.needs_call and not r.acknowledged)

    def recipient(self, customer: str) -> Recipient:
        """Return the recipient ``customer``.

        :raises ValidationError: naming the recipients, if it is not one.
        """
        key = text(customer, "customer")
        for found in self.recipients:
            if found.customer == key:
                return found
        names = ", ".join(r.customer for r in self.recipients)
        raise ValidationError(
            f"customer {key!r} is not a recipient of notice {self.id}; its recipients: {names}",
            field="customer",
        )

    def _begin(self, event: str, at: datetime) -> None:
        NOTICE_LIFECYCLE.check(self, event)
        require_forward(at, self.updated_at, "the notice")

    def _replace(self, recipient: Recipient) -> None:
        self.recipients = tuple(
            recipient if r.customer == recipient.customer else r for r in self.recipients
        )

    @classmethod
    def announce(
        cls, actor: Actor, at: datetime, *, notice_id: str, **fields: Any
    ) -> CustomerNotice:
        """Write a notice in draft (``customer_notice.announced``).

        :raises ValidationError: for a missing or malformed field, no recipient,
            a customer listed twice, or an end before the start.
        """
        require_aware(at, "at")
        notice = cls(
            id=text(notice_id, "notice_id"),
            created_by=actor.id,
            created_at=at,
            updated_at=at,
            **fields,
        )
        notice.change_id = optional_text(notice.change_id, "change_id")
        if not notice.recipients:
            raise ValidationError("a notice needs at least one recipient", field="recipients")
        seen: set[str] = set()
        for recipient in notice.recipients:
            if not isinstance(recipient, Recipient):
                raise ValidationError(
                    f"recipients must be Recipient values, got {recipient!r}", field="recipients"
                )
            if recipient.customer in seen:
                raise ValidationError(
                    f"customer {recipient.customer!r} is listed twice; give each customer "
                    "once with all its channels",
                    field="recipients",
                )
            seen.add(recipient.customer)
        if notice.ends_at is not None and notice.ends_at <= notice.starts_at:
            raise ValidationError(
                f"ends_at ({notice.ends_at.isoformat()}) must be after starts_at "
                f"({notice.starts_at.isoformat()})",
                field="ends_at",
            )
        notice._record(
            "announced",
            actor,
            at,
            {
                "event": "announce",
                "from": None,
                "to": notice.state.value,
                "kind": notice.kind.value,
                "title": notice.title,
                "change_id": notice.change_id,
                "starts_at": notice.starts_at.isoformat(),
                "ends_at": None if notice.ends_at is None else notice.ends_at.isoformat(),
                "services": list(notice.services),
                "recipients": [
                    {
                        "customer": r.customer,
                        "channels": [c.value for c in r.channels],
                        "key": r.key,
                        "main_affected": r.main_affected,
                    }
                    for r in notice.recipients
                ],
            },
        )
        return notice

    def issue(self, actor: Actor, at: datetime) -> None:
        """Send the notice (``customer_notice.issued``): the written notices go to the
        notifiers with this event; the calls are due.

        :raises InvalidTransition: unless the notice is a draft.
        """
        self._begin("issue", at)
        NOTICE_LIFECYCLE.fire(self, "issue")
        self.updated_at = self.issued_at = at
        self._record(
            "issued",
            actor,
            at,
            {
                "event": "issue",
                "from": NoticeState.DRAFT.value,
                "to": self.state.value,
                "kind": self.kind.value,
                "title": self.title,
                "body": self.body,
                "change_id": self.change_id,
                "starts_at": self.starts_at.isoformat(),
                "ends_at": None if self.ends_at is None else self.ends_at.isoformat(),
                "services": list(self.services),
                "written": [
                    {"customer": r.customer, "channel": c.value, "contact": r.contact}
                    for r in self.recipients
                    for c in r.written
                ],
                "calls": [r.customer for r in self.recipients if r.needs_call],
                "message": notice_messages(self),
            },
        )

    def record_call(
        self,
        actor: Actor,
        at: datetime,
        *,
        customer: str,
        reached: bool,
        person: str | None = None,
        note: str | None = None,
    ) -> Recipient:
        """Record a phone call to ``customer`` (``customer_notice.call_recorded``);
        a call that reached the customer acknowledges the notice.

        :raises InvalidTransition: unless the notice is issued.
        :raises ValidationError: for a customer that is not a recipient, one
            without the phone channel, or one already acknowledged.
        """
        self._begin("record_call", at)
        found = self.recipient(customer)
        if ContactChannel.PHONE not in found.channels:
            raise ValidationError(
                f"customer {found.customer!r} is not to be called (channels: "
                f"{', '.join(c.value for c in found.channels)}); record its written "
                "acknowledgement with acknowledge",
                field="customer",
            )
        if found.acknowledged:
            raise ValidationError(
                f"customer {found.customer!r} took the notice already "
                f"({found.acknowledged_at.isoformat() if found.acknowledged_at else ''})",
                field="customer",
            )
        call = CallAttempt(
            at, actor.id, reached, optional_text(person, "person"), optional_text(note, "note")
        )
        NOTICE_LIFECYCLE.fire(self, "record_call")
        updated = attrs.evolve(found, calls=(*found.calls, call))
        if reached:
            updated = attrs.evolve(
                updated,
                acknowledged_at=at,
                acknowledged_by=call.person,
                acknowledged_channel=ContactChannel.PHONE,
            )
        self._replace(updated)
        self.updated_at = at
        self._record(
            "call_recorded",
            actor,
            at,
            {
                "event": "record_call",
                "from": self.state.value,
                "to": self.state.value,
                "customer": found.customer,
                "reached": reached,
                "person": call.person,
                "note": call.note,
                "key": found.key,
                "main_affected": found.main_affected,
            },
        )
        return updated

    def acknowledge(
        self,
        actor: Actor,
        at: datetime,
        *,
        customer: str,
        channel: ContactChannel | str,
        person: str | None = None,
    ) -> Recipient:
        """Record that ``customer`` confirmed the written notice (``customer_notice.acknowledged``).

        :raises InvalidTransition: unless the notice is issued.
        :raises ValidationError: for the phone (record a call instead), a
            channel the customer was not sent, a customer that must be reached
            by phone, or one already acknowledged.
        """
        self._begin("acknowledge", at)
        found = self.recipient(customer)
        how = ContactChannel.parse(channel, "channel")
        if how is ContactChannel.PHONE:
            raise ValidationError(
                "a phone acknowledgement is a call that reached the customer: use record_call",
                field="channel",
            )
        if how not in found.channels:
            raise ValidationError(
                f"customer {found.customer!r} was not sent the notice by {how.value} "
                f"(channels: {', '.join(c.value for c in found.channels)})",
                field="channel",
            )
        if found.needs_call:
            raise ValidationError(
                f"customer {found.customer!r} is a key or main affected customer and must be "
                "reached by phone: record the call with record_call",
                field="customer",
            )
        if found.acknowledged:
            raise ValidationError(
                f"customer {found.customer!r} took the notice already", field="customer"
            )
        who = optional_text(person, "person")
        NOTICE_LIFECYCLE.fire(self, "acknowledge")
        updated = attrs.evolve(
            found, acknowledged_at=at, acknowledged_by=who, acknowledged_channel=how
        )
        self._replace(updated)
        self.updated_at = at
        self._record(
            "acknowledged",
            actor,
            at,
            {
                "event": "acknowledge",
                "from": self.state.value,
                "to": self.state.value,
                "customer": found.customer,
                "channel": how.value,
                "person": who,
            },
        )
        return updated

    def close(self, actor: Actor, at: datetime, *, reason: str | None = None) -> None:
        """Close the notice (``customer_notice.closed``).

        :raises InvalidTransition: unless the notice is issued.
        :raises ValidationError: without a reason while a customer that must be
            reached by phone was not reached.
        """
        self._begin("close", at)
        why = optional_text(reason, "reason")
        missing = [r.customer for r in self.to_call]
        if missing and why is None:
            raise ValidationError(
                f"customers {', '.join(missing)} must be reached by phone before the notice "
                "closes; record the calls, or give the reason why they could not be reached",
                field="reason",
            )
        NOTICE_LIFECYCLE.fire(self, "close")
        self.updated_at = self.closed_at = at
        self.close_reason = why
        self._record(
            "closed",
            actor,
            at,
            {
                "event": "close",
                "from": NoticeState.ISSUED.value,
                "to": self.state.value,
                "reason": why,
                "not_reached": missing,
                "unacknowledged": [r.customer for r in self.unacknowledged],
            },
        )

    def cancel(self, actor: Actor, at: datetime, *, reason: str) -> None:
        """Withdraw the notice (``customer_notice.cancelled``).

        :raises InvalidTransition: once closed or cancelled.
        :raises ValidationError: without a reason.
        """
        self._begin("cancel", at)
        why = text(reason, "reason")
        before = self.state
        NOTICE_LIFECYCLE.fire(self, "cancel")
        self.updated_at = self.closed_at = at
        self.close_reason = why
        self._record(
            "cancelled",
            actor,
            at,
            {"event": "cancel", "from": before.value, "to": self.state.value, "reason": why},
        )
