"""Scores on the ticket, monthly and other channels: ``core.satisfaction.responses``.

A :class:`ResponseService` records the customer's score of one service
(服务单评分), the monthly score (客户月度评分) and a score on any channel about
any subject; a response scored very dissatisfied opens a complaint
(:mod:`~itsm_core.satisfaction.triggers`), and :meth:`ResponseService.open_pending_complaints`
catches up on those that could not open one yet. Survey answers come through
:mod:`~itsm_core.satisfaction.surveys`, callback scores through
:mod:`~itsm_core.satisfaction.callbacks`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from itsm_core.kernel.actors import Actor, require_role
from itsm_core.kernel.api import command, read
from itsm_core.kernel.errors import InvalidRow, ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.ids import new_id
from itsm_core.kernel.own_ids import own_id
from itsm_core.satisfaction._bulk import BatchReport, at_row, check_rows, store_many, stored_by_id
from itsm_core.satisfaction._capture import (
    COMPLAINT_SWEEP_ROLES,
    MONTHLY_ROLES,
    READ_ROLES,
    RESPONSE_ROLES,
    TICKET_SCORE_ROLES,
    Capture,
    view,
)
from itsm_core.satisfaction._values import as_period, require_text
from itsm_core.satisfaction.enums import Channel, ServiceRecordState, Subject, SubjectKind
from itsm_core.satisfaction.model import Response, ServiceRecord
from itsm_core.satisfaction.scales import Scale
from itsm_core.satisfaction.storage import RESPONSE_SPEC, SERVICE_RECORD_SPEC
from itsm_core.storage.base import Query

__all__ = ["ResponseService"]

_RESPONSE_REQUIRED = ("channel", "customer", "service", "subject_kind", "subject_ref", "score")
_RESPONSE_OPTIONAL = ("scale", "respondent", "comment", "engineer", "response_id", "at")
_TICKET_OPTIONAL = ("scale", "respondent", "comment", "at")


class ResponseService:
    """Scores on every channel but surveys and callbacks: ``core.satisfaction.responses``.

    :param capture: what the satisfaction sub-services share.
    """

    def __init__(self, capture: Capture) -> None:
        self._capture = capture

    @command
    def record_ticket_score(
        self,
        actor: Actor,
        record_id: str,
        *,
        score: object,
        scale: str | Scale | None = None,
        respondent: str | None = None,
        comment: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
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
        when = self._capture.now(at)
        with self._capture.runtime.storage.unit_of_work() as uow:
            record = self._capture.get(uow, SERVICE_RECORD_SPEC, record_id)
        response = self._ticket_response(
            actor, record, when, score=score, scale=scale, respondent=respondent, comment=comment
        )
        return self._capture.store_response(actor, response, self._capture.now())

    @command
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
        idempotency_key: str | None = None,
    ) -> Response:
        """Record the customer's monthly score of a service (客户月度评分).

        One per customer, service and month rated (a retry with the same score
        returns the stored response). The response's ``period`` is the month
        it was given in; ``subject_ref`` is the month rated.

        :param actor: the customer, or the project manager entering the form.
        :param month: the month rated, ``"YYYY-MM"``.
        """
        require_role(actor, *MONTHLY_ROLES, action="record a customer monthly score")
        when = self._capture.now(at)
        rated = as_period(month, "month")
        cust = require_text(customer, "customer")
        svc = require_text(service, "service")
        response = self._capture.build_response(
            actor,
            response_id=f"response-monthly-{cust}-{svc}-{rated}",
            channel=Channel.MONTHLY,
            customer=cust,
            service=svc,
            subject=Subject(SubjectKind.MONTH, rated),
            respondent=self._capture.respondent(actor, respondent, None),
            scale=self._capture.policy.scale(scale),
            score=score,
            comment=comment,
            responded_at=when,
        )
        return self._capture.store_response(actor, response, self._capture.now())

    @command
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
        idempotency_key: str | None = None,
    ) -> Response:
        """Record a response on any channel about any subject (e.g. the complainant's
        satisfaction with a complaint's handling, or a review).

        Survey answers go through
        :meth:`~itsm_core.satisfaction.surveys.SurveyService.submit_survey`; use
        this for the ticket, monthly and callback channels only when the
        dedicated methods do not fit (e.g. an import).

        :param response_id: an idempotency key: recording it again with the
            same score returns the stored response.
        :raises ValidationError: for the survey channel (use a campaign).
        """
        require_role(actor, *RESPONSE_ROLES, action="record a satisfaction response")
        response = self._any_response(
            actor,
            self._capture.now(at),
            channel=channel,
            customer=customer,
            service=service,
            subject_kind=subject_kind,
            subject_ref=subject_ref,
            score=score,
            scale=scale,
            respondent=respondent,
            comment=comment,
            engineer=engineer,
            response_id=response_id,
        )
        return self._capture.store_response(actor, response, self._capture.now())

    @command
    def record_responses(
        self,
        actor: Actor,
        *,
        responses: Sequence[Mapping[str, Any]],
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> BatchReport:
        """Record many responses in one transaction (an import of scores).

        Each row is a mapping of :meth:`record_response`'s arguments (``channel``,
        ``customer``, ``service``, ``subject_kind``, ``subject_ref`` and ``score``
        required; ``at`` optional: when the customer scored) and is checked as
        :meth:`record_response` checks it. The first bad row raises and nothing is
        stored. A row repeating a stored response (same ``response_id``, score and
        respondent) is left as it is; very dissatisfied responses open their
        complaints after the commit, as one by one.

        :param actor: as for :meth:`record_response`.
        :param responses: the rows, at most :data:`~itsm_core.satisfaction.MAX_BATCH`.
        :param at: when the customers scored, for rows without their own ``at``
            (default now).
        :return: the ids stored and those unchanged, in row order.
        :raises InvalidRow: for a bad row (its index in ``row``) or an id given twice.
        :raises ConflictError: if a row's ``response_id`` is stored with another score.
        """
        require_role(actor, *RESPONSE_ROLES, action="record satisfaction responses")
        rows = check_rows(
            responses, "responses", required=_RESPONSE_REQUIRED, optional=_RESPONSE_OPTIONAL
        )
        default_at = self._capture.now(at)
        built: list[Response] = []
        for index, row in enumerate(rows):
            with at_row(index, "responses"):
                row_at = row.pop("at", None)
                when = self._capture.now(row_at) if row_at is not None else default_at
                built.append(self._any_response(actor, when, **row))
        return store_many(self._capture, actor, built, self._capture.now(), "responses")

    @command
    def record_ticket_scores(
        self,
        actor: Actor,
        *,
        scores: Sequence[Mapping[str, Any]],
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> BatchReport:
        """Record many service ticket scores (服务单评分) in one transaction.

        Each row is a mapping of :meth:`record_ticket_score`'s arguments
        (``record_id`` and ``score`` required; ``scale``, ``respondent``,
        ``comment`` and ``at`` optional) and is checked as
        :meth:`record_ticket_score` checks it; a row naming a record that does
        not exist is a bad row. The first bad row raises and nothing is stored.
        A row repeating a stored score is left as it is.

        :param actor: as for :meth:`record_ticket_score`.
        :param scores: the rows, at most :data:`~itsm_core.satisfaction.MAX_BATCH`.
        :param at: when the customers scored, for rows without their own ``at``
            (default now).
        :return: the ids stored and those unchanged, in row order.
        :raises InvalidRow: for a bad row (its index in ``row``) or two rows scoring
            the same record and round.
        :raises ConflictError: if a record is scored already with another score.
        """
        require_role(actor, *TICKET_SCORE_ROLES, action="record service ticket scores")
        rows = check_rows(
            scores, "scores", required=("record_id", "score"), optional=_TICKET_OPTIONAL
        )
        default_at = self._capture.now(at)
        ids: list[str] = []
        for index, row in enumerate(rows):
            with at_row(index, "scores"):
                ids.append(require_text(row["record_id"], "record_id"))
        with self._capture.runtime.storage.unit_of_work() as uow:
            records = stored_by_id(uow, SERVICE_RECORD_SPEC, sorted(set(ids)))
        built: list[Response] = []
        for index, row in enumerate(rows):
            record = records.get(ids[index])
            if record is None:
                raise InvalidRow(
                    f"row {index} of scores: there is no service record {ids[index]!r}",
                    row=index,
                    field="record_id",
                )
            with at_row(index, "scores"):
                row_at = row.pop("at", None)
                when = self._capture.now(row_at) if row_at is not None else default_at
                del row["record_id"]
                built.append(self._ticket_response(actor, record, when, **row))
        return store_many(self._capture, actor, built, self._capture.now(), "scores")

    def _ticket_response(
        self,
        actor: Actor,
        record: ServiceRecord,
        when: datetime,
        *,
        score: object,
        scale: str | Scale | None = None,
        respondent: str | None = None,
        comment: str | None = None,
    ) -> Response:
        """Check a ticket score of ``record`` and return its response (not stored yet)."""
        use_scale = self._capture.policy.scale(scale)
        if record.state not in (ServiceRecordState.RESOLVED, ServiceRecordState.CLOSED):
            raise ValidationError(
                f"service record {record.id!r} is {record.state.value!r}: it is scored once "
                "the service is done (resolved or closed)",
                field="record_id",
            )
        who = self._capture.respondent(actor, respondent, record.requester)
        if record.engineer is not None and who == record.engineer:
            raise ValidationError(
                f"the engineer {who!r} cannot score their own service record", field="respondent"
            )
        return self._capture.build_response(
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

    def _any_response(
        self,
        actor: Actor,
        when: datetime,
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
    ) -> Response:
        """Check a response on any channel but surveys and return it (not stored yet)."""
        chan = Channel.parse(channel, "channel")
        if chan is Channel.SURVEY:
            raise ValidationError(
                "survey answers are submitted with an invitation token (submit_survey)",
                field="channel",
            )
        rid = own_id(response_id, "response_id") if response_id is not None else None
        return self._capture.build_response(
            actor,
            response_id=rid or new_id("response-"),
            channel=chan,
            customer=customer,
            service=service,
            subject=Subject(SubjectKind.parse(subject_kind, "subject_kind"), subject_ref),
            respondent=self._capture.respondent(actor, respondent, None),
            scale=self._capture.policy.scale(scale),
            score=score,
            comment=comment,
            responded_at=when,
            engineer=engineer,
        )

    @read
    def get(self, actor: Actor, response_id: str) -> Response:
        """Return one response.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a satisfaction response")
        with self._capture.runtime.storage.unit_of_work() as uow:
            return view(actor, self._capture.get(uow, RESPONSE_SPEC, response_id))

    @read
    def find(
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
        with self._capture.runtime.storage.unit_of_work() as uow:
            found = uow.find(RESPONSE_SPEC, Query(query.where, ("responded_at",), limit))
        return [view(actor, r) for r in found]

    @read
    def history(self, actor: Actor, response_id: str) -> list[DomainEvent]:
        """Return the events of one response, oldest first (recorded, complaint opened).

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a satisfaction response's history")
        return self._capture.history(actor, RESPONSE_SPEC, response_id)

    @command
    def open_pending_complaints(
        self,
        actor: Actor,
        *,
        limit: int = 100,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> list[Response]:
        """Open the complaints that responses called for but did not get yet.

        Run it from a periodic job: it catches up after a crash between the
        response's commit and the complaint, or after a complaint service was
        configured late. Exactly one complaint per submission, however often it runs.

        :param actor: system, complaint specialist or operations manager.
        :param limit: at most this many responses per run.
        :param at: when the complaints are linked (default now).
        :return: the responses handled (linked to their complaint where it opened).
        """
        require_role(actor, *COMPLAINT_SWEEP_ROLES, action="open pending complaints")
        when = self._capture.now(at)
        with self._capture.runtime.storage.unit_of_work() as uow:
            query = Query.eq(complaint_pending=1)
            pending = uow.find(RESPONSE_SPEC, Query(query.where, ("responded_at",), limit))
        return self._capture.trigger(pending, when)
