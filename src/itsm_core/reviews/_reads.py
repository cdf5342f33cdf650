"""The reads and reports of ``core.reviews``: reviews, plans, histories, seed records.

Who reads: the provider's staff read every review, plan and history. A
customer takes part through their key representative, so an actor with the
customer role may ``get`` a review — and its seed records — in which they
are invited as the customer's key representative (their actor id is that
participant's ``person``); finding reviews, plans and histories is for the
staff.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from itsm_core.kernel.actors import STAFF_ROLES, Actor, Role, require_role
from itsm_core.kernel.api import read, report
from itsm_core.kernel.errors import AccessDenied, NotFound, ValidationError
from itsm_core.kernel.events import DomainEvent, visible_to
from itsm_core.reviews._queries import review_query
from itsm_core.reviews.enums import ParticipantRole, ReviewForm, ReviewState
from itsm_core.reviews.model import ServiceReview
from itsm_core.reviews.plans import ReviewPlan
from itsm_core.reviews.records import ReviewRecord, ReviewRecordKind, build_record, build_records
from itsm_core.reviews.storage import PLAN_SPEC, REVIEW_SPEC
from itsm_core.reviews.values import text
from itsm_core.runtime import Runtime
from itsm_core.storage.base import Query, Where

__all__ = ["READERS", "ReviewReads"]

READERS: frozenset[Role] = STAFF_ROLES
"""Who finds and reads reviews, plans and histories: the provider's staff and the system."""


class ReviewReads:
    """The reads and reports of :class:`~itsm_core.reviews.ReviewService`."""

    runtime: Runtime

    def _load(self, actor: Actor, review_id: str, action: str) -> ServiceReview:
        require_role(actor, *sorted(READERS | {Role.CUSTOMER}), action=action)
        with self.runtime.storage.unit_of_work() as uow:
            review = uow.get(REVIEW_SPEC, text(review_id, "review_id"))
        if not actor.has(*READERS):
            invited = review.participant(actor.id)
            if invited is None or invited.role is not ParticipantRole.CUSTOMER_REPRESENTATIVE:
                raise AccessDenied(
                    f"{action}: a customer reads only the reviews they are invited to as the "
                    f"customer's key representative; actor {actor.id!r} is not invited so",
                    required=sorted(r.value for r in READERS),
                )
        return review

    @read
    def get(self, actor: Actor, review_id: str) -> ServiceReview:
        """Return one review.

        :raises AccessDenied: for an actor without a role, or a customer not
            invited to it as the key representative.
        :raises NotFound: if there is no such review.
        """
        return self._load(actor, review_id, "service review: read")

    @read
    def history(self, actor: Actor, review_id: str) -> list[DomainEvent]:
        """Return the review's events, oldest first (staff only).

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is no such review.
        """
        require_role(actor, *sorted(READERS), action="service review: read the history")
        key = text(review_id, "review_id")
        with self.runtime.storage.unit_of_work() as uow:
            events = uow.history(REVIEW_SPEC.kind, key)
        if not events:
            raise NotFound(REVIEW_SPEC.kind, key)
        return visible_to(actor, events)

    @read
    def find(
        self,
        actor: Actor,
        *,
        customer: str | None = None,
        state: ReviewState | str | Iterable[ReviewState | str] | None = None,
        plan_id: str | None = None,
        project_manager: str | None = None,
        form: ReviewForm | str | Iterable[ReviewForm | str] | None = None,
        is_open: bool | None = None,
        scheduled_from: datetime | None = None,
        scheduled_before: datetime | None = None,
        due_before: datetime | None = None,
        held_from: datetime | None = None,
        held_before: datetime | None = None,
        reported_from: datetime | None = None,
        reported_before: datetime | None = None,
        period_from: datetime | None = None,
        period_before: datetime | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[ServiceReview]:
        """Return the reviews matching every criterion given, by scheduled time (staff only).

        ``state`` and ``form`` take one code or several; ``*_from`` bounds are
        inclusive, ``*_before`` exclusive; ``period_from`` keeps the periods
        ending after it and ``period_before`` those starting before it (the
        reviews covering ``[period_from, period_before)``).
        ``state=["planned", "prepared"], due_before=now`` are the overdue reviews.

        :raises AccessDenied: for a customer or an actor without a role.
        :raises ValidationError: for an unknown criterion or code, a naive
            datetime, or a ``limit`` / ``offset`` that is not a non-negative int.
        """
        require_role(actor, *sorted(READERS), action="service review: find")
        query = review_query(
            customer=customer, state=state, plan_id=plan_id, project_manager=project_manager,
            form=form, is_open=is_open, scheduled_from=scheduled_from,
            scheduled_before=scheduled_before, due_before=due_before, held_from=held_from,
            held_before=held_before, reported_from=reported_from,
            reported_before=reported_before, period_from=period_from,
            period_before=period_before, limit=limit, offset=offset,
        )  # fmt: skip
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(REVIEW_SPEC, query)

    @read
    def get_plan(self, actor: Actor, plan_id: str) -> ReviewPlan:
        """Return one review plan (staff only).

        :raises NotFound: if there is no such plan.
        """
        require_role(actor, *sorted(READERS), action="review plan: read")
        with self.runtime.storage.unit_of_work() as uow:
            return uow.get(PLAN_SPEC, text(plan_id, "plan_id"))

    @read
    def find_plans(
        self, actor: Actor, *, customer: str | None = None, active: bool | None = None
    ) -> list[ReviewPlan]:
        """Return the review plans, of one customer and/or active or ended, oldest first.

        :raises ValidationError: for an ``active`` that is not a bool.
        """
        require_role(actor, *sorted(READERS), action="review plan: find")
        where: list[Where] = []
        if customer is not None:
            where.append(Where("customer", "eq", text(customer, "customer")))
        if active is not None:
            if not isinstance(active, bool):
                raise ValidationError(f"active must be a bool, got {active!r}", field="active")
            where.append(Where("state", "eq", "active" if active else "ended"))
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(PLAN_SPEC, Query(tuple(where), order_by=("created_at",)))

    @report
    def record(self, actor: Actor, review_id: str, kind: ReviewRecordKind | str) -> ReviewRecord:
        """Return one seed record of the review, rebuilt from its history (zh and en labels).

        :param kind: arrangement, participant_list, agenda, review_record,
            minutes, review_report or action_plan (:class:`ReviewRecordKind`).
        :raises AccessDenied: as :meth:`get`.
        :raises NotFound: if there is no such review.
        """
        which = ReviewRecordKind.parse(kind, "kind")
        return build_record(which, self._events(actor, review_id, "service review: read a record"))

    @report
    def records(self, actor: Actor, review_id: str) -> dict[ReviewRecordKind, ReviewRecord]:
        """Return all seven seed records of the review, rebuilt from its history."""
        return build_records(self._events(actor, review_id, "service review: read the records"))

    def _events(self, actor: Actor, review_id: str, action: str) -> list[DomainEvent]:
        review = self._load(actor, review_id, action)
        with self.runtime.storage.unit_of_work() as uow:
            events = uow.history(REVIEW_SPEC.kind, review.id)
        return visible_to(actor, events)
