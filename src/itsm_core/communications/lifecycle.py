"""The lifecycles of customer notices and proactive feedback, as data, and who may act.

A customer notice (a change notice or a planned-outage announcement)::

    draft ─issue→ issued ─close→ closed
    issued ─record_call→ issued        (a phone call, reached or not)
    issued ─acknowledge→ issued        (a written acknowledgement)
    draft | issued ─cancel→ cancelled  (with a reason)

The proactive feedback of one request::

    active ─update→ active   (a progress update given; the next one is due)
    active ─close→ closed    (the request closed: no more updates)
    active ─request_closed→ closed   (the same, seen by the sweep on the service record)

``closed`` and ``cancelled`` are terminal. The service desk keeps customers
informed: it writes, sends, calls and records; the relationship manager and
the operations manager may do the same.
"""

from __future__ import annotations

from collections.abc import Mapping

from itsm_core.communications.enums import FeedbackState, NoticeState
from itsm_core.kernel.actors import STAFF_ROLES, Role
from itsm_core.kernel.lifecycle import Lifecycle

__all__ = [
    "FEEDBACK_LIFECYCLE",
    "FEEDBACK_ROLES",
    "FEEDBACK_TRANSITIONS",
    "NOTICE_LIFECYCLE",
    "NOTICE_ROLES",
    "NOTICE_TRANSITIONS",
    "READERS",
]

N = NoticeState

NOTICE_TRANSITIONS: tuple[tuple[str, NoticeState | tuple[NoticeState, ...], NoticeState], ...] = (
    ("issue", N.DRAFT, N.ISSUED),
    ("record_call", N.ISSUED, N.ISSUED),
    ("acknowledge", N.ISSUED, N.ISSUED),
    ("close", N.ISSUED, N.CLOSED),
    ("cancel", (N.DRAFT, N.ISSUED), N.CANCELLED),
)
"""Every transition of a notice: ``(event, source state or states, destination)``."""

NOTICE_LIFECYCLE: Lifecycle[NoticeState] = Lifecycle(
    "customer notice", NoticeState, NoticeState.DRAFT, NOTICE_TRANSITIONS
)
"""The state machine of customer notices."""

FEEDBACK_TRANSITIONS: tuple[tuple[str, FeedbackState, FeedbackState], ...] = (
    ("update", FeedbackState.ACTIVE, FeedbackState.ACTIVE),
    ("close", FeedbackState.ACTIVE, FeedbackState.CLOSED),
    ("request_closed", FeedbackState.ACTIVE, FeedbackState.CLOSED),
)
"""Every transition of a request's proactive feedback."""

FEEDBACK_LIFECYCLE: Lifecycle[FeedbackState] = Lifecycle(
    "proactive feedback", FeedbackState, FeedbackState.ACTIVE, FEEDBACK_TRANSITIONS
)
"""The state machine of proactive feedback."""

_DESK = frozenset({Role.SERVICE_DESK, Role.RELATIONSHIP_MANAGER, Role.OPERATIONS_MANAGER})

NOTICE_ROLES: Mapping[str, frozenset[Role]] = {
    "announce": _DESK,
    "issue": _DESK,
    "record_call": _DESK | {Role.COORDINATOR},
    "acknowledge": _DESK | {Role.COORDINATOR},
    "close": _DESK,
    "cancel": _DESK,
}
"""Who may give each notice command (the service desk tells the customers)."""

FEEDBACK_ROLES: Mapping[str, frozenset[Role]] = {
    "start": _DESK | {Role.INCIDENT_MANAGER, Role.SYSTEM},
    "update": _DESK | {Role.INCIDENT_MANAGER, Role.ENGINEER, Role.COORDINATOR},
    "close": _DESK | {Role.INCIDENT_MANAGER, Role.SYSTEM},
    "close_for_closed_requests": _DESK | {Role.INCIDENT_MANAGER, Role.SYSTEM},
}
"""Who may start, give and close proactive feedback."""

READERS: frozenset[Role] = STAFF_ROLES
"""Who reads notices, feedback and their histories: the provider's staff, never a
customer (a notice lists every customer it went to)."""
