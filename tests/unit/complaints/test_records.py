"""The four seed records, rebuilt from the history, with Chinese and English labels."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from itsm_core import ItsmCore, ValidationError
from itsm_core.complaints import (
    ComplaintService,
    ComplaintState,
    Origin,
    RecordKind,
    SeedRecord,
)
from itsm_core.complaints.records import LABELS, build_record, build_records

from .conftest import (
    GM,
    HANDLER,
    OWNER,
    RM,
    SPECIALIST,
    history,
    item_id,
    item_of,
    receive,
    walk,
)

S = ComplaintState


@pytest.fixture
def closed_external(service: ComplaintService) -> str:
    c = receive(service)
    walk(
        service,
        c.id,
        [
            "dispatch",
            "finding",
            "judge_valid",
            "project",
            "apologise",
            "escalate",
            "decide",
            "improve",
            "progress",
            "extend",
            "met",
            "feedback",
            "satisfied",
        ],
    )
    return c.id


def test_the_four_records_have_their_titles(
    service: ComplaintService, closed_external: str
) -> None:
    records = service.records(SPECIALIST, closed_external)
    assert {k.zh for k in records} == {
        "投诉事件登记表",
        "投诉处理报告",
        "改进跟踪单",
        "监督投诉记录表",
    }
    assert records[RecordKind.REGISTRATION_FORM].title("en") == "complaint registration form"
    for kind, record in records.items():
        assert record.kind is kind
        assert record.complaint_id == closed_external
        assert record.version == 13  # the complaint's version; progress is its item's
        for f in record.fields:
            assert f.zh and f.en and f.label("zh") == f.zh and f.label("en") == f.en
        json.dumps(record.to_dict(), ensure_ascii=False)


def test_registration_form(service: ComplaintService, closed_external: str) -> None:
    form = service.record(RM, closed_external, RecordKind.REGISTRATION_FORM)
    assert form.value("complaint_id") == closed_external
    assert form.value("received_by") == SPECIALIST.id
    assert form.field("channel").display("zh") == "热线电话"
    assert form.field("origin").display("en") == "external complaint"
    assert form.field("source").display("zh") == "投诉渠道"
    assert form.value("complainant") == "客户李女士（华东电网信息中心）"
    assert form.value("party_complained_about") == "二线网络组"
    assert form.field("verdict").display("zh") == "有效投诉"
    assert form.value("verdict_reason") == "调查属实"
    assert [row[2].value for row in form.table("findings").rows] == ["工单记录显示三次超时"]
    zh = form.as_mapping("zh")
    assert zh["投诉人"] == "客户李女士（华东电网信息中心）"
    assert zh["调查情况"][0]["调查结果"] == "工单记录显示三次超时"
    en = form.as_mapping("en")
    assert en["verdict"] == "valid"
    assert en["current state"] == "closed"


def test_handling_report(service: ComplaintService, closed_external: str) -> None:
    report = service.record(RM, closed_external, "handling_report")
    assert report.value("project_ref") == "TS-2026-001"
    assert report.value("apology") == "向客户当面致歉"
    assert report.value("apology_by") == HANDLER.id
    assert report.value("cause") == "二线值班人手不足"
    assert report.value("quality_indicators") == ["故障进展通报: 每2小时一次", "超时率: ≤ 2%"]
    assert report.value("improvement_owner") == OWNER.id
    escalations = report.table("escalations").rows
    assert len(escalations) == 1
    row = {f.key: f for f in escalations[0]}
    assert row["level"].display("zh") == "总经理室"
    assert row["stage"].value == "resolution"
    assert row["decision"].value == "批准更换设备，由运维经理负责"
    assert report.value("closed_at") is not None


def test_improvement_tracking_sheet(service: ComplaintService, closed_external: str) -> None:
    sheet = service.record(RM, closed_external, "improvement_tracking_sheet")
    assert sheet.value("improvement_requirement") == "增加夜间值班并建立进展通报机制"
    assert sheet.value("improvement_owner") == OWNER.id
    assert sheet.value("improvement_unit") == "运维事业部"
    assert sheet.value("extensions") == 1
    assert sheet.field("improvement_status").display("zh") == "已按质量指标完成"
    assert sheet.value("original_due_at") != sheet.value("due_at")
    indicators = [(r[0].value, r[1].value) for r in sheet.table("quality_indicators").rows]
    assert indicators == [("故障进展通报", "每2小时一次"), ("超时率", "≤ 2%")]
    follow = sheet.table("follow_ups").rows
    assert [r[2].value for r in follow] == [False, True]
    assert follow[0][2].display("zh") == "否"
    assert follow[0][5].value == sheet.value("due_at")
    assert [r[2].value for r in sheet.table("progress").rows] == ["已排班，待培训"]


def test_supervision_record(service: ComplaintService, closed_external: str) -> None:
    record = service.record(SPECIALIST, closed_external, "supervision_record")
    assert record.value("dispatched_by") == RM.id
    assert record.value("handler") == HANDLER.id
    assert record.field("handling_level").display("zh") == "服务小组"
    assert record.value("feedback") == "已增加夜间值班"
    assert record.field("close_outcome").display("zh") == "回访满意·关闭"
    assert record.value("closed_by") == RM.id
    callbacks = record.table("callbacks").rows
    assert [(r[2].value, r[4].value) for r in callbacks] == [(True, False)]


def test_the_handling_report_names_the_handler_and_the_business_unit_required(
    service: ComplaintService, closed_external: str
) -> None:
    report = service.record(RM, closed_external, "handling_report")
    assert report.value("handler") == HANDLER.id
    assert report.value("received_at") is not None
    assert report.field("severity").display("zh") == "一般投诉"
    assert report.value("improvement_unit") == "运维事业部"
    assert report.value("issued_at") is not None
    assert report.field("improvement_status").display("zh") == "已按质量指标完成"
    assert report.as_mapping("zh")["责任部门"] == "运维事业部"


def test_the_supervision_record_shows_receipt_and_the_result_of_the_handling(
    service: ComplaintService, closed_external: str
) -> None:
    record = service.record(RM, closed_external, "supervision_record")
    assert record.value("received_by") == SPECIALIST.id
    assert record.field("channel").display("zh") == "热线电话"
    assert record.value("party_complained_about") == "二线网络组"
    # escalated and decided by the general manager's office: its decision
    assert record.value("handling_result") == "批准更换设备，由运维经理负责"
    assert record.value("handled_at") is not None
    assert record.as_mapping("en")["result of the handling"] == "批准更换设备，由运维经理负责"

    resolved = walk(
        service,
        receive(service).id,
        ["dispatch", "finding", "judge_valid", "project", "apologise", "resolve"],
    )
    record = service.record(RM, resolved.id, "supervision_record")
    assert record.value("handling_result") == "已恢复业务并补发报告"
    assert record.value("handled_at") is None

    invalid = walk(
        service, receive(service).id, ["dispatch", "finding", "judge_invalid", "explain", "close"]
    )
    record = service.record(RM, invalid.id, "supervision_record")
    assert record.value("handling_result") == "该系统不在合同服务范围内"
    transferred = walk(
        service,
        receive(service, origin=Origin.INTERNAL).id,
        ["dispatch", "finding", "judge_transferred", "bu_resolved"],
    )
    record = service.record(RM, transferred.id, "supervision_record")
    assert record.value("handling_result") == "事业部已调整流程"
    unresolved = walk(
        service,
        receive(service, origin=Origin.INTERNAL).id,
        ["dispatch", "finding", "judge_transferred", "bu_unresolved"],
    )
    record = service.record(RM, unresolved.id, "supervision_record")
    assert record.value("handling_result") == "事业部无法解决"
    walk(service, unresolved.id, ["decide"])
    record = service.record(RM, unresolved.id, "supervision_record")
    assert record.value("handling_result") == "批准更换设备，由运维经理负责"


def test_records_follow_the_history_as_it_grows(service: ComplaintService) -> None:
    c = receive(service)
    form = service.record(SPECIALIST, c.id, "registration_form")
    assert form.version == 1
    assert form.value("verdict") is None
    assert form.field("state").display("zh") == "已受理"
    sheet = service.record(SPECIALIST, c.id, "improvement_tracking_sheet")
    assert sheet.value("improvement_id") is None
    assert sheet.table("follow_ups").rows == ()


def test_invalid_and_dissatisfied_outcomes(service: ComplaintService) -> None:
    c = receive(service)
    walk(service, c.id, ["dispatch", "finding", "judge_invalid", "explain", "close"])
    report = service.record(RM, c.id, "handling_report")
    assert report.value("explanation") == "该系统不在合同服务范围内"
    assert report.field("verdict").display("en") == "invalid"
    sup = service.record(RM, c.id, "supervision_record")
    assert sup.field("close_outcome").display("zh") == "无效投诉·解释后关闭"

    d = receive(service, origin=Origin.INTERNAL)
    walk(service, d.id, ["dispatch", "finding", "judge_transferred", "bu_unresolved", "decide"])
    walk(service, d.id, ["feedback", "dissatisfied"])
    report = service.record(RM, d.id, "handling_report")
    assert report.value("business_unit") == "财务事业部"
    assert report.value("business_unit_resolved") is False
    assert report.table("escalations").rows[0][3].value == "transfer"
    assert report.table("escalations").rows[0][5].value is not None
    sup = service.record(RM, d.id, "supervision_record")
    assert sup.field("close_outcome").display("en") == "not satisfied: reason recorded, closed"
    assert sup.table("callbacks").rows[0][3].value == "响应仍然偏慢"


def test_major_dispatch_shows_in_the_supervision_record(service: ComplaintService) -> None:
    from itsm_core.complaints import Severity

    c = receive(service, severity=Severity.MAJOR)
    walk(service, c.id, ["dispatch"])
    sup = service.record(RM, c.id, "supervision_record")
    assert sup.field("handling_level").display("zh") == "服务团队负责人"
    rows = sup.table("escalations").rows
    assert rows[0][2].display("zh") == "服务团队负责人"


def test_improvement_escalation_decision_on_the_tracking_sheet(
    service: ComplaintService,
) -> None:
    c = receive(service)
    walk(
        service,
        c.id,
        ["dispatch", "finding", "judge_valid", "project", "apologise", "resolve", "improve"],
    )
    walk(service, c.id, ["extend", "not_met_again"])
    assert (
        service.record(RM, c.id, "improvement_tracking_sheet")
        .field("improvement_status")
        .display("zh")
        == "已递交总经理室"
    )
    service.improvements.decide(GM, item_id(service, c.id), decision="更换负责人并再给两周")
    sheet = service.record(RM, c.id, "improvement_tracking_sheet")
    assert sheet.value("gm_decision") == "更换负责人并再给两周"
    assert sheet.value("improvement_status") == "decided"


def test_a_period_granted_by_the_office_counts_as_an_extension_on_the_sheet(
    service: ComplaintService,
) -> None:
    c = receive(service)
    walk(
        service,
        c.id,
        ["dispatch", "finding", "judge_valid", "project", "apologise", "resolve", "improve"],
    )
    walk(service, c.id, ["extend", "not_met_again"])
    granted = service.improvements.decide(
        GM, item_id(service, c.id), decision="再给一周", new_period=timedelta(days=7)
    )
    assert granted.extensions == 2
    sheet = service.record(RM, c.id, "improvement_tracking_sheet")
    assert sheet.value("extensions") == 2
    assert sheet.value("improvement_status") == "extended"
    assert sheet.value("gm_decision") == "再给一周"
    assert sheet.value("due_at") == granted.due_at.isoformat()
    walk(service, c.id, ["not_met_again"])
    service.improvements.decide(GM, granted.id, decision="更换负责人")
    final = item_of(service, c.id)
    sheet = service.record(RM, c.id, "improvement_tracking_sheet")
    assert sheet.value("extensions") == final.extensions == 2
    assert sheet.value("improvement_status") == final.state.value == "decided"
    assert len(sheet.table("follow_ups").rows) == len(final.follow_ups) == 3


def test_reopened_complaints_count_and_show_the_callback(reopening_core: ItsmCore) -> None:
    service = reopening_core.complaints
    c = receive(service)
    walk(
        service,
        c.id,
        ["dispatch", "finding", "judge_valid", "project", "apologise", "resolve", "improve"],
    )
    walk(service, c.id, ["met", "feedback", "dissatisfied"])
    sup = service.record(RM, c.id, "supervision_record")
    assert sup.value("reopened") == 1
    assert sup.table("callbacks").rows[0][4].value is True
    assert sup.value("closed_at") is None
    assert service.record(RM, c.id, "registration_form").value("verdict") is None


def test_records_are_rebuilt_from_the_history_alone(
    core: ItsmCore, service: ComplaintService, closed_external: str
) -> None:
    events = history(core, closed_external)
    with core.storage.unit_of_work() as uow:
        item_events = uow.history("improvement_item", item_id(service, closed_external))
    built = build_records(events + item_events)
    assert built == service.records(SPECIALIST, closed_external)
    assert build_records(item_events + events) == built  # folded in the order of time
    partial = build_record("handling_report", events[:5])
    assert partial.version == 5
    assert partial.value("project_ref") == "TS-2026-001"
    assert partial.value("resolution") is None


def test_build_refuses_what_is_not_one_complaints_history(
    core: ItsmCore, service: ComplaintService
) -> None:
    a, b = receive(service), receive(service)
    with pytest.raises(ValidationError, match="one complaint"):
        build_record("registration_form", history(core, a.id) + history(core, b.id))
    with pytest.raises(ValidationError, match="no events"):
        build_record("registration_form", [])
    with pytest.raises(ValidationError, match="allowed: registration_form"):
        build_record("form", history(core, a.id))
    record: SeedRecord = build_record("registration_form", history(core, a.id))
    with pytest.raises(ValidationError, match="no field"):
        record.value("nope")
    with pytest.raises(ValidationError, match="no table"):
        record.table("nope")
    with pytest.raises(ValidationError, match="unknown language"):
        record.as_mapping("fr")  # type: ignore[arg-type]


def test_every_label_is_bilingual() -> None:
    for key, (zh, en) in LABELS.items():
        assert zh and en, key
