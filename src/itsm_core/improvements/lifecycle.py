"""The improvement item's lifecycle as data, and who may fire each event.

The table follows the improvement steps of complaint handling (steps 7
and 8 of the complaint process), which every source of improvement requirements shares::

    proposed ─approve→ approved ─start→ in_progress
    proposed ─issue→ in_progress                 (issued at once: complaints, satisfaction)
    in_progress (report_progress ↺) ─submit→ verifying
    in_progress | verifying | extended ─meet→ done
    in_progress | verifying ─extend→ extended          (not met: extended once)
    extended (report_progress ↺) ─submit→ verifying
    extended | verifying ─escalate→ escalated          (not met again)
    (in_progress ─escalate→, extended ─extend→: for sources whose rules allow it)
    escalated ─decide→ decided                         (the office concludes it)
    escalated ─grant_period→ extended                  (the office grants a new period)
    any open state ─cancel→ cancelled                  (with a reason)

``done``, ``decided`` and ``cancelled`` are terminal. Whether a not-met
follow-up extends or escalates depends on the item's source and on how often
the period was already extended (``extensions``), not on the state alone
(:meth:`SourceRules.follow_up_event`): the period of a complaint's item is
extended once, and not met again it goes to the general manager's office
(complaint process, step 8); a satisfaction item may be extended again, or escalated at
once.

Who may fire an event depends on the item's source (:data:`RULES`): a
complaint's item is followed up by the complaint specialist, a satisfaction
item by the people who manage satisfaction; the general manager's office
decides every escalated item.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from itsm_core.improvements.enums import ImprovementSource, ImprovementState
from itsm_core.kernel.actors import Role
from itsm_core.kernel.lifecycle import Lifecycle

__all__ = [
    "LIFECYCLE",
    "OPEN_STATES",
    "RECORDED",
    "RULES",
    "TRANSITIONS",
    "SourceRules",
]

S = ImprovementState

Row = tuple[str, ImprovementState | tuple[ImprovementState, ...], ImprovementState]

TRANSITIONS: tuple[Row, ...] = (
    ("issue", S.PROPOSED, S.IN_PROGRESS),
    ("approve", S.PROPOSED, S.APPROVED),
    ("start", S.APPROVED, S.IN_PROGRESS),
    ("report_progress", S.IN_PROGRESS, S.IN_PROGRESS),
    ("report_progress", S.EXTENDED, S.EXTENDED),
    ("submit", (S.IN_PROGRESS, S.EXTENDED), S.VERIFYING),
    ("meet", (S.IN_PROGRESS, S.VERIFYING, S.EXTENDED), S.DONE),
    ("extend", (S.IN_PROGRESS, S.VERIFYING, S.EXTENDED), S.EXTENDED),
    ("escalate", (S.IN_PROGRESS, S.VERIFYING, S.EXTENDED), S.ESCALATED),
    ("decide", S.ESCALATED, S.DECIDED),
    ("grant_period", S.ESCALATED, S.EXTENDED),
    (
        "cancel",
        (S.PROPOSED, S.APPROVED, S.IN_PROGRESS, S.VERIFYING, S.EXTENDED, S.ESCALATED),
        S.CANCELLED,
    ),
)
"""Every transition: ``(event, source state or states, destination)``."""

LIFECYCLE: Lifecycle[ImprovementState] = Lifecycle(
    "improvement item", ImprovementState, ImprovementState.PROPOSED, TRANSITIONS
)
"""The one shared state machine of improvement items."""

RECORDED: Mapping[str, str] = {
    "issue": "issued",
    "approve": "approved",
    "start": "started",
    "report_progress": "progress_reported",
    "submit": "submitted",
    "meet": "met",
    "extend": "extended",
    "escalate": "escalated",
    "decide": "decided",
    "grant_period": "period_granted",
    "cancel": "cancelled",
}
"""Lifecycle event → the recorded event's name after ``improvement_item.``."""

OPEN_STATES: frozenset[ImprovementState] = frozenset({S.IN_PROGRESS, S.VERIFYING, S.EXTENDED})
"""The states of an item its owner works on (an escalated item is with the general
manager's office; its period's clock still runs until the decision)."""


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


