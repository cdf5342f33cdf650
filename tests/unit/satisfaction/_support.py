"""Shared builders for the satisfaction capture tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from itsm_core import Actor, FrozenClock, ItsmCore
from itsm_core.satisfaction import SatisfactionPolicy, ServiceRecord

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 5, 11, 9, 0, tzinfo=SH)  # a Monday

DESK = Actor("desk-1", ["service_desk"], "服务台")
COORD = Actor("coord-1", ["coordinator"], "协调员")
OM = Actor("om-1", ["operations_manager"], "运维经理")
PM = Actor("pm-1", ["project_manager"], "项目经理")
RM = Actor("rm-1", ["relationship_manager"], "用户关系经理")
QS = Actor("qs-1", ["quality_specialist"], "质控专员")
ENG = Actor("eng-li", ["engineer"], "李工")
SPECIALIST = Actor("cs-1", ["complaint_specialist"], "投诉专员")


def customer_actor(person: str) -> Actor:
    """A customer's person acting for themselves."""
    return Actor(person, ["customer"])


def make_core(
    *, plugins: list[object] | None = None, **policy: Any
) -> tuple[ItsmCore, FrozenClock]:
    """A memory-backed facade at :data:`T0` with the given policy settings."""
    clock = FrozenClock(T0)
    core = ItsmCore(
        clock=clock,
        plugins=plugins or [],
        load_entrypoints=False,
        satisfaction_policy=SatisfactionPolicy(**policy),
    )
    return core, clock


def closed_record(
    core: ItsmCore,
    record_id: str,
    *,
    closed_at: datetime = T0 + timedelta(hours=3),
    customer: str = "acme",
    service: str = "desktop",
    engineer: str | None = "eng-li",
    requester: str | None = "alice",
    **kw: Any,
) -> ServiceRecord:
    """Register a record opened, resolved and closed before ``closed_at``."""
    return core.satisfaction.service_records.register(
        DESK,
        record_id,
        customer=customer,
        service=service,
        engineer=engineer,
        requester=requester,
        resolution=kw.pop("resolution", "replaced the cable"),
        opened_at=kw.pop("opened_at", closed_at - timedelta(hours=2)),
        resolved_at=kw.pop("resolved_at", closed_at - timedelta(hours=1)),
        closed_at=closed_at,
        **kw,
    )


@attrs.define
class FakeComplaint:
    id: str


@attrs.define
class FakeOpener:
    """A complaint opener idempotent on ``(source, source_ref)``, like the real one."""

    calls: list[dict[str, Any]] = attrs.Factory(list)
    opened: dict[tuple[str, str], FakeComplaint] = attrs.Factory(dict)
    fail: int = 0

    def receive(self, actor: Actor, **kw: Any) -> FakeComplaint:
        self.calls.append(kw)
        if self.fail > 0:
            self.fail -= 1
            raise ConnectionError("complaint service unavailable")
        key = (str(kw["source"]), str(kw["source_ref"]))
        if key not in self.opened:
            self.opened[key] = FakeComplaint(f"cmp-{len(self.opened) + 1}")
        return self.opened[key]
