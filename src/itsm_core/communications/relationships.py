"""Customer relationship analysis: ``core.communications.relationships``.

``analyse`` looks at one customer and period: the services on which the
customer's service records recur (counted in the store, per service), and,
when a trend analysis (``core.reviews.analysis.analyse``) is named, its
findings about the customer as the causes. ``propose`` records an
improvement or a value-added service for a recurrence or a cause as a
proposed improvement item (source ``relationship_analysis``) in the same
unit of work, so the analysis and the item commit together; the item then
waits for approval in ``core.improvements`` like any proposed item.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsm_core.communications._base import Shared, limit_of
from itsm_core.communications.enums import ProposalKind
from itsm_core.communications.lifecycle import READERS
from itsm_core.communications.relationship import (
    Cause,
    Proposal,
    Recurrence,
    RelationshipAnalysis,
)
from itsm_core.communications.storage import RELATIONSHIP_SPEC
from itsm_core.communications.values import optional_text, text
from itsm_core.improvements._register import ImprovementRegister
from itsm_core.improvements.enums import ImprovementSource
from itsm_core.kernel.actors import Actor, Role, require_role
from itsm_core.kernel.api import command, read
from itsm_core.kernel.clock import require_aware, require_duration
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.ids import new_id
from itsm_core.reviews.analysis.storage import TREND_ANALYSIS_SPEC
from itsm_core.satisfaction.storage import SERVICE_RECORD_SPEC
from itsm_core.storage.base import Measure, Query, UnitOfWork, Where

__all__ = ["ANALYSE_ROLES", "PROPOSE_ROLES", "RelationshipService"]

ANALYSE_ROLES: frozenset[Role] = frozenset(
    {Role.SERVICE_DESK, Role.RELATIONSHIP_MANAGER, Role.OPERATIONS_MANAGER, Role.PROJECT_MANAGER}
)
"""Who runs a customer relationship analysis: the desk and the managers of the relationship."""

PROPOSE_ROLES: frozenset[Role] = frozenset(
    {
        Role.RELATIONSHIP_MANAGER,
        Role.OPERATIONS_MANAGER,
        Role.PROJECT_MANAGER,
        Role.OPERATIONS_DIRECTOR,
    }
)
"""Who proposes improvements and value-added services from it."""

_SAMPLE = 20


class RelationshipService:
    """Customer relationship analyses: ``core.communications.relationships``.

    :param shared: what the communications services share.
    :param improvements: the improvement register proposals are raised in.
    """

    def __init__(self, shared: Shared, improvements: ImprovementRegister) -> None:
        self._shared = shared
        self._improvements = improvements

    @command
    def analyse(
        self,
        actor: Actor,
        *,
        customer: str,
        period_start: datetime,
        period_end: datetime,
        min_records: int = 3,
        trend_analysis_id: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> RelationshipAnalysis:
        """Analyse one customer's recurring requests in a period, and store the analysis.

        :param customer: the customer.
        :param period_start: the start of the period (records opened from then).
        :param period_end: its end (exclusive).
        :param min_records: from how many records on one service they recur (at least 2).
        :param trend_analysis_id: a stored trend analysis whose findings about
            this customer are the causes (of this customer, or of every customer).
        :raises AccessDenied: unless the desk or a manager of the relationship.
        :raises NotFound: for an unknown trend analysis.
        :raises ValidationError: for an empty period, a naive instant, a
            ``min_records`` below 2, a trend analysis of another customer.
        """
        require_role(actor, *sorted(ANALYSE_ROLES), action="analyse a customer relationship")
        when = self._shared.now(at)
        who = text(customer, "customer")
        start = require_aware(period_start, "period_start")
        end = require_aware(period_end, "period_end")
        if end <= start:
            raise ValidationError(
                f"period_end ({end.isoformat()}) must be after period_start ({start.isoformat()})",
                field="period_end",
            )
        if isinstance(min_records, bool) or not isinstance(min_records, int) or min_records < 2:
            raise ValidationError(
                f"min_records must be a whole number of at least 2, got {min_records!r}",
                field="min_records",
            )
        trend = optional_text(trend_analysis_id, "trend_analysis_id")
        with self._shared.runtime.transaction() as uow:
            causes = self._causes(uow, who, trend) if trend is not None else ()
            entity = RelationshipAnalysis.run(
                actor,
                when,
                analysis_id=new_id("rel-"),
                customer=who,
                period_start=start,
                period_end=end,
                min_records=min_records,
                trend_analysis_id=trend,
                recurring=self._recurring(uow, who, start, end, min_records),
                causes=causes,
            )
            uow.save(RELATIONSHIP_SPEC, entity)
        return entity

    @staticmethod
    def _recurring(
        uow: UnitOfWork, customer: str, start: datetime, end: datetime, least: int
    ) -> list[Recurrence]:
        where = (
            Where("customer", "eq", customer),
            Where("opened_at", "ge", start),
            Where("opened_at", "lt", end),
        )
        rows = uow.aggregate(
            SERVICE_RECORD_SPEC,
            Query(where),
            ["service"],
            [Measure("count", "count"), Measure("reopened", "sum", "reopened")],
        )
        found: list[Recurrence] = []
        for row in rows:
            if int(row["count"]) < least:
                continue
            service = str(row["service"])
            sample = uow.find(
                SERVICE_RECORD_SPEC,
                Query((*where, Where("service", "eq", service)), ("opened_at",), limit=_SAMPLE),
            )
            found.append(
                Recurrence(service, int(row["count"]), int(row["reopened"] or 0),
                           tuple(r.id for r in sample))
            )  # fmt: skip
        found.sort(key=lambda r: (-r.count, r.service))
        return found

    @staticmethod
    def _causes(uow: UnitOfWork, customer: str, trend_id: str) -> list[Cause]:
        trend = uow.get(TREND_ANALYSIS_SPEC, trend_id)
        if trend.customer not in (None, customer):
            raise ValidationError(
                f"trend analysis {trend_id} is of customer {trend.customer!r}, not {customer!r}",
                field="trend_analysis_id",
            )
        return [
            Cause(f.key, f.describe("zh"), f.service)
            for f in trend.findings
            if trend.customer == customer or f.customer == customer
        ]

    @command
    def propose(
        self,
        actor: Actor,
        analysis_id: str,
        *,
        subject: str,
        kind: ProposalKind | str,
        description: str,
        owner: str,
        quality_indicators: object,
        period: timedelta | None = None,
        due_at: datetime | None = None,
        business_unit: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> RelationshipAnalysis:
        """Propose an improvement or a value-added service for a recurrence or a cause.

        It is recorded as a proposed improvement item (source
        ``relationship_analysis``; its cause names the subject) in the same
        unit of work as the analysis records it.

        :param subject: a recurrence's key (``service:<service>``) or a cause's key.
        :param kind: ``improvement`` or ``value_added_service``.
        :param description: what is proposed.
        :param owner: who carries it out (actor id).
        :param quality_indicators: the targets (质量指标), at least one.
        :param period: the period as a duration from now…
        :param due_at: …or the due instant (exactly one of the two).
        :param business_unit: the business unit it is issued to.
        :raises AccessDenied: unless a manager of the relationship or the operations director.
        :raises NotFound: for an unknown analysis.
        :raises ValidationError: for an unknown subject, both or neither of
            period and due instant, or a malformed field.
        """
        require_role(actor, *sorted(PROPOSE_ROLES), action="propose from a relationship analysis")
        key = text(analysis_id, "analysis_id")
        what = ProposalKind.parse(kind, "kind")
        wording = text(description, "description")
        now = self._shared.now(at)
        if (period is None) == (due_at is None):
            raise ValidationError(
                "give the period either as a duration (period=timedelta(...)) or as a due "
                "instant (due_at=...), not both and not neither",
                field="period",
            )
        due = (
            require_aware(due_at, "due_at")
            if due_at is not None
            else now + require_duration(period, "period")
        )
        with self._shared.runtime.transaction() as uow:
            entity = uow.get(RELATIONSHIP_SPEC, key)
            cause = entity.describe(subject)
            item = self._improvements.raise_item(
                uow,
                actor,
                now,
                source_kind=ImprovementSource.RELATIONSHIP_ANALYSIS,
                source_ref=entity.id,
                description=f"{what.zh}：{wording}",
                quality_indicators=quality_indicators,
                owner=owner,
                due_at=due,
                issue=False,
                business_unit=business_unit,
                cause=cause,
                service=entity.service_of(subject.strip()),
                customer=entity.customer,
            )
            entity.record_proposal(
                actor, now, Proposal(subject.strip(), what, wording, item.id, actor.id, now)
            )
            uow.save(RELATIONSHIP_SPEC, entity)
        return entity

    @read
    def get(self, actor: Actor, analysis_id: str) -> RelationshipAnalysis:
        """Return one analysis (the provider's staff).

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is none such.
        """
        return self._shared.get(actor, RELATIONSHIP_SPEC, analysis_id, "read an analysis")

    @read
    def find(
        self, actor: Actor, *, customer: str | None = None, limit: int | None = None
    ) -> list[RelationshipAnalysis]:
        """Return the analyses (of one customer), the latest first.

        :raises AccessDenied: for a customer or an actor without a role.
        """
        require_role(actor, *sorted(READERS), action="find relationship analyses")
        where = () if customer is None else (Where("customer", "eq", text(customer, "customer")),)
        query = Query(where, ("-run_at",), limit=limit_of(limit))
        with self._shared.runtime.storage.unit_of_work() as uow:
            return uow.find(RELATIONSHIP_SPEC, query)

    @read
    def history(self, actor: Actor, analysis_id: str) -> list[DomainEvent]:
        """Return the analysis' events, oldest first (the provider's staff).

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is none such.
        """
        return self._shared.history(actor, RELATIONSHIP_SPEC, analysis_id, "read its history")
