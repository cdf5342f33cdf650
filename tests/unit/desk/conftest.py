"""Fixtures and helpers of the service desk tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from itsm_core import Actor, FrozenClock, ItsmCore, Role
from itsm_core.satisfaction import ServiceRecord
from itsm_core.testing import RecordingNotifier

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=TZ)  # a Monday

DESK = Actor("desk-li", [Role.SERVICE_DESK], "服务台李")
DESK2 = Actor("desk-zhou", [Role.SERVICE_DESK], "服务台周")
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER], "用户关系经理")
SPECIALIST = Actor("cs-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
OM = Actor("om-1", [Role.OPERATIONS_MANAGER], "运维经理")
ENGINEER = Actor("eng-wang", [Role.ENGINEER], "王工")
AUTHOR = Actor("kb-chen", [Role.ENGINEER], "知识作者陈")
CUSTOMER = Actor("zhao", [Role.CUSTOMER], "客户赵")

SECRET = "内部投诉人张三"
"""An internal complainant's identity: only the complaint specialist may see it."""


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def core(clock: FrozenClock, recorder: RecordingNotifier) -> ItsmCore:
    return ItsmCore("memory://", clock=clock, plugins=[recorder], load_entrypoints=False)


def record(core: ItsmCore, record_id: str, **overrides: Any) -> ServiceRecord:
    """Register a service record of ACME (open unless instants say otherwise)."""
    fields: dict[str, Any] = {
        "customer": "ACME",
        "service": "desktop",
        "opened_at": T0 - timedelta(days=1),
        "engineer": ENGINEER.id,
        "summary": f"请求 {record_id}",
    }
    fields.update(overrides)
    return core.satisfaction.service_records.register(DESK, record_id, **fields)


def closed(core: ItsmCore, record_id: str, hours: int = 2, **overrides: Any) -> ServiceRecord:
    """Register a closed record: the later ``hours``, the earlier it was opened and closed."""
    opened = T0 - timedelta(days=2, hours=hours)
    fields: dict[str, Any] = {
        "opened_at": opened,
        "resolved_at": opened + timedelta(hours=1),
        "closed_at": opened + timedelta(hours=2),
        "resolution": "已处理",
    }
    return record(core, record_id, **{**fields, **overrides})
