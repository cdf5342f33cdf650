"""Use cases: the customer register, scores on the ticket, monthly and other channels,
the complaint sweep."""

from __future__ import annotations

from datetime import datetime

from itsm_core.kernel.actors import Actor, require_role
from itsm_core.kernel.errors import ConflictError, ValidationError
from itsm_core.kernel.ids import new_id
from itsm_core.satisfaction.customers import CustomerProfile
from itsm_core.satisfaction.model import (
    Channel,
    ServiceRecordState,
    Subject,
    SubjectKind,
    as_period,
    optional_text,
    require_text,
)
from itsm_core.satisfaction.responses import Response
from itsm_core.satisfaction.scales import Scale
from itsm_core.satisfaction.service_base import (
    COMPLAINT_SWEEP_ROLES,
    CUSTOMER_ROLES,
    MONTHLY_ROLES,
    READ_ROLES,
    RESPONSE_ROLES,
    TICKET_SCORE_ROLES,
    UseCases,
    load_or_none,
)
from itsm_core.satisfaction.storage import (
    CUSTOMER_SPEC,
    RESPONSE_SPEC,
    SERVICE_RECORD_SPEC,
)
from itsm_core.storage.base import Query

__all__ = ["ResponseUseCases"]


class ResponseUseCases(UseCases):
    """Customers, responses and the complaint sweep (part of ``core.satisfaction``)."""

    def open_pending_complaints(self, actor: Actor, *, limit: int = 100) -> list[Response]:
        """Open the complaints that responses called for but did not get yet.

        Run it from a periodic job: it catches up after a crash between the
        response's commit and the complaint, or after a complaint service was
        configured late. Exactly one complaint per submission, however often it runs.

        :param actor: system, complaint specialist or operations manager.
        :param limit: at most this many responses per run.
        :return: the responses handled (linked to their complaint where it opened).
        """
        require_role(actor, *COMPLAINT_SWEEP_ROLES, action="open pending complaints")
        with self.runtime.storage.unit_of_work() as uow:
            query = Query.eq(complaint_pending=1)
            pending = uow.find(RESPONSE_SPEC, Query(query.where, ("responded_at",), limit))
        return self._trigger(pending)

    def register_customer(
        self,
        actor: Actor,
        customer: str,
        *,
        name: str,
        key: bool = False,
        note: str | None = None,
        at: datetime | None = None,
    ) -> CustomerProfile:
        """Add a customer to the register (key customers get monthly callbacks).

        :param actor: relationship manager, operations manager, project manager or system.
        :param customer: the customer id used in responses and service records.
        :param name: the display name.
        :param key: a key customer (重要客户).
        :param note: why.
        :param at: when (default now).
        :raises ConflictError: if the customer is registered already.
        """
        require_role(actor, *CUSTOMER_ROLES, action="register a customer")
        when = self._now(at)
        profile = CustomerProfile(
            id=require_text(customer, "customer"),
            name=require_text(name, "name"),
            key=bool(key),
            note=optional_text(note, "note"),
        )
        with self.runtime.transaction() as uow:
            if load_or_none(uow, CUSTOMER_SPEC, profile.id) is not None:
                raise ConflictError(
                    f"customer {profile.id!r} is registered already; use set_key_customer",
                    kind=CustomerProfile.KIND,
                    entity_id=profile.id,
                )
            profile.register(actor, when)
            uow.save(CUSTOMER_SPEC, profile)
        return profile

    def set_key_customer(
        self,
        actor: Actor,
        customer: str,
        *,
        key: bool = True,
        note: str | None = None,
        at: datetime | None = None,
    ) -> CustomerProfile:
        """Set (or clear, with ``key=False``) a customer's key-customer flag.

        :raises NotFound: if the customer is not registered.
        """
        require_role(actor, *CUSTOMER_ROLES, action="set a key customer")
        when = self._now(at)
        with self.runtime.transaction() as uow:
            profile = self._get(uow, CUSTOMER_SPEC, customer)
            if profile.set_key(actor, when, key=key, note=note):
                uow.save(CUSTOMER_SPEC, profile)
        return profile

    def customer(self, actor: Actor, customer: str) -> CustomerProfile:
        """Return a registered customer.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a customer")
        with self.runtime.storage.unit_of_work() as uow:
            return self._get(uow, CUSTOMER_SPEC, customer)

    def key_customers(self, actor: Actor) -> list[CustomerProfile]:
        """Return the key customers, by id."""
        require_role(actor, *READ_ROLES, action="list key customers")
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(CUSTOMER_SPEC, Query.eq(key=1))

    def is_key_customer(self, actor: Actor, customer: str) -> bool:
        """True if ``customer`` is registered as a key customer."""
        require_role(actor, *READ_ROLES, action="read a customer")
        with self.runtime.storage.unit_of_work() as uow:
            profile = load_or_none(uow, CUSTOMER_SPEC, require_text(customer, "customer"))
        return profile is not None and profile.key

    def record_ticket_score(
        self,
        actor: Actor,
        record_id: str,
        score: object,
        *,
        scale: str | Scale | None = None,
        respondent: str | None = None,
        comment: str | None = None,
        at: datetime | None = None,
    ) -> Response:
        """Record the customer's score of one service (服务单评分), after it is resolved.

        One score per record and handling round: recording the same score
        again returns the stored response (a safe retry); a different one is a
        :class:`~itsm_core.kernel.errors.ConflictError`.

        :param actor: the customer, or the engineer / service desk / coordinator
            entering it, or the system importing it.
        :param record_id: the service record.
        :param score: the value on the scale.
        :param scale: the scale (default: the policy's).
        :param respondent: who scored (default: the record's requester; a
            customer actor is always the respondent).
        :param comment: the customer's comment.
        :param at: when the customer scored (default now).
        :raises ValidationError: for a score not on the scale, a record still
            open, a missing comment where required, or an engineer scoring
            their own work.
        """
        require_role(actor, *TICKET_SCORE_ROLES, action="record a service ticket score")
        when = self._now(at)
        use_scale = self.policy.scale(scale)
        with self.runtime.storage.unit_of_work() as uow:
            record = self._get(uow, SERVICE_RECORD_SPEC, record_id)
        if record.state not in (ServiceRecordState.RESOLVED, ServiceRecordState.CLOSED):
            raise ValidationError(
                f"service record {record.id!r} is {record.state.value!r}: it is scored once "
                "the service is done (resolved or closed)",
                field="record_id",
            )
        who = self._respondent(actor, respondent, record.requester)
        if record.engineer is not None and who == record.engineer:
            raise ValidationError(
                f"the engineer {who!r} cannot score their own service record", field="respondent"
            )
        response = self._build_response(
            actor,
            response_id=f"response-ticket-{record.id}-{record.reopened_count}",
            channel=Channel.TICKET,
            customer=record.customer,
            service=record.service,
            subject=Subject(SubjectKind.SERVICE_RECORD, record.id),
            respondent=who,
            scale=use_scale,
            score=score,
            comment=comment,
            responded_at=when,
            engineer=record.engineer,
        )
        return self._store_response(actor, response, self._now())

    def record_monthly_score(
        self,
        actor: Actor,
        *,
        customer: str,
        service: str,
        month: str,
        score: object,
        scale: str | Scale | None = None,
        respondent: str | None = None,
        comment: str | None = None,
        at: datetime | None = None,
    ) -> Response:
        """Record the customer's monthly score of a service (客户月度评分).

        One per customer, service and month rated (a retry with the same score
        returns the stored response). The response's ``period`` is the month
        it was given in; ``subject_ref`` is the month rated.

        :param actor: the customer, or the project manager entering the form.
        :param month: the month rated, ``"YYYY-MM"``.
        """
        require_role(actor, *MONTHLY_ROLES, action="record a customer monthly score")
        when = self._now(at)
        rated = as_period(month, "month")
        cust = require_text(customer, "customer")
        svc = require_text(service, "service")
        response = self._build_response(
            actor,
            response_id=f"response-monthly-{cust}-{svc}-{rated}",
            channel=Channel.MONTHLY,
            customer=cust,
            service=svc,
            subject=Subject(SubjectKind.MONTH, rated),
            respondent=self._respondent(actor, respondent, None),
            scale=self.policy.scale(scale),
            score=score,
            comment=comment,
            responded_at=when,
        )
        return self._store_response(actor, response, self._now())

    def record_response(
        self,
        actor: Actor,
        *,
        channel: Channel | str,
        customer: str,
        service: str,
        subject_kind: SubjectKind | str,
        subject_ref: str | None,
        score: object,
        scale: str | Scale | None = None,
        respondent: str | None = None,
        comment: str | None = None,
        engineer: str | None = None,
        response_id: str | None = None,
        at: datetime | None = None,
    ) -> Response:
        """Record a response on any channel about any subject (e.g. the complainant's
        satisfaction with a complaint's handling, or a review).

        Survey answers go through :meth:`submit_survey`; use this for the
        ticket, monthly and callback channels only when the dedicated methods do
        not fit (e.g. an import).

        :param response_id: an idempotency key: recording it again with the
            same score returns the stored response.
        :raises ValidationError: for the survey channel (use a campaign).
        """
        require_role(actor, *RESPONSE_ROLES, action="record a satisfaction response")
        chan = Channel.parse(channel, "channel")
        if chan is Channel.SURVEY:
            raise ValidationError(
                "survey answers are submitted with an invitation token (submit_survey)",
                field="channel",
            )
        when = self._now(at)
        rid = require_text(response_id, "response_id") if response_id is not None else None
        response = self._build_response(
            actor,
            response_id=rid or new_id("response-"),
            channel=chan,
            customer=customer,
            service=service,
            subject=Subject(SubjectKind.parse(subject_kind, "subject_kind"), subject_ref),
            respondent=self._respondent(actor, respondent, None),
            scale=self.policy.scale(scale),
            score=score,
            comment=comment,
            responded_at=when,
            engineer=engineer,
        )
        return self._store_response(actor, response, self._now())

    def response(self, actor: Actor, response_id: str) -> Response:
        """Return one response.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a satisfaction response")
        with self.runtime.storage.unit_of_work() as uow:
            return self._get(uow, RESPONSE_SPEC, response_id)

    def responses(
        self,
        actor: Actor,
        *,
        channel: Channel | str | None = None,
        customer: str | None = None,
        service: str | None = None,
        engineer: str | None = None,
        period: str | None = None,
        campaign_id: str | None = None,
        subject_kind: SubjectKind | str | None = None,
        subject_ref: str | None = None,
        limit: int | None = None,
    ) -> list[Response]:
        """Return the responses matching every filter given, oldest first."""
        require_role(actor, *READ_ROLES, action="list satisfaction responses")
        query = Query.eq(
            channel=Channel.parse(channel, "channel").value if channel is not None else None,
            customer=customer,
            service=service,
            engineer=engineer,
            period=as_period(period) if period is not None else None,
            campaign_id=campaign_id,
            subject_kind=(
                SubjectKind.parse(subject_kind, "subject_kind").value
                if subject_kind is not None
                else None
            ),
            subject_ref=subject_ref,
        )
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(RESPONSE_SPEC, Query(query.where, ("responded_at",), limit))
