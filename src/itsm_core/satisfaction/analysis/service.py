"""Satisfaction figures: ``core.satisfaction.analysis``, a :class:`SatisfactionAnalysis`.

Figures per service, customer, channel, engineer and period, the channels
combined with weights, changes against the previous period, survey response
rates, the service desk's KPIs and the watch lists: reports, each over
:class:`~itsm_core.satisfaction.analysis.sources.AnalysisSources`. Targets,
critical lines and evaluation are
:class:`~itsm_core.satisfaction.analysis.evaluation.TargetService`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from types import MappingProxyType

import attrs

from itsm_core.kernel.actors import Actor, Role, require_role
from itsm_core.kernel.api import report
from itsm_core.kernel.errors import ValidationError
from itsm_core.satisfaction.analysis.kpis import KpiFigures
from itsm_core.satisfaction.analysis.model import AlertLevel, TargetMetric
from itsm_core.satisfaction.analysis.periods import (
    parse_period,
    period_window,
    periods_of,
    previous_period,
)
from itsm_core.satisfaction.analysis.queries import (
    RECORD_FIELDS,
    RECORD_MEASURES,
    Dimension,
    Filter,
    dimensions_of,
    filter_condition,
    group_key,
    period_conditions,
    row_key,
    sort_key,
    where,
)
from itsm_core.satisfaction.analysis.results import GroupFigures, PeriodChange, RateFigures
from itsm_core.satisfaction.analysis.sources import (
    AnalysisSources,
    alpha_of,
    invitation_dims,
)
from itsm_core.satisfaction.analysis.statistics import Rate, Tally
from itsm_core.satisfaction.analysis.watchlists import (
    WatchEntry,
    WatchList,
)
from itsm_core.satisfaction.analysis.weights import ChannelWeights, CombinedFigures

__all__ = ["READ_ROLES", "SatisfactionAnalysis"]


READ_ROLES: tuple[Role, ...] = (
    Role.RELATIONSHIP_MANAGER,
    Role.PROJECT_MANAGER,
    Role.OPERATIONS_DIRECTOR,
    Role.OPERATIONS_MANAGER,
    Role.INCIDENT_MANAGER,
    Role.QUALITY_SPECIALIST,
    Role.COORDINATOR,
    Role.SERVICE_DESK,
    Role.SERVICE_TEAM_LEAD,
    Role.GENERAL_MANAGER_OFFICE,
    Role.SYSTEM,
)
"""Who may read the analysis: the people who manage relationships and quality."""


class SatisfactionAnalysis:
    """Satisfaction figures, desk KPIs and watch lists: ``core.satisfaction.analysis``.

    :param sources: what the analysis reads (shared with the targets service).
    """

    def __init__(self, sources: AnalysisSources) -> None:
        self._sources = sources

    @property
    def weights(self) -> ChannelWeights | None:
        """The channel weights of combined figures and the watch lists (None: pooled)."""
        return self._sources.weights

    # ------------------------------------------------------------------ figures

    @report
    def figures(
        self,
        actor: Actor,
        periods: str | Iterable[str],
        *,
        group_by: Iterable[Dimension | str] = (),
        service: Filter = None,
        customer: Filter = None,
        channel: Filter = None,
        engineer: Filter = None,
        campaign: Filter = None,
        question: Filter = None,
    ) -> tuple[GroupFigures, ...]:
        """Return n, CSAT (with margin), mean, NPS, response rate and deviation per group.

        One ``aggregate`` over the responses (plus one over invitations per
        period when a group has a response rate: a group of the survey
        channel, or any group when not grouped by channel).

        :param periods: the period(s) ``"YYYY-MM"`` to cover.
        :param group_by: any combination of service, customer, channel,
            engineer, period, campaign (none: one row for everything).
        :param service: only these services (one or several); likewise the other filters.
        :param question: only the answers to these survey questions. A survey
            submission gives one response per answered question, so without
            this filter every answer counts once.
        :returns: one :class:`GroupFigures` per group with responses, ordered by key.
            A deviation is computed on the pooled figures of the row.
        :raises AccessDenied: unless the actor may read the analysis.
        :raises ValidationError: for a bad period, dimension or filter.
        """
        require_role(actor, *READ_ROLES, action="read satisfaction figures")
        dims = dimensions_of(group_by)
        wanted = periods_of(periods)
        query = self._sources.response_query(
            wanted, service, customer, channel, engineer, campaign, question
        )
        with self._sources.runtime.transaction() as uow:
            rows = self._sources.aggregate_responses(uow, query, dims)
            rates = self._sources.response_rates_for(
                uow, dims, wanted, service, customer, channel, engineer, campaign, rows
            )
            targets = self._sources.targets(uow, service=None)
        result = []
        for values, tally in rows.items():
            key = group_key(dims, values)
            rate = None if rates is None else rates(key)
            figures = GroupFigures(key, tally, rate)
            target = self._sources.applicable(targets, key, service, customer)
            if target is not None:
                figures = attrs.evolve(
                    figures, deviation=target.deviation(target.metric.value_of(figures))
                )
            result.append(figures)
        return tuple(result)

    @report
    def combined(
        self,
        actor: Actor,
        periods: str | Iterable[str],
        *,
        weights: ChannelWeights | None = None,
        group_by: Iterable[Dimension | str] = (),
        service: Filter = None,
        customer: Filter = None,
        engineer: Filter = None,
        campaign: Filter = None,
        question: Filter = None,
    ) -> tuple[CombinedFigures, ...]:
        """Return the channels combined with weights, per group.

        :param weights: the weights (default: the analysis' weights).
        :param group_by: any dimensions but channel.
        :raises ValidationError: without weights, or when grouping by channel.
        """
        require_role(actor, *READ_ROLES, action="read combined satisfaction figures")
        chosen = self._sources.weights if weights is None else weights
        if chosen is None:
            raise ValidationError(
                "combining channels needs weights: pass weights=ChannelWeights({...}) or "
                "configure them on the analysis",
                field="weights",
            )
        if not isinstance(chosen, ChannelWeights):
            raise ValidationError(
                f"weights must be a ChannelWeights, e.g. ChannelWeights({{'ticket': 2, "
                f"'callback': 1}}), got {type(chosen).__name__}",
                field="weights",
            )
        allowed = tuple(d for d in Dimension if d is not Dimension.CHANNEL)
        dims = dimensions_of(group_by, allowed)
        wanted = periods_of(periods)
        query = self._sources.response_query(
            wanted, service, customer, None, engineer, campaign, question
        )
        with self._sources.runtime.transaction() as uow:
            rows = self._sources.aggregate_responses(uow, query, (*dims, Dimension.CHANNEL))
            targets = self._sources.targets(uow, service=None)
        grouped: dict[tuple[str | None, ...], dict[str, Tally]] = defaultdict(dict)
        for values, tally in rows.items():
            grouped[values[:-1]][str(values[-1])] = tally
        result = []
        for values in sorted(grouped, key=sort_key):
            by_channel = MappingProxyType(dict(sorted(grouped[values].items())))
            key = group_key(dims, values)
            figures = CombinedFigures(key, by_channel, chosen.combine(by_channel))
            target = self._sources.applicable(targets, key, service, customer)
            if target is not None:
                figures = attrs.evolve(
                    figures, deviation=target.deviation(target.metric.value_of(figures))
                )
            result.append(figures)
        return tuple(result)

    @report
    def changes(
        self,
        actor: Actor,
        period: str,
        *,
        group_by: Iterable[Dimension | str] = (),
        service: Filter = None,
        customer: Filter = None,
        channel: Filter = None,
        engineer: Filter = None,
        question: Filter = None,
        alpha: float | None = None,
    ) -> tuple[PeriodChange, ...]:
        """Return each group's change of CSAT against the previous period, with its z-test.

        :param period: the period; it is compared with the month before.
        :param group_by: any dimensions but period.
        :param alpha: the significance level (default: the analysis').
        :returns: one :class:`PeriodChange` per group seen in either period.
        """
        require_role(actor, *READ_ROLES, action="read satisfaction trends")
        parse_period(period)
        before = previous_period(period)
        level = self._sources.alpha if alpha is None else alpha_of(alpha)
        allowed = tuple(d for d in Dimension if d is not Dimension.PERIOD)
        dims = dimensions_of(group_by, allowed)
        query = self._sources.response_query(
            (before, period), service, customer, channel, engineer, None, question
        )
        with self._sources.runtime.transaction() as uow:
            rows = self._sources.aggregate_responses(uow, query, (*dims, Dimension.PERIOD))
        current: dict[tuple[str | None, ...], Tally] = {}
        previous: dict[tuple[str | None, ...], Tally] = {}
        for values, tally in rows.items():
            (current if values[-1] == period else previous)[values[:-1]] = tally
        keys = sorted(set(current) | set(previous), key=sort_key)
        return tuple(
            PeriodChange(
                key=group_key(dims, k),
                period=period,
                previous_period=before,
                current=current.get(k, Tally()),
                previous=previous.get(k, Tally()),
                alpha=level,
            )
            for k in keys
        )

    @report
    def response_rates(
        self,
        actor: Actor,
        periods: str | Iterable[str],
        *,
        group_by: Iterable[Dimension | str] = (Dimension.CAMPAIGN,),
        customer: Filter = None,
        campaign: Filter = None,
    ) -> tuple[RateFigures, ...]:
        """Return survey response rates (invitations answered / sent) per group.

        An invitation counts in the period (in the analysis' zone) it was sent.

        :param group_by: any of campaign, customer, period.
        :raises ValidationError: if the analysis has no invitation spec.
        """
        require_role(actor, *READ_ROLES, action="read survey response rates")
        if self._sources.invitations is None:
            raise ValidationError(
                "this analysis was built without survey invitations", field="invitations"
            )
        allowed = (Dimension.CAMPAIGN, Dimension.CUSTOMER, Dimension.PERIOD)
        dims = dimensions_of(group_by, allowed)
        wanted = periods_of(periods)
        with self._sources.runtime.transaction() as uow:
            per_period = self._sources.invitation_rates(uow, dims, wanted, customer, campaign)
        totals: dict[tuple[str | None, ...], Rate] = {}
        for p, rates in per_period.items():
            for inv_key, rate in rates.items():
                key = tuple(
                    p if d is Dimension.PERIOD else inv_key[invitation_dims(dims).index(d)]
                    for d in dims
                )
                totals[key] = totals.get(key, Rate(0, 0)) + rate
        return tuple(
            RateFigures(group_key(dims, k), totals[k]) for k in sorted(totals, key=sort_key)
        )

    # ------------------------------------------------------------------ KPIs

    @report
    def desk_kpis(
        self,
        actor: Actor,
        periods: str | Iterable[str],
        *,
        group_by: Iterable[Dimension | str] = (),
        service: Filter = None,
        customer: Filter = None,
        engineer: Filter = None,
    ) -> tuple[KpiFigures, ...]:
        """Return first-contact resolution, one-time fix and record completeness rates.

        Over the service records closed in ``periods`` (one ``aggregate``).

        :param group_by: any of service, customer, engineer, period (closing month).
        :raises ValidationError: if the analysis has no service-record spec.
        """
        require_role(actor, *READ_ROLES, action="read the service desk KPIs")
        if self._sources.records is None:
            raise ValidationError(
                "this analysis was built without service records", field="service_records"
            )
        allowed = tuple(RECORD_FIELDS)
        dims = dimensions_of(group_by, allowed)
        wanted = periods_of(periods)
        query = where(
            *period_conditions("closed_period", wanted),
            filter_condition("service", service),
            filter_condition("customer", customer),
            filter_condition("engineer", engineer),
        )
        with self._sources.runtime.transaction() as uow:
            rows = uow.aggregate(
                self._sources.records, query, [RECORD_FIELDS[d] for d in dims], RECORD_MEASURES
            )
        return tuple(
            KpiFigures.from_row(group_key(dims, row_key(dims, RECORD_FIELDS, row)), row)
            for row in sorted(rows, key=lambda r: sort_key(row_key(dims, RECORD_FIELDS, r)))
        )

    # ------------------------------------------------------------------ watch lists

    @report
    def low_satisfaction_customers(
        self,
        actor: Actor,
        period: str,
        *,
        window: int = 3,
        service: Filter = None,
        at_or_worse: AlertLevel | str | None = None,
        threshold: float | None = None,
        metric: TargetMetric | str = TargetMetric.CSAT,
    ) -> tuple[WatchEntry, ...]:
        """Return the customers whose satisfaction over a window is below a critical line.

        :param period: the last period of the window.
        :param window: how many periods to pool (default 3).
        :param at_or_worse: list customers at this level or worse (default:
            any level below the best, i.e. below the first critical line).
        :param threshold: instead of targets, list customers whose ``metric``
            is below this value (for providers without targets).
        :param metric: the metric of ``threshold``.
        :returns: the entries, worst level (or value) first.
        """
        require_role(actor, *READ_ROLES, action="read the low-satisfaction watch list")
        periods = period_window(period, window)
        with self._sources.runtime.transaction() as uow:
            return self._sources.low_satisfaction(
                uow, periods, service, at_or_worse, threshold, metric
            )

    @report
    def key_customer_watch(
        self, actor: Actor, period: str, *, window: int = 3
    ) -> tuple[WatchEntry, ...]:
        """Return every key customer with its figures over the window (all services).

        :raises ValidationError: if the analysis has no key-customer source.
        """
        require_role(actor, *READ_ROLES, action="read the key-customer watch list")
        periods = period_window(period, window)
        with self._sources.runtime.transaction() as uow:
            return self._sources.key_entries(uow, periods, set())

    @report
    def watch_list(
        self,
        actor: Actor,
        period: str,
        *,
        window: int = 3,
        service: Filter = None,
        at_or_worse: AlertLevel | str | None = None,
        threshold: float | None = None,
        metric: TargetMetric | str = TargetMetric.CSAT,
    ) -> WatchList:
        """Return both watch lists: low-satisfaction customers and key customers.

        Key customers are listed when the analysis has a key-customer source.
        """
        require_role(actor, *READ_ROLES, action="read the watch lists")
        periods = period_window(period, window)
        with self._sources.runtime.transaction() as uow:
            low = self._sources.low_satisfaction(
                uow, periods, service, at_or_worse, threshold, metric
            )
            keys = (
                self._sources.key_entries(uow, periods, {e.customer for e in low})
                if self._sources.key_customers is not None
                else ()
            )
        return WatchList(period, periods, low, keys)
