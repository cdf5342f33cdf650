"""The customer's view: from a caller's number or address to all their requests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsm_core import FrozenClock, ItsmCore
from itsm_core.complaints import Origin
from itsm_core.kernel.errors import AccessDenied, NotFound, ValidationError

from .conftest import CUSTOMER, DESK, ENGINEER, OM, RM, SECRET, SPECIALIST, T0, closed, record


@pytest.fixture
def acme(core: ItsmCore) -> ItsmCore:
    core.desk.add_contact(DESK, customer="ACME", name="赵先生", phone="13800138000",
                          email="zhao@acme.example")  # fmt: skip
    core.desk.add_contact(DESK, customer="OTHER", phone="13900139000")
    return core


def test_the_caller_s_number_identifies_the_customer_and_its_requests(acme: ItsmCore) -> None:
    record(acme, "R-1")
    record(acme, "R-X", customer="OTHER")
    view = acme.desk.customer_view(DESK, phone="+86 138 0013 8000")
    assert view.customer == "ACME" and view.contact.name == "赵先生"
    assert [r.id for r in view.requests] == ["R-1"]
    by_mail = acme.desk.customer_view(DESK, email="ZHAO@acme.example")
    assert by_mail.customer == "ACME"


def test_open_first_then_closed_with_failures_first(acme: ItsmCore) -> None:
    closed(acme, "C-old-request", hours=9, kind="service_request")
    closed(acme, "C-new-request", hours=1, kind="service_request")
    closed(acme, "C-old-failure", hours=8, kind="failure")
    closed(acme, "C-unknown", hours=3)
    closed(acme, "C-new-failure", hours=2, kind="failure")
    record(acme, "O-older", opened_at=T0 - timedelta(days=3))
    record(acme, "O-newer", opened_at=T0 - timedelta(hours=1), kind="failure")
    view = acme.desk.customer_view(DESK, phone="13800138000")
    assert [r.id for r in view.requests] == [
        "O-newer", "O-older",                      # open, newest first
        "C-new-failure", "C-old-failure",          # closed failures, newest closed first
        "C-new-request", "C-unknown", "C-old-request",
    ]  # fmt: skip
    assert [r.id for r in view.open_requests] == ["O-newer", "O-older"]


def test_a_resolved_or_returned_record_is_still_open(acme: ItsmCore) -> None:
    record(acme, "R-resolved", resolved_at=T0 - timedelta(hours=5), resolution="重启")
    closed(acme, "C-1")
    assert [r.id for r in acme.desk.customer_view(DESK, phone="13800138000").requests] == [
        "R-resolved", "C-1",
    ]  # fmt: skip


def test_the_view_shows_the_register_key_flag_and_watch_lists(acme: ItsmCore) -> None:
    acme.satisfaction.customers.register(RM, "ACME", name="艾克米公司", key=True)
    view = acme.desk.customer_view(DESK, phone="13800138000")
    assert (view.name, view.key) == ("艾克米公司", True)
    assert [e.reason.value for e in view.watch] == ["key_customer"]
    assert not view.low_satisfaction
    assert view.period == "2026-06"
    other = acme.desk.customer_view(DESK, phone="13900139000")
    assert (other.name, other.key, other.watch) == (None, False, ())


def test_the_view_lists_open_improvement_items(acme: ItsmCore) -> None:
    item = acme.improvements.propose(
        OM, source_kind="service_review", source_ref="rev-1", description="夜间值班",
        quality_indicators=[("响应", "≤ 15 分钟")], owner="owner-1",
        period=timedelta(days=30), customer="ACME",
    )  # fmt: skip
    view = acme.desk.customer_view(DESK, phone="13800138000")
    assert [i.id for i in view.open_improvements] == [item.id]
    assert acme.desk.customer_view(DESK, phone="13900139000").open_improvements == ()


def _internal_complaint(core: ItsmCore) -> str:
    complaint = core.complaints.receive(
        SPECIALIST, customer="ACME", complainant={"name": SECRET, "contact": "内线 8001"},
        origin=Origin.INTERNAL, channel="hotline", source="complaint_channel",
        summary="工单升级不及时", party_complained_about="二线网络组",
    )  # fmt: skip
    return complaint.id


def test_open_complaints_are_listed_and_closed_ones_are_not(acme: ItsmCore) -> None:
    complaint_id = _internal_complaint(acme)
    view = acme.desk.customer_view(DESK, phone="13800138000")
    assert [c.id for c in view.open_complaints] == [complaint_id]
    assert view.to_dict()["open_complaints"] == [
        {"id": complaint_id, "state": "received", "origin": "internal"}
    ]


@pytest.mark.parametrize("reader", [DESK, RM, OM, ENGINEER])
def test_an_internal_complainant_never_shows_in_the_view(acme: ItsmCore, reader: object) -> None:
    _internal_complaint(acme)
    view = acme.desk.customer_view(reader, phone="13800138000")  # type: ignore[arg-type]
    assert view.open_complaints
    assert SECRET not in repr(view)
    assert SECRET not in repr(view.to_dict())
    assert SECRET not in view.describe("zh") + view.describe("en")


def test_the_complaint_specialist_sees_the_internal_complainant(acme: ItsmCore) -> None:
    _internal_complaint(acme)
    view = acme.desk.customer_view(SPECIALIST, phone="13800138000")
    assert SECRET in repr(view.open_complaints)


def test_an_unknown_number_names_how_to_record_it(acme: ItsmCore) -> None:
    with pytest.raises(NotFound, match=r"\+8613700137000.*add_contact"):
        acme.desk.customer_view(DESK, phone="13700137000")


@pytest.mark.parametrize(
    "given", [{}, {"phone": "13800138000", "email": "zhao@acme.example"}, {"phone": "12"}]
)
def test_exactly_one_valid_number_or_address(acme: ItsmCore, given: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        acme.desk.customer_view(DESK, **given)


def test_a_customer_may_not_read_the_view(acme: ItsmCore) -> None:
    with pytest.raises(AccessDenied):
        acme.desk.customer_view(CUSTOMER, phone="13800138000")


def test_describe_lists_the_customer_then_its_requests(acme: ItsmCore, clock: FrozenClock) -> None:
    acme.satisfaction.customers.register(RM, "ACME", name="艾克米公司", key=True)
    record(acme, "R-1", kind="failure", summary="打印机卡纸")
    zh = acme.desk.customer_view(DESK, phone="13800138000").describe("zh")
    assert zh.splitlines() == ["艾克米公司 (ACME): 重要客户", "  R-1 故障 处理中 打印机卡纸"]
    en = acme.desk.customer_view(DESK, phone="13800138000").describe("en")
    assert en.splitlines()[1] == "  R-1 failure open 打印机卡纸"
