"""What satisfaction analysis reads, and the aggregations its services share.

Every figure comes from :meth:`UnitOfWork.aggregate
<itsm_core.storage.UnitOfWork.aggregate>` over index fields (``GROUP BY`` in
the database, one pass in memory); nothing here loads responses or service
records. Targets and standings are few and are loaded as entities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import tzinfo
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from itsm_core.kernel.errors import ValidationError
from itsm_core.runtime import Runtime
from itsm_core.satisfaction.analysis.model import (
    AlertLevel,
    SatisfactionTarget,
    SubjectResult,
    TargetMetric,
)
from itsm_core.satisfaction.analysis.periods import (
    period_bounds,
    periods_of,
)
from itsm_core.satisfaction.analysis.queries import (
    INVITATION_FIELDS,
    INVITATION_MEASURES,
    RESPONSE_FIELDS,
    RESPONSE_MEASURES,
    Dimension,
    Filter,
    GroupKey,
    channel_codes,
    filter_condition,
    period_conditions,
    row_key,
    sort_key,
    where,
)
from itsm_core.satisfaction.analysis.results import GroupFigures
from itsm_core.satisfaction.analysis.statistics import DEFAULT_ALPHA, Rate, Tally
from itsm_core.satisfaction.analysis.storage import TARGET_SPEC
from itsm_core.satisfaction.analysis.targets import target_id
from itsm_core.satisfaction.analysis.watchlists import (
    PeriodLevel,
    WatchEntry,
    WatchReason,
)
from itsm_core.satisfaction.analysis.weights import ChannelWeights, CombinedFigures
from itsm_core.storage.base import AggregateSpec, Query, UnitOfWork, Where

__all__ = [
    "SURVEY_CHANNEL",
    "AnalysisSources",
    "KeyCustomerSource",
    "Subject",
    "alpha_of",
    "invitation_dims",
    "key_customers_from",
    "single",
    "zone_of",
]


SURVEY_CHANNEL = "survey"
"""The channel code of satisfaction surveys (the only channel with invitations)."""

KeyCustomerSource = Callable[[UnitOfWork], Iterable[str]]
"""Returns the ids of the key customers, read inside the analysis' unit of work."""


def key_customers_from(
    spec: AggregateSpec[Any], flag: str = "key", value: Any = 1
) -> KeyCustomerSource:
    """Return a key-customer source over a customer register.

    :param spec: the register's spec (e.g. satisfaction capture's customer profiles),
        whose entity ids are the customer ids.
    :param flag: its index field that marks a key customer.
    :param value: the flag's value for a key customer (1 for an int flag).
    """
    spec.field(flag)

    def source(uow: UnitOfWork) -> list[str]:
        query = Query((Where(flag, "eq", value),))
        return [str(getattr(entity, "id")) for entity in uow.find(spec, query)]  # noqa: B009

    return source


def zone_of(value: str | tzinfo) -> tzinfo:
    if isinstance(value, tzinfo):
        return value
    if isinstance(value, str) and value:
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ValidationError(
        f"unknown time zone {value!r}; use an IANA name such as 'Asia/Shanghai'", field="timezone"
    )


