"""Who acts: every command names an :class:`Actor` with an id and roles."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from itsm_core.kernel.errors import AccessDenied, ValidationError
from itsm_core.kernel.labels import Labelled

__all__ = ["STAFF_ROLES", "SYSTEM", "Actor", "Role", "require_role"]


class Role(Labelled):
    """The roles of business relationship management, as its processes name them."""

    COMPLAINT_SPECIALIST = "complaint_specialist", "投诉专员", "complaint specialist"
    INCIDENT_HANDLER = "incident_handler", "事件处理人", "incident handler"
    IMPROVEMENT_OWNER = "improvement_owner", "改进负责人", "improvement owner"
    RELATIONSHIP_MANAGER = "relationship_manager", "用户关系经理", "relationship manager"
    PROJECT_MANAGER = "project_manager", "项目经理", "project manager"
    COORDINATOR = "coordinator", "协调员", "coordinator"
    OPERATIONS_MANAGER = "operations_manager", "运维经理", "operations manager"
    INCIDENT_MANAGER = "incident_manager", "事件经理", "incident manager"
    OPERATIONS_DIRECTOR = "operations_director", "运营总监", "operations director"
    QUALITY_SPECIALIST = "quality_specialist", "质控专员", "quality specialist"
    ENGINEER = "engineer", "工程师", "engineer"
    SERVICE_DESK = "service_desk", "服务台", "service desk"
    SERVICE_TEAM_LEAD = "service_team_lead", "服务团队负责人", "service team lead"
    GENERAL_MANAGER_OFFICE = "general_manager_office", "总经理室", "general manager's office"
    BUSINESS_UNIT = "business_unit", "业务部门", "business unit"
    CUSTOMER = "customer", "客户", "customer"
    SYSTEM = "system", "系统", "system"


STAFF_ROLES: frozenset[Role] = frozenset(r for r in Role if r is not Role.CUSTOMER)
"""Every role of the provider's staff (and the system): all but the customer.

Reads of stored records, histories included, are for these roles."""


def _roles(value: Iterable[Role | str]) -> frozenset[Role]:
    if isinstance(value, str):
        value = [value]
    return frozenset(Role.parse(v, "roles") for v in value)


def _non_empty(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{attribute.name} must be a non-empty string", field=attribute.name)


@attrs.frozen
class Actor:
    """A person (or the system) acting in a command.

    :param id: a stable identifier from the application's user directory.
    :param roles: the roles this person holds (codes or :class:`Role` members).
    :param name: a display name (optional).
    """

    id: str = attrs.field(validator=_non_empty)
    roles: frozenset[Role] = attrs.field(converter=_roles, factory=frozenset)
    name: str = ""

    def has(self, *roles: Role) -> bool:
        """Return True if the actor holds any of ``roles``."""
        return not self.roles.isdisjoint(roles)


SYSTEM = Actor("system", [Role.SYSTEM], "itsm_core")
"""The library itself, acting on a trigger (a breach, a low score...)."""


def require_role(actor: object, *roles: Role, action: str) -> Actor:
    """Return ``actor`` if it holds any of ``roles``; otherwise raise :class:`AccessDenied`.

    :param actor: the acting :class:`Actor`.
    :param roles: the roles any one of which allows the action.
    :param action: what was attempted, for the message.
    """
    if not isinstance(actor, Actor):
        raise ValidationError(
            f"{action}: actor must be an itsm_core.Actor, got {type(actor).__name__}",
            field="actor",
        )
    if not actor.has(*roles):
        names = ", ".join(f"{r.value} ({r.zh})" for r in roles)
        held = ", ".join(sorted(r.value for r in actor.roles)) or "none"
        raise AccessDenied(
            f"{action} needs one of the roles: {names}; actor {actor.id!r} holds: {held}",
            required=[r.value for r in roles],
        )
    return actor
