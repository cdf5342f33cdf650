"""``core.improvements``: the register's commands, roles by source, clocks and reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from itsm_core import (
    SYSTEM,
    AccessDenied,
    Actor,
    FrozenClock,
    InvalidTransition,
    ItsmCore,
    ItsmError,
    NotFound,
    Role,
    ValidationError,
)
from itsm_core.improvements import (
    IMPROVEMENT_SPEC,
    SUBJECT_KIND,
    ImprovementItem,
    ImprovementService,
    ImprovementSource,
    ImprovementState,
)
from itsm_core.sla import CLOCK_SPEC, ClockState
from itsm_core.storage import Query

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
S = ImprovementState

PM = Actor("pm-1", [Role.PROJECT_MANAGER])
DIRECTOR = Actor("dir-1", [Role.OPERATIONS_DIRECTOR])
QUALITY = Actor("qc-1", [Role.QUALITY_SPECIALIST])
OWNER = Actor("owner-1", [Role.IMPROVEMENT_OWNER])
OTHER_OWNER = Actor("owner-2", [Role.IMPROVEMENT_OWNER])
GM = Actor("gm-1", [Role.GENERAL_MANAGER_OFFICE])
SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST])
CUSTOMER = Actor("cust-1", [Role.CUSTOMER])


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def core(clock: FrozenClock) -> ItsmCore:
    return ItsmCore("memory://", clock=clock, load_entrypoints=False)


@pytest.fixture
def items(core: ItsmCore) -> ImprovementService:
    return core.improvements


def propose(items: ImprovementService, **overrides: Any) -> ImprovementItem:
    fields: dict[str, Any] = {
        "source_kind": "service_review",
        "source_ref": "rev-2026-03",
        "description": "按季度通报SLA达成情况",
        "quality_indicators": {"通报频率": "每季度一次"},
        "owner": OWNER.id,
        "period": timedelta(days=30),
        "service": "desktop",
        "customer": "华东电网",
    }
    fields.update(overrides)
    return items.propose(PM, **fields)


def started(items: ImprovementService, clock: FrozenClock) -> ImprovementItem:
    item = propose(items)
    items.approve(DIRECTOR, item.id, note="同意")
    clock.advance(hours=1)
    return items.start(OWNER, item.id)


def records(core: ItsmCore) -> list[dict[str, Any]]:
    with core.storage.unit_of_work() as uow:
        return [
            {**IMPROVEMENT_SPEC.to_record(i), "events": len(uow.history(i.KIND, i.id))}
            for i in uow.find(IMPROVEMENT_SPEC, Query(()))
        ]


def refused(
    core: ItsmCore, call: Callable[[], Any], error: type[ItsmError], match: str | None = None
) -> None:
    """``call`` raises ``error`` and nothing stored changes (items and clocks)."""
    before = records(core), clocks(core)
    with pytest.raises(error, match=match):
        call()
    assert (records(core), clocks(core)) == before


def clocks(core: ItsmCore) -> list[dict[str, Any]]:
    return [CLOCK_SPEC.to_record(c) for c in core.sla.find(SYSTEM, subject_kind=SUBJECT_KIND)]


def clock_of(core: ItsmCore, item_id: str) -> Any:
    found = core.sla.find(SYSTEM, subject_kind=SUBJECT_KIND, subject_id=item_id)
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- the steps


def test_proposed_approved_started_reported_submitted_and_met(
    core: ItsmCore, items: ImprovementService, clock: FrozenClock
) -> None:
    item = propose(items)
    assert (item.state, item.due_at, item.issued_by) == (S.PROPOSED, T0 + timedelta(30), PM.id)
    assert core.sla.find(SYSTEM, subject_kind=SUBJECT_KIND) == []  # no clock before it starts
    item = items.approve(DIRECTOR, item.id)
    assert item.state is S.APPROVED
    clock.advance(days=1)
    item = items.start(OWNER, item.id)
    assert item.state is S.IN_PROGRESS
    ticking = clock_of(core, item.id)
    assert (ticking.state, ticking.due_at, ticking.started_at) == (
        ClockState.RUNNING,
        item.due_at,
        T0 + timedelta(days=1),
    )
    assert (ticking.handler, ticking.customer, ticking.target.value) == (
        OWNER.id,
        "华东电网",
        "improvement",
    )
    item = items.report_progress(OWNER, item.id, note="已起草通报模板")
    item = items.submit(OWNER, item.id, note="首次通报已发出")
    assert item.state is S.VERIFYING
    item = items.follow_up(PM, item.id, met=True, note="按质量指标完成")
    assert (item.state, item.concluded_at) == (S.DONE, clock.now())
    assert clock_of(core, item.id).state is ClockState.STOPPED
    names = [e.name.split(".")[1] for e in items.history(PM, item.id)]
    assert names == ["proposed", "approved", "started", "progress_reported", "submitted", "met"]
    assert items.history(PM, item.id)[-1].payload["source_ref"] == "rev-2026-03"


def test_an_extension_carries_the_elapsed_time_over_and_the_decision_stops_the_clock(
    core: ItsmCore, items: ImprovementService, clock: FrozenClock
) -> None:
    item = started(items, clock)
    clock.set(item.due_at + timedelta(days=1))
    item = items.follow_up(PM, item.id, met=False, note="未完成", new_period=timedelta(days=5))
    assert (item.state, item.extensions) == (S.EXTENDED, 1)
    assert item.due_at == clock.now() + timedelta(days=5)
    ticking = clock_of(core, item.id)  # the same clock carries on
    assert ticking.due_at == item.due_at and ticking.state is ClockState.RUNNING
    clock.advance(days=6)
    refused(
        core,
        lambda: items.follow_up(PM, item.id, met=False, note="n", new_period=timedelta(1)),
        ValidationError,
        "extended once only",
    )
    item = items.follow_up(PM, item.id, met=False, note="仍未完成")
    assert item.state is S.ESCALATED
    assert clock_of(core, item.id).state is ClockState.RUNNING  # measured until the decision
    refused(core, lambda: items.decide(PM, item.id, decision="d"), AccessDenied)
    item = items.decide(GM, item.id, decision="结案，另立改进项")
    assert (item.state, item.decision, item.decided_by) == (S.DECIDED, "结案，另立改进项", GM.id)
    stopped = clock_of(core, item.id)
    assert (stopped.state, stopped.met) == (ClockState.STOPPED, False)


def test_the_office_grants_a_new_period(
    core: ItsmCore, items: ImprovementService, clock: FrozenClock
) -> None:
    item = started(items, clock)
    items.follow_up(PM, item.id, met=False, note="n", new_due_at=T0 + timedelta(days=40))
    items.follow_up(PM, item.id, met=False, note="n")
    refused(
        core,
        lambda: items.decide(
            GM, item.id, decision="d", new_period=timedelta(1), new_due_at=T0 + timedelta(60)
        ),
        ValidationError,
        "not both",
    )
    item = items.decide(GM, item.id, decision="再给一周", new_period=timedelta(days=7))
    assert (item.state, item.extensions, item.due_at) == (
        S.EXTENDED,
        2,
        clock.now() + timedelta(days=7),
    )
    assert clock_of(core, item.id).due_at == item.due_at


def test_cancelled_with_a_reason_stops_the_clock(
    core: ItsmCore, items: ImprovementService, clock: FrozenClock
) -> None:
    item = started(items, clock)
    refused(core, lambda: items.cancel(OWNER, item.id, reason="r"), AccessDenied)
    refused(core, lambda: items.cancel(DIRECTOR, item.id, reason=" "), ValidationError)
    item = items.cancel(DIRECTOR, item.id, reason="服务合同终止")
    assert (item.state, item.cancel_reason) == (S.CANCELLED, "服务合同终止")
    assert clock_of(core, item.id).state is ClockState.STOPPED
    refused(core, lambda: items.cancel(DIRECTOR, item.id, reason="again"), InvalidTransition)


# ---------------------------------------------------------------- roles and rules by source


def test_the_owner_named_in_the_item_alone_reports_progress(
    core: ItsmCore, items: ImprovementService, clock: FrozenClock
) -> None:
    item = started(items, clock)
    refused(
        core,
        lambda: items.report_progress(OTHER_OWNER, item.id, note="n"),
        AccessDenied,
        "only the improvement owner named",
    )
    refused(core, lambda: items.report_progress(PM, item.id, note="n"), AccessDenied)
    refused(core, lambda: items.start(OTHER_OWNER, item.id), AccessDenied)
    assert items.allowed_commands(OWNER, item.id) == ("report_progress", "submit")
    assert items.allowed_commands(OTHER_OWNER, item.id) == ()
    assert items.allowed_commands(PM, item.id) == ("follow_up", "cancel")
    assert items.allowed_commands(GM, item.id) == ("cancel",)
    assert items.allowed_commands(DIRECTOR, item.id) == ("follow_up", "cancel")


def test_complaint_and_satisfaction_items_are_raised_by_their_areas(
    core: ItsmCore, items: ImprovementService
) -> None:
    for source, role in (("complaint", SPECIALIST), ("satisfaction", QUALITY)):
        with pytest.raises(ValidationError, match="raised by their area"):
            items.propose(
                role,
                source_kind=source,
                source_ref="x",
                description="d",
                quality_indicators=["a: b"],
                owner=OWNER.id,
                period=timedelta(days=1),
            )
    assert records(core) == []
    with pytest.raises(AccessDenied, match="propose"):
        items.propose(
            OWNER,
            source_kind="trend_analysis",
            source_ref="t",
            description="d",
            quality_indicators=["a: b"],
            owner=OWNER.id,
            period=timedelta(days=1),
        )


def test_a_proposal_needs_a_period_or_a_due_instant(
    core: ItsmCore, items: ImprovementService
) -> None:
    with pytest.raises(ValidationError, match="not both"):
        propose(items, due_at=T0 + timedelta(days=3))
    with pytest.raises(ValidationError, match="not both"):
        propose(items, period=None)
    with pytest.raises(ValidationError, match="longer than zero"):
        propose(items, period=timedelta(0))
    with pytest.raises(ValidationError, match="must be after issued_at"):
        propose(items, period=None, due_at=T0 - timedelta(days=1))
    with pytest.raises(ValidationError, match="timezone-aware"):
        propose(items, at=datetime(2026, 3, 2, 9, 0))
    assert records(core) == []
    item = propose(items, period=None, due_at=T0 + timedelta(days=3), business_unit="运维事业部")
    assert (item.due_at, item.business_unit) == (T0 + timedelta(days=3), "运维事业部")


def test_a_command_refused_by_the_state_changes_nothing(
    core: ItsmCore, items: ImprovementService, clock: FrozenClock
) -> None:
    item = propose(items)
    refused(core, lambda: items.follow_up(PM, item.id, met=True, note="n"), InvalidTransition)
    refused(core, lambda: items.report_progress(OWNER, item.id, note="n"), InvalidTransition)
    refused(core, lambda: items.decide(GM, item.id, decision="d"), InvalidTransition)
    refused(core, lambda: items.start(OWNER, item.id), InvalidTransition, "allowed in 'proposed'")
    refused(
        core,
        lambda: items.follow_up(PM, item.id, met=True, note="n", at=datetime(2026, 3, 3)),
        ValidationError,
        "timezone-aware",
    )
    refused(core, lambda: items.approve(DIRECTOR, "imp-none"), NotFound)


# ---------------------------------------------------------------- reads


def test_reads_find_by_source_owner_state_and_due(
    core: ItsmCore, items: ImprovementService, clock: FrozenClock
) -> None:
    a = started(items, clock)
    b = propose(items, source_kind="trend_analysis", source_ref="trend-q1", owner="owner-9")
    ids = lambda found: [i.id for i in found]  # noqa: E731
    assert ids(items.find(PM)) == [a.id, b.id]
    assert ids(items.find(PM, source_kind="trend_analysis")) == [b.id]
    assert ids(items.find(PM, source_kind=["trend_analysis", "service_review"])) == [a.id, b.id]
    assert ids(items.find(PM, source_ref="rev-2026-03")) == [a.id]
    assert ids(items.find(PM, owner=OWNER.id, is_open=True)) == [a.id]
    assert ids(items.find(PM, state="proposed")) == [b.id]
    assert ids(items.find(PM, service="desktop", customer="华东电网")) == [a.id, b.id]
    assert items.find(PM, due_before=a.due_at) == []
    assert ids(items.find(PM, is_open=True, due_before=a.due_at + timedelta(1))) == [a.id]
    assert ids(items.find(PM, limit=1, offset=1)) == [b.id]
    assert items.get(PM, a.id).id == a.id
    for bad in (
        {"state": "open"},
        {"source_kind": []},
        {"owner": ""},
        {"is_open": "yes"},
        {"limit": -1},
        {"due_before": datetime(2026, 3, 2)},
    ):
        with pytest.raises(ValidationError):
            items.find(PM, **bad)
    for call in (
        lambda: items.get(CUSTOMER, a.id),
        lambda: items.find(CUSTOMER),
        lambda: items.history(CUSTOMER, a.id),
        lambda: items.allowed_commands(CUSTOMER, a.id),
    ):
        with pytest.raises(AccessDenied):
            call()
    with pytest.raises(NotFound):
        items.history(PM, "imp-none")


def test_every_source_has_its_rules() -> None:
    from itsm_core.improvements import RULES

    assert set(RULES) == set(ImprovementSource)
    for rules in RULES.values():
        assert Role.GENERAL_MANAGER_OFFICE in rules.decide
        assert rules.follow_up
