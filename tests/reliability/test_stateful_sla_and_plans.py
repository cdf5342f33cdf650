"""SLA clocks and review plans: random command sequences on every backend, against models.

The models come from the domain (DOMAIN §5, §4), not from the library's tables:

- an SLA clock counts business time while running; it may be paused (waiting
  for the customer) and resumed; a reset starts the count again; a change of
  target or a recalculation keeps it where it is; once stopped the promise is
  settled and nothing changes it. A warning or a breach is a mark, never a state.
- a review plan schedules the next reviews while it is active, keeping
  ``ahead`` of them waiting; once ended it schedules nothing more and the
  reviews it scheduled stay.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from itsm_core import Actor, Role
from itsm_core.sla import Target

from .machine import BackendMachine, run_machine
from .stores import BACKENDS, Stores, stores_fixture  # noqa: F401 (the fixture)

DESK = Actor("desk-1", [Role.SERVICE_DESK], "服务台")
PM = Actor("pm-1", [Role.PROJECT_MANAGER], "项目经理")

# state -> command -> next state (absent: refused)
CLOCK_MODEL: dict[str, dict[str, str]] = {
    "running": {
        "pause": "paused", "stop": "stopped", "reset": "running",
        "change_target": "running", "recalculate": "running",
    },
    "paused": {
        "resume": "running", "stop": "stopped", "reset": "running",
        "change_target": "paused", "recalculate": "paused",
    },
    "stopped": {},
}  # fmt: skip
CLOCK_COMMANDS = ["pause", "resume", "stop", "reset", "change_target", "recalculate"]


class ClockMachine(BackendMachine):
    """One SLA clock driven by every command, with time passing and ticks between."""

    def __init__(self, stores: Stores, backend: str) -> None:
        super().__init__(stores, backend)
        self.state = "running"
        self.clock_id = ""
        self.breached = False

    @initialize(hours=st.integers(1, 8))
    def start(self, hours: int) -> None:
        core = self.open()
        started = core.sla.start(
            DESK, subject_kind="ticket", subject_id="INC-1",
            target=Target("desktop", "P1", "resolution", timedelta(hours=hours)),
            handler="eng-1", customer="acme",
        )  # fmt: skip
        self.clock_id = started.id

    def snapshot(self) -> tuple[Any, ...]:
        got = self.c.sla.get(DESK, self.clock_id)
        return got.state.value, got.version, len(self.c.sla.history(DESK, self.clock_id))

    @rule(command=st.sampled_from(CLOCK_COMMANDS), hours=st.integers(1, 12))
    def command(self, command: str, hours: int) -> None:
        sla, cid = self.c.sla, self.clock_id
        calls = {
            "pause": lambda: sla.pause(DESK, cid, reason="等待客户"),
            "resume": lambda: sla.resume(DESK, cid),
            "stop": lambda: sla.stop(DESK, cid, reason="已解决"),
            "reset": lambda: sla.reset(DESK, cid, reason="重新受理"),
            "change_target": lambda: sla.change_target(
                DESK, cid, target=Target("desktop", "P1", "resolution", timedelta(hours=hours))
            ),
            "recalculate": lambda: sla.recalculate(DESK, cid),
        }
        dest = CLOCK_MODEL[self.state].get(command)
        result = self.attempt(command, calls[command], dest is not None, self.snapshot)
        if dest is not None:
            assert result.state.value == dest
            self.state = dest

    @rule(hours=st.integers(0, 30))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)
        self.c.sla.tick(DESK)
        assert self.c.sla.get(DESK, self.clock_id).state.value == self.state

    @precondition(lambda self: self.core is not None)
    @invariant()
    def the_clock_is_where_the_model_says(self) -> None:
        state, version, events = self.snapshot()
        assert state == self.state
        assert version == events  # one event per version

    @precondition(lambda self: self.core is not None)
    @invariant()
    def a_stopped_clock_counts_nothing_more(self) -> None:
        if self.state != "stopped":
            return
        got = self.c.sla.get(DESK, self.clock_id)
        status = self.c.sla.status(DESK, self.clock_id)
        later = self.c.sla.status(DESK, self.clock_id, at=self.clock.now() + timedelta(days=3))
        assert got.state.value == "stopped"
        assert attrs.evolve(status, at=later.at) == later


class PlanMachine(BackendMachine):
    """One review plan scheduled and ended at random, time passing between."""

    def __init__(self, stores: Stores, backend: str) -> None:
        super().__init__(stores, backend)
        self.active = True
        self.plan_id = ""
        self.reviews: tuple[str, ...] = ()

    @initialize(cadence=st.sampled_from(["monthly", "quarterly"]))
    def create(self, cadence: str) -> None:
        plan = self.open().reviews.create_plan(
            PM, customer="ACME", cadence=cadence, first_period_start=self.clock.now()
        )
        self.plan_id = plan.id
        self.reviews = plan.review_ids
        assert len(self.reviews) == 1  # one review waiting (ahead=1)

    def snapshot(self) -> tuple[Any, ...]:
        plan = self.c.reviews.get_plan(PM, self.plan_id)
        return plan.state.value, plan.version, plan.review_ids

    @rule()
    def schedule(self) -> None:
        plan = self.attempt(
            "schedule", lambda: self.c.reviews.schedule(PM, self.plan_id), self.active,
            self.snapshot,
        )  # fmt: skip
        if plan is None:
            return
        assert plan.review_ids[: len(self.reviews)] == self.reviews  # scheduled ones stay
        now = self.clock.now()
        waiting = [r for r in plan.review_ids if self.c.reviews.get(PM, r).scheduled_at > now]
        assert len(waiting) >= 1, "an active plan keeps a review waiting"
        self.reviews = plan.review_ids

    @rule()
    def end(self) -> None:
        ended = self.attempt(
            "end", lambda: self.c.reviews.end_plan(PM, self.plan_id, reason="合同结束"),
            self.active, self.snapshot,
        )  # fmt: skip
        if ended is not None:
            assert ended.state.value == "ended"
            self.active = False

    @rule(days=st.integers(1, 120))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)

    @precondition(lambda self: self.core is not None)
    @invariant()
    def the_plan_is_where_the_model_says(self) -> None:
        state, _, reviews = self.snapshot()
        assert state == ("active" if self.active else "ended")
        assert reviews == self.reviews
        for review in reviews:
            assert self.c.reviews.get(PM, review).customer == "ACME"


@pytest.mark.parametrize("backend", BACKENDS)
def test_sla_clock_lifecycle(stores: Stores, backend: str) -> None:
    run_machine(ClockMachine, stores, backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_review_plan_lifecycle(stores: Stores, backend: str) -> None:
    run_machine(PlanMachine, stores, backend, steps=15)
