"""The seven seed records of a review, rebuilt from its history in Chinese and English."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsm_core import ItsmCore
from itsm_core.kernel.errors import AccessDenied, ValidationError
from itsm_core.reviews import ReviewRecordKind
from itsm_core.reviews.records import build_record

from .conftest import COORD, CUSTOMER, OTHER_CUSTOMER, PM, T0, action, minuted, planned


def _reported(core: ItsmCore) -> str:
    review = minuted(core)
    core.reviews.report(
        PM, review.id, summary="SLA met except the network",
        problems=[{"description": "network outages", "service": "network"}],
        actions=[action()], at=T0 + timedelta(days=5),
    )  # fmt: skip
    return review.id


def test_the_seven_records_have_their_seed_titles(core: ItsmCore) -> None:
    records = core.reviews.records(PM, _reported(core))
    assert [r.title("zh") for r in records.values()] == [
        "回顾活动安排表",
        "参与人员名单",
        "回顾议程",
        "服务回顾记录",
        "回顾活动纪要",
        "服务回顾报告",
        "服务改进行动计划",
    ]
    assert records[ReviewRecordKind.ACTION_PLAN].title("en") == "service improvement action plan"


def test_the_records_hold_what_happened(core: ItsmCore) -> None:
    review_id = _reported(core)
    records = core.reviews.records(PM, review_id)
    arrangement = records[ReviewRecordKind.ARRANGEMENT]
    assert arrangement.field("form").display("zh") == "会议"
    assert arrangement.field("form").display("en") == "meeting"
    assert arrangement.value("scope") == "desktop and network, Q2"
    people = records[ReviewRecordKind.PARTICIPANT_LIST].table("participants").rows
    attended = {row[0].value: row[3].value for row in people}
    assert attended == {"zhao": True, "pm-1": True, "om-1": True, "im-1": False,
                        "od-1": False, "coord-1": False}  # fmt: skip
    assert people[0][1].display("zh") == "关键客户代表"
    agenda = records[ReviewRecordKind.AGENDA]
    assert [r[1].value for r in agenda.table("agenda").rows] == ["SLA 报告", "客户意见", "改进计划"]
    record = records[ReviewRecordKind.REVIEW_RECORD]
    (opinion,) = record.table("opinions").rows
    assert opinion[1].display("zh") == "建议" and opinion[2].value == "weekly network report"
    assert records[ReviewRecordKind.MINUTES].value("minuted_by") == COORD.id
    report = records[ReviewRecordKind.REVIEW_REPORT]
    assert report.value("reported_by") == PM.id
    assert report.table("problems").rows[0][0].value == "network outages"
    (row,) = records[ReviewRecordKind.ACTION_PLAN].table("actions").rows
    item_id = core.reviews.get(PM, review_id).actions[0].improvement_id
    assert row[5].value == item_id and row[3].value == "报告及时率: 100%"


def test_the_records_read_in_both_languages(core: ItsmCore) -> None:
    review_id = _reported(core)
    plan = core.reviews.record(PM, review_id, "action_plan")
    zh = plan.as_mapping("zh")
    en = plan.as_mapping("en")
    assert zh["客户"] == "ACME" and en["customer"] == "ACME"
    assert zh["改进行动"][0]["改进负责人"] == "network-lead"
    assert en["improvement actions"][0]["improvement owner"] == "network-lead"
    with pytest.raises(ValidationError):
        plan.as_mapping("fr")  # type: ignore[arg-type]
    data = plan.to_dict()
    assert data["title"] == {"zh": "服务改进行动计划", "en": "service improvement action plan"}


def test_a_planned_review_has_records_with_what_is_known(core: ItsmCore) -> None:
    review = planned(core)
    record = core.reviews.record(PM, review.id, ReviewRecordKind.ARRANGEMENT)
    assert record.value("state") == "planned" and record.value("scope") is None
    assert core.reviews.record(PM, review.id, "action_plan").table("actions").rows == ()


def test_record_reading_rules(core: ItsmCore) -> None:
    review_id = _reported(core)
    assert core.reviews.record(CUSTOMER, review_id, "review_report").value("customer") == "ACME"
    with pytest.raises(AccessDenied):
        core.reviews.records(OTHER_CUSTOMER, review_id)
    with pytest.raises(ValidationError):
        core.reviews.record(PM, review_id, "registration_form")
    with pytest.raises(ValidationError):
        build_record("agenda", [])
