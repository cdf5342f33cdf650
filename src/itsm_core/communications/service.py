"""Customer communications, as ``core.communications``: notices and proactive feedback.

The service is composed of two sub-services that share the runtime and the
SLA clocks:

* ``notices`` (:class:`~itsm_core.communications.notices.NoticeService`):
  change notices and planned-outage announcements, their recipients, calls
  and acknowledgements;
* ``feedback`` (:class:`~itsm_core.communications.proactive.FeedbackService`):
  progress updates due at an agreed interval for key customers, important
  requests and urgent incidents;
* ``relationships`` (:class:`~itsm_core.communications.relationships.RelationshipService`):
  customer relationship analyses, whose proposals become improvement items.
"""

from __future__ import annotations

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.communications._base import Shared
from itsm_core.communications._clocks import Clocks
from itsm_core.communications.notices import NoticeService
from itsm_core.communications.proactive import FeedbackService
from itsm_core.communications.relationships import RelationshipService
from itsm_core.improvements._register import ImprovementRegister
from itsm_core.runtime import Runtime
from itsm_core.sla.keeper import ClockKeeper

__all__ = ["CommunicationsService"]


class CommunicationsService:
    """Customer communications: ``core.communications``.

    Built by :class:`~itsm_core.ItsmCore`.

    :param runtime: the facade's runtime (clock, store, plug-ins).
    :param sla: the SLA clock keeper the calls and updates are due on (None: no clocks).
    :param improvements: the improvement register proposals are raised in
        (the facade passes ``core.improvements.keeper``).
    :param calendar: without an SLA service, the calendar due instants are counted on.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        sla: ClockKeeper | None = None,
        improvements: ImprovementRegister | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> None:
        shared = Shared(runtime, Clocks(sla, calendar))
        self.notices = NoticeService(shared)
        """Change notices and planned-outage announcements."""
        self.feedback = FeedbackService(shared)
        """Proactive feedback: progress updates due at an agreed interval."""
        self.relationships = RelationshipService(shared, improvements or ImprovementRegister(sla))
        """Customer relationship analyses: recurring requests, causes, proposals."""
