"""Customer notices: ``core.communications.notices``.

A change notice or planned-outage announcement is written (``announce``) with
the customers it goes to, then sent (``issue``): the written notices (e-mail,
webhook) go out through the notifier plug-ins with the committed
``customer_notice.issued`` event, and the phone calls are due — for each key
customer on an SLA clock (target kind ``notice_call``) whose warnings and
breach reach the usual hooks. Each call (``record_call``) and each written
acknowledgement (``acknowledge``) is recorded; the notice closes once every
customer that must be called was reached, or with the reason why not.

Whether a customer is a key customer is read from the customer register
(``core.satisfaction.customers``) when the notice is announced.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from itsm_core.communications._base import Shared, is_key_customer, limit_of
from itsm_core.communications.enums import ContactChannel, NoticeKind, NoticeState
from itsm_core.communications.lifecycle import NOTICE_ROLES, READERS
from itsm_core.communications.notice import CustomerNotice
from itsm_core.communications.storage import NOTICE_SPEC
from itsm_core.communications.values import Recipient, text
from itsm_core.kernel.actors import Actor, require_role
from itsm_core.kernel.api import command, read
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.ids import new_id
from itsm_core.kernel.own_ids import own_id
from itsm_core.storage.base import Query, UnitOfWork, Where

__all__ = ["NoticeService"]


class NoticeService:
    """Change notices and planned-outage announcements: ``core.communications.notices``.

    :param shared: what the communications services share.
    """

    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    @command
    def announce(
        self,
        actor: Actor,
        *,
        kind: NoticeKind | str,
        title: str,
        body: str,
        starts_at: datetime,
        recipients: Iterable[Recipient | dict[str, Any]],
        ends_at: datetime | None = None,
        services: Iterable[str] = (),
        change_id: str | None = None,
        call_within: timedelta = timedelta(hours=2),
        calendar: str = "default",
        notice_id: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CustomerNotice:
        """Write a notice in draft, with the customers it goes to.

        A recipient is a :class:`~itsm_core.communications.Recipient` or a mapping
        with ``customer``, ``channels`` (``phone``, ``email``, ``webhook``), and
        optionally ``contact`` and ``main_affected``. A key customer of the
        customer register, or a main affected customer, is reached by phone:
        the phone is added to its channels.

        :param kind: ``change`` or ``planned_outage``.
        :param title: the notice's title.
        :param body: what the customers are told.
        :param starts_at: when the change or outage starts.
        :param recipients: the customers it goes to.
        :param ends_at: when it ends.
        :param services: the services affected.
        :param change_id: the change's id in the provider's tool.
        :param call_within: the business time in which each key customer's
            call is due once the notice is issued (default two hours).
        :param calendar: the business calendar that time runs on.
        :param notice_id: an id of your own (default a new ``ntc-…`` id).
        :raises AccessDenied: unless the service desk, a relationship manager
            or an operations manager.
        :raises ValidationError: for a missing or malformed field, no recipient,
            a customer listed twice, an end before the start, an unknown calendar.
        """
        require_role(actor, *sorted(NOTICE_ROLES["announce"]), action="announce a notice")
        when = self._shared.now(at)
        key = new_id("ntc-") if notice_id is None else own_id(notice_id, "notice_id")
        self._shared.clocks.calendar(text(calendar, "calendar"))
        if isinstance(recipients, str | bytes | dict) or not isinstance(recipients, Iterable):
            raise ValidationError(
                "recipients must be a sequence of recipients (mappings with customer and "
                f"channels), got {recipients!r}",
                field="recipients",
            )
        with self._shared.runtime.transaction() as uow:
            parsed = [self._recipient(uow, r) for r in recipients]
            notice = CustomerNotice.announce(
                actor,
                when,
                notice_id=key,
                kind=kind,
                title=title,
                body=body,
                change_id=change_id,
                starts_at=starts_at,
                ends_at=ends_at,
                services=services,
                recipients=parsed,
                call_within=call_within,
                calendar=calendar.strip(),
            )
            uow.save(NOTICE_SPEC, notice)
        return notice

    @staticmethod
    def _recipient(uow: UnitOfWork, value: object) -> Recipient:
        customer = value.customer if isinstance(value, Recipient) else None
        if isinstance(value, dict):
            customer = value.get("customer")
        key = is_key_customer(uow, customer.strip()) if isinstance(customer, str) else False
        return Recipient.parse(value, key=key)

    @command
    def issue(
        self,
        actor: Actor,
        notice_id: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CustomerNotice:
        """Send the notice: the written notices go out through the notifiers, the calls are due.

        Each key customer's call runs on an SLA clock of the notice's ``call_within``.

        :raises InvalidTransition: unless the notice is a draft.
        """

        def apply(uow: UnitOfWork, notice: CustomerNotice, when: datetime) -> None:
            notice.issue(actor, when)
            self._shared.clocks.start_calls(uow, actor, notice, when)

        return self._change(actor, notice_id, "issue", at, apply)

    @command
    def record_call(
        self,
        actor: Actor,
        notice_id: str,
        *,
        customer: str,
        reached: bool,
        person: str | None = None,
        note: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CustomerNotice:
        """Record a phone call to a recipient; one that reached the customer acknowledges it.

        A call that reached a key customer stops its call clock.

        :param customer: the recipient called.
        :param reached: whether the customer was reached and took the notice.
        :param person: whom the caller spoke to.
        :param note: what was said, or why nobody answered.
        :raises InvalidTransition: unless the notice is issued.
        :raises ValidationError: for a customer not a recipient, not to be
            called, or acknowledged already; ``reached`` not a bool.
        """
        if not isinstance(reached, bool):
            raise ValidationError(
                f"reached must be True or False, got {reached!r}", field="reached"
            )

        def apply(uow: UnitOfWork, notice: CustomerNotice, when: datetime) -> None:
            found = notice.record_call(
                actor, when, customer=customer, reached=reached, person=person, note=note
            )
            if reached and found.key:
                self._shared.clocks.stop_call(
                    uow, actor, notice, found.customer, when, "the customer was reached"
                )

        return self._change(actor, notice_id, "record_call", at, apply)

    @command
    def acknowledge(
        self,
        actor: Actor,
        notice_id: str,
        *,
        customer: str,
        channel: ContactChannel | str,
        person: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CustomerNotice:
        """Record that a recipient confirmed the written notice (by e-mail or webhook).

        :raises InvalidTransition: unless the notice is issued.
        :raises ValidationError: for the phone (use :meth:`record_call`), a
            channel it was not sent, a customer that must be called.
        """
        return self._change(
            actor,
            notice_id,
            "acknowledge",
            at,
            lambda _uow, notice, when: notice.acknowledge(
                actor, when, customer=customer, channel=channel, person=person
            ),
        )

    @command
    def close(
        self,
        actor: Actor,
        notice_id: str,
        *,
        reason: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CustomerNotice:
        """Close the notice; the call clocks still open stop.

        :param reason: needed while a customer that must be called was not reached.
        :raises InvalidTransition: unless the notice is issued.
        :raises ValidationError: without a reason while a call is missing.
        """

        def apply(uow: UnitOfWork, notice: CustomerNotice, when: datetime) -> None:
            notice.close(actor, when, reason=reason)
            self._shared.clocks.stop_calls(uow, actor, notice, when, "the notice closed")

        return self._change(actor, notice_id, "close", at, apply)

    @command
    def cancel(
        self,
        actor: Actor,
        notice_id: str,
        *,
        reason: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CustomerNotice:
        """Withdraw the notice; the call clocks still open stop.

        :raises InvalidTransition: once closed or cancelled.
        :raises ValidationError: without a reason.
        """

        def apply(uow: UnitOfWork, notice: CustomerNotice, when: datetime) -> None:
            notice.cancel(actor, when, reason=reason)
            self._shared.clocks.stop_calls(uow, actor, notice, when, "the notice was cancelled")

        return self._change(actor, notice_id, "cancel", at, apply)

    def _change(
        self, actor: Actor, notice_id: str, name: str, at: datetime | None, apply: Any
    ) -> CustomerNotice:
        return self._shared.change(
            actor, NOTICE_SPEC, notice_id, NOTICE_ROLES[name], f"customer notice: {name}", at,
            apply,
        )  # fmt: skip

    @read
    def get(self, actor: Actor, notice_id: str) -> CustomerNotice:
        """Return one notice (the provider's staff).

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is no such notice.
        """
        return self._shared.get(actor, NOTICE_SPEC, notice_id, "read a customer notice")

    @read
    def find(
        self,
        actor: Actor,
        *,
        state: NoticeState | str | None = None,
        kind: NoticeKind | str | None = None,
        change_id: str | None = None,
        open_only: bool = False,
        calls_missing: bool = False,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
        limit: int | None = None,
    ) -> list[CustomerNotice]:
        """Return the notices matching every filter given, by start of the change or outage.

        :param state: draft, issued, closed or cancelled.
        :param kind: change or planned_outage.
        :param change_id: the change's id in the provider's tool.
        :param open_only: only drafts and issued notices.
        :param calls_missing: only notices with a customer still to be reached by phone.
        :param starts_from: starting at or after this instant.
        :param starts_before: starting before this instant.
        :param limit: at most this many.
        :raises AccessDenied: for a customer or an actor without a role.
        """
        require_role(actor, *sorted(READERS), action="find customer notices")
        where: list[Where] = []
        if state is not None:
            where.append(Where("state", "eq", NoticeState.parse(state, "state").value))
        if kind is not None:
            where.append(Where("notice_kind", "eq", NoticeKind.parse(kind, "kind").value))
        if change_id is not None:
            where.append(Where("change_id", "eq", text(change_id, "change_id")))
        for name, flag in (("open_only", open_only), ("calls_missing", calls_missing)):
            if not isinstance(flag, bool):
                raise ValidationError(f"{name} must be True or False, got {flag!r}", field=name)
        if open_only:
            where.append(Where("open", "eq", True))
        if calls_missing:
            where.append(Where("to_call", "gt", 0))
        if starts_from is not None:
            where.append(Where("starts_at", "ge", require_aware(starts_from, "starts_from")))
        if starts_before is not None:
            where.append(Where("starts_at", "lt", require_aware(starts_before, "starts_before")))
        query = Query(tuple(where), ("starts_at",), limit=limit_of(limit))
        with self._shared.runtime.storage.unit_of_work() as uow:
            return uow.find(NOTICE_SPEC, query)

    @read
    def history(self, actor: Actor, notice_id: str) -> list[DomainEvent]:
        """Return the notice's events, oldest first (the provider's staff).

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is no such notice.
        """
        return self._shared.history(actor, NOTICE_SPEC, notice_id, "read a notice's history")
