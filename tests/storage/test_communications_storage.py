"""Customer communications on every backend: a notice and feedback round-trip, queries, clocks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from itsm_core import FrozenClock, ItsmCore
from itsm_core.calendars import BusinessCalendar
from itsm_core.communications import ContactChannel, FeedbackState, NoticeState
from itsm_core.kernel.errors import InvalidTransition, ValidationError
from itsm_core.storage.sqlalchemy.migrate import upgrade
from tests.unit.communications.conftest import DESK, RECIPIENTS, RM, T0


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
    made.satisfaction.customers.register(RM, "ACME", name="ACME 集团", key=True)
    try:
        yield made
    finally:
        made.close()
        if schema is not None:
            schema[0].drop(schema[0].schema_of(schema[1]))


def test_a_whole_notice_round_trips(core: ItsmCore) -> None:
    notices = core.communications.notices
    notice = notices.announce(
        DESK, kind="planned_outage", title="机房断电检修", body="请提前关机。",
        starts_at=T0 + timedelta(days=5), ends_at=T0 + timedelta(days=5, hours=4),
        services=["hosting", "network"], change_id="CHG-7", recipients=RECIPIENTS,
    )  # fmt: skip
    notices.issue(DESK, notice.id)
    notices.record_call(DESK, notice.id, customer="ACME", reached=False, note="忙线")
    notices.record_call(DESK, notice.id, customer="ACME", reached=True, person="赵经理")
    notices.acknowledge(DESK, notice.id, customer="GAMMA", channel="webhook")
    assert [n.id for n in notices.find(DESK, calls_missing=True)] == [notice.id]
    with pytest.raises(ValidationError):
        notices.close(DESK, notice.id)
    notices.record_call(DESK, notice.id, customer="BETA", reached=True)
    closed = notices.close(DESK, notice.id)
    loaded = notices.get(DESK, notice.id)
    assert loaded.state is NoticeState.CLOSED and loaded.version == closed.version == 7
    acme = loaded.recipient("ACME")
    assert [c.reached for c in acme.calls] == [False, True]
    assert acme.acknowledged_by == "赵经理" and acme.acknowledged_channel is ContactChannel.PHONE
    assert loaded.starts_at == T0 + timedelta(days=5) and loaded.services == ("hosting", "network")
    assert notices.find(DESK, calls_missing=True) == []
    assert [n.id for n in notices.find(DESK, state="closed", kind="planned_outage")] == [
        notice.id
    ]
    assert [e.name for e in notices.history(DESK, notice.id)][-1] == "customer_notice.closed"
    clocks = core.sla.find(DESK, subject_kind="customer_notice_call")
    assert [c.state.value for c in clocks] == ["stopped"]


def test_feedback_round_trips(core: ItsmCore) -> None:
    feedback = core.communications.feedback
    started = feedback.start(
        DESK, record_id="INC-3", customer="ACME", reason="key_customer",
        interval=timedelta(hours=1),
    )  # fmt: skip
    feedback.update(DESK, started.id, summary="已派工程师到场", at=T0 + timedelta(minutes=30))
    feedback.update(DESK, started.id, summary="更换完成，观察中", at=T0 + timedelta(hours=3))
    assert [f.id for f in feedback.find(DESK, due_before=T0 + timedelta(hours=6))] == [started.id]
    closed = feedback.close(DESK, started.id, at=T0 + timedelta(hours=4))
    loaded = feedback.get(DESK, started.id)
    assert loaded.state is FeedbackState.CLOSED and loaded.version == closed.version == 4
    assert [u.on_time for u in loaded.updates] == [True, False] and loaded.missed == 1
    assert loaded.interval == timedelta(hours=1)
    assert loaded.updates[0].at == T0 + timedelta(minutes=30)
    assert feedback.find(DESK, due_before=T0 + timedelta(days=9)) == []
    assert [f.id for f in feedback.find(DESK, customer="ACME", reason="key_customer")] == [
        started.id
    ]


def test_feedback_ends_when_its_request_closes(core: ItsmCore) -> None:
    feedback = core.communications.feedback
    records = core.satisfaction.service_records
    for n in (1, 2):
        records.register(DESK, f"INC-{n}", customer="ACME", service="email", opened_at=T0)
    ending = feedback.start(
        DESK, record_id="INC-1", customer="ACME", reason="key_customer",
        interval=timedelta(hours=1),
    )  # fmt: skip
    going_on = feedback.start(
        DESK, record_id="INC-2", customer="ACME", reason="key_customer",
        interval=timedelta(hours=1),
    )  # fmt: skip
    records.resolve(DESK, "INC-1", at=T0 + timedelta(minutes=20))
    records.close(DESK, "INC-1", at=T0 + timedelta(minutes=30))
    with pytest.raises(InvalidTransition, match="closed"):
        feedback.update(DESK, ending.id, summary="x", at=T0 + timedelta(minutes=40))
    report = core.run_due(at=T0 + timedelta(hours=3))
    assert report.feedback_ended == 1
    loaded = feedback.get(DESK, ending.id)
    assert loaded.state is FeedbackState.CLOSED and loaded.version == 2
    assert loaded.closed_at == T0 + timedelta(minutes=30)
    assert feedback.history(DESK, ending.id)[-1].name == "proactive_feedback.request_closed"
    clocks = core.sla.find(DESK, subject_id=ending.id)
    assert [c.state.value for c in clocks] == ["stopped"]
    assert feedback.get(DESK, going_on.id).is_active
    assert core.run_due(at=T0 + timedelta(hours=4)).feedback_ended == 0


def test_a_relationship_analysis_counts_in_the_store_and_round_trips(core: ItsmCore) -> None:
    records = core.satisfaction.service_records
    for i in range(3):
        records.register(DESK, f"R{i}", customer="ACME", service="mail",
                         opened_at=T0 - timedelta(days=10 - i), reopened_count=i)  # fmt: skip
    records.register(DESK, "R9", customer="ACME", service="erp", opened_at=T0 - timedelta(days=5))
    relationships = core.communications.relationships
    analysis = relationships.analyse(
        RM, customer="ACME", period_start=T0 - timedelta(days=30), period_end=T0
    )
    relationships.propose(
        RM, analysis.id, subject="service:mail", kind="improvement", description="邮件网关扩容",
        owner="mail-lead", quality_indicators=[("中断次数", "0")], due_at=T0 + timedelta(days=20),
    )  # fmt: skip
    loaded = relationships.get(RM, analysis.id)
    assert [(r.service, r.count, r.reopened, r.record_ids) for r in loaded.recurring] == [
        ("mail", 3, 2, ("R0", "R1", "R2"))
    ]
    assert loaded.proposals[0].subject == "service:mail" and loaded.version == 2
    assert [a.id for a in relationships.find(RM, customer="ACME")] == [analysis.id]
