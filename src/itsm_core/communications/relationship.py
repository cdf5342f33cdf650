"""The customer relationship analysis: recurring requests, their causes, what to propose.

The service desk and the relationship manager meet regularly to analyse the
relationship with each customer (客户关系分析会): from the reports, which
incidents and requests keep coming back, why, and how the provider could
improve its service or which value-added service would help the customer.

A :class:`RelationshipAnalysis` is one such analysis of one customer and
period, stored as an aggregate (kind ``relationship_analysis``):

* :attr:`~RelationshipAnalysis.recurring`: the services on which the customer
  opened at least ``min_records`` service records in the period
  (:class:`Recurrence`: how many, how many were reopened, which);
* :attr:`~RelationshipAnalysis.causes`: the findings about this customer of
  the trend analysis it draws on (``core.reviews.analysis.analyse``), as the
  causes the analysis starts from;
* :attr:`~RelationshipAnalysis.proposals`: each improvement or value-added
  service proposed (:class:`Proposal`), recorded as a proposed improvement
  item (source ``relationship_analysis``) in the same unit of work.

Like the trend analysis it has no lifecycle: every change is one event
(``relationship_analysis.run``, ``relationship_analysis.proposed``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

import attrs

from itsm_core.communications.enums import ProposalKind
from itsm_core.communications.values import text
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate, require_forward
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError

__all__ = ["Cause", "Proposal", "Recurrence", "RelationshipAnalysis"]


def _kind(value: object) -> ProposalKind:
    return ProposalKind.parse(value, "kind")


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class Recurrence:
    """A service on which the customer's requests recur in the period.

    :param service: the service.
    :param count: how many service records the customer opened on it.
    :param reopened: how many of them were reopened or sent back.
    :param record_ids: the records (the first twenty, oldest first).
    """

    service: str
    count: int
    reopened: int
    record_ids: tuple[str, ...] = attrs.field(default=(), converter=_strings)

    @property
    def key(self) -> str:
        """The stable key a proposal names: ``service:<service>``."""
        return f"service:{self.service}"


@attrs.frozen
class Cause:
    """A finding of the trend analysis about the customer, as a cause to look at.

    :param key: the finding's key in the trend analysis (e.g. ``party:network-team``).
    :param description: what was found.
    :param service: the service it concerns, if one.
    """

    key: str
    description: str
    service: str | None = None


@attrs.frozen
class Proposal:
    """An improvement or value-added service proposed, and the item that records it.

    :param subject: the recurrence or cause it answers (its key).
    :param kind: a service improvement or a value-added service.
    :param description: what is proposed.
    :param item_id: the proposed improvement item.
    :param proposed_by: who proposed it.
    :param proposed_at: when.
    """

    subject: str
    kind: ProposalKind = attrs.field(converter=_kind)
    description: str
    item_id: str
    proposed_by: str
    proposed_at: datetime


def _recurring(value: Iterable[Recurrence]) -> tuple[Recurrence, ...]:
    return tuple(value)


def _causes(value: Iterable[Cause]) -> tuple[Cause, ...]:
    return tuple(value)


def _proposals(value: Iterable[Proposal]) -> tuple[Proposal, ...]:
    return tuple(value)


@attrs.define(eq=False, kw_only=True)
class RelationshipAnalysis(Aggregate):
    """One customer relationship analysis of a customer and period.

    :param customer: the customer analysed.
    :param period_start: the start of the period (inclusive).
    :param period_end: its end (exclusive).
    :param min_records: from how many records on a service requests count as recurring.
    :param trend_analysis_id: the trend analysis whose findings are the causes, if any.
    :param recurring: the recurring requests, most first.
    :param causes: the trend analysis' findings about the customer.
    :param proposals: what was proposed, oldest first.
    :param run_by: who ran it.
    :param run_at: when.
    :param updated_at: the latest change.
    """

    KIND: ClassVar[str] = "relationship_analysis"

    customer: str
    period_start: datetime
    period_end: datetime
    min_records: int
    trend_analysis_id: str | None = None
    recurring: tuple[Recurrence, ...] = attrs.field(default=(), converter=_recurring)
    causes: tuple[Cause, ...] = attrs.field(default=(), converter=_causes)
    proposals: tuple[Proposal, ...] = attrs.field(default=(), converter=_proposals)
    run_by: str
    run_at: datetime
    updated_at: datetime

    @classmethod
    def run(
        cls, actor: Actor, at: datetime, *, analysis_id: str, **fields: Any
    ) -> RelationshipAnalysis:
        """Record the analysis as run (``relationship_analysis.run``)."""
        require_aware(at, "at")
        entity = cls(id=analysis_id, run_by=actor.id, run_at=at, updated_at=at, **fields)
        entity._record(
            "run",
            actor,
            at,
            {
                "customer": entity.customer,
                "period_start": entity.period_start.isoformat(),
                "period_end": entity.period_end.isoformat(),
                "min_records": entity.min_records,
                "trend_analysis_id": entity.trend_analysis_id,
                "recurring": [
                    {"service": r.service, "count": r.count, "reopened": r.reopened}
                    for r in entity.recurring
                ],
                "causes": [c.key for c in entity.causes],
            },
        )
        return entity

    def subjects(self) -> tuple[str, ...]:
        """The keys a proposal may answer: each recurrence's and each cause's."""
        return (*(r.key for r in self.recurring), *(c.key for c in self.causes))

    def describe(self, subject: str) -> str:
        """A Chinese line naming ``subject`` (the cause recorded on the item).

        :raises ValidationError: naming the subjects, for an unknown one.
        """
        key = text(subject, "subject")
        for recurrence in self.recurring:
            if recurrence.key == key:
                return (
                    f"{self.customer} 在 {recurrence.service} 上重复提出 {recurrence.count} 个请求"
                    f"（重开 {recurrence.reopened} 个）"
                )
        for cause in self.causes:
            if cause.key == key:
                return cause.description
        known = ", ".join(self.subjects()) or "none"
        raise ValidationError(
            f"{key!r} is not a recurrence or cause of analysis {self.id}; its subjects: {known}",
            field="subject",
        )

    def service_of(self, subject: str) -> str | None:
        """The service a subject concerns, if one."""
        for recurrence in self.recurring:
            if recurrence.key == subject:
                return recurrence.service
        for cause in self.causes:
            if cause.key == subject:
                return cause.service
        return None

    def record_proposal(self, actor: Actor, at: datetime, proposal: Proposal) -> None:
        """Record a proposal and its item (``relationship_analysis.proposed``).

        :raises ValidationError: for an instant before the latest change.
        """
        require_forward(at, self.updated_at, "the analysis")
        self.proposals = (*self.proposals, proposal)
        self.updated_at = at
        self._record(
            "proposed",
            actor,
            at,
            {
                "subject": proposal.subject,
                "kind": proposal.kind.value,
                "description": proposal.description,
                "item_id": proposal.item_id,
            },
        )
