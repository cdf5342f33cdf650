"""The use cases of satisfaction analysis: :class:`SatisfactionAnalysis`.

Every figure comes from :meth:`UnitOfWork.aggregate
<itsm_core.storage.UnitOfWork.aggregate>` over index fields (``GROUP BY`` in
the database, one pass in memory); no method loads responses or service
records. Targets and standings are few and are loaded as entities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from itsm_core.improvements import ImprovementItem
from itsm_core.kernel.actors import Actor, Role, require_role
from itsm_core.kernel.errors import NotFound, ValidationError
from itsm_core.runtime import Runtime
from itsm_core.satisfaction.analysis.kpis import KpiFigures
from itsm_core.satisfaction.analysis.periods import (
    parse_period,
    period_bounds,
    period_window,
    periods_of,
    previous_period,
)
from itsm_core.satisfaction.analysis.queries import (
    INVITATION_FIELDS,
    INVITATION_MEASURES,
    RECORD_FIELDS,
    RECORD_MEASURES,
    RESPONSE_FIELDS,
    RESPONSE_MEASURES,
    Dimension,
    Filter,
    GroupKey,
    channel_codes,
    dimensions_of,
    filter_condition,
    group_key,
    period_conditions,
    row_key,
    sort_key,
    where,
)
from itsm_core.satisfaction.analysis.results import GroupFigures, PeriodChange, RateFigures
from itsm_core.satisfaction.analysis.standings import (
    Evaluation,
    LevelCrossing,
    SatisfactionStanding,
    SubjectResult,
    level_crossing_hook_calls,
    standing_id,
    standing_of_improvement,
)
from itsm_core.satisfaction.analysis.statistics import DEFAULT_ALPHA, Rate, Tally
from itsm_core.satisfaction.analysis.storage import STANDING_SPEC, TARGET_SPEC
from itsm_core.satisfaction.analysis.targets import (
    DEFAULT_IMPROVEMENT_PERIOD,
    AlertLevel,
    LevelRule,
    SatisfactionTarget,
    TargetMetric,
    level_rules,
    optional_text,
    required_text,
    target_id,
)
from itsm_core.satisfaction.analysis.watchlists import (
    PeriodLevel,
    WatchEntry,
    WatchList,
    WatchReason,
)
from itsm_core.satisfaction.analysis.weights import ChannelWeights, CombinedFigures
from itsm_core.storage.base import AggregateSpec, Query, UnitOfWork, Where

__all__ = [
    "EVALUATE_ROLES",
    "IMPROVEMENT_DECIDE_ROLES",
    "IMPROVEMENT_FOLLOW_UP_ROLES",
    "IMPROVEMENT_PROGRESS_ROLES",
    "READ_ROLES",
    "SURVEY_CHANNEL",
    "TARGET_ROLES",
    "KeyCustomerSource",
    "SatisfactionAnalysis",
    "key_customers_from",
]


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

TARGET_ROLES: tuple[Role, ...] = (
    Role.RELATIONSHIP_MANAGER,
    Role.OPERATIONS_DIRECTOR,
    Role.OPERATIONS_MANAGER,
)
"""Who sets targets, critical lines and measures (the operations manager is in
charge of satisfaction management, 000 §7.2.4)."""

EVALUATE_ROLES: tuple[Role, ...] = (*TARGET_ROLES, Role.QUALITY_SPECIALIST, Role.SYSTEM)
"""Who evaluates a period (a scheduled job acts as :data:`~itsm_core.SYSTEM`)."""

IMPROVEMENT_FOLLOW_UP_ROLES: tuple[Role, ...] = (
    Role.QUALITY_SPECIALIST,
    Role.RELATIONSHIP_MANAGER,
    Role.OPERATIONS_MANAGER,
    Role.OPERATIONS_DIRECTOR,
)
"""Who follows up a satisfaction improvement item against its indicators."""

IMPROVEMENT_PROGRESS_ROLES: tuple[Role, ...] = (
    Role.IMPROVEMENT_OWNER,
    *IMPROVEMENT_FOLLOW_UP_ROLES,
)
"""Who reports progress on a satisfaction improvement item."""

IMPROVEMENT_DECIDE_ROLES: tuple[Role, ...] = (Role.GENERAL_MANAGER_OFFICE,)
"""Who decides an escalated improvement item."""

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


def _zone(value: str | tzinfo) -> tzinfo:
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


def _alpha(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ValidationError(f"alpha must be a number in (0, 1), got {value!r}", field="alpha")
    return float(value)


def _single(value: Filter) -> str | None:
    if isinstance(value, str):
        return value
    if value is not None and len(value) == 1:
        return value[0]
    return None


@attrs.frozen
class _Subject:
    service: str
    customer: str | None
    target: SatisfactionTarget
    by_channel: Mapping[str, Tally]


class SatisfactionAnalysis:
    """Statistics, targets, evaluation, watch lists and desk KPIs of satisfaction.

    :param runtime: the facade's runtime.
    :param responses: the spec of satisfaction responses (index fields
        ``channel customer service engineer period campaign_id top_box
        normalised nps_eligible promoter detractor``).
    :param service_records: the spec of service records, for :meth:`desk_kpis`.
    :param invitations: the spec of survey invitations, for response rates.
    :param key_customers: where the key customers come from, for the watch list.
    :param weights: the channel weights used by :meth:`evaluate` and the watch
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
        self._runtime = runtime
        self._responses = responses
        self._records = service_records
        self._invitations = invitations
        self._key_customers = key_customers
        if weights is not None and not isinstance(weights, ChannelWeights):
            raise ValidationError(
                f"weights must be a ChannelWeights, got {type(weights).__name__}",
                field="weights",
            )
        self.weights = weights
        self.zone = _zone(timezone)
        self.alpha = _alpha(alpha)
        runtime.relay.add_dispatcher(level_crossing_hook_calls)

    # ------------------------------------------------------------------ figures

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
        period when a response rate applies).

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
        query = self._response_query(
            wanted, service, customer, channel, engineer, campaign, question
        )
        with self._runtime.transaction() as uow:
            rows = self._aggregate_responses(uow, query, dims)
            rates = self._response_rates_for(
                uow, dims, wanted, service, customer, channel, engineer, campaign
            )
            targets = self._targets(uow, service=None)
        result = []
        for values, tally in rows.items():
            key = group_key(dims, values)
            rate = None if rates is None else rates(key)
            figures = GroupFigures(key, tally, rate)
            target = self._applicable(targets, key, service, customer)
            if target is not None:
                figures = attrs.evolve(
                    figures, deviation=target.deviation(target.metric.value_of(figures))
                )
            result.append(figures)
        return tuple(result)

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
        chosen = self.weights if weights is None else weights
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
        query = self._response_query(wanted, service, customer, None, engineer, campaign, question)
        with self._runtime.transaction() as uow:
            rows = self._aggregate_responses(uow, query, (*dims, Dimension.CHANNEL))
            targets = self._targets(uow, service=None)
        grouped: dict[tuple[str | None, ...], dict[str, Tally]] = defaultdict(dict)
        for values, tally in rows.items():
            grouped[values[:-1]][str(values[-1])] = tally
        result = []
        for values in sorted(grouped, key=sort_key):
            by_channel = MappingProxyType(dict(sorted(grouped[values].items())))
            key = group_key(dims, values)
            figures = CombinedFigures(key, by_channel, chosen.combine(by_channel))
            target = self._applicable(targets, key, service, customer)
            if target is not None:
                figures = attrs.evolve(
                    figures, deviation=target.deviation(target.metric.value_of(figures))
                )
            result.append(figures)
        return tuple(result)

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
        level = self.alpha if alpha is None else _alpha(alpha)
        allowed = tuple(d for d in Dimension if d is not Dimension.PERIOD)
        dims = dimensions_of(group_by, allowed)
        query = self._response_query(
            (before, period), service, customer, channel, engineer, None, question
        )
        with self._runtime.transaction() as uow:
            rows = self._aggregate_responses(uow, query, (*dims, Dimension.PERIOD))
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
        if self._invitations is None:
            raise ValidationError(
                "this analysis was built without survey invitations", field="invitations"
            )
        allowed = (Dimension.CAMPAIGN, Dimension.CUSTOMER, Dimension.PERIOD)
        dims = dimensions_of(group_by, allowed)
        wanted = periods_of(periods)
        with self._runtime.transaction() as uow:
            per_period = self._invitation_rates(uow, dims, wanted, customer, campaign)
        totals: dict[tuple[str | None, ...], Rate] = {}
        for p, rates in per_period.items():
            for inv_key, rate in rates.items():
                key = tuple(
                    p if d is Dimension.PERIOD else inv_key[_inv_dims(dims).index(d)] for d in dims
                )
                totals[key] = totals.get(key, Rate(0, 0)) + rate
        return tuple(
            RateFigures(group_key(dims, k), totals[k]) for k in sorted(totals, key=sort_key)
        )

    # ------------------------------------------------------------------ KPIs

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
        if self._records is None:
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
        with self._runtime.transaction() as uow:
            rows = uow.aggregate(
                self._records, query, [RECORD_FIELDS[d] for d in dims], RECORD_MEASURES
            )
        return tuple(
            KpiFigures.from_row(group_key(dims, row_key(dims, RECORD_FIELDS, row)), row)
            for row in sorted(rows, key=lambda r: sort_key(row_key(dims, RECORD_FIELDS, r)))
        )

    # ------------------------------------------------------------------ targets

    def set_target(
        self,
        actor: Actor,
        service: str,
        *,
        customer: str | None = None,
        metric: TargetMetric | str = TargetMetric.CSAT,
        target: float,
        levels: Iterable[LevelRule],
        owner: str | None = None,
        improvement_period: timedelta | None = None,
    ) -> SatisfactionTarget:
        """Set (or change) the target, critical lines and measures of a service.

        :param service: the service.
        :param customer: one customer of it, or None for every customer.
        :param metric: csat (default), index or nps.
        :param target: the target value on the metric's scale.
        :param levels: the bands, best first (see :mod:`~itsm_core.satisfaction.analysis.targets`).
        :param owner: the improvement owner of items raised below target
            (default: the actor, for a new target; unchanged otherwise).
        :param improvement_period: how long the owner has (default 30 days).
        :raises AccessDenied: unless a relationship manager, operations manager
            or operations director.
        :raises ValidationError: for a bad definition.
        """
        require_role(actor, *TARGET_ROLES, action="set a satisfaction target")
        service_ = required_text(service, "service")
        customer_ = optional_text(customer, "customer")
        rules = level_rules(levels)
        now = self._runtime.clock.now()
        with self._runtime.transaction() as uow:
            try:
                entity = uow.get(TARGET_SPEC, target_id(service_, customer_))
            except NotFound:
                entity = SatisfactionTarget.create(
                    service=service_,
                    customer=customer_,
                    metric=metric,
                    target=target,
                    levels=rules,
                    owner=owner,
                    improvement_period=improvement_period or DEFAULT_IMPROVEMENT_PERIOD,
                    actor=actor,
                    at=now,
                )
            else:
                entity.revise(
                    metric=metric,
                    target=target,
                    levels=rules,
                    owner=owner,
                    improvement_period=improvement_period,
                    actor=actor,
                    at=now,
                )
            uow.save(TARGET_SPEC, entity)
        return entity

    def retire_target(
        self, actor: Actor, service: str, *, customer: str | None = None
    ) -> SatisfactionTarget:
        """Retire the target of a service (and customer); it is no longer evaluated.

        :raises NotFound: if there is no such target.
        """
        require_role(actor, *TARGET_ROLES, action="retire a satisfaction target")
        entity_id = target_id(
            required_text(service, "service"), optional_text(customer, "customer")
        )
        with self._runtime.transaction() as uow:
            entity = uow.get(TARGET_SPEC, entity_id)
            if entity.retire(actor=actor, at=self._runtime.clock.now()):
                uow.save(TARGET_SPEC, entity)
        return entity

    def target(
        self, actor: Actor, service: str, *, customer: str | None = None
    ) -> SatisfactionTarget:
        """Return the target of a service (and customer).

        :raises NotFound: if there is none.
        """
        require_role(actor, *READ_ROLES, action="read a satisfaction target")
        entity_id = target_id(
            required_text(service, "service"), optional_text(customer, "customer")
        )
        with self._runtime.transaction() as uow:
            return uow.get(TARGET_SPEC, entity_id)

    def targets(
        self, actor: Actor, *, service: Filter = None, include_retired: bool = False
    ) -> list[SatisfactionTarget]:
        """Return the targets, by service and customer."""
        require_role(actor, *READ_ROLES, action="read satisfaction targets")
        conditions = [filter_condition("service", service)]
        if not include_retired:
            conditions.append(Where("active", "eq", True))
        query = Query(tuple(c for c in conditions if c is not None), order_by=("service", "id"))
        with self._runtime.transaction() as uow:
            return uow.find(TARGET_SPEC, query)

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, actor: Actor, period: str, *, service: Filter = None) -> Evaluation:
        """Classify every service with a target, and every customer of it, for ``period``.

        The service overall is classified by the service's target; each
        customer by its own target, else the service's. A level different from
        the previous evaluation is a crossing: it is recorded as the event
        ``satisfaction_standing.level_crossed``, which the outbox relay
        delivers after the commit to ``itsm_on_event`` notifiers and to the
        ``itsm_satisfaction_level_crossed`` hook (at least once, with retries). A value below target
        raises one improvement item (source ``satisfaction``) per subject and
        period, owned by the target's improvement owner.

        Evaluating a period earlier than the last one evaluated classifies it
        but changes no standing.

        :raises AccessDenied: unless the actor may evaluate.
        """
        require_role(actor, *EVALUATE_ROLES, action="evaluate satisfaction against targets")
        parse_period(period)
        now = self._runtime.clock.now()
        results: list[SubjectResult] = []
        crossings: list[LevelCrossing] = []
        raised: list[ImprovementItem] = []
        with self._runtime.transaction() as uow:
            targets = self._targets(uow, service=service)
            if not targets:
                return Evaluation(period)
            services = tuple(sorted({t.service for t in targets}))
            query = self._response_query((period,), services, None, None, None, None)
            rows = self._aggregate_responses(
                uow, query, (Dimension.SERVICE, Dimension.CUSTOMER, Dimension.CHANNEL)
            )
            subjects = self._subjects(targets, rows)
            stored = {
                s.id: s
                for s in uow.find(STANDING_SPEC, where(filter_condition("service", services)))
            }
            for subject in subjects:
                result = self._classify(subject, period)
                results.append(result)
                if result.level is None:
                    continue
                standing = stored.get(standing_id(subject.service, subject.customer))
                if standing is None:
                    standing = SatisfactionStanding.new(subject.service, subject.customer)
                crossing, item = standing.evaluate(
                    result,
                    best=subject.target.best.level,
                    owner=subject.target.owner or actor.id,
                    improvement_period=subject.target.improvement_period,
                    actor=actor,
                    at=now,
                )
                if standing.pending_events:
                    uow.save(STANDING_SPEC, standing)
                if crossing is not None:
                    crossings.append(crossing)
                if item is not None:
                    raised.append(item)
        return Evaluation(period, tuple(results), tuple(crossings), tuple(raised))

    def standings(
        self,
        actor: Actor,
        *,
        service: Filter = None,
        level: AlertLevel | str | None = None,
        below_target: bool | None = None,
    ) -> list[SatisfactionStanding]:
        """Return the last classification of each service and customer."""
        require_role(actor, *READ_ROLES, action="read satisfaction standings")
        conditions = [filter_condition("service", service)]
        if level is not None:
            conditions.append(Where("level", "eq", AlertLevel.parse(level, "level").value))
        if below_target is not None:
            conditions.append(Where("below_target", "eq", bool(below_target)))
        query = Query(tuple(c for c in conditions if c is not None), order_by=("service", "id"))
        with self._runtime.transaction() as uow:
            return uow.find(STANDING_SPEC, query)

    # ------------------------------------------------------------------ improvements

    def improvements(
        self, actor: Actor, *, service: Filter = None, open_only: bool = True
    ) -> list[ImprovementItem]:
        """Return the improvement items raised by satisfaction evaluations, oldest first."""
        require_role(actor, *READ_ROLES, action="read satisfaction improvement items")
        conditions = [filter_condition("service", service)]
        if open_only:
            conditions.append(Where("open_improvements", "gt", 0))
        query = Query(tuple(c for c in conditions if c is not None), order_by=("service", "id"))
        with self._runtime.transaction() as uow:
            standings = uow.find(STANDING_SPEC, query)
        items = [
            i for s in standings for i in (s.open_improvements if open_only else s.improvements)
        ]
        return sorted(items, key=lambda i: (i.issued_at, i.id))

    def report_improvement_progress(self, actor: Actor, item_id: str, note: str) -> ImprovementItem:
        """Record the improvement owner's progress report on an item.

        :raises NotFound: if there is no such item.
        :raises InvalidTransition: if the item is no longer open.
        """
        require_role(actor, *IMPROVEMENT_PROGRESS_ROLES, action="report improvement progress")
        text = required_text(note, "note")
        return self._change_item(
            item_id,
            "improvement_progress",
            actor,
            lambda item, at: item.with_progress(at, actor.id, text),
            note=text,
        )

    def follow_up_improvement(
        self,
        actor: Actor,
        item_id: str,
        *,
        met: bool,
        note: str,
        extend_to: datetime | None = None,
    ) -> ImprovementItem:
        """Follow an item up against its indicators: met, extended, or escalated.

        :raises NotFound: if there is no such item.
        :raises InvalidTransition: if the item is no longer open.
        """
        require_role(actor, *IMPROVEMENT_FOLLOW_UP_ROLES, action="follow up an improvement")
        text = required_text(note, "note")
        return self._change_item(
            item_id,
            "improvement_followed_up",
            actor,
            lambda item, at: item.followed_up(
                at, actor.id, met=met, note=text, extend_to=extend_to
            ),
            met=met,
            note=text,
            extend_to=extend_to,
        )

    def decide_improvement(self, actor: Actor, item_id: str, decision: str) -> ImprovementItem:
        """Record the general manager's office's decision on an escalated item.

        :raises InvalidTransition: unless the item is escalated.
        """
        require_role(actor, *IMPROVEMENT_DECIDE_ROLES, action="decide an escalated improvement")
        text = required_text(decision, "decision")
        return self._change_item(
            item_id,
            "improvement_decided",
            actor,
            lambda item, at: item.decided(at, actor.id, text),
            decision=text,
        )

    # ------------------------------------------------------------------ watch lists

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
        with self._runtime.transaction() as uow:
            return self._low_satisfaction(uow, periods, service, at_or_worse, threshold, metric)

    def key_customer_watch(
        self, actor: Actor, period: str, *, window: int = 3
    ) -> tuple[WatchEntry, ...]:
        """Return every key customer with its figures over the window (all services).

        :raises ValidationError: if the analysis has no key-customer source.
        """
        require_role(actor, *READ_ROLES, action="read the key-customer watch list")
        periods = period_window(period, window)
        with self._runtime.transaction() as uow:
            return self._key_entries(uow, periods, set())

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
        with self._runtime.transaction() as uow:
            low = self._low_satisfaction(uow, periods, service, at_or_worse, threshold, metric)
            keys = (
                self._key_entries(uow, periods, {e.customer for e in low})
                if self._key_customers is not None
                else ()
            )
        return WatchList(period, periods, low, keys)

    # ------------------------------------------------------------------ internals

    def _response_query(
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

    def _aggregate_responses(
        self, uow: UnitOfWork, query: Query, dims: Sequence[Dimension]
    ) -> dict[tuple[str | None, ...], Tally]:
        rows = uow.aggregate(
            self._responses, query, [RESPONSE_FIELDS[d] for d in dims], RESPONSE_MEASURES
        )
        result: dict[tuple[str | None, ...], Tally] = {}
        for row in rows:
            key = row_key(dims, RESPONSE_FIELDS, row)
            result[key] = result.get(key, Tally()) + Tally.from_row(row)
        return dict(sorted(result.items(), key=lambda kv: sort_key(kv[0])))

    def _invitation_rates(
        self,
        uow: UnitOfWork,
        dims: Sequence[Dimension],
        periods: Sequence[str],
        customer: Filter,
        campaign: Filter,
    ) -> dict[str, dict[tuple[str | None, ...], Rate]]:
        assert self._invitations is not None
        inv_dims = _inv_dims(dims)
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
            rows = uow.aggregate(self._invitations, query, fields, INVITATION_MEASURES)
            result[p] = {
                row_key(inv_dims, INVITATION_FIELDS, row): Rate(
                    int(row.get("responded") or 0), int(row.get("invited") or 0)
                )
                for row in rows
            }
        return result

    def _response_rates_for(
        self,
        uow: UnitOfWork,
        dims: Sequence[Dimension],
        periods: Sequence[str],
        service: Filter,
        customer: Filter,
        channel: Filter,
        engineer: Filter,
        campaign: Filter,
    ) -> Callable[[GroupKey], Rate | None] | None:
        """Return a lookup of the response rate of a figures group, when one applies."""
        if self._invitations is None or service is not None or engineer is not None:
            return None
        rate_dims = {Dimension.CUSTOMER, Dimension.PERIOD, Dimension.CHANNEL, Dimension.CAMPAIGN}
        if not set(dims) <= rate_dims:
            return None
        if channel is not None:
            channels = [channel] if isinstance(channel, str) else list(channel)
            if SURVEY_CHANNEL not in channels:
                return None
        per_period = self._invitation_rates(uow, dims, periods, customer, campaign)
        inv_dims = _inv_dims(dims)

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

    def _targets(self, uow: UnitOfWork, *, service: Filter) -> list[SatisfactionTarget]:
        conditions = [Where("active", "eq", True), filter_condition("service", service)]
        return uow.find(TARGET_SPEC, Query(tuple(c for c in conditions if c is not None)))

    @staticmethod
    def _applicable(
        targets: Sequence[SatisfactionTarget],
        key: GroupKey,
        service: Filter,
        customer: Filter,
    ) -> SatisfactionTarget | None:
        """The target of a group of one service (and one customer), if any."""
        the_service = key.get(Dimension.SERVICE.value) or _single(service)
        if the_service is None:
            return None
        if Dimension.CUSTOMER.value in key:
            the_customer = key[Dimension.CUSTOMER.value]
        else:
            the_customer = _single(customer)
        by_id = {t.id: t for t in targets}
        if the_customer is not None:
            own = by_id.get(target_id(the_service, the_customer))
            if own is not None:
                return own
        elif customer is not None:
            return None  # several customers pooled: no single target applies
        return by_id.get(target_id(the_service, None))

    def _subjects(
        self,
        targets: Sequence[SatisfactionTarget],
        rows: Mapping[tuple[str | None, ...], Tally],
    ) -> list[_Subject]:
        by_id = {t.id: t for t in targets}
        per_customer: dict[tuple[str, str], dict[str, Tally]] = defaultdict(dict)
        per_service: dict[str, dict[str, Tally]] = defaultdict(dict)
        for (service, customer, channel), tally in rows.items():
            if service is None or customer is None or channel is None:
                continue
            per_customer[(service, customer)][channel] = tally
            overall = per_service[service]
            overall[channel] = overall.get(channel, Tally()) + tally
        subjects: list[_Subject] = []
        for service, by_channel in sorted(per_service.items()):
            service_target = by_id.get(target_id(service, None))
            if service_target is not None:
                subjects.append(_Subject(service, None, service_target, by_channel))
        for (service, customer), by_channel in sorted(per_customer.items()):
            applied = by_id.get(target_id(service, customer)) or by_id.get(target_id(service, None))
            if applied is not None:
                subjects.append(_Subject(service, customer, applied, by_channel))
        return subjects

    def _figures_of(
        self, key: GroupKey, by_channel: Mapping[str, Tally]
    ) -> GroupFigures | CombinedFigures:
        frozen = MappingProxyType(dict(by_channel))
        if self.weights is not None:
            return CombinedFigures(key, frozen, self.weights.combine(frozen))
        return GroupFigures(key, Tally.total(by_channel.values()))

    def _classify(self, subject: _Subject, period: str) -> SubjectResult:
        key = MappingProxyType({"service": subject.service, "customer": subject.customer})
        figures = self._figures_of(key, subject.by_channel)
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

    def _change_item(
        self,
        item_id: str,
        event: str,
        actor: Actor,
        change: Callable[[ImprovementItem, datetime], ImprovementItem],
        **facts: Any,
    ) -> ImprovementItem:
        entity_id = standing_of_improvement(item_id)
        now = self._runtime.clock.now()
        with self._runtime.transaction() as uow:
            try:
                standing = uow.get(STANDING_SPEC, entity_id)
            except NotFound:
                raise NotFound("satisfaction improvement item", item_id) from None
            changed = change(standing.improvement(item_id), now)
            standing.replace_improvement(changed, event, actor, now, **facts)
            uow.save(STANDING_SPEC, standing)
        return changed

    def _window_rows(
        self, uow: UnitOfWork, periods: Sequence[str], service: Filter
    ) -> dict[tuple[str | None, ...], Tally]:
        query = self._response_query(periods, service, None, None, None, None)
        dims = (Dimension.SERVICE, Dimension.CUSTOMER, Dimension.PERIOD, Dimension.CHANNEL)
        return self._aggregate_responses(uow, query, dims)

    def _low_satisfaction(
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
        targets = {t.id: t for t in self._targets(uow, service=service)}
        if threshold is None and not targets:
            return ()
        rows = self._window_rows(uow, periods, service)
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
            figures = self._figures_of(key, by_channel)
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
                fig = self._figures_of(key, channels)
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

    def _key_entries(
        self, uow: UnitOfWork, periods: Sequence[str], low: set[str]
    ) -> tuple[WatchEntry, ...]:
        if self._key_customers is None:
            raise ValidationError(
                "this analysis was built without a key-customer source", field="key_customers"
            )
        customers = tuple(sorted(set(self._key_customers(uow))))
        if not customers:
            return ()
        query = self._response_query(periods, None, customers, None, None, None)
        dims = (Dimension.CUSTOMER, Dimension.PERIOD, Dimension.CHANNEL)
        rows = self._aggregate_responses(uow, query, dims)
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
                fig = self._figures_of(key, channels)
                history.append(PeriodLevel(p, fig.csat if channels else None, fig.n))
            figures = self._figures_of(key, pooled)
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


def _inv_dims(dims: Sequence[Dimension]) -> tuple[Dimension, ...]:
    return tuple(d for d in dims if d in INVITATION_FIELDS)
