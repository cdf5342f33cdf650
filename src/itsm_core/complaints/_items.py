"""A complaint follows its improvement item: met or decided, it is handled.

The complaint service registers :class:`ItemFollower` with the improvement
register for items of source ``complaint``. When ``core.improvements``
follows such an item up or decides it, the follower moves the complaint on
in the same unit of work — the complaint, its item and their clocks commit
together or not at all — and starts the callback clock once the complaint
is handled.
"""

from __future__ import annotations

from itsm_core.complaints.enums import ComplaintState
from itsm_core.complaints.lifecycle import transition
from itsm_core.complaints.model import ITEM_EVENTS
from itsm_core.complaints.promises import ComplaintPromises, Promise
from itsm_core.complaints.storage import COMPLAINT_SPEC
from itsm_core.improvements import ItemChange
from itsm_core.storage.base import UnitOfWork

__all__ = ["ItemFollower"]

_REASONS = {
    "meet": "improvement met",
    "extend": "improvement extended",
    "escalate": "improvement escalated",
    "decide": "decided by the general manager's office",
    "grant_period": "a new period granted by the general manager's office",
}


class ItemFollower:
    """Moves a complaint on with its improvement item.

    :param promises: the complaint's promises (the callback clock).
    """

    def __init__(self, promises: ComplaintPromises) -> None:
        self.promises = promises

    def __call__(self, uow: UnitOfWork, change: ItemChange) -> None:
        """Follow ``change`` of a complaint's item in ``uow``.

        :raises InvalidTransition: if the complaint's state does not allow it.
        :raises NotFound: if the complaint is not stored.
        """
        if change.event not in ITEM_EVENTS:
            return  # progress, submission: the complaint does not change
        complaint = uow.get(COMPLAINT_SPEC, change.item.source_ref)
        before = complaint.state
        row = transition(before, ITEM_EVENTS[change.event])
        handled = row is not None and row.dest is ComplaintState.HANDLED
        at = change.at
        callback = self.promises.callback(uow, complaint, at) if handled else Promise(at)
        complaint.follow_improvement(
            change.actor,
            at,
            item=change.item,
            event=change.event,
            callback_due_at=callback.due_at,
        )
        self.promises.settle(
            uow, change.actor, complaint, before, at, callback=callback,
            reason=_REASONS[change.event],
        )  # fmt: skip
        uow.save(COMPLAINT_SPEC, complaint)
