"""A complaint raises its improvement item, and follows it: met or decided, it is handled.

The complaint service registers :class:`ItemFollower` with the improvement
register for items of source ``complaint``. When ``core.improvements``
follows such an item up or decides it, the follower moves the complaint on
in the same unit of work — the complaint, its item and their clocks commit
together or not at all — and starts the callback clock once the complaint
is handled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from itsm_core.complaints.enums import ComplaintState
from itsm_core.complaints.lifecycle import authorise, check, transition
from itsm_core.complaints.model import ITEM_EVENTS, Complaint, text
from itsm_core.complaints.promises import ComplaintPromises, Promise
from itsm_core.complaints.storage import COMPLAINT_SPEC
from itsm_core.improvements import ImprovementRegister, ImprovementSource, ItemChange
from itsm_core.kernel.actors import Actor
from itsm_core.storage.base import UnitOfWork

__all__ = ["ItemFollower", "Requirement"]

_REASONS = {
    "meet": "improvement met",
    "extend": "improvement extended",
    "escalate": "improvement escalated",
    "decide": "decided by the general manager's office",
    "grant_period": "a new period granted by the general manager's office",
}


@attrs.frozen
class Requirement:
    """The improvement requirement a specialist issues (the arguments of
    :meth:`~itsm_core.complaints.ComplaintService.require_improvement`)."""

    cause: str
    description: str
    quality_indicators: object
    owner: str
    period: timedelta | None
    due_at: datetime | None
    business_unit: str | None


class ItemFollower:
    """Raises a complaint's improvement item, and moves the complaint on with it.

    :param promises: the complaint's promises (the improvement period, the callback clock).
    :param register: the improvement register.
    """

    def __init__(self, promises: ComplaintPromises, register: ImprovementRegister) -> None:
        self.promises = promises
        self.register = register

    def require(
        self, uow: UnitOfWork, actor: Actor, complaint: Complaint, at: datetime, req: Requirement
    ) -> None:
        """Raise the complaint's improvement item in ``uow`` and record the requirement.

        :raises AccessDenied: unless the actor may require it.
        :raises InvalidTransition: unless the complaint is resolved.
        :raises ValidationError: for a missing or malformed field.
        """
        authorise(check(complaint, "require_improvement"), complaint, actor)
        cause = text(req.cause, "cause")
        promise = self.promises.improvement(uow, complaint, at, req.period, req.due_at)
        item = self.register.raise_item(
            uow,
            actor,
            at,
            source_kind=ImprovementSource.COMPLAINT,
            source_ref=complaint.id,
            description=req.description,
            quality_indicators=req.quality_indicators,
            owner=req.owner,
            due_at=promise.due_at,
            promise=promise,
            business_unit=req.business_unit,
            cause=cause,
            customer=complaint.customer,
        )
        complaint.require_improvement(actor, at, item=item)

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
