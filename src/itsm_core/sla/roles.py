"""Who may do what with agreements and SLA clocks.

The service desk is told of every promise at risk and tracks every open
request daily; the people who handle a request keep its
clock; managers define agreements and may reset a clock. Reads are open to
the provider's staff: a clock names the handler, and agreements include the
provider's internal arrangements (OLAs, underpinning contracts), so the
customer learns of a breach through the breach chain's customer step, not
by reading clocks.
"""

from __future__ import annotations

from itsm_core.kernel.actors import STAFF_ROLES, Role
from itsm_core.kernel.events import may_see_confidential

__all__ = [
    "AGREEMENT_ROLES",
    "CLOCK_ROLES",
    "READ_ROLES",
    "RESET_ROLES",
    "TICK_ROLES",
    "may_see_confidential",
]

#: Who may start, pause, resume, stop a clock and change its target.
CLOCK_ROLES: tuple[Role, ...] = (
    Role.SERVICE_DESK,
    Role.COORDINATOR,
    Role.ENGINEER,
    Role.INCIDENT_HANDLER,
    Role.INCIDENT_MANAGER,
    Role.OPERATIONS_MANAGER,
    Role.PROJECT_MANAGER,
    Role.COMPLAINT_SPECIALIST,
    Role.RELATIONSHIP_MANAGER,
    Role.SERVICE_TEAM_LEAD,
    Role.SYSTEM,
)

#: Who may reset a clock or recalculate it (not the handler whose time it measures).
RESET_ROLES: tuple[Role, ...] = (
    Role.SERVICE_DESK,
    Role.INCIDENT_MANAGER,
    Role.OPERATIONS_MANAGER,
    Role.PROJECT_MANAGER,
    Role.SERVICE_TEAM_LEAD,
    Role.OPERATIONS_DIRECTOR,
    Role.SYSTEM,
)

#: Who may define agreements, their targets and service periods.
AGREEMENT_ROLES: tuple[Role, ...] = (
    Role.RELATIONSHIP_MANAGER,
    Role.PROJECT_MANAGER,
    Role.OPERATIONS_MANAGER,
    Role.OPERATIONS_DIRECTOR,
    Role.SERVICE_TEAM_LEAD,
    Role.SYSTEM,
)

#: Who may run the tick: the system (a scheduler) and the service desk, which
#: tracks every open request daily.
TICK_ROLES: tuple[Role, ...] = (Role.SYSTEM, Role.SERVICE_DESK)

#: Who may read clocks, agreements, targets, histories and statuses: every role
#: of the provider's staff and the system, not the customer.
READ_ROLES: tuple[Role, ...] = tuple(sorted(STAFF_ROLES))

