"""Service reviews on every backend: a whole review, a plan, queries and a refused hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from itsm_core import FrozenClock, ItsmCore
from itsm_core.calendars import BusinessCalendar
from itsm_core.improvements import ImprovementSource
from itsm_core.kernel.errors import AttendanceIncomplete
from itsm_core.reviews import ReviewRecordKind, ReviewState
from itsm_core.storage.sqlalchemy.migrate import upgrade
from tests.unit.reviews.conftest import COORD, PARTICIPANTS, PM, T0, TZ, action


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def core(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ItsmCore]:
    url = "memory://"
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'itsm.db'}"
    elif request.param == "postgres":
        schemas = request.getfixturevalue("pg_schemas")
        url = schemas.new_url()
        upgrade(url)
        schema = (schemas, url)
    made = ItsmCore(
        url, clock=FrozenClock(T0), load_entrypoints=False, calendar=BusinessCalendar.china()
    )
    try:
        yield made
    finally:
        made.close()
        if schema is not None:
            schema[0].drop(schema[0].schema_of(schema[1]))


def test_a_whole_review_round_trips(core: ItsmCore) -> None:
    plan = core.reviews.create_plan(
        PM, customer="ACME", cadence="quarterly", first_period_start=datetime(2026, 7, 1, tzinfo=TZ)
    )
    review_id = plan.review_ids[0]
    core.reviews.prepare(COORD, review_id, scope="s", topics=["业务需求"], agenda=["SLA"],
                         participants=PARTICIPANTS, form="video")  # fmt: skip
    with pytest.raises(AttendanceIncomplete):
        core.reviews.hold(PM, review_id, attended=["zhao", "pm-1"], record="r")
    assert core.reviews.get(PM, review_id).state is ReviewState.PREPARED
    held_at = datetime(2026, 10, 8, 15, 0, tzinfo=TZ)
    core.reviews.hold(PM, review_id, attended=["zhao", "pm-1", "om-1"], record="r",
                      opinions=[("zhao", "opinion", "好")], at=held_at)  # fmt: skip
    core.reviews.minute(COORD, review_id, minutes="m", at=held_at + timedelta(days=1))
    reported = core.reviews.report(
        PM, review_id, summary="s", problems=["network"],
        actions=[action(due_at=held_at + timedelta(days=30))], at=held_at + timedelta(days=2),
    )  # fmt: skip
    loaded = core.reviews.get(PM, review_id)
    assert loaded.actions == reported.actions and loaded.problems == reported.problems
    assert loaded.opinions == reported.opinions and loaded.attended == reported.attended
    (item,) = core.improvements.find(PM, source_kind=ImprovementSource.SERVICE_REVIEW)
    assert item.id == loaded.actions[0].improvement_id
    found = core.reviews.find(
        PM, customer="ACME", state="reported", reported_from=held_at,
        period_from=datetime(2026, 7, 1, tzinfo=TZ), period_before=datetime(2026, 10, 1, tzinfo=TZ),
    )  # fmt: skip
    assert [r.id for r in found] == [review_id]
    assert core.reviews.find(PM, form="meeting") == []
    (clock,) = core.sla.find(PM, subject_id=review_id)
    assert clock.state.value == "stopped"
    record = core.reviews.record(PM, review_id, ReviewRecordKind.REVIEW_RECORD)
    assert record.value("held_at") == held_at.isoformat()
    assert core.reviews.get_plan(PM, plan.id).review_ids == plan.review_ids
