"""Improvement progress reports (服务改进情况报告, reporting improvement progress).

On a customer's request the operations manager reports the service
improvement plan, its progress and its results. :class:`ProgressContent` is
the report compiled for a customer and a run of months: every improvement
item of the customer live in the period (issued before its end and not
concluded before its start), with its state, the owner's progress notes,
the follow-ups and whether it was (or is being) done on time.

Sending it stores a :class:`ProgressReport` (kind
``improvement_progress_report``): the content as sent, the recipients, who
sent it and when, with the event ``improvement_progress_report.sent`` — the
record (留痕) that the customer was told.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import attrs

from itsm_core.improvements.enums import ImprovementSource, ImprovementState
from itsm_core.improvements.model import ImprovementItem
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.codec import RECORDS
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.labels import Language
from itsm_core.reviews.analysis.counts import Count

__all__ = [
    "FollowUpLine",
    "NoteLine",
    "ProgressContent",
    "ProgressItem",
    "ProgressReport",
    "on_time",
]


@attrs.frozen
class NoteLine:
    """One progress note of the owner.

    :param at: when.
    :param by: who (actor id).
    :param note: what was reported.
    """

    at: datetime
    by: str
    note: str


@attrs.frozen
class FollowUpLine:
    """One follow-up of the item against its indicators.

    :param at: when.
    :param by: who followed it up.
    :param met: done in time and to the indicators.
    :param note: what was found.
    :param extended_to: the new due instant, when the period was extended.
    """

    at: datetime
    by: str
    met: bool
    note: str
    extended_to: datetime | None = None


def on_time(item: ImprovementItem, now: datetime) -> bool | None:
    """Whether an item was (or still can be) done on time.

    True: done by its due instant in force; False: done late, or live past
    its due instant, or decided by the general manager's office after
    escalation; None: live and not due yet, or cancelled.
    """
    state = item.state
    if state is ImprovementState.CANCELLED:
        return None
    if state is ImprovementState.DONE:
        return item.concluded_at is not None and item.concluded_at <= item.due_at
    if state is ImprovementState.DECIDED:
        return False
    return False if item.due_at < now else None


@attrs.frozen
class ProgressItem:
    """One improvement item as the customer is told.

    :param id: the item's id.
    :param source_kind: what raised it.
    :param description: what is to be improved.
    :param quality_indicators: its indicators, ``"name: target"``.
    :param owner: the improvement owner.
    :param state: where it stands.
    :param issued_at: when it was raised.
    :param due_at: its due instant in force.
    :param concluded_at: when it was done, decided or cancelled.
    :param extensions: how many times its period was extended.
    :param on_time: see :func:`on_time`.
    :param progress: the owner's progress notes, oldest first.
    :param follow_ups: the follow-ups, oldest first.
    :param decision: the general manager's office's decision, if any.
    :param service: the service it concerns, if any.
    """

    id: str
    source_kind: ImprovementSource
    description: str
    quality_indicators: tuple[str, ...]
    owner: str
    state: ImprovementState
    issued_at: datetime
    due_at: datetime
    concluded_at: datetime | None = None
    extensions: int = 0
    on_time: bool | None = None
    progress: tuple[NoteLine, ...] = ()
    follow_ups: tuple[FollowUpLine, ...] = ()
    decision: str | None = None
    service: str | None = None

    @classmethod
    def of(cls, item: ImprovementItem, now: datetime) -> ProgressItem:
        """Return the report line of ``item`` as it stands at ``now``."""
        return cls(
            id=item.id,
            source_kind=item.source_kind,
            description=item.description,
            quality_indicators=tuple(f"{q.name}: {q.target}" for q in item.quality_indicators),
            owner=item.owner,
            state=item.state,
            issued_at=item.issued_at,
            due_at=item.due_at,
            concluded_at=item.concluded_at,
            extensions=item.extensions,
            on_time=on_time(item, now),
            progress=tuple(NoteLine(p.at, p.by, p.note) for p in item.progress),
            follow_ups=tuple(
                FollowUpLine(f.at, f.by, f.met, f.note, f.extended_to) for f in item.follow_ups
            ),
            decision=item.decision,
            service=item.service,
        )


@attrs.frozen
class ProgressContent:
    """The improvement progress report of a customer for a run of months.

    :param customer: the customer.
    :param periods: the months, oldest first.
    :param start: the first instant of the period.
    :param end: the first instant after it.
    :param compiled_at: when it was compiled.
    :param items: the items live in the period, oldest first.
    """

    customer: str
    periods: tuple[str, ...]
    start: datetime
    end: datetime
    compiled_at: datetime
    items: tuple[ProgressItem, ...] = ()

    @property
    def by_state(self) -> tuple[Count, ...]:
        """How many items stand in each state."""
        codes = [s.value for s in ImprovementState]
        counted = {c: sum(1 for i in self.items if i.state.value == c) for c in codes}
        return tuple(Count(c, n) for c, n in counted.items() if n)

    @property
    def done_on_time(self) -> int:
        """Items done by their due instant."""
        return sum(1 for i in self.items if i.on_time is True)

    @property
    def late(self) -> int:
        """Items done late, decided after escalation, or live past their due instant."""
        return sum(1 for i in self.items if i.on_time is False)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-able data."""
        data: dict[str, Any] = RECORDS.unstructure(self)
        data["by_state"] = [{"value": c.value, "count": c.count} for c in self.by_state]
        data["done_on_time"] = self.done_on_time
        data["late"] = self.late
        return data

    def markdown(self, lang: Language = "zh") -> str:
        """Return the report as a Markdown document in ``lang``."""
        from itsm_core.reviews.analysis._markdown import progress_markdown  # on first use

        return progress_markdown(self, lang)


