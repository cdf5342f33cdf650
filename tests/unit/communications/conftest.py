"""Fixtures and helpers of the customer communications tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from itsm_core import Actor, FrozenClock, ItsmCore, Role
from itsm_core.calendars import BusinessCalendar
from itsm_core.communications import CustomerNotice
from itsm_core.testing import RecordingNotifier

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=TZ)  # a Monday

DESK = Actor("desk-1", [Role.SERVICE_DESK], "服务台")
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER], "用户关系经理")
ENGINEER = Actor("eng-1", [Role.ENGINEER], "工程师")
SPECIALIST = Actor("cs-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
CUSTOMER = Actor("ACME", [Role.CUSTOMER], "客户")
NOBODY = Actor("nobody", [], "无角色")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def core(clock: FrozenClock, recorder: RecordingNotifier) -> ItsmCore:
    made = ItsmCore(
        "memory://",
        clock=clock,
        plugins=[recorder],
        load_entrypoints=False,
        calendar=BusinessCalendar.china(),
    )
    made.satisfaction.customers.register(RM, "ACME", name="ACME 集团", key=True)
    made.satisfaction.customers.register(RM, "BETA", name="Beta 公司")
    return made


RECIPIENTS: list[dict[str, Any]] = [
    {"customer": "ACME", "channels": ["email"], "contact": "it@acme.example"},
    {"customer": "BETA", "channels": ["email"], "contact": "ops@beta.example",
     "main_affected": True},
    {"customer": "GAMMA", "channels": ["webhook"], "contact": "https://gamma.example/hook"},
]  # fmt: skip


def announced(core: ItsmCore, **overrides: Any) -> CustomerNotice:
    fields: dict[str, Any] = {
        "kind": "planned_outage",
        "title": "核心交换机升级停机",
        "body": "6 月 6 日 22:00 至 24:00 网络中断，请提前保存工作。",
        "starts_at": T0 + timedelta(days=5, hours=13),
        "ends_at": T0 + timedelta(days=5, hours=15),
        "services": ["network"],
        "change_id": "CHG-1024",
        "recipients": RECIPIENTS,
    }
    fields.update(overrides)
    return core.communications.notices.announce(DESK, **fields)


def issued(core: ItsmCore, **overrides: Any) -> CustomerNotice:
    notice = announced(core, **overrides)
    return core.communications.notices.issue(DESK, notice.id)