def alpha_of(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ValidationError(f"alpha must be a number in (0, 1), got {value!r}", field="alpha")
    return float(value)


def single(value: Filter) -> str | None:
    if isinstance(value, str):
        return value
    if value is not None and len(value) == 1:
        return value[0]
    return None


@attrs.frozen
class Subject:
    service: str
    customer: str | None
    target: SatisfactionTarget
    by_channel: Mapping[str, Tally]


class AnalysisSources:
    """Where satisfaction analysis reads from, and how it pools: shared by
    :class:`~itsm_core.satisfaction.analysis.service.SatisfactionAnalysis` (the
    figures) and :class:`~itsm_core.satisfaction.analysis.evaluation.TargetService`
    (targets and evaluation), with the aggregations both use.

    :param runtime: the facade's runtime.
    :param responses: the spec of satisfaction responses (index fields
        ``channel customer service engineer period campaign_id top_box
        normalised nps_eligible promoter detractor``).
    :param service_records: the spec of service records, for desk KPIs.
    :param invitations: the spec of survey invitations, for response rates.
    :param key_customers: where the key customers come from, for the watch list.
    :param weights: the channel weights used by evaluation and the watch
        lists (None: all responses pooled, unweighted).
    :param timezone: the zone in which an invitation's month is counted (the
        provider's zone, as for responses).
    :param alpha: the significance level of period-on-period tests.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        responses: AggregateSpec[Any],
        service_records: AggregateSpec[Any] | None = None,
        invitations: AggregateSpec[Any] | None = None,
        key_customers: KeyCustomerSource | None = None,
        weights: ChannelWeights | None = None,
        timezone: str | tzinfo = "Asia/Shanghai",
        alpha: float = DEFAULT_ALPHA,
    ) -> None:
        self.runtime = runtime
        self.responses = responses
        self.records = service_records
        self.invitations = invitations
        self.key_customers = key_customers
        if weights is not None and not isinstance(weights, ChannelWeights):
            raise ValidationError(
                f"weights must be a ChannelWeights, got {type(weights).__name__}",
                field="weights",
            )
        self.weights = weights
        self.zone = zone_of(timezone)
        self.alpha = alpha_of(alpha)

    def response_query(
        self,
        periods: Sequence[str],
        service: Filter,
        customer: Filter,
        channel: Filter,
        engineer: Filter,
        campaign: Filter,
        question: Filter = None,
    ) -> Query:
        return where(
            *period_conditions("period", periods_of(periods)),
            filter_condition("service", service),
            filter_condition("customer", customer),
            filter_condition("channel", channel, channel_codes()),
            filter_condition("engineer", engineer),
            filter_condition("campaign_id", campaign),
            filter_condition("question", question),
        )

    def aggregate_responses(
        self, uow: UnitOfWork, query: Query, dims: Sequence[Dimension]
    ) -> dict[tuple[str | None, ...], Tally]:
        rows = uow.aggregate(
            self.responses, query, [RESPONSE_FIELDS[d] for d in dims], RESPONSE_MEASURES
        )
        result: dict[tuple[str | None, ...], Tally] = {}
        for row in rows:
            key = row_key(dims, RESPONSE_FIELDS, row)
            tally = Tally.from_row(row)
            before = result.get(key)  # one group per key, unless two values print alike
            result[key] = tally if before is None else before + tally
        return dict(sorted(result.items(), key=lambda kv: sort_key(kv[0])))

    def invitation_rates(
        self,
        uow: UnitOfWork,
        dims: Sequence[Dimension],
        periods: Sequence[str],
        customer: Filter,
        campaign: Filter,
    ) -> dict[str, dict[tuple[str | None, ...], Rate]]:
        assert self.invitations is not None
        inv_dims = invitation_dims(dims)
        fields = [INVITATION_FIELDS[d] for d in inv_dims]
        result: dict[str, dict[tuple[str | None, ...], Rate]] = {}
        for p in periods:
            start, end = period_bounds(p, self.zone)
            conditions = [
                Where("invited_at", "ge", start),
                Where("invited_at", "lt", end),
                filter_condition("customer", customer),
                filter_condition("campaign_id", campaign),
            ]
            query = Query(tuple(c for c in conditions if c is not None))
            rows = uow.aggregate(self.invitations, query, fields, INVITATION_MEASURES)
            result[p] = {
                row_key(inv_dims, INVITATION_FIELDS, row): Rate(
                    int(row.get("responded") or 0), int(row.get("invited") or 0)
                )
                for row in rows
            }
        return result

    def response_rates_for(
        self,
        uow: UnitOfWork,
        dims: Sequence[Dimension],
        periods: Sequence[str],
        service: Filter,
        customer: Filter,
        channel: Filter,
        engineer: Filter,
        campaign: Filter,
        groups: Iterable[tuple[str | None, ...]] = (),
    ) -> Callable[[GroupKey], Rate | None] | None:
        """Return a lookup of the response rate of a figures group, when one applies.

        :param groups: the values of ``dims`` of the groups the figures have: the
            invitations are read only if one of them has a rate (a group of the
            survey channel, or any group when the figures are not by channel).
        """
        if self.invitations is None or service is not None or engineer is not None:
            return None
        rate_dims = {Dimension.CUSTOMER, Dimension.PERIOD, Dimension.CHANNEL, Dimension.CAMPAIGN}
        if not set(dims) <= rate_dims:
            return None
        if channel is not None:
            channels = [channel] if isinstance(channel, str) else list(channel)
            if SURVEY_CHANNEL not in channels:
                return None
        if Dimension.CHANNEL in dims:
            at = list(dims).index(Dimension.CHANNEL)
            if all(values[at] != SURVEY_CHANNEL for values in groups):
                return None  # no group of the survey channel: no group has a rate
        elif not any(True for _ in groups):
            return None  # no group at all
        per_period = self.invitation_rates(uow, dims, periods, customer, campaign)
        inv_dims = invitation_dims(dims)

        def lookup(key: GroupKey) -> Rate | None:
            if Dimension.CHANNEL in dims and key[Dimension.CHANNEL.value] != SURVEY_CHANNEL:
                return None
            inv_key = tuple(key[d.value] for d in inv_dims)
            covered = [key[Dimension.PERIOD.value]] if Dimension.PERIOD in dims else periods
            total = Rate(0, 0)
            for p in covered:
                total = total + per_period.get(str(p), {}).get(inv_key, Rate(0, 0))
            return total

        return lookup

    def targets(self, uow: UnitOfWork, *, service: Filter) -> list[SatisfactionTarget]:
        conditions = [Where("active", "eq", True), filter_condition("service", service)]
        return uow.find(TARGET_SPEC, Query(tuple(c for c in conditions if c is not None)))

    @staticmethod
    def applicable(
        targets: Sequence[SatisfactionTarget],
        key: GroupKey,
        service: Filter,
        customer: Filter,
    ) -> SatisfactionTarget | None:
        """The target of a group of one service (and one customer), if any."""
        if not targets:
            return None
        the_service = key.get(Dimension.SERVICE.value) or single(service)
        if the_service is None:
            return None
        if Dimension.CUSTOMER.value in key:
            the_customer = key[Dimension.CUSTOMER.value]
        else:
            the_customer = single(customer)
        by_id = {t.id: t for t in targets}
        if the_customer is not None:
            own = by_id.get(target_id(the_service, the_customer))
            if own is not None:
                return own
        elif customer is not None:
            return None  # several customers pooled: no single target applies
        return by_id.get(target_id(the_service, None))

    def subjects(
        self,
        targets: Sequence[SatisfactionTarget],
        rows: Mapping[tuple[str | None, ...], Tally],
    ) -> list[Subject]:
        by_id = {t.id: t for t in targets}
        per_customer: dict[tuple[str, str], dict[str, Tally]] = defaultdict(dict)
        per_service: dict[str, dict[str, Tally]] = defaultdict(dict)
        for (service, customer, channel), tally in rows.items():
            if service is None or customer is None or channel is None:
                continue
            per_customer[(service, customer)][channel] = tally
            overall = per_service[service]
            overall[channel] = overall.get(channel, Tally()) + tally
        subjects: list[Subject] = []
        for service, by_channel in sorted(per_service.items()):
            service_target = by_id.get(target_id(service, None))
            if service_target is not None:
                subjects.append(Subject(service, None, service_target, by_channel))
        for (service, customer), by_channel in sorted(per_customer.items()):
            applied = by_id.get(target_id(service, customer)) or by_id.get(target_id(service, None))
            if applied is not None:
                subjects.append(Subject(service, customer, applied, by_channel))
        return subjects

    def figures_of(
        self, key: GroupKey, by_channel: Mapping[str, Tally]
    ) -> GroupFigures | CombinedFigures:
        frozen = MappingProxyType(dict(by_channel))
        if self.weights is not None:
            return CombinedFigures(key, frozen, self.weights.combine(frozen))
        return GroupFigures(key, Tally.total(by_channel.values()))

    def classify(self, subject: Subject, period: str) -> SubjectResult:
        key = MappingProxyType({"service": subject.service, "customer": subject.customer})
        figures = self.figures_of(key, subject.by_channel)
        target = subject.target
        value = target.metric.value_of(figures)
        rule = target.classify(value)
        return SubjectResult(
            service=subject.service,
            customer=subject.customer,
            period=period,
            target_id=target.id,
            metric=target.metric,
            value=value,
            n=figures.n,
            margin=figures.margin,
            level=None if rule is None else rule.level,
            measures="" if rule is None else rule.measures,
            deviation=target.deviation(value),
        )

    def window_rows(
        self, uow: UnitOfWork, periods: Sequence[str], service: Filter
    ) -> dict[tuple[str | None, ...], Tally]:
        query = self.response_query(periods, service, None, None, None, None)
        dims = (Dimension.SERVICE, Dimension.CUSTOMER, Dimension.PERIOD, Dimension.CHANNEL)
        return self.aggregate_responses(uow, query, dims)

    def low_satisfaction(
        self,
        uow: UnitOfWork,
        periods: Sequence[str],
        service: Filter,
        at_or_worse: AlertLevel | str | None,
        threshold: float | None,
        metric: TargetMetric | str,
    ) -> tuple[WatchEntry, ...]:
        worst_from = None if at_or_worse is None else AlertLevel.parse(at_or_worse, "at_or_worse")
        metric_ = TargetMetric.parse(metric, "metric")
        if threshold is not None and (
            isinstance(threshold, bool) or not isinstance(threshold, int | float)
        ):
            raise ValidationError(
                f"threshold must be a number, got {threshold!r}", field="threshold"
            )
        targets = {t.id: t for t in self.targets(uow, service=service)}
        if threshold is None and not targets:
            return ()
        rows = self.window_rows(uow, periods, service)
        window: dict[tuple[str, str], dict[str, Tally]] = defaultdict(dict)
        by_period: dict[tuple[str, str], dict[str, dict[str, Tally]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        for (svc, cust, per, chan), tally in rows.items():
            if svc is None or cust is None or per is None or chan is None:
                continue
            pooled = window[(svc, cust)]
            pooled[chan] = pooled.get(chan, Tally()) + tally
            by_period[(svc, cust)][per][chan] = tally
        entries: list[WatchEntry] = []
        for (svc, cust), by_channel in sorted(window.items()):
            key = MappingProxyType({"service": svc, "customer": cust})
            target = targets.get(target_id(svc, cust)) or targets.get(target_id(svc, None))
            figures = self.figures_of(key, by_channel)
            used_metric = metric_ if threshold is not None or target is None else target.metric
            value = used_metric.value_of(figures)
            if value is None:
                continue
            rule = None if target is None or threshold is not None else target.classify(value)
            if threshold is not None:
                listed = value < threshold
            elif target is None or rule is None:
                listed = False
            elif worst_from is None:
                listed = rule is not target.best
            else:
                listed = rule.level.severity >= worst_from.severity
            if not listed:
                continue
            history = []
            for per in periods:
                channels = by_period[(svc, cust)].get(per, {})
                fig = self.figures_of(key, channels)
                v = used_metric.value_of(fig) if channels else None
                lvl = target.classify(v) if target is not None and threshold is None else None
                history.append(PeriodLevel(per, v, fig.n, None if lvl is None else lvl.level))
            entries.append(
                WatchEntry(
                    customer=cust,
                    reason=WatchReason.LOW_SATISFACTION,
                    service=svc,
                    window=tuple(periods),
                    metric=used_metric,
                    value=value,
                    n=figures.n,
                    level=None if rule is None else rule.level,
                    measures="" if rule is None else rule.measures,
                    deviation=None
                    if target is None or threshold is not None
                    else target.deviation(value),
                    by_period=tuple(history),
                )
            )
        entries.sort(
            key=lambda e: (
                -(e.level.severity if e.level is not None else 0),
                e.value if e.value is not None else 0.0,
                e.customer,
                e.service or "",
            )
        )
        return tuple(entries)

    def key_entries(
        self, uow: UnitOfWork, periods: Sequence[str], low: set[str]
    ) -> tuple[WatchEntry, ...]:
        if self.key_customers is None:
            raise ValidationError(
                "this analysis was built without a key-customer source", field="key_customers"
            )
        customers = tuple(sorted(set(self.key_customers(uow))))
        if not customers:
            return ()
        query = self.response_query(periods, None, customers, None, None, None)
        dims = (Dimension.CUSTOMER, Dimension.PERIOD, Dimension.CHANNEL)
        rows = self.aggregate_responses(uow, query, dims)
        per: dict[str, dict[str, dict[str, Tally]]] = defaultdict(lambda: defaultdict(dict))
        for (cust, p, chan), tally in rows.items():
            if cust is not None and p is not None and chan is not None:
                per[cust][p][chan] = tally
        entries = []
        for cust in customers:
            key = MappingProxyType({"customer": cust})
            pooled: dict[str, Tally] = {}
            history = []
            for p in periods:
                channels = per[cust].get(p, {})
                for chan, tally in channels.items():
                    pooled[chan] = pooled.get(chan, Tally()) + tally
                fig = self.figures_of(key, channels)
                history.append(PeriodLevel(p, fig.csat if channels else None, fig.n))
            figures = self.figures_of(key, pooled)
            entries.append(
                WatchEntry(
                    customer=cust,
                    reason=WatchReason.KEY_CUSTOMER,
                    service=None,
                    window=tuple(periods),
                    metric=TargetMetric.CSAT,
                    value=figures.csat if pooled else None,
                    n=figures.n,
                    by_period=tuple(history),
                    also_low=cust in low,
                )
            )
        return tuple(entries)


def invitation_dims(dims: Sequence[Dimension]) -> tuple[Dimension, ...]:
    return tuple(d for d in dims if d in INVITATION_FIELDS)
