"""One rule for every read: confidential payload values are for the complaint specialist."""

from __future__ import annotations

from datetime import UTC, datetime

from itsm_core import Actor
from itsm_core.kernel.events import REDACTED, DomainEvent, may_see_confidential, visible_to

AT = datetime(2026, 5, 4, 10, tzinfo=UTC)
SPECIALIST = Actor("li", ["complaint_specialist"])
DESK = Actor("desk", ["service_desk"])


def _event() -> DomainEvent:
    return DomainEvent.create(
        kind="complaint",
        aggregate_id="c1",
        version=1,
        name="complaint.received",
        at=AT,
        actor=SPECIALIST,
        payload={"complainant": "王工", "summary": "late"},
        confidential=["complainant"],
    )


def test_the_specialist_reads_confidential_values_and_others_read_them_redacted() -> None:
    event = _event()
    assert may_see_confidential(SPECIALIST) and not may_see_confidential(DESK)
    assert visible_to(SPECIALIST, [event]) == [event]
    (seen,) = visible_to(DESK, [event])
    assert seen.payload == {"complainant": REDACTED, "summary": "late"}
    assert visible_to(DESK, []) == []
