"""Who may read and act on complaints, and complaint ids derived from their trigger."""

from __future__ import annotations

import uuid

from itsm_core.complaints._fields import ComplaintFields
from itsm_core.complaints.enums import ComplaintSource
from itsm_core.complaints.lifecycle import command_roles
from itsm_core.complaints.values import text
from itsm_core.kernel.actors import STAFF_ROLES, Actor, Role
from itsm_core.kernel.errors import AccessDenied
from itsm_core.kernel.events import may_see_confidential
from itsm_core.kernel.text import check_text

__all__ = [
    "AREA_COMMANDS",
    "READERS",
    "RECEIVERS",
    "check_area",
    "complaint_id_for",
    "may_see_complainant",
]

RECEIVERS: frozenset[Role] = frozenset({Role.COMPLAINT_SPECIALIST, Role.SERVICE_DESK, Role.SYSTEM})
"""Who may record a complaint or praise: the specialist, the service desk, and
the library itself on a trigger (a "very dissatisfied" satisfaction response)."""

READERS: frozenset[Role] = STAFF_ROLES
"""Who may read complaints: the provider's staff and the system, not customers."""

AREA_COMMANDS: frozenset[str] = frozenset({"dispatch", "judge", "give_feedback", "callback"})
"""The commands a relationship manager gives only on the complaints of their own area
when :attr:`ComplaintPolicy.assigned_relationship_manager_only` is set."""

_NAMESPACE = uuid.UUID("5b0c7d8e-3f4a-5e2b-9c1d-6a7b8c9d0e1f")


def complaint_id_for(source: ComplaintSource | str, source_ref: str) -> str:
    """Return the complaint id derived from a trigger's ``(source, source_ref)``.

    The same pair always gives the same id, which makes receipt idempotent.

    :raises ValidationError: for an empty ``source_ref`` or one holding a NUL
        or a lone surrogate (see :mod:`itsm_core.kernel.text`).
    """
    code = ComplaintSource.parse(source, "source").value
    ref = check_text(text(source_ref, "source_ref"), "source_ref")
    return "cmp-" + uuid.uuid5(_NAMESPACE, f"{code}\x1f{ref}").hex


def may_see_complainant(actor: Actor) -> bool:
    """Return True if ``actor`` may see an internal complainant's identity (specialist only)."""
    return may_see_confidential(actor)


def check_area(own_area_only: bool, actor: Actor, entity: ComplaintFields, command: str) -> None:
    """Refuse a relationship manager acting outside their area, if the policy says so.

    :param own_area_only: :attr:`ComplaintPolicy.assigned_relationship_manager_only`.
    :raises AccessDenied: naming the complaint's relationship manager.
    """
    if not own_area_only or command not in AREA_COMMANDS:
        return
    if not actor.has(Role.RELATIONSHIP_MANAGER) or actor.has(Role.COMPLAINT_SPECIALIST):
        return
    assigned = entity.relationship_manager
    if assigned is None or assigned == actor.id:
        return
    others = sorted(r.value for r in command_roles(command) if r is not Role.RELATIONSHIP_MANAGER)
    raise AccessDenied(
        f"complaint: {command!r}: a relationship manager acts on the complaints of their "
        f"own area only (ComplaintPolicy.assigned_relationship_manager_only); "
        f"complaint {entity.id!r} is assigned to {assigned!r}, not to {actor.id!r}",
        required=others,
    )
