"""How service reviews and review plans are stored: the records and the index fields.

The records are derived from the entities' attrs fields (see
:meth:`~itsm_core.storage.AggregateSpec.of`) and round-trip exactly. The
index fields are what the reviews' queries (and the review analysis) use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from itsm_core.storage.base import AggregateSpec, IndexField

if TYPE_CHECKING:
    from itsm_core.reviews.model import ServiceReview
    from itsm_core.reviews.plans import ReviewPlan

__all__ = ["PLAN_SPEC", "REVIEW_SPEC"]


REVIEW_SPEC: AggregateSpec[ServiceReview] = AggregateSpec.of(
    "itsm_core.reviews.model:ServiceReview",
    kind="service_review",
    record_version=1,
    index=(
        IndexField("state", "str", lambda r: r.state.value),
        IndexField("customer", "str", lambda r: r.customer),
        IndexField("plan_id", "str", lambda r: r.plan_id),
        IndexField("project_manager", "str", lambda r: r.project_manager),
        IndexField("form", "str", lambda r: r.form.value),
        IndexField("open", "bool", lambda r: r.is_open),
        IndexField("scheduled_at", "datetime", lambda r: r.scheduled_at),
        IndexField("due_at", "datetime", lambda r: r.due_at),
        IndexField("period_start", "datetime", lambda r: r.period_start),
        IndexField("period_end", "datetime", lambda r: r.period_end),
        IndexField("held_at", "datetime", lambda r: r.held_at),
        IndexField("reported_at", "datetime", lambda r: r.reported_at),
        IndexField("problem_count", "int", lambda r: len(r.problems)),
        IndexField("action_count", "int", lambda r: len(r.actions)),
    ),
)
"""The storage spec of service reviews (kind ``"service_review"``)."""

PLAN_SPEC: AggregateSpec[ReviewPlan] = AggregateSpec.of(
    "itsm_core.reviews.plans:ReviewPlan",
    kind="review_plan",
    record_version=1,
    index=(
        IndexField("state", "str", lambda p: p.state.value),
        IndexField("customer", "str", lambda p: p.customer),
        IndexField("cadence", "str", lambda p: p.cadence.value),
        IndexField("project_manager", "str", lambda p: p.project_manager),
        IndexField("created_at", "datetime", lambda p: p.created_at),
    ),
)
"""The storage spec of review plans (kind ``"review_plan"``)."""
