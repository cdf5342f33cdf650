"""Fixtures and helpers of the service review tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from itsm_core import Actor, FrozenClock, ItsmCore, Role
from itsm_core.calendars import BusinessCalendar
from itsm_core.reviews import ServiceReview
from itsm_core.testing import RecordingNotifier

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=TZ)  # a Monday

PM = Actor("pm-1", [Role.PROJECT_MANAGER], "项目经理")
COORD = Actor("coord-1", [Role.COORDINATOR], "协调员")
OM = Actor("om-1", [Role.OPERATIONS_MANAGER], "运维经理")
OD = Actor("od-1", [Role.OPERATIONS_DIRECTOR], "运营总监")
CUSTOMER = Actor("zhao", [Role.CUSTOMER], "关键客户代表")
OTHER_CUSTOMER = Actor("qian", [Role.CUSTOMER], "另一客户")
NOBODY = Actor("nobody", [], "无角色")

PARTICIPANTS = [
    ("zhao", "customer_representative"),
    ("pm-1", "project_manager"),
    ("om-1", "operations_manager"),
    ("im-1", "incident_manager"),
    ("od-1", "operations_director"),
    ("coord-1", "coordinator"),
]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def core(clock: FrozenClock, recorder: RecordingNotifier) -> ItsmCore:
    return ItsmCore(
        "memory://",
        clock=clock,
        plugins=[recorder],
        load_entrypoints=False,
        calendar=BusinessCalendar.china(),
    )


def planned(core: ItsmCore, **overrides: Any) -> ServiceReview:
    fields: dict[str, Any] = {
        "customer": "ACME",
        "scheduled_at": T0 + timedelta(days=3, hours=1),
        "period_start": datetime(2026, 3, 1, tzinfo=TZ),
        "period_end": datetime(2026, 6, 1, tzinfo=TZ),
    }
    fields.update(overrides)
    return core.reviews.plan(PM, **fields)


def prepared(core: ItsmCore, **overrides: Any) -> ServiceReview:
    review = planned(core)
    fields: dict[str, Any] = {
        "scope": "desktop and network, Q2",
        "topics": ["业务需求", "SLA 完成情况", "工作量和服务范围"],
        "agenda": ["SLA 报告", "客户意见", "改进计划"],
        "participants": PARTICIPANTS,
    }
    fields.update(overrides)
    return core.reviews.prepare(COORD, review.id, **fields)


def held(core: ItsmCore, **overrides: Any) -> ServiceReview:
    review = prepared(core)
    fields: dict[str, Any] = {
        "attended": ["zhao", "pm-1", "om-1"],
        "record": "SLA met except the network; the customer asks for weekly reports",
        "opinions": [("zhao", "suggestion", "weekly network report")],
        "at": T0 + timedelta(days=3, hours=1),
    }
    fields.update(overrides)
    return core.reviews.hold(PM, review.id, **fields)


def minuted(core: ItsmCore) -> ServiceReview:
    review = held(core)
    return core.reviews.minute(
        COORD, review.id, minutes="minutes of the Q2 review", at=T0 + timedelta(days=4)
    )


def action(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "description": "send a weekly network report",
        "owner": "network-lead",
        "due_at": T0 + timedelta(days=30),
        "quality_indicators": {"报告及时率": "100%"},
        "service": "network",
    }
    fields.update(overrides)
    return fields
