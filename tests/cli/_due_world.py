"""A small world with something of every scheduled job due, and a worker for child processes."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from itsm_core import (
    Actor,
    FrozenClock,
    ItsmCore,
    Question,
    SatisfactionPolicy,
    hookimpl,
)
from itsm_core.kernel.events import DomainEvent
from itsm_core.sla import Target

SH = ZoneInfo("Asia/Shanghai")
DAY = datetime(2025, 9, 22, 9, 0, tzinfo=SH)  # a Monday
LATER = DAY + timedelta(days=20)  # every promise of the world is due by then
DESK = Actor("desk-1", ["service_desk"], "服务台")
RM = Actor("rm-1", ["relationship_manager"], "用户关系经理")
OM = Actor("om-1", ["operations_manager"], "运维经理")
POLICY = SatisfactionPolicy(timezone="Asia/Shanghai", callback_sample_rate=1.0)
RECORDS = 4
CLOCKS = 3


class FileRecorder:
    """A notifier appending each event it receives to a file, one JSON line each."""

    plugin_name = "file-recorder"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @hookimpl
    def itsm_on_event(self, event: DomainEvent) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"event_id": event.event_id, "name": event.name}) + "\n")
            out.flush()
            os.fsync(out.fileno())


def make_core(url: str, clock: FrozenClock, plugins: tuple[object, ...] = ()) -> ItsmCore:
    return ItsmCore(
        url,
        clock=clock,
        satisfaction_policy=POLICY,
        plugins=plugins,
        load_entrypoints=False,
        auto_relay=False,
    )


def build(core: ItsmCore, clock: FrozenClock) -> None:
    """Records closed the day before LATER, SLA clocks, a key customer, an open survey."""
    sat = core.satisfaction
    sat.customers.register(RM, "acme", name="ACME", key=True)
    for n in range(CLOCKS):
        core.sla.start(
            DESK,
            subject_kind="ticket",
            subject_id=f"INC-{n}",
            target=Target("desktop", "P1", "resolution", timedelta(hours=4)),
            handler="eng-1",
            customer="acme",
        )
    campaign = sat.surveys.create_campaign(
        OM,
        title="定期调查",
        motive="periodic",
        service="desktop",
        target_customers=["acme"],
        questions=[Question("overall", "总体满意度")],
    )
    sat.surveys.open_campaign(OM, campaign.id)
    sat.surveys.invite(OM, campaign.id, respondents=[("acme", "alice"), ("acme", "bob")])
    clock.set(LATER - timedelta(days=1))
    for n in range(RECORDS):
        opened = clock.now() + timedelta(minutes=10 * n)
        sat.service_records.register(
            DESK,
            f"REQ-{n}",
            customer="acme",
            service="desktop",
            engineer="eng-1",
            requester="alice",
            resolution="done",
            opened_at=opened,
            resolved_at=opened + timedelta(minutes=30),
            closed_at=opened + timedelta(minutes=40),
        )
    clock.set(LATER)


def run_due_in_child(url: str, recorder: str, barrier: Any, results: Any) -> None:
    """Child process: wait for the others, run every due job once, report the counts."""
    with make_core(url, FrozenClock(LATER), (FileRecorder(recorder),)) as core:
        barrier.wait(timeout=60)
        report = core.run_due()
        results.put(
            {
                "warnings": report.tick.warnings if report.tick else 0,
                "breaches": report.tick.breaches if report.tick else 0,
                "daily": report.daily_callbacks,
                "monthly": report.monthly_callbacks,
                "expired": report.expired_invitations,
                "relayed": report.relayed,
                "deferred": list(report.deferred),
            }
        )
