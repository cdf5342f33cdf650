"""Review analysis: ``core.reviews.analysis``, a :class:`ReviewAnalysis`.

The review pack (for the service review process), the result and trend
analysis and the improvement progress reports (steps of the business
relationship management process). Who does what (by the roles of that
process; each call checks the actor's role first):

* ``pack`` compiles the review pack of a customer and months, or of a service
  review (:data:`PACK_ROLES`: the project manager compiles it, the coordinator
  prepares, the relationship representatives attend);
* ``analyse`` runs the result and trend analysis and stores it, and
  ``propose_improvement`` turns one of its findings into a proposed
  improvement item of source ``trend_analysis`` (:data:`ANALYSE_ROLES`,
  :data:`PROPOSE_ROLES`);
* ``progress_report`` compiles the improvement progress report, and
  ``send_progress_report`` records it as sent (:data:`PROGRESS_ROLES`);
* ``get`` / ``find`` / ``history`` read the stored trend analyses, and
  ``get_progress_report`` / ``find_progress_reports`` /
  ``history_progress_report`` the reports sent (:data:`READ_ROLES`).

The operations manager is responsible for business relationship management
as a whole and owns the trend analysis and the progress reports; the
operations director (above) may act in their place. Periods are months
``"YYYY-MM"`` (one, or consecutive ones), read in the provider's zone (the
satisfaction policy's), as in satisfaction analysis.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from itsm_core.improvements import ImprovementRegister, ImprovementSource
from itsm_core.improvements.storage import IMPROVEMENT_SPEC
from itsm_core.kernel.actors import Actor, Role, require_role
from itsm_core.kernel.api import command, read, report
from itsm_core.kernel.clock import require_aware, require_duration
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent, visible_to
from itsm_core.kernel.ids import new_id
from itsm_core.reviews.analysis._queries import (
    complaint_figures,
    improvement_summary,
    sla_fulfilment,
)
from itsm_core.reviews.analysis._reviews import StoredReviews
from itsm_core.reviews.analysis._satisfaction import Satisfaction
from itsm_core.reviews.analysis._trends import (
    ReportedProblem,
    complaint_tables,
    review_findings,
    satisfaction_trends,
    sla_months,
)
from itsm_core.reviews.analysis._window import Window, optional_texts, required_text
from itsm_core.reviews.analysis.pack import ReviewPack
from itsm_core.reviews.analysis.progress import ProgressContent, ProgressItem, ProgressReport
from itsm_core.reviews.analysis.storage import PROGRESS_REPORT_SPEC, TREND_ANALYSIS_SPEC
from itsm_core.reviews.analysis.trends import Finding, ServiceTrend, TrendAnalysis
from itsm_core.runtime import Runtime
from itsm_core.satisfaction.analysis.periods import previous_period
from itsm_core.satisfaction.analysis.sources import alpha_of, zone_of
from itsm_core.satisfaction.analysis.statistics import DEFAULT_ALPHA
from itsm_core.storage.base import Query, UnitOfWork, Where

__all__ = [
    "ANALYSE_ROLES",
    "PACK_ROLES",
    "PROGRESS_ROLES",
    "PROPOSE_ROLES",
    "READ_ROLES",
    "ReviewAnalysis",
    "ReviewReader",
]

PACK_ROLES: tuple[Role, ...] = (
    Role.PROJECT_MANAGER,
    Role.COORDINATOR,
    Role.OPERATIONS_MANAGER,
    Role.INCIDENT_MANAGER,
    Role.RELATIONSHIP_MANAGER,
    Role.OPERATIONS_DIRECTOR,
    Role.QUALITY_SPECIALIST,
    Role.SYSTEM,
)
"""Who compiles a review pack: the project manager who organises the review, the
coordinator who prepares it, the relationship representatives who attend."""

ANALYSE_ROLES: tuple[Role, ...] = (Role.OPERATIONS_MANAGER, Role.OPERATIONS_DIRECTOR, Role.SYSTEM)
"""Who runs the trend analysis: the operations manager, the director,
or a scheduled job as :data:`~itsm_core.SYSTEM`."""

PROPOSE_ROLES: tuple[Role, ...] = (Role.OPERATIONS_MANAGER, Role.OPERATIONS_DIRECTOR)
"""Who turns a finding into an improvement item (both may propose items of source
``trend_analysis`` in :data:`~itsm_core.improvements.RULES`)."""

PROGRESS_ROLES: tuple[Role, ...] = (Role.OPERATIONS_MANAGER, Role.OPERATIONS_DIRECTOR)
"""Who reports improvement progress to the customer when they ask."""

READ_ROLES: tuple[Role, ...] = (
    *PACK_ROLES,
    Role.SERVICE_TEAM_LEAD,
    Role.GENERAL_MANAGER_OFFICE,
)
"""Who reads stored trend analyses and sent progress reports."""

DEFAULT_ZONE = "Asia/Shanghai"


class ReviewReader(Protocol):
    """What the analysis reads of service reviews (the reviews area provides it)."""

    def window_of(
        self, uow: UnitOfWork, review_id: str
    ) -> tuple[str, datetime, datetime, tuple[str, ...]]:
        """The review's customer, period start and end, and services (empty: all).

        :raises NotFound: if there is no such review.
        """

    def problems(
        self, uow: UnitOfWork, start: datetime, end: datetime, customer: str | None, zone: tzinfo
    ) -> list[ReportedProblem]:
        """The problems of the reviews reported in ``[start, end)`` (of ``customer``)."""


class ReviewAnalysis:
    """The review pack, trend analysis and progress reports: ``core.reviews.analysis``.

    :param runtime: the facade's runtime (clock, store, plug-ins).
    :param satisfaction: ``core.satisfaction.analysis`` and ``.targets`` (None:
        packs and trends have no satisfaction part).
    :param improvements: the register findings become items in (the facade
        passes ``core.improvements.keeper``); default: one of its own, without clocks.
    :param reviews: reads the service reviews (default: those of the store).
    :param timezone: the zone months are read in (the satisfaction policy's).
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        satisfaction: Satisfaction | None = None,
        improvements: ImprovementRegister | None = None,
        reviews: ReviewReader | None = None,
        timezone: str | tzinfo = DEFAULT_ZONE,
    ) -> None:
        self._runtime = runtime
        self._satisfaction = satisfaction
        self._improvements = improvements or ImprovementRegister(None)
        self._reviews: ReviewReader = reviews or StoredReviews()
        self._zone = zone_of(timezone)

    def _now(self, at: datetime | None) -> datetime:
        return self._runtime.clock.now() if at is None else require_aware(at, "at")

    # ------------------------------------------------------------------ the pack

    @report
    def pack(
        self,
        actor: Actor,
        *,
        customer: str | None = None,
        periods: str | Iterable[str] | None = None,
        services: str | Iterable[str] | None = None,
        review: str | None = None,
    ) -> ReviewPack:
        """Compile the review pack of a customer and months, or of a service review.

        Give ``customer`` and ``periods`` (one month ``"YYYY-MM"`` or
        consecutive ones), optionally ``services``; or ``review``, the id of a
        service review: its customer, and the months its period touches.
        Complaints are the customer's (they name no service); SLA clocks and
        satisfaction are limited to ``services`` when given; improvement
        items are every open item of the customer.

        :raises AccessDenied: unless the actor may compile packs (:data:`PACK_ROLES`).
        :raises ValidationError: for both or neither of a review and a
            customer with periods, or a malformed month, customer or service.
        :raises NotFound: for an unknown review.
        """
        require_role(actor, *PACK_ROLES, action="compile a review pack")
        now = self._runtime.clock.now()
        with self._runtime.transaction() as uow:
            if review is not None:
                if customer is not None or periods is not None:
                    raise ValidationError(
                        "give either review=... or customer=... with periods=..., not both",
                        field="review",
                    )
                who, window, names = self._review_window(uow, required_text(review, "review"))
                if services is not None:
                    names = optional_texts(services, "services")
            else:
                if customer is None or periods is None:
                    raise ValidationError(
                        "give customer=... and periods='YYYY-MM' (or a review=...)",
                        field="customer" if customer is None else "periods",
                    )
                who = required_text(customer, "customer")
                window = Window.of(periods, self._zone)
                names = optional_texts(services, "services")
            sla = sla_fulfilment(uow, window.start, window.end, customer=who, services=names)
            complaints = complaint_figures(uow, window.start, window.end, customer=who, now=now)
            improvements = improvement_summary(uow, customer=who, now=now)
        satisfaction = (
            ()
            if self._satisfaction is None
            else self._satisfaction.lines(actor, window.periods, customer=who, services=names)
        )
        return ReviewPack(
            customer=who,
            services=names,
            periods=window.periods,
            start=window.start,
            end=window.end,
            compiled_at=now,
            compiled_by=actor.id,
            review_id=review,
            sla=sla,
            complaints=complaints,
            satisfaction=satisfaction,
            improvements=improvements,
        )

    def _review_window(
        self, uow: UnitOfWork, review_id: str
    ) -> tuple[str, Window, tuple[str, ...]]:
        customer, start, end, services = self._reviews.window_of(uow, review_id)
        return customer, Window.between(start, end, self._zone), services

    # ------------------------------------------------------------------ trends

    @command
    def analyse(
        self,
        actor: Actor,
        *,
        periods: str | Iterable[str],
        customer: str | None = None,
        services: str | Iterable[str] | None = None,
        min_complaints: int = 2,
        alpha: float = DEFAULT_ALPHA,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> TrendAnalysis:
        """Run the result and trend analysis over months and store it with its findings.

        Over reviews, complaints, satisfaction and SLA clocks (see
        :mod:`~itsm_core.reviews.analysis.trends` for the rules), of one
        customer or of all. Everything is counted with aggregates in the
        database; the few reviews reported in the window are loaded to read
        their problems.

        :param periods: one month ``"YYYY-MM"`` or consecutive months.
        :param customer: one customer (None: every customer).
        :param services: limit SLA and satisfaction to these services.
        :param min_complaints: complaints about one party (not judged invalid)
            that make it a recurring party.
        :param alpha: the significance level of the tests.
        :param at: when (default now).
        :returns: the stored analysis (``trend_analysis.run``).
        :raises AccessDenied: unless the actor may run it (:data:`ANALYSE_ROLES`).
        :raises ValidationError: for malformed months, names, threshold or alpha.
        """
        require_role(actor, *ANALYSE_ROLES, action="run the trend analysis")
        window = Window.of(periods, self._zone)
        who = None if customer is None else required_text(customer, "customer")
        names = optional_texts(services, "services")
        level = alpha_of(alpha)
        if isinstance(min_complaints, bool) or not isinstance(min_complaints, int) or (
            min_complaints < 1
        ):
            raise ValidationError(
                f"min_complaints must be a whole number of at least 1, got {min_complaints!r}",
                field="min_complaints",
            )
        now = self._now(at)
        compared = (
            window.periods
            if len(window.periods) > 1
            else (previous_period(window.first), window.first)
        )
        trends: tuple[ServiceTrend, ...] = ()
        satisfaction_findings: list[Finding] = []
        if self._satisfaction is not None:
            rows = self._satisfaction.by_service_and_month(
                actor, (compared[0], compared[-1]), customer=who, services=names
            )
            trends, satisfaction_findings = satisfaction_trends(
                rows, (compared[0], compared[-1]), customer=who, alpha=level
            )
        with self._runtime.transaction() as uow:
            months, parties, findings = complaint_tables(
                uow, window, customer=who, min_complaints=min_complaints
            )
            sla, sla_findings = sla_months(
                uow, window, compared, customer=who, services=names, alpha=level
            )
            problems = self._reviews.problems(uow, window.start, window.end, who, self._zone)
            entity = TrendAnalysis.run(
                actor,
                now,
                analysis_id=new_id("tra-"),
                customer=who,
                services=names,
                periods=window.periods,
                min_complaints=min_complaints,
                alpha=level,
                complaint_months=months,
                sla_months=sla,
                satisfaction=trends,
                parties=parties,
                findings=(
                    *findings,
                    *satisfaction_findings,
                    *sla_findings,
                    *review_findings(problems),
                ),
            )
            uow.save(TREND_ANALYSIS_SPEC, entity)
        return entity

    @command
    def propose_improvement(
        self,
        actor: Actor,
        analysis_id: str,
        *,
        finding: str,
        owner: str,
        quality_indicators: object,
        period: timedelta | None = None,
        due_at: datetime | None = None,
        description: str | None = None,
        business_unit: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> TrendAnalysis:
        """Turn a finding into a proposed improvement item (source ``trend_analysis``).

        The item is raised in the same unit of work as the analysis records
        it (``trend_analysis.improvement_proposed``): both commit or neither.
        It waits for approval in ``core.improvements`` like any proposed item;
        its ``source_ref`` is the analysis' id and its cause the finding.

        :param analysis_id: the stored analysis.
        :param finding: the finding's key.
        :param owner: the improvement owner's actor id.
        :param quality_indicators: the targets (质量指标), at least one.
        :param period: the period as a duration from ``at``…
        :param due_at: …or the due instant (exactly one of the two).
        :param description: what is to be improved (default: the finding, in Chinese).
        :param business_unit: the business unit it is issued to.
        :param at: when (default now).
        :returns: the analysis, the finding naming its item (``finding(key).item_id``).
        :raises AccessDenied: unless the actor may propose (:data:`PROPOSE_ROLES`).
        :raises NotFound: for an unknown analysis.
        :raises ValidationError: for an unknown finding, one proposed already,
            both or neither of period and due instant, or a malformed field.
        """
        require_role(actor, *PROPOSE_ROLES, action="propose an improvement from a trend finding")
        key = required_text(analysis_id, "analysis_id")
        finding_key = required_text(finding, "finding")
        now = self._now(at)
        due = self._due(now, period, due_at)
        with self._runtime.transaction() as uow:
            entity = uow.get(TREND_ANALYSIS_SPEC, key)
            found = entity.proposable(finding_key)
            item = self._improvements.raise_item(
                uow,
                actor,
                now,
                source_kind=ImprovementSource.TREND_ANALYSIS,
                source_ref=entity.id,
                description=found.describe("zh") if description is None else description,
                quality_indicators=quality_indicators,
                owner=owner,
                due_at=due,
                issue=False,
                business_unit=business_unit,
                cause=f"{found.key}: {found.describe('zh')}",
                service=found.service,
                customer=found.customer,
            )
            entity.mark_proposed(finding_key, item.id, actor=actor, at=now)
            uow.save(TREND_ANALYSIS_SPEC, entity)
        return entity

    def _due(self, at: datetime, period: timedelta | None, due_at: datetime | None) -> datetime:
        if (period is None) == (due_at is None):
            raise ValidationError(
                "give the period either as a duration (period=timedelta(...)) or as a due "
                "instant (due_at=...), not both and not neither",
                field="period",
            )
        if period is not None:
            span = require_duration(period, "period")
            if span <= timedelta(0):
                raise ValidationError("period must be longer than zero", field="period")
            calendar = self._improvements.clocks.calendar(self._improvements.terms.calendar)
            return calendar.add(at, span)
        return require_aware(due_at, "due_at")

    @read
    def get(self, actor: Actor, analysis_id: str) -> TrendAnalysis:
        """Return a stored trend analysis.

        :raises NotFound: if there is none with that id.
        """
        require_role(actor, *READ_ROLES, action="read a trend analysis")
        with self._runtime.storage.unit_of_work() as uow:
            return uow.get(TREND_ANALYSIS_SPEC, required_text(analysis_id, "analysis_id"))

    @read
    def find(
        self, actor: Actor, *, customer: str | None = None, run_by: str | None = None
    ) -> list[TrendAnalysis]:
        """Return the stored trend analyses (of a customer, run by someone), oldest first."""
        require_role(actor, *READ_ROLES, action="read trend analyses")
        where = [
            Where(name, "eq", required_text(value, name))
            for name, value in (("customer", customer), ("run_by", run_by))
            if value is not None
        ]
        with self._runtime.storage.unit_of_work() as uow:
            return uow.find(TREND_ANALYSIS_SPEC, Query(tuple(where), order_by=("run_at",)))

    @read
    def history(self, actor: Actor, analysis_id: str) -> list[DomainEvent]:
        """Return the events of a trend analysis (who ran it, what was proposed), oldest first.

        :raises NotFound: if there is none with that id.
        """
        require_role(actor, *READ_ROLES, action="read a trend analysis' history")
        key = required_text(analysis_id, "analysis_id")
        with self._runtime.storage.unit_of_work() as uow:
            uow.get(TREND_ANALYSIS_SPEC, key)
            return visible_to(actor, uow.history(TREND_ANALYSIS_SPEC.kind, key))

    # ------------------------------------------------------------------ progress reports

    def _progress(
        self, uow: UnitOfWork, customer: str, window: Window, now: datetime
    ) -> ProgressContent:
        # the customer's items issued before the window's end are loaded (their notes and
        # follow-ups are the report); those concluded before its start are left out
        items = uow.find(
            IMPROVEMENT_SPEC,
            Query(
                (Where("customer", "eq", customer), Where("issued_at", "lt", window.end)),
                order_by=("issued_at",),
            ),
        )
        live = [i for i in items if i.concluded_at is None or i.concluded_at >= window.start]
        return ProgressContent(
            customer=customer,
            periods=window.periods,
            start=window.start,
            end=window.end,
            compiled_at=now,
            items=tuple(ProgressItem.of(i, now) for i in live),
        )

    @report
    def progress_report(
        self, actor: Actor, *, customer: str, periods: str | Iterable[str]
    ) -> ProgressContent:
        """Compile the improvement progress report of a customer for months (not sent).

        :raises AccessDenied: unless the actor may report progress (:data:`PROGRESS_ROLES`).
        :raises ValidationError: for a malformed customer or month.
        """
        require_role(actor, *PROGRESS_ROLES, action="compile an improvement progress report")
        who = required_text(customer, "customer")
        window = Window.of(periods, self._zone)
        with self._runtime.storage.unit_of_work() as uow:
            return self._progress(uow, who, window, self._runtime.clock.now())

    @command
    def send_progress_report(
        self,
        actor: Actor,
        *,
        customer: str,
        periods: str | Iterable[str],
        recipients: str | Iterable[str],
        note: str = "",
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ProgressReport:
        """Compile the progress report and record that it was sent to ``recipients``.

        The report is stored as sent (its content, the recipients, who sent it
        and when), with the event ``improvement_progress_report.sent`` that
        notifiers receive; sending the document itself is the application's.

        :param recipients: who it goes to (the customer's representatives).
        :param note: a covering note.
        :param at: when it was sent (default now).
        :raises AccessDenied: unless the actor may report progress.
        :raises ValidationError: for no recipient, a malformed customer or month.
        """
        require_role(actor, *PROGRESS_ROLES, action="send an improvement progress report")
        who = required_text(customer, "customer")
        window = Window.of(periods, self._zone)
        now = self._now(at)
        with self._runtime.transaction() as uow:
            content = self._progress(uow, who, window, now)
            entity = ProgressReport.send(
                actor,
                now,
                report_id=new_id("ipr-"),
                content=content,
                recipients=recipients,
                note=note,
            )
            uow.save(PROGRESS_REPORT_SPEC, entity)
        return entity

    @read
    def get_progress_report(self, actor: Actor, report_id: str) -> ProgressReport:
        """Return a progress report as sent.

        :raises NotFound: if there is none with that id.
        """
        require_role(actor, *READ_ROLES, action="read a progress report")
        with self._runtime.storage.unit_of_work() as uow:
            return uow.get(PROGRESS_REPORT_SPEC, required_text(report_id, "report_id"))

    @read
    def find_progress_reports(
        self, actor: Actor, *, customer: str | None = None
    ) -> list[ProgressReport]:
        """Return the progress reports sent (to a customer), oldest first."""
        require_role(actor, *READ_ROLES, action="read progress reports")
        where = (
            ()
            if customer is None
            else (Where("customer", "eq", required_text(customer, "customer")),)
        )
        with self._runtime.storage.unit_of_work() as uow:
            return uow.find(PROGRESS_REPORT_SPEC, Query(where, order_by=("sent_at",)))

    @read
    def history_progress_report(self, actor: Actor, report_id: str) -> list[DomainEvent]:
        """Return the events of a progress report (who sent it, when, to whom).

        :raises NotFound: if there is none with that id.
        """
        require_role(actor, *READ_ROLES, action="read a progress report's history")
        key = required_text(report_id, "report_id")
        with self._runtime.storage.unit_of_work() as uow:
            uow.get(PROGRESS_REPORT_SPEC, key)
            return visible_to(actor, uow.history(PROGRESS_REPORT_SPEC.kind, key))
