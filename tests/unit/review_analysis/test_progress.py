"""Improvement progress reports: the items of the period, on time or not, sent and logged."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from itsm_core import AccessDenied, FrozenClock, ItsmCore, NotFound, ValidationError
from itsm_core.reviews.analysis import ReviewAnalysis
from itsm_core.testing import RecordingNotifier
from tests.unit.review_analysis.support import (
    CUSTOMER,
    DIRECTOR,
    OM,
    OWNER,
    PM,
    SPECIALIST,
    at,
    complaint,
)

TO_IMPROVE = ("dispatch", "finding", "valid", "project", "apologise", "resolve", "improve")


def item_of(core: ItsmCore, complaint_id: str) -> str:
    found = core.complaints.get(SPECIALIST, complaint_id).improvement_id
    assert found is not None
    return found


def test_the_items_live_in_the_period_with_notes_follow_ups_and_whether_on_time(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    on_time = item_of(core, complaint(core, clock, at(5, 4), steps=TO_IMPROVE))
    late = item_of(core, complaint(core, clock, at(5, 6), steps=TO_IMPROVE))
    pending = item_of(core, complaint(core, clock, at(6, 25), steps=TO_IMPROVE))
    before = item_of(core, complaint(core, clock, at(3, 2), steps=TO_IMPROVE))
    clock.set(at(5, 10))
    core.improvements.report_progress(OWNER, on_time, note="已排班")
    core.improvements.follow_up(SPECIALIST, on_time, met=True, note="按指标完成")
    clock.set(at(5, 30))
    core.improvements.follow_up(SPECIALIST, late, met=False, note="未完成",
                                new_period=timedelta(days=7))  # fmt: skip
    clock.set(at(6, 20))
    core.improvements.follow_up(SPECIALIST, late, met=True, note="延期后完成")
    with core.runtime.transaction() as uow:  # concluded before the period: left out
        from itsm_core.improvements import IMPROVEMENT_SPEC

        assert uow.get(IMPROVEMENT_SPEC, before).issued_at < at(4, 1)
    clock.set(at(3, 20))
    core.improvements.follow_up(SPECIALIST, before, met=True, note="三月完成")
    clock.set(at(7, 1))
    report = ra.progress_report(OM, customer=CUSTOMER, periods=["2026-05", "2026-06"])
    by_id = {i.id: i for i in report.items}
    assert set(by_id) == {on_time, late, pending}
    assert by_id[on_time].on_time is True and by_id[late].on_time is False
    assert by_id[pending].on_time is None and by_id[late].extensions == 1
    assert [n.note for n in by_id[on_time].progress] == ["已排班"]
    assert [f.met for f in by_id[late].follow_ups] == [False, True]
    assert (report.done_on_time, report.late) == (1, 1)
    assert {c.value: c.count for c in report.by_state} == {"done": 2, "in_progress": 1}


def test_sending_stores_the_report_as_sent_and_tells_the_notifiers(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis, recorder: RecordingNotifier
) -> None:
    item = item_of(core, complaint(core, clock, at(5, 4), steps=TO_IMPROVE))
    clock.set(at(7, 2))
    sent = ra.send_progress_report(
        OM, customer=CUSTOMER, periods="2026-06", recipients=["张三（客户代表）", "李四"],
        note="按客户要求通报",
    )  # fmt: skip
    assert (sent.sent_by, sent.sent_at, sent.recipients) == (
        OM.id, at(7, 2), ("张三（客户代表）", "李四"),
    )  # fmt: skip
    assert [i.id for i in sent.content.items] == [item]
    core.improvements.report_progress(OWNER, item, note="later")  # the snapshot stays as sent
    stored = ra.get_progress_report(PM, sent.id)
    assert stored.content == sent.content and stored.content.items[0].progress == ()
    (event,) = ra.history_progress_report(PM, sent.id)
    assert event.name == "improvement_progress_report.sent" and event.actor_id == OM.id
    assert event.payload["recipients"] == ("张三（客户代表）", "李四")
    assert "improvement_progress_report.sent" in recorder.names()
    assert [r.id for r in ra.find_progress_reports(PM, customer=CUSTOMER)] == [sent.id]
    assert ra.find_progress_reports(PM, customer="其他客户") == []


@pytest.mark.parametrize("recipients", [[], "", [" "], None])
def test_a_report_goes_to_someone(ra: ReviewAnalysis, recipients: object) -> None:
    with pytest.raises(ValidationError) as caught:
        ra.send_progress_report(
            OM, customer=CUSTOMER, periods="2026-06", recipients=recipients  # type: ignore[arg-type]
        )
    assert caught.value.field == "recipients"
    assert ra.find_progress_reports(OM) == []


def test_the_operations_manager_reports_progress(ra: ReviewAnalysis) -> None:
    with pytest.raises(AccessDenied):
        ra.progress_report(PM, customer=CUSTOMER, periods="2026-06")
    with pytest.raises(AccessDenied):
        ra.send_progress_report(PM, customer=CUSTOMER, periods="2026-06", recipients="张三")
    assert ra.progress_report(DIRECTOR, customer=CUSTOMER, periods="2026-06").items == ()
    with pytest.raises(NotFound):
        ra.get_progress_report(OM, "ipr-missing")


def test_the_report_is_json_and_markdown(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    item = item_of(core, complaint(core, clock, at(5, 4), steps=TO_IMPROVE))
    clock.set(at(5, 10))
    core.improvements.report_progress(OWNER, item, note="已排班")
    report = ra.progress_report(OM, customer=CUSTOMER, periods="2026-05")
    data = json.loads(json.dumps(report.as_dict()))
    assert data["items"][0]["progress"][0]["note"] == "已排班" and data["late"] == 0
    zh = report.markdown("zh")
    assert "# 服务改进情况报告: 华东电网" in zh and "已排班" in zh
    assert "improvement progress report" in report.markdown("en")
