"""Result and trend analysis (结果与趋势分析): the operations manager's periodic look.

A :class:`TrendAnalysis` is one run of the analysis, stored as an aggregate
(kind ``trend_analysis``) so that its findings can be referred to later and
its history shows who ran it and what became of each finding. It holds the
tables the analysis looked at and the :class:`Finding` s it drew:

==========================  ===========================================================
finding kind                rule
==========================  ===========================================================
``recurring_party``         a party complained about at least ``min_complaints`` times
                            in the window (complaints judged invalid are not counted)
``complaints_rising``       the last month has more complaints than every earlier month
                            of the window, and at least ``min_complaints``
``satisfaction_declined``   a service's CSAT in the last month is significantly lower
                            than in the first (a two-proportion z-test at ``alpha``)
``sla_breaches_rising``     a target kind's breach rate in the last month is
                            significantly higher than in the first
``review_problem``          each problem written in a service review reported in the
                            window
==========================  ===========================================================

Complaints carry no categorised subject (their summary is free text), so the
party complained about is the recurring subject; the sources of its
complaints are the evidence. With a one-month window, satisfaction and SLA
compare the month with the month before.

Each finding has a stable key (``party:<party>``, ``satisfaction:<service>``,
``sla:<target kind>``, ``complaints_rising``, ``review:<review id>:<n>``) and
its evidence (counts and the months they cover). It becomes a proposed
improvement item (source ``trend_analysis``) in one call,
:meth:`ReviewAnalysis.propose_improvement
<itsm_core.reviews.analysis.service.ReviewAnalysis.propose_improvement>`;
the finding then names the item. The analysis has no lifecycle: every change
is one event (``trend_analysis.run``, ``trend_analysis.improvement_proposed``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.codec import RECORDS
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.labels import Labelled, Language
from itsm_core.reviews.analysis.counts import Count
from itsm_core.satisfaction.analysis.trend import Trend
from itsm_core.sla.agreements import TargetKind

__all__ = [
    "ComplaintMonth",
    "Evidence",
    "Finding",
    "FindingKind",
    "PartyComplaints",
    "ServiceTrend",
    "SlaMonth",
    "TrendAnalysis",
]


class FindingKind(Labelled):
    """What a finding of a trend analysis is about."""

    RECURRING_PARTY = "recurring_party", "重复被投诉对象", "party complained about repeatedly"
    COMPLAINTS_RISING = "complaints_rising", "投诉量上升", "complaints rising"
    SATISFACTION_DECLINED = (
        "satisfaction_declined",
        "满意度显著下降",
        "satisfaction declined significantly",
    )
    SLA_BREACHES_RISING = (
        "sla_breaches_rising",
        "SLA 违约率显著上升",
        "SLA breach rate rose significantly",
    )
    REVIEW_PROBLEM = "review_problem", "服务回顾发现的问题", "problem found at a service review"


@attrs.frozen
class Evidence:
    """One figure a finding rests on.

    :param name: what is counted (``complaints``, ``csat``, ``breach_rate``...).
    :param value: the figure.
    :param period: the month it is of (None: the whole window).
    """

    name: str
    value: float
    period: str | None = None


@attrs.frozen
class Finding:
    """One finding of a trend analysis, with its evidence.

    :param key: its stable key within the analysis.
    :param kind: what it is about.
    :param subject: the party, service, target kind or review it concerns.
    :param description: what was found (for a review problem: the problem as written).
    :param service: the service it concerns, if one.
    :param customer: the customer it concerns, if one.
    :param periods: the months of its evidence.
    :param evidence: the figures it rests on.
    :param item_id: the improvement item proposed from it, once proposed.
    :param proposed_by: who proposed it.
    :param proposed_at: when.
    """

    key: str
    kind: FindingKind
    subject: str
    description: str
    service: str | None = None
    customer: str | None = None
    periods: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    item_id: str | None = None
    proposed_by: str | None = None
    proposed_at: datetime | None = None

    def figure(self, name: str, period: str | None = None) -> float | None:
        """Return the evidence ``name`` (of ``period``), or None."""
        for e in self.evidence:
            if e.name == name and e.period == period:
                return e.value
        return None

    def describe(self, lang: Language = "zh") -> str:
        """Return a sentence on the finding in ``lang``."""
        from itsm_core.reviews.analysis._markdown import describe_finding  # on first use

        return describe_finding(self, lang)


@attrs.frozen
class ComplaintMonth:
    """The complaints of one month.

    :param period: the month.
    :param received: received in it.
    :param closed: closed in it.
    :param hours_to_close: the wall-clock hours from receipt to closure of
        those closed in it, summed.
    :param max_hours_to_close: the longest of those.
    """

    period: str
    received: int
    closed: int
    hours_to_close: float = 0.0
    max_hours_to_close: float | None = None

    @property
    def mean_hours_to_close(self) -> float | None:
        """The mean time to close of the complaints closed in the month, in hours."""
        return None if self.closed == 0 else self.hours_to_close / self.closed


@attrs.frozen
class SlaMonth:
    """The SLA clocks of one target kind stopped in one month.

    :param period: the month.
    :param target: the target kind.
    :param measured: clocks stopped in the month.
    :param breached: of those, breached.
    :param lateness_hours: their lateness, summed, in business hours.
    """

    period: str
    target: TargetKind
    measured: int
    breached: int
    lateness_hours: float = 0.0

    @property
    def breach_rate(self) -> float | None:
        """Breached over measured, in percent."""
        return None if self.measured == 0 else 100.0 * self.breached / self.measured


@attrs.frozen
class ServiceTrend:
    """The CSAT of one service, first month against last, with its significance.

    :param service: the service.
    :param first_period: the month compared against.
    :param last_period: the month compared.
    :param first_n: responses in the first month.
    :param last_n: responses in the last month.
    :param first_csat: CSAT in the first month (percent).
    :param last_csat: CSAT in the last month.
    :param p_value: the two-proportion z-test's p-value.
    :param trend: improved / declined (significant), stable, insufficient data.
    :param small_sample: either month has fewer than 30 responses.
    """

    service: str
    first_period: str
    last_period: str
    first_n: int
    last_n: int
    first_csat: float | None
    last_csat: float | None
    p_value: float | None
    trend: Trend
    small_sample: bool


@attrs.frozen
class PartyComplaints:
    """The complaints about one party in the window.

    :param party: the party complained about.
    :param complaints: how many (all verdicts).
    :param counted: those not judged invalid (what the recurrence rule counts).
    :param by_source: by source (complaint channel, callback, satisfaction...).
    :param by_verdict: by verdict (None: not judged yet).
    """

    party: str
    complaints: int
    counted: int
    by_source: tuple[Count, ...] = ()
    by_verdict: tuple[Count, ...] = ()


def _non_negative(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"{field} must be a whole number of at least 1, got {value!r}",
                              field=field)  # fmt: skip
    return value


@attrs.define(eq=False, kw_only=True)
class TrendAnalysis(Aggregate):
    """One run of the result and trend analysis, with its findings.

    Build it with :meth:`run`; a finding becomes an improvement item with
    :meth:`mark_proposed` (through the service, which raises the item in the
    same unit of work).

    :param customer: the customer looked at (None: every customer).
    :param services: the services it is limited to (empty: all).
    :param periods: the months, oldest first.
    :param run_by: who ran it (actor id).
    :param run_at: when.
    :param min_complaints: the recurrence threshold of complaints.
    :param alpha: the significance level of the tests.
    :param complaint_months: complaints received and closed, by month.
    :param sla_months: SLA clocks stopped and breached, by month and target kind.
    :param satisfaction: CSAT per service, first month against last.
    :param parties: complaints by party complained about, most first.
    :param findings: what the analysis found.
    """

    KIND: ClassVar[str] = "trend_analysis"

    customer: str | None = None
    services: tuple[str, ...] = ()
    periods: tuple[str, ...]
    run_by: str
    run_at: datetime
    min_complaints: int = 2
    alpha: float = 0.05
    complaint_months: tuple[ComplaintMonth, ...] = ()
    sla_months: tuple[SlaMonth, ...] = ()
    satisfaction: tuple[ServiceTrend, ...] = ()
    parties: tuple[PartyComplaints, ...] = ()
    findings: tuple[Finding, ...] = ()

    @classmethod
    def run(cls, actor: Actor, at: datetime, *, analysis_id: str, **fields: Any) -> TrendAnalysis:
        """Record a run of the analysis (``trend_analysis.run``).

        :raises ValidationError: for a bad threshold.
        """
        _non_negative(fields.get("min_complaints", 2), "min_complaints")
        entity = cls(id=analysis_id, run_by=actor.id, run_at=at, **fields)
        entity._record(
            "run",
            actor,
            at,
            {
                "customer": entity.customer,
                "services": list(entity.services),
                "periods": list(entity.periods),
                "findings": [f.key for f in entity.findings],
            },
        )
        return entity

    def finding(self, key: str) -> Finding:
        """Return the finding ``key``.

        :raises ValidationError: naming the keys there are.
        """
        for f in self.findings:
            if f.key == key:
                return f
        keys = ", ".join(f.key for f in self.findings) or "none"
        raise ValidationError(
            f"trend analysis {self.id!r} has no finding {key!r}; its findings: {keys}",
            field="finding",
        )

    def proposable(self, key: str) -> Finding:
        """Return the finding ``key`` if no improvement item was proposed from it yet.

        :raises ValidationError: for an unknown finding, or one proposed already.
        """
        found = self.finding(key)
        if found.item_id is not None:
            raise ValidationError(
                f"finding {key!r} was proposed as improvement item {found.item_id!r} already "
                "(one item per finding)",
                field="finding",
            )
        return found

    def mark_proposed(self, key: str, item_id: str, *, actor: Actor, at: datetime) -> Finding:
        """Name the improvement item proposed from finding ``key`` (one item per finding).

        :raises ValidationError: for an unknown finding, or one proposed already.
        """
        found = self.proposable(key)
        updated = attrs.evolve(found, item_id=item_id, proposed_by=actor.id, proposed_at=at)
        self.findings = tuple(updated if f.key == key else f for f in self.findings)
        self._record("improvement_proposed", actor, at, {"finding": key, "item_id": item_id})
        return updated

    def as_dict(self) -> dict[str, Any]:
        """Return the analysis as JSON-able data."""
        data: dict[str, Any] = RECORDS.unstructure(self)
        data.pop("_pending", None)
        return data

    def markdown(self, lang: Language = "zh") -> str:
        """Return the analysis as a Markdown document in ``lang``."""
        from itsm_core.reviews.analysis._markdown import trend_markdown  # on first use

        return trend_markdown(self, lang)
