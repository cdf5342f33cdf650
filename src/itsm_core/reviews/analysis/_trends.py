"""The tables and findings of a trend analysis, from aggregates (internal).

See :mod:`itsm_core.reviews.analysis.trends` for the rules. Complaints are
counted per month of the window; satisfaction and SLA compare the first
month with the last (with a one-month window, the month before with it).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import attrs

from itsm_core.complaints.enums import Verdict
from itsm_core.reviews.analysis._queries import complaint_month, complaints_by_party, sla_fulfilment
from itsm_core.reviews.analysis._window import Window
from itsm_core.reviews.analysis.counts import Count
from itsm_core.reviews.analysis.trends import (
    ComplaintMonth,
    Evidence,
    Finding,
    FindingKind,
    PartyComplaints,
    ServiceTrend,
    SlaMonth,
)
from itsm_core.satisfaction.analysis.results import GroupFigures, PeriodChange, Trend
from itsm_core.satisfaction.analysis.statistics import Tally, two_proportion_z_test
from itsm_core.storage.base import UnitOfWork

__all__ = [
    "ReportedProblem",
    "complaint_tables",
    "review_findings",
    "satisfaction_trends",
    "sla_months",
]

_INVALID = Verdict.INVALID.value


@attrs.frozen
class ReportedProblem:
    """A problem written in a reported service review (what the analysis reads of a review).

    :param review_id: the review.
    :param index: the problem's position in the review (from 1).
    :param description: the problem as written.
    :param customer: the review's customer.
    :param service: the service it concerns, if any.
    :param period: the month the review was reported in.
    """

    review_id: str
    index: int
    description: str
    customer: str | None
    service: str | None
    period: str


def complaint_tables(
    uow: UnitOfWork, window: Window, *, customer: str | None, min_complaints: int
) -> tuple[tuple[ComplaintMonth, ...], tuple[PartyComplaints, ...], list[Finding]]:
    """Complaints by month (one aggregate per month) and by party (one aggregate).

    :returns: the months, the parties (most complaints first) and the
        ``recurring_party`` and ``complaints_rising`` findings.
    """
    months = []
    for period in window.periods:
        start, end = window.bounds(period)
        received, closed, hours, peak = complaint_month(uow, start, end, customer=customer)
        months.append(ComplaintMonth(period, received, closed, hours, peak))
    rows = complaints_by_party(uow, window.start, window.end, customer=customer)
    sources: dict[str, Counter[str | None]] = defaultdict(Counter)
    verdicts: dict[str, Counter[str | None]] = defaultdict(Counter)
    for row in rows:
        party = str(row["party_complained_about"])
        sources[party][row["source"]] += int(row["complaints"])
        verdicts[party][row["verdict"]] += int(row["complaints"])
    parties = []
    for party in verdicts:
        total = sum(verdicts[party].values())
        parties.append(
            PartyComplaints(
                party=party,
                complaints=total,
                counted=total - verdicts[party][_INVALID],
                by_source=_counts(sources[party]),
                by_verdict=_counts(verdicts[party]),
            )
        )
    parties.sort(key=lambda p: (-p.counted, -p.complaints, p.party))
    findings = [
        Finding(
            key=f"party:{p.party}",
            kind=FindingKind.RECURRING_PARTY,
            subject=p.party,
            description=f"{p.party}: {p.counted}",
            customer=customer,
            periods=window.periods,
            evidence=(
                Evidence("complaints", float(p.counted)),
                Evidence("all_verdicts", float(p.complaints)),
                *(Evidence(f"source:{c.value}", float(c.count)) for c in p.by_source),
            ),
        )
        for p in parties
        if p.counted >= min_complaints
    ]
    if len(months) >= 2:
        last = months[-1]
        if last.received >= min_complaints and all(m.received < last.received for m in months[:-1]):
            findings.append(
                Finding(
                    key="complaints_rising",
                    kind=FindingKind.COMPLAINTS_RISING,
                    subject=customer or "*",
                    description=f"{last.period}: {last.received}",
                    customer=customer,
                    periods=window.periods,
                    evidence=tuple(
                        Evidence("complaints", float(m.received), m.period) for m in months
                    ),
                )
            )
    return tuple(months), tuple(parties), findings


def _counts(counter: Counter[str | None]) -> tuple[Count, ...]:
    keys = sorted(counter, key=lambda k: (k is None, k or ""))
    return tuple(Count(k, counter[k]) for k in keys if counter[k])


def sla_months(
    uow: UnitOfWork,
    window: Window,
    periods: Sequence[str],
    *,
    customer: str | None,
    services: Sequence[str],
    alpha: float,
) -> tuple[tuple[SlaMonth, ...], list[Finding]]:
    """SLA clocks stopped per month and target kind (two aggregates per month).

    :returns: the months and the ``sla_breaches_rising`` findings (first month against last).
    """
    months: list[SlaMonth] = []
    for period in periods:
        start, end = window.bounds(period)
        for line in sla_fulfilment(uow, start, end, customer=customer, services=services):
            if line.measured == 0:
                continue  # only breached clocks still running: nothing settled this month
            months.append(
                SlaMonth(period, line.target, line.measured, line.breached, line.lateness_hours)
            )
    first, last = periods[0], periods[-1]
    findings = []
    by_target: dict[str, dict[str, SlaMonth]] = defaultdict(dict)
    for m in months:
        by_target[m.target.value][m.period] = m
    for target, seen in by_target.items():
        before, after = seen.get(first), seen.get(last)
        if before is None or after is None:
            continue
        test = two_proportion_z_test(
            after.breached, after.measured, before.breached, before.measured
        )
        if test is None or test.z <= 0 or not test.significant(alpha):
            continue
        findings.append(
            Finding(
                key=f"sla:{target}",
                kind=FindingKind.SLA_BREACHES_RISING,
                subject=target,
                description=f"{target}: {before.breach_rate} -> {after.breach_rate}",
                customer=customer,
                periods=(first, last),
                evidence=(
                    Evidence("measured", float(before.measured), first),
                    Evidence("breached", float(before.breached), first),
                    Evidence("breach_rate", before.breach_rate or 0.0, first),
                    Evidence("measured", float(after.measured), last),
                    Evidence("breached", float(after.breached), last),
                    Evidence("breach_rate", after.breach_rate or 0.0, last),
                    Evidence("p_value", test.p_value),
                ),
            )
        )
    return tuple(months), findings


def satisfaction_trends(
    rows: Sequence[GroupFigures], periods: Sequence[str], *, customer: str | None, alpha: float
) -> tuple[tuple[ServiceTrend, ...], list[Finding]]:
    """CSAT per service, first month against last, from figures grouped by service and period.

    :returns: the trends and the ``satisfaction_declined`` findings.
    """
    first, last = periods[0], periods[-1]
    tallies: dict[str, dict[str, Tally]] = defaultdict(dict)
    for row in rows:
        service, period = row.key.get("service"), row.key.get("period")
        if service is not None and period is not None:
            tallies[service][period] = row.tally
    trends, findings = [], []
    for service in sorted(tallies):
        change = PeriodChange(
            key={"service": service},
            period=last,
            previous_period=first,
            current=tallies[service].get(last, Tally()),
            previous=tallies[service].get(first, Tally()),
            alpha=alpha,
        )
        trend = ServiceTrend(
            service=service,
            first_period=first,
            last_period=last,
            first_n=change.previous.n,
            last_n=change.current.n,
            first_csat=change.previous.csat,
            last_csat=change.current.csat,
            p_value=change.p_value,
            trend=change.trend,
            small_sample=change.small_sample,
        )
        trends.append(trend)
        if trend.trend is Trend.DECLINED:
            findings.append(
                Finding(
                    key=f"satisfaction:{service}",
                    kind=FindingKind.SATISFACTION_DECLINED,
                    subject=service,
                    description=f"{service}: {trend.first_csat} -> {trend.last_csat}",
                    service=service,
                    customer=customer,
                    periods=(first, last),
                    evidence=(
                        Evidence("responses", float(trend.first_n), first),
                        Evidence("csat", trend.first_csat or 0.0, first),
                        Evidence("responses", float(trend.last_n), last),
                        Evidence("csat", trend.last_csat or 0.0, last),
                        Evidence("p_value", trend.p_value if trend.p_value is not None else 1.0),
                    ),
                )
            )
    return tuple(trends), findings


def review_findings(problems: Sequence[ReportedProblem]) -> list[Finding]:
    """One ``review_problem`` finding per problem of a reported review."""
    return [
        Finding(
            key=f"review:{p.review_id}:{p.index}",
            kind=FindingKind.REVIEW_PROBLEM,
            subject=p.review_id,
            description=p.description,
            service=p.service,
            customer=p.customer,
            periods=(p.period,),
            evidence=(Evidence("problem", float(p.index), p.period),),
        )
        for p in problems
    ]
