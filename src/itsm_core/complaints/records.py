"""The four seed records, rebuilt from a complaint's history (留痕).

The source documents name four records of complaint handling:

- 投诉事件登记表 (complaint registration form, steps 1-3): what was
  received, from whom, through which channel, the findings and the verdict;
- 投诉处理报告 (complaint handling report, steps 4-8): the handling on
  each path and who handled it, escalations and decisions, the cause and the
  improvement required of which business unit, with its quality indicators
  and period;
- 改进跟踪单 (improvement tracking sheet, steps 7-8): the requirement, its
  quality indicators, owner and period, and every follow-up;
- 监督投诉记录表 (supervision complaint record, steps 1-10): receipt (who
  received it, through which channel, about whom), dispatch, handling level
  and handler, the result of the handling, feedback, callbacks and closure.

Each is built by folding the complaint's events and those of its improvement
items (oldest first), not from current state: the history is the audit trail
and is enough to rebuild them.
The result is data — :class:`SeedRecord` with :class:`RecordField` values and
:class:`RecordTable` rows, every label in Chinese and English — for an
application to render as it likes. Build records from *redacted* events for
anyone but the complaint specialist (the service does).
"""

from __future__ import annotations

from collections.abc import Iterable

from itsm_core.complaints._fold import fold
from itsm_core.complaints._forms import BUILDERS, LABELS, TABLE_LABELS
from itsm_core.complaints._seed import (
    RecordField,
    RecordKind,
    RecordSheet,
    RecordTable,
    SeedRecord,
)
from itsm_core.kernel.events import DomainEvent

__all__ = [
    "LABELS",
    "TABLE_LABELS",
    "RecordField",
    "RecordKind",
    "RecordSheet",
    "RecordTable",
    "SeedRecord",
    "build_record",
    "build_records",
]


def build_record(kind: RecordKind | str, events: Iterable[DomainEvent]) -> SeedRecord:
    """Build one seed record from a complaint's events (oldest first).

    :param kind: which record.
    :param events: the complaint's history; pass redacted events for any
        reader but the complaint specialist.
    :raises ValidationError: for an unknown kind, no events, or events of
        another kind or of several complaints.
    """
    which = RecordKind.parse(kind, "kind")
    return BUILDERS[which](fold(events))


def build_records(events: Iterable[DomainEvent]) -> dict[RecordKind, SeedRecord]:
    """Build all four seed records from a complaint's events (oldest first)."""
    facts = fold(events)
    return {kind: build(facts) for kind, build in BUILDERS.items()}