def _recipients(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple | set | frozenset):
        raise ValidationError(
            f"recipients: give a name or a list of names (who the report goes to), got {value!r}",
            field="recipients",
        )
    names: list[str] = []
    for v in value:
        if not isinstance(v, str) or not v.strip():
            raise ValidationError(
                f"recipients must be non-empty strings, got {v!r}", field="recipients"
            )
        if v.strip() not in names:
            names.append(v.strip())
    if not names:
        raise ValidationError("recipients: name at least one recipient", field="recipients")
    return tuple(names)


@attrs.define(eq=False, kw_only=True)
class ProgressReport(Aggregate):
    """An improvement progress report as sent to the customer.

    :param customer: the customer.
    :param periods: the months it covers.
    :param recipients: who it went to (the customer's representatives).
    :param sent_by: who sent it (actor id).
    :param sent_at: when.
    :param note: a covering note, if any.
    :param content: the report as it was sent.
    """

    KIND: ClassVar[str] = "improvement_progress_report"

    customer: str
    periods: tuple[str, ...]
    recipients: tuple[str, ...]
    sent_by: str
    sent_at: datetime
    note: str = ""
    content: ProgressContent

    @classmethod
    def send(
        cls,
        actor: Actor,
        at: datetime,
        *,
        report_id: str,
        content: ProgressContent,
        recipients: object,
        note: str = "",
    ) -> ProgressReport:
        """Record that ``content`` went to ``recipients`` (``improvement_progress_report.sent``).

        :raises ValidationError: for no recipient, or a note that is not a string.
        """
        names = _recipients(recipients)
        if not isinstance(note, str):
            raise ValidationError(f"note must be a string, got {note!r}", field="note")
        entity = cls(
            id=report_id,
            customer=content.customer,
            periods=content.periods,
            recipients=names,
            sent_by=actor.id,
            sent_at=at,
            note=note.strip(),
            content=content,
        )
        entity._record(
            "sent",
            actor,
            at,
            {
                "customer": content.customer,
                "periods": list(content.periods),
                "recipients": list(names),
                "items": [i.id for i in content.items],
            },
        )
        return entity
