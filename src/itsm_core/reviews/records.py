"""The seven seed records of a service review, rebuilt from its history (留痕).

The service review process names the records of a review:

- 回顾活动安排表 (review arrangement): customer, period, time, form, place, scope, lead;
- 参与人员名单 (participant list): who is invited, in which part, and who attended;
- 回顾议程 (agenda): the topics and the agenda items;
- 服务回顾记录 (review record): when it was held, who attended, their
  situations, opinions and suggestions, the record;
- 回顾活动纪要 (minutes): the coordinator's minutes;
- 服务回顾报告 (review report): the summary and the problems found;
- 服务改进行动计划 (improvement action plan): the actions, their owners,
  indicators, due dates and improvement items.

Each is built by folding the review's events (oldest first), not from its
current state. The result is data — :class:`ReviewRecord` with
:class:`~itsm_core.complaints.records.RecordField` values and
:class:`~itsm_core.complaints.records.RecordTable` rows (the shapes the
complaint records use), every label in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import attrs

from itsm_core.complaints.records import RecordField, RecordSheet, RecordTable
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.labels import Labelled
from itsm_core.reviews._fold import fold
from itsm_core.reviews._forms import BUILDERS

__all__ = ["ReviewRecord", "ReviewRecordKind", "build_record", "build_records"]


class ReviewRecordKind(Labelled):
    """The seed records of a service review."""

    ARRANGEMENT = "arrangement", "回顾活动安排表", "review arrangement"
    PARTICIPANT_LIST = "participant_list", "参与人员名单", "participant list"
    AGENDA = "agenda", "回顾议程", "review agenda"
    REVIEW_RECORD = "review_record", "服务回顾记录", "service review record"
    MINUTES = "minutes", "回顾活动纪要", "review minutes"
    REVIEW_REPORT = "review_report", "服务回顾报告", "service review report"
    ACTION_PLAN = "action_plan", "服务改进行动计划", "service improvement action plan"


@attrs.frozen
class ReviewRecord(RecordSheet):
    """One seed record of one review, as of a version of its history.

    :param kind: which record.
    :param review_id: the review.
    :param version: the review version the record reflects (its last event).
    :param fields: the labelled fields, in form order.
    :param tables: the labelled tables, in form order.
    """

    kind: ReviewRecordKind
    review_id: str
    version: int
    fields: tuple[RecordField, ...]
    tables: tuple[RecordTable, ...] = ()

    SUBJECT: ClassVar[str] = "review_id"


def build_record(kind: ReviewRecordKind | str, events: Iterable[DomainEvent]) -> ReviewRecord:
    """Build one seed record from a review's events (oldest first).

    :raises ValidationError: for an unknown kind, no events, or events of
        another kind or of several reviews.
    """
    which = ReviewRecordKind.parse(kind, "kind")
    facts = fold(events)
    fields, tables = BUILDERS[which.value](facts)
    return ReviewRecord(which, facts["review_id"], facts["version"], fields, tables)


def build_records(events: Iterable[DomainEvent]) -> dict[ReviewRecordKind, ReviewRecord]:
    """Build all seven seed records from a review's events (oldest first)."""
    facts = fold(events)
    out: dict[ReviewRecordKind, ReviewRecord] = {}
    for kind in ReviewRecordKind:
        fields, tables = BUILDERS[kind.value](facts)
        out[kind] = ReviewRecord(kind, facts["review_id"], facts["version"], fields, tables)
    return out
