"""Satisfaction targets and their evaluation: ``core.satisfaction.targets``, a
:class:`TargetService`.

For each service (and customer) the provider sets a target, critical lines
and the measures at each level; an evaluation classifies each
period against them, keeps the last classification as a standing, records a
level crossing and raises an improvement item below target.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from itsm_core.improvements import ImprovementItem, ImprovementRegister
from itsm_core.kernel.actors import Actor, Role, require_role
from itsm_core.kernel.api import command, read
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import NotFound
from itsm_core.kernel.events import DomainEvent, visible_to
from itsm_core.satisfaction.analysis.model import (
    AlertLevel,
    Evaluation,
    LevelCrossing,
    LevelRule,
    SatisfactionStanding,
    SatisfactionTarget,
    SubjectResult,
    TargetMetric,
)
from itsm_core.satisfaction.analysis.periods import (
    parse_period,
)
from itsm_core.satisfaction.analysis.queries import (
    Dimension,
    Filter,
    filter_condition,
    where,
)
from itsm_core.satisfaction.analysis.service import READ_ROLES
from itsm_core.satisfaction.analysis.sources import AnalysisSources
from itsm_core.satisfaction.analysis.standings import level_crossing_hook_calls, standing_id
from itsm_core.satisfaction.analysis.storage import STANDING_SPEC, TARGET_SPEC
from itsm_core.satisfaction.analysis.targets import (
    DEFAULT_IMPROVEMENT_PERIOD,
    level_rules,
    optional_text,
    required_text,
    target_id,
)
from itsm_core.storage.base import Query, Where

__all__ = [
    "EVALUATE_ROLES",
    "TARGET_ROLES",
    "TargetService",
]


TARGET_ROLES: tuple[Role, ...] = (
    Role.RELATIONSHIP_MANAGER,
    Role.OPERATIONS_DIRECTOR,
    Role.OPERATIONS_MANAGER,
)
"""Who sets targets, critical lines and measures (the operations manager is in
charge of satisfaction management)."""

EVALUATE_ROLES: tuple[Role, ...] = (*TARGET_ROLES, Role.QUALITY_SPECIALIST, Role.SYSTEM)
"""Who evaluates a period (a scheduled job acts as :data:`~itsm_core.SYSTEM`)."""

class TargetService:
    """Targets, critical lines, evaluation and standings: ``core.satisfaction.targets``.

    :param sources: what the analysis reads (shared with the figures service).
    :param improvements: the improvement register the items raised below
        target go to (the facade's ``core.improvements.keeper``); default: a
        register of its own on the same store, without clocks.
    """

    def __init__(
        self, sources: AnalysisSources, improvements: ImprovementRegister | None = None
    ) -> None:
        self._sources = sources
        self._improvements = improvements or ImprovementRegister(None)
        sources.runtime.relay.add_dispatcher(level_crossing_hook_calls)

    # ------------------------------------------------------------------ targets

    @command
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
        at: datetime | None = None,
        idempotency_key: str | None = None,
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
        :param at: when (default now).
        :raises AccessDenied: unless a relationship manager, operations manager
            or operations director.
        :raises ValidationError: for a bad definition.
        """
        require_role(actor, *TARGET_ROLES, action="set a satisfaction target")
        service_ = required_text(service, "service")
        customer_ = optional_text(customer, "customer")
        rules = level_rules(levels)
        now = self._now(at)
        with self._sources.runtime.transaction() as uow:
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

    @command
    def retire_target(
        self,
        actor: Actor,
        service: str,
        *,
        customer: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> SatisfactionTarget:
        """Retire the target of a service (and customer); it is no longer evaluated.

        :param at: when (default now).
        :raises NotFound: if there is no such target.
        """
        require_role(actor, *TARGET_ROLES, action="retire a satisfaction target")
        now = self._now(at)
        entity_id = target_id(
            required_text(service, "service"), optional_text(customer, "customer")
        )
        with self._sources.runtime.transaction() as uow:
            entity = uow.get(TARGET_SPEC, entity_id)
            if entity.retire(actor=actor, at=now):
                uow.save(TARGET_SPEC, entity)
        return entity

    @read
    def get(self, actor: Actor, service: str, *, customer: str | None = None) -> SatisfactionTarget:
        """Return the target of a service (and customer).

        :raises NotFound: if there is none.
        """
        require_role(actor, *READ_ROLES, action="read a satisfaction target")
        entity_id = target_id(
            required_text(service, "service"), optional_text(customer, "customer")
        )
        with self._sources.runtime.transaction() as uow:
            return uow.get(TARGET_SPEC, entity_id)

    @read
    def find(
        self, actor: Actor, *, service: Filter = None, include_retired: bool = False
    ) -> list[SatisfactionTarget]:
        """Return the targets, by service and customer."""
        require_role(actor, *READ_ROLES, action="read satisfaction targets")
        conditions = [filter_condition("service", service)]
        if not include_retired:
            conditions.append(Where("active", "eq", True))
        query = Query(tuple(c for c in conditions if c is not None), order_by=("service", "id"))
        with self._sources.runtime.transaction() as uow:
            return uow.find(TARGET_SPEC, query)

    @read
    def history(
        self, actor: Actor, service: str, *, customer: str | None = None
    ) -> list[DomainEvent]:
        """Return the events of the target of a service (and customer), oldest first.

        :raises NotFound: if there is none.
        """
        require_role(actor, *READ_ROLES, action="read a satisfaction target's history")
        entity_id = target_id(
            required_text(service, "service"), optional_text(customer, "customer")
        )
        with self._sources.runtime.storage.unit_of_work() as uow:
            uow.get(TARGET_SPEC, entity_id)
            return visible_to(actor, uow.history(TARGET_SPEC.kind, entity_id))

    def _now(self, at: datetime | None) -> datetime:
        return require_aware(at, "at") if at is not None else self._sources.runtime.clock.now()

    # ------------------------------------------------------------------ evaluation

    @command
    def evaluate(
        self,
        actor: Actor,
        period: str,
        *,
        service: Filter = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Evaluation:
        """Classify every service with a target, and every customer of it, for ``period``.

        The service overall is classified by the service's target; each
        customer by its own target, else the service's. A level different from
        the previous evaluation is a crossing: it is recorded as the event
        ``satisfaction_standing.level_crossed``, which the outbox relay
        delivers after the commit to ``itsm_on_event`` notifiers and to the
        ``itsm_satisfaction_level_crossed`` hook (at least once, with retries). A value below target
        raises one improvement item (source ``satisfaction``) per subject and
        period, owned by the target's improvement owner, in the same unit of
        work; ``core.improvements`` follows it up.

        Evaluating a period earlier than the last one evaluated classifies it
        but changes no standing.

        :param at: when (default now).

        :raises AccessDenied: unless the actor may evaluate.
        """
        require_role(actor, *EVALUATE_ROLES, action="evaluate satisfaction against targets")
        parse_period(period)
        now = self._now(at)
        results: list[SubjectResult] = []
        crossings: list[LevelCrossing] = []
        raised: list[ImprovementItem] = []
        with self._sources.runtime.transaction() as uow:
            targets = self._sources.targets(uow, service=service)
            if not targets:
                return Evaluation(period)
            services = tuple(sorted({t.service for t in targets}))
            query = self._sources.response_query((period,), services, None, None, None, None)
            rows = self._sources.aggregate_responses(
                uow, query, (Dimension.SERVICE, Dimension.CUSTOMER, Dimension.CHANNEL)
            )
            subjects = self._sources.subjects(targets, rows)
            stored = {
                s.id: s
                for s in uow.find(STANDING_SPEC, where(filter_condition("service", services)))
            }
            for subject in subjects:
                result = self._sources.classify(subject, period)
                results.append(result)
                if result.level is None:
                    continue
                standing = stored.get(standing_id(subject.service, subject.customer))
                if standing is None:
                    standing = SatisfactionStanding.new(subject.service, subject.customer)
                crossing, request = standing.evaluate(
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
                if request is not None:  # raised in this unit of work: both commit or neither
                    raised.append(self._improvements.raise_item(uow, actor, now, **request))
        return Evaluation(period, tuple(results), tuple(crossings), tuple(raised))

    @read
    def find_standings(
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
        with self._sources.runtime.transaction() as uow:
            return uow.find(STANDING_SPEC, query)
