"""Customer relationship analysis: recurring requests, causes from the trend analysis, proposals
recorded as improvement items."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from itsm_core import Actor, FrozenClock, ItsmCore, Role
from itsm_core.communications import ProposalKind, RelationshipAnalysis
from itsm_core.improvements import ImprovementSource, ImprovementState
from itsm_core.kernel.errors import AccessDenied, ValidationError

from .conftest import CUSTOMER, DESK, RM, TZ

OM = Actor("om-1", [Role.OPERATIONS_MANAGER], "运维经理")
SPECIALIST = Actor("cs-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
HANDLER = Actor("ih-1", [Role.INCIDENT_HANDLER], "事件处理人")
MAY = datetime(2026, 5, 1, tzinfo=TZ)
JUNE = datetime(2026, 6, 1, tzinfo=TZ)


def _records(core: ItsmCore) -> None:
    records = core.satisfaction.service_records
    for i in range(4):
        records.register(
            DESK, f"REQ-M{i}", customer="ACME", service="mail",
            opened_at=MAY + timedelta(days=3 * i), reopened_count=int(i == 0),
        )  # fmt: skip
    for i in range(2):
        records.register(DESK, f"REQ-P{i}", customer="ACME", service="printing",
                         opened_at=MAY + timedelta(days=i))  # fmt: skip
    records.register(DESK, "REQ-B1", customer="BETA", service="mail", opened_at=MAY)
    records.register(DESK, "REQ-OLD", customer="ACME", service="printing",
                     opened_at=MAY - timedelta(days=2))  # fmt: skip


def _analysis(core: ItsmCore, **overrides: object) -> RelationshipAnalysis:
    fields: dict[str, object] = {"customer": "ACME", "period_start": MAY, "period_end": JUNE}
    fields.update(overrides)
    return core.communications.relationships.analyse(RM, **fields)  # type: ignore[arg-type]


def test_recurring_requests_are_the_services_with_enough_records(core: ItsmCore) -> None:
    _records(core)
    analysis = _analysis(core)
    assert [(r.service, r.count, r.reopened) for r in analysis.recurring] == [("mail", 4, 1)]
    assert analysis.recurring[0].record_ids == ("REQ-M0", "REQ-M1", "REQ-M2", "REQ-M3")
    lower = _analysis(core, min_records=2)
    assert [(r.service, r.count) for r in lower.recurring] == [("mail", 4), ("printing", 2)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_records", 1), ("period_end", MAY), ("period_start", MAY.replace(tzinfo=None))],
)
def test_bad_input_is_refused(core: ItsmCore, field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        _analysis(core, **{field: value})
    assert core.communications.relationships.find(RM) == []


def test_the_causes_are_the_trend_analysis_findings_about_the_customer(
    core: ItsmCore, clock: FrozenClock
) -> None:
    for day in (4, 11):
        clock.set(datetime(2026, 5, day, 10, tzinfo=TZ))
        complaint = core.complaints.receive(
            SPECIALIST, customer="ACME", complainant={"name": "李女士", "contact": "138"},
            origin="external", channel="hotline", source="complaint_channel",
            summary="邮件经常中断", party_complained_about="邮件运维组",
            relationship_manager=RM.id,
        )  # fmt: skip
        core.complaints.dispatch(RM, complaint.id, handler=HANDLER.id)
    clock.set(JUNE + timedelta(days=1))
    trend = core.reviews.analysis.analyse(OM, periods="2026-05", customer="ACME")
    analysis = _analysis(core, trend_analysis_id=trend.id)
    assert [c.key for c in analysis.causes] == ["party:邮件运维组"]
    with pytest.raises(ValidationError, match="of customer"):
        _analysis(core, customer="BETA", trend_analysis_id=trend.id)


def test_a_proposal_is_recorded_as_a_proposed_improvement_item(core: ItsmCore) -> None:
    _records(core)
    analysis = _analysis(core)
    after = core.communications.relationships.propose(
        RM, analysis.id, subject="service:mail", kind="value_added_service",
        description="为 ACME 提供邮件归档增值服务", owner="mail-lead",
        quality_indicators=[("邮件中断次数", "每月不超过1次")], period=timedelta(days=30),
    )  # fmt: skip
    proposal = after.proposals[0]
    assert proposal.kind is ProposalKind.VALUE_ADDED_SERVICE
    item = core.improvements.get(RM, proposal.item_id)
    assert item.source_kind is ImprovementSource.RELATIONSHIP_ANALYSIS
    assert item.source_ref == analysis.id and item.state is ImprovementState.PROPOSED
    assert (item.customer, item.service) == ("ACME", "mail")
    assert "重复提出 4 个请求" in (item.cause or "")
    events = core.communications.relationships.history(RM, analysis.id)
    assert [e.name for e in events] == [
        "relationship_analysis.run",
        "relationship_analysis.proposed",
    ]


def test_a_proposal_answers_a_recurrence_or_a_cause(core: ItsmCore) -> None:
    _records(core)
    analysis = _analysis(core)
    with pytest.raises(ValidationError, match="service:mail"):
        core.communications.relationships.propose(
            RM, analysis.id, subject="service:printing", kind="improvement", description="d",
            owner="o", quality_indicators=[("a", "b")], period=timedelta(days=3),
        )  # fmt: skip
    assert core.improvements.find(RM) == []
    assert core.communications.relationships.get(RM, analysis.id).proposals == ()


def test_who_analyses_and_who_reads(core: ItsmCore) -> None:
    with pytest.raises(AccessDenied):
        core.communications.relationships.analyse(
            SPECIALIST, customer="ACME", period_start=MAY, period_end=JUNE
        )
    analysis = _analysis(core)
    relationships = core.communications.relationships
    for read in (
        lambda a: relationships.get(a, analysis.id),
        lambda a: relationships.find(a, customer="ACME"),
        lambda a: relationships.history(a, analysis.id),
    ):
        with pytest.raises(AccessDenied):
            read(CUSTOMER)
        assert read(SPECIALIST)
    with pytest.raises(AccessDenied):
        relationships.propose(
            DESK, analysis.id, subject="x", kind="improvement", description="d", owner="o",
            quality_indicators=[("a", "b")], period=timedelta(days=3),
        )  # fmt: skip
