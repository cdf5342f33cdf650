"""What the analysis reads of the stored service reviews (internal).

A pack by review id reads the review's customer and period; the trend
analysis reads the problems of the reviews reported in its window. Those are
few (a review per customer and month or quarter), so they are loaded: a
problem's text is in the record, not in an index field.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from itsm_core.reviews.analysis._trends import ReportedProblem
from itsm_core.reviews.storage import REVIEW_SPEC
from itsm_core.satisfaction.analysis.periods import period_of
from itsm_core.storage.base import Query, UnitOfWork, Where

__all__ = ["StoredReviews"]


class StoredReviews:
    """Reads the service reviews of the store (the default :class:`ReviewReader`)."""

    def window_of(
        self, uow: UnitOfWork, review_id: str
    ) -> tuple[str, datetime, datetime, tuple[str, ...]]:
        """The review's customer and period (a review covers all the customer's services).

        :raises NotFound: if there is no such review.
        """
        review = uow.get(REVIEW_SPEC, review_id)
        return review.customer, review.period_start, review.period_end, ()

    def problems(
        self, uow: UnitOfWork, start: datetime, end: datetime, customer: str | None, zone: tzinfo
    ) -> list[ReportedProblem]:
        """The problems of the reviews reported in ``[start, end)``, by report time."""
        where = [Where("reported_at", "ge", start), Where("reported_at", "lt", end)]
        if customer is not None:
            where.append(Where("customer", "eq", customer))
        reviews = uow.find(REVIEW_SPEC, Query(tuple(where), order_by=("reported_at",)))
        return [
            ReportedProblem(
                review_id=review.id,
                index=n,
                description=problem.description,
                customer=review.customer,
                service=problem.service,
                period=period_of(review.reported_at, zone),
            )
            for review in reviews
            if review.reported_at is not None
            for n, problem in enumerate(review.problems, start=1)
        ]
