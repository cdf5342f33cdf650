"""The list of the library's areas: the aggregate kinds each one stores, and their services.

The facade opens the store with these specs, and the schema tool
(:mod:`itsm_core.schema`) builds the migrated tables from them. The storage
layer knows no area: it is always handed the specs.

The specs come from each area's storage module alone, and name their entity
classes by import path (a store opens with each kind's name and index fields
only), so opening a store loads neither the areas' entities nor their
services: a kind's class is loaded with its first record, and
:class:`AreaServices` loads and wires the services (hence the entities) on
the facade's first use of one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from itsm_core.communications.storage import COMMUNICATION_SPECS
from itsm_core.complaints.storage import COMPLAINT_SPEC, PRAISE_SPEC
from itsm_core.desk.storage import DESK_SPECS
from itsm_core.improvements.storage import IMPROVEMENT_SPEC
from itsm_core.reviews.analysis.storage import ANALYSIS_SPECS as REVIEW_ANALYSIS_SPECS
from itsm_core.reviews.storage import PLAN_SPEC, REVIEW_SPEC
from itsm_core.satisfaction.analysis.storage import ANALYSIS_SPECS
from itsm_core.satisfaction.storage import satisfaction_specs
from itsm_core.sla.storage import AGREEMENT_SPEC, CLOCK_SPEC
from itsm_core.storage.base import AggregateSpec

if TYPE_CHECKING:
    from itsm_core.calendars.calendar import BusinessCalendar
    from itsm_core.calendars.registry import CalendarRegistry
    from itsm_core.communications.service import CommunicationsService
    from itsm_core.complaints.policy import ComplaintPolicy
    from itsm_core.complaints.service import ComplaintService
    from itsm_core.desk.service import DeskService
    from itsm_core.improvements.service import ImprovementService
    from itsm_core.reviews.service import ReviewService
    from itsm_core.runtime import Runtime
    from itsm_core.satisfaction.analysis.weights import ChannelWeights
    from itsm_core.satisfaction.policy import SatisfactionPolicy
    from itsm_core.satisfaction.service import SatisfactionService
    from itsm_core.sla.service import SlaService

__all__ = ["AreaServices", "AreaSettings", "aggregate_specs"]


def aggregate_specs() -> list[AggregateSpec[Any]]:
    """Return the storage specs of every aggregate kind of the library."""
    specs: list[AggregateSpec[Any]] = [
        COMPLAINT_SPEC,
        PRAISE_SPEC,
        IMPROVEMENT_SPEC,
        CLOCK_SPEC,
        AGREEMENT_SPEC,
    ]
    specs.extend(satisfaction_specs())
    specs.extend(ANALYSIS_SPECS)
    specs.extend((REVIEW_SPEC, PLAN_SPEC))
    specs.extend(REVIEW_ANALYSIS_SPECS)
    specs.extend(DESK_SPECS)
    specs.extend(COMMUNICATION_SPECS)
    return specs


class AreaSettings(NamedTuple):
    """The provider's choices the areas' services are built with (checked by the facade)."""

    complaint_policy: ComplaintPolicy | None = None
    calendar: BusinessCalendar | None = None
    satisfaction_policy: SatisfactionPolicy | None = None
    satisfaction_weights: ChannelWeights | None = None


class AreaServices:
    """The services of every area, wired together on one runtime and one calendar registry.

    :param runtime: the clock, the store, the plug-ins and the relay they share.
    :param calendars: the calendars by name; the SLA clocks of every area run
        on them (the satisfaction area registers its callback calendar here).
    :param settings: the provider's choices.
    """

    def __init__(
        self, runtime: Runtime, calendars: CalendarRegistry, settings: AreaSettings
    ) -> None:
        from itsm_core.communications.service import CommunicationsService
        from itsm_core.complaints.service import ComplaintService
        from itsm_core.desk.service import DeskService
        from itsm_core.improvements.service import ImprovementService
        from itsm_core.reviews.service import ReviewService
        from itsm_core.satisfaction.service import SatisfactionService
        from itsm_core.sla.keeper import ClockKeeper
        from itsm_core.sla.service import SlaService

        self.runtime = runtime
        self.calendars = calendars
        clocks = ClockKeeper(calendars)  # the areas' clocks, in their units of work
        self.sla: SlaService = SlaService(runtime, clocks)
        self.improvements: ImprovementService = ImprovementService(runtime, sla=clocks)
        self.complaints: ComplaintService = ComplaintService(
            runtime, policy=settings.complaint_policy, sla=clocks, improvements=self.improvements
        )
        self.satisfaction: SatisfactionService = SatisfactionService(
            runtime,
            policy=settings.satisfaction_policy,
            calendar=settings.calendar,
            complaints=self.complaints,
            sla=clocks,
            weights=settings.satisfaction_weights,
            improvements=self.improvements.keeper,
        )
        self.reviews: ReviewService = ReviewService(
            runtime,
            sla=clocks,
            improvements=self.improvements.keeper,
            surveys=self.satisfaction.surveys,
            satisfaction=self.satisfaction,
        )
        self.desk: DeskService = DeskService(
            runtime,
            satisfaction=self.satisfaction,
            complaints=self.complaints,
            improvements=self.improvements,
        )
        self.communications: CommunicationsService = CommunicationsService(
            runtime, sla=clocks, improvements=self.improvements.keeper
        )