@attrs.frozen
class SourceRules:
    """Who may do what on the items of one source.

    :param propose: who proposes (or issues) an item.
    :param approve: who approves a proposed item.
    :param progress: who reports progress, submits for verification and starts
        an approved item.
    :param follow_up: who follows an item up against its indicators.
    :param decide: who decides an escalated item.
    :param cancel: who cancels an item (empty: items of this source are
        concluded by follow-up or decision, never cancelled).
    :param owner_only: progress, submission and start are for the owner named
        in the item alone.
    :param raised_by_area: items of this source are raised by their area
        (``core.complaints.require_improvement``, a satisfaction evaluation),
        never proposed through ``core.improvements``.
    :param max_extensions: how many times a follow-up may extend the period
        (None: no limit); not met once they are used, the item is escalated.
    :param escalate_unextended: a follow-up not met that gives no new period
        escalates the item at once (else it must give the extended period).
    """

    propose: frozenset[Role]
    approve: frozenset[Role]
    progress: frozenset[Role]
    follow_up: frozenset[Role]
    decide: frozenset[Role]
    cancel: frozenset[Role]
    owner_only: bool = True
    raised_by_area: bool = False
    max_extensions: int | None = 1
    escalate_unextended: bool = False

    def follow_up_event(self, met: bool, extensions: int, extending: bool) -> str:
        """The event a follow-up fires: ``meet``, ``extend`` or ``escalate``.

        :param met: whether the improvement was met.
        :param extensions: how many times the period was extended so far.
        :param extending: whether the follow-up gives a new period.
        """
        if met:
            return "meet"
        if self.max_extensions is not None and extensions >= self.max_extensions:
            return "escalate"
        if extending or not self.escalate_unextended:
            return "extend"
        return "escalate"

    def roles(self, command: str) -> frozenset[Role]:
        """The roles for a command of :class:`~itsm_core.improvements.ImprovementService`."""
        if command in ("start", "report_progress", "submit"):
            return self.progress
        return frozenset(getattr(self, command))


GM_OFFICE = _roles(Role.GENERAL_MANAGER_OFFICE)
_SATISFACTION_FOLLOW_UP = _roles(
    Role.QUALITY_SPECIALIST,
    Role.RELATIONSHIP_MANAGER,
    Role.OPERATIONS_MANAGER,
    Role.OPERATIONS_DIRECTOR,
)
_MANAGERS = _roles(
    Role.PROJECT_MANAGER,
    Role.OPERATIONS_MANAGER,
    Role.OPERATIONS_DIRECTOR,
    Role.QUALITY_SPECIALIST,
    Role.RELATIONSHIP_MANAGER,
)
_GENERAL = SourceRules(
    propose=_MANAGERS,
    approve=_roles(Role.OPERATIONS_DIRECTOR, Role.GENERAL_MANAGER_OFFICE),
    progress=_roles(Role.IMPROVEMENT_OWNER),
    follow_up=_MANAGERS,
    decide=GM_OFFICE,
    cancel=_roles(Role.OPERATIONS_DIRECTOR, Role.GENERAL_MANAGER_OFFICE, Role.PROJECT_MANAGER),
)

RULES: Mapping[ImprovementSource, SourceRules] = {
    # complaint process, steps 7-8: the specialist issues and tracks; the owner carries it out
    ImprovementSource.COMPLAINT: SourceRules(
        propose=_roles(Role.COMPLAINT_SPECIALIST),
        approve=frozenset(),
        progress=_roles(Role.IMPROVEMENT_OWNER),
        follow_up=_roles(Role.COMPLAINT_SPECIALIST),
        decide=GM_OFFICE,
        cancel=frozenset(),
        raised_by_area=True,
    ),
    # the roles satisfaction analysis gave its items (satisfaction management)
    ImprovementSource.SATISFACTION: SourceRules(
        propose=_roles(*_SATISFACTION_FOLLOW_UP, Role.SYSTEM),
        approve=frozenset(),
        progress=_roles(Role.IMPROVEMENT_OWNER, *_SATISFACTION_FOLLOW_UP),
        follow_up=_SATISFACTION_FOLLOW_UP,
        decide=GM_OFFICE,
        cancel=_roles(Role.OPERATIONS_DIRECTOR, Role.GENERAL_MANAGER_OFFICE),
        owner_only=False,
        raised_by_area=True,
        max_extensions=None,
        escalate_unextended=True,
    ),
    ImprovementSource.SERVICE_REVIEW: _GENERAL,
    ImprovementSource.TREND_ANALYSIS: _GENERAL,
    ImprovementSource.RELATIONSHIP_ANALYSIS: _GENERAL,
}
"""Who may do what, by the item's source."""
