"""The knowledge flag's lifecycle as data, and who may give each command.

::

    raised ─accept→ accepted
    raised ─reject→ rejected       (with a reason)

A flag is raised by the service desk (or a coordinator, who makes the
callbacks) and routed to one person: an article's author, or the last
handler of a representative request. That person alone accepts or rejects
it (:func:`~itsm_core.desk.model.KnowledgeFlag.check_addressee`);
``accepted`` and ``rejected`` are terminal.
"""

from __future__ import annotations

from itsm_core.desk.enums import FlagState
from itsm_core.kernel.actors import Role
from itsm_core.kernel.lifecycle import Lifecycle

__all__ = ["CONTACT_ROLES", "FLAG_ROLES", "LIFECYCLE", "PROGRESS_ROLES", "TRANSITIONS"]

S = FlagState

TRANSITIONS: tuple[tuple[str, FlagState, FlagState], ...] = (
    ("accept", S.RAISED, S.ACCEPTED),
    ("reject", S.RAISED, S.REJECTED),
)
"""Every transition: ``(event, source state, destination)``."""

LIFECYCLE: Lifecycle[FlagState] = Lifecycle("knowledge flag", FlagState, S.RAISED, TRANSITIONS)
"""The one shared state machine of knowledge flags."""

FLAG_ROLES: tuple[Role, ...] = (Role.SERVICE_DESK, Role.COORDINATOR)
"""Who raises knowledge flags: the desk, in its callbacks and when it uses the knowledge base."""

PROGRESS_ROLES: tuple[Role, ...] = (Role.SERVICE_DESK, Role.COORDINATOR)
"""Who records the daily chase of an open request."""

CONTACT_ROLES: tuple[Role, ...] = (
    Role.SERVICE_DESK,
    Role.COORDINATOR,
    Role.RELATIONSHIP_MANAGER,
    Role.SYSTEM,
)
"""Who keeps customers' contacts (the desk while talking to the customer; an import)."""
