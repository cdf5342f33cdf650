"""An independent model of an improvement item raised by a service review, for the stateful test.

Written from the domain's text (DOMAIN §1, §2 steps 7–8, §4) and the design
record's lifecycle of the register, not from ``itsm_core.improvements.lifecycle``
or the service's command table: no table, role set or helper of the library is
imported. States are plain strings (the library's state codes, compared by
value). The model answers one question: given an item's state, whether its
period was extended already and whether its period has run out, what does a
command by an actor do — move it to a new state, or be refused with which error.

The item (服务改进要求): a review's report plans actions (§4 step 3); each is an
item with quality indicators, an owner and a period on an SLA clock. It is
proposed, approved by management, and started by its owner, who reports
progress and submits the work. At the end of the period it is followed up
against its indicators (§2 step 8, which every source shares): met → done; not
met → the period is extended once (a new period is given); not met again →
escalated to the general manager's office, which decides — concluding it, or
granting a new period. An open item may be cancelled with a reason.

The order of refusals: an actor without a role that may give the command is
refused access; so is anyone but the owner named in the item for the owner's
work; then a command that does not apply in the state is an invalid transition
(as is starting an item whose period has already run out); then a follow-up
whose new period does not fit the one-extension rule is a validation error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from itsm_core import AccessDenied, Actor, InvalidTransition, Role, ValidationError

__all__ = ["COMMANDS", "COMMAND_ROLES", "OWNER_COMMANDS", "Item", "apply", "expected", "next_state"]

# §1 and §4: who plans, approves, carries out, follows up and decides a review's actions
OWNER = Role.IMPROVEMENT_OWNER  # carries the requirements out, on time, to the indicators
GM = Role.GENERAL_MANAGER_OFFICE  # decides what is escalated to it
DIRECTOR = Role.OPERATIONS_DIRECTOR  # attends reviews as needed; management above the project
PM = Role.PROJECT_MANAGER  # holds the review and writes the plan of actions
MANAGERS = frozenset(
    {
        PM,
        Role.OPERATIONS_MANAGER,  # the review's relationship representative
        DIRECTOR,
        Role.QUALITY_SPECIALIST,  # quality control: checks against the indicators
        Role.RELATIONSHIP_MANAGER,  # verifies results with the customer
    }
)

COMMAND_ROLES: dict[str, frozenset[Role]] = {
    "approve": frozenset({DIRECTOR, GM}),  # the plan is approved above the project
    "start": frozenset({OWNER}),  # the owner carries it out ...
    "report_progress": frozenset({OWNER}),
    "submit": frozenset({OWNER}),
    "follow_up": MANAGERS,  # §2 step 8: followed up against the indicators
    "decide": frozenset({GM}),  # §2 step 8: the office decides
    "cancel": frozenset({PM, DIRECTOR, GM}),  # who planned it, and management above
}
"""The roles that may give each command on a service review's item."""

OWNER_COMMANDS = frozenset({"start", "report_progress", "submit"})
"""The owner's work: only the owner named in the item may do it."""

COMMANDS = tuple(sorted(COMMAND_ROLES))

OPEN = frozenset({"proposed", "approved", "in_progress", "verifying", "extended", "escalated"})
_WORKING = frozenset({"in_progress", "extended"})  # the owner works on it
_FOLLOWED_UP = frozenset({"in_progress", "verifying", "extended"})  # the period can end here


@attrs.define
class Item:
    """What the model knows of one item."""

    owner: str
    due_at: datetime
    state: str = "proposed"
    extended: bool = False  # the one extension of a follow-up was used
    version: int = 1  # the commands that succeeded, plus one (the item's stored version)


def next_state(i: Item, command: str, kw: dict[str, Any]) -> str | None:
    """The state ``command`` leads to from ``i.state`` (None: the process has no such step)."""
    s = i.state
    if command == "approve":
        return "approved" if s == "proposed" else None
    if command == "start":
        return "in_progress" if s == "approved" else None
    if command == "report_progress":
        return s if s in _WORKING else None
    if command == "submit":
        return "verifying" if s in _WORKING else None
    if command == "follow_up":
        if s not in _FOLLOWED_UP:
            return None
        if kw["met"]:
            return "done"
        return "escalated" if i.extended else "extended"  # extended once, then escalated
    if command == "decide":
        if s != "escalated":
            return None
        return "extended" if "new_period" in kw else "decided"
    if command == "cancel":
        return "cancelled" if s in OPEN else None
    raise AssertionError(f"the model has no command {command!r}")


def expected(i: Item, actor: Actor, command: str, kw: dict[str, Any], now: datetime) -> Any:
    """The state the command leads to, or the class of error that refuses it."""
    if actor.roles.isdisjoint(COMMAND_ROLES[command]):
        return AccessDenied
    if command in OWNER_COMMANDS and actor.id != i.owner:
        return AccessDenied
    dest = next_state(i, command, kw)
    if dest is None:
        return InvalidTransition
    if command == "start" and i.due_at <= now:
        return InvalidTransition  # a period that has run out is not started
    if command == "follow_up" and (dest == "extended") != ("new_period" in kw):
        return ValidationError  # a new period exactly when the period is extended
    return dest


def apply(i: Item, command: str, dest: str, due_at: datetime) -> None:
    """Record a command's success in the model (``due_at``: the item's new due instant)."""
    if command == "follow_up" and dest == "extended":
        i.extended = True
    i.state, i.due_at = dest, due_at
