"""Benchmark of the README complaint path on ``memory://``.

Run ``python bench/memory_path.py [--paths N] [--clocks 10000,100000]``. It prints
medians, each as a ratio against a baseline measured in the same process:

* **path / bare transitions**: the eleven commands of the README path (receive,
  dispatch, record_finding, judge, register_project, apologise, resolve,
  require_improvement, improvements.follow_up, give_feedback, callback) on
  ``memory://`` with ``auto_relay`` on, against bare ``transitions``
  (``Machine(model=None)`` and ``events[e].trigger(obj)``) firing the same
  complaint transitions, one per command, on an attrs object (target: at most 3x);
* **path with N running SLA clocks / empty store**: the same path in a store that
  also holds N running clocks of other subjects, against the path in an empty
  store (target: at most 1.2x); twice: with the clocks' start events relayed, and
  with them waiting in the outbox (stored with ``commit`` and never relayed: a
  backlog);
* **memory per open complaint**: ``tracemalloc`` growth of the store per complaint
  received and left open, with its events relayed (target: at most 1 KB).

Times are CPU time of the process (``time.process_time``: every thread of it,
relay threads included), so that other processes on a busy machine distort them
less than wall time; ``--wall`` measures wall time instead. The load average is
printed: compare figures taken under the same load only.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from transitions import Machine

from itsm_core import SYSTEM, Actor, FrozenClock, ItsmCore
from itsm_core.sla import CLOCK_SPEC, SlaClock, Target

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LI = Actor("li", ["complaint_specialist"], "李专员")
ZHAO = Actor("zhao", ["relationship_manager"], "赵经理")

#: The complaint transitions of the path, one per command.
PATH_EVENTS = (
    ("dispatch", "received", "investigating"),
    ("record_finding", "investigating", "investigating"),
    ("judge_valid", "investigating", "valid"),
    ("register", "valid", "registered"),
    ("apologise", "registered", "apologised"),
    ("resolve", "apologised", "resolved"),
    ("require_improvement", "resolved", "improving"),
    ("improvement_met", "improving", "handled"),
    ("give_feedback", "handled", "feedback_given"),
    ("close_satisfied", "feedback_given", "closed"),
)
STATES = ("received", "investigating", "valid", "registered", "apologised", "resolved",
          "improving", "handled", "feedback_given", "closed")  # fmt: skip


@attrs.define(eq=False)
class _Bare:
    id: str
    state: str = "received"


_MACHINE = Machine(
    model=None,
    states=list(STATES),
    initial="received",
    transitions=[{"trigger": e, "source": s, "dest": d} for e, s, d in PATH_EVENTS],
    auto_transitions=False,
)


def bare_path() -> None:
    """The baseline: a new object, then one trigger per command (eleven; create included)."""
    obj = _Bare("c-1")
    for event, _source, _dest in PATH_EVENTS:
        _MACHINE.events[event].trigger(obj)
    assert obj.state == "closed"


def readme_path(core: ItsmCore) -> None:
    """The eleven commands of the README (with ``auto_relay``, as there)."""
    c = core.complaints.receive(
        LI, customer="ACME", complainant="王先生", origin="external", channel="hotline",
        source="complaint_channel", summary="VPN down twice this week",
        party_complained_about="network team",
    )  # fmt: skip
    complaints = core.complaints
    complaints.dispatch(ZHAO, c.id, handler="network-lead")
    complaints.record_finding(LI, c.id, finding="a faulty switch port")
    complaints.judge(LI, c.id, verdict="valid", reason="the outages are confirmed")
    complaints.register_project(LI, c.id)
    complaints.apologise(LI, c.id, apology="we apologise for the outages")
    complaints.resolve(LI, c.id, resolution="the port was replaced")
    c = complaints.require_improvement(
        LI, c.id, cause="no spare-port check", description="check spare ports weekly",
        quality_indicators=["repeat outages: 0 in 30 days"], owner="network-lead",
        period=timedelta(days=5),
    )  # fmt: skip
    core.improvements.follow_up(LI, c.improvement_id, met=True, note="checks are done")
    complaints.give_feedback(LI, c.id, result="told the customer what changed")
    closed = complaints.callback(LI, c.id, satisfied=True)
    assert closed.state == "closed"


def new_core() -> ItsmCore:
    return ItsmCore("memory://", clock=FrozenClock(START), load_entrypoints=False)


def seed_clocks(core: ItsmCore, count: int, chunk: int = 5_000) -> None:
    """Store ``count`` running clocks of tickets; their start events stay in the outbox."""
    target = Target("desktop", "P4", "resolution", timedelta(hours=400), calendar="default")
    for first in range(0, count, chunk):
        with core.storage.unit_of_work() as uow:
            for i in range(first, min(count, first + chunk)):
                clock = SlaClock.start(
                    clock_id=f"bench-{i:07d}",
                    subject_kind="ticket",
                    subject_id=f"T-{i}",
                    target=target,
                    calendars=core.calendars.get,
                    actor=SYSTEM,
                    at=START,
                )
                uow.save(CLOCK_SPEC, clock)
            uow.commit()


TIMER: Callable[[], float] = time.process_time


def median_seconds(call: Callable[[], Any], repeats: int, inner: int = 1) -> float:
    """The median over ``repeats`` of the mean time of ``inner`` calls."""
    call()  # warm up
    timer = TIMER
    times: list[float] = []
    for _ in range(repeats):
        t0 = timer()
        for _ in range(inner):
            call()
        times.append((timer() - t0) / inner)
    return statistics.median(times)


def path_ratio(paths: int) -> tuple[float, float]:
    """Return (seconds per path, seconds per bare path)."""
    core = new_core()
    path = median_seconds(lambda: readme_path(core), paths)
    bare = median_seconds(bare_path, paths * 5, inner=50)
    return path, bare


def clocks_ratio(clocks: int, paths: int, backlog: bool) -> tuple[float, float]:
    """Return (seconds per path with ``clocks`` running clocks, seconds in an empty store).

    :param backlog: leave the clocks' start events in the outbox (else relay them first).
    """
    empty = new_core()
    full = new_core()
    seed_clocks(full, clocks)
    if not backlog:
        full.runtime.relay.run(limit=clocks)
    gc.collect()
    base = median_seconds(lambda: readme_path(empty), paths)
    loaded = median_seconds(lambda: readme_path(full), paths)
    return loaded, base


def memory_per_complaint(count: int) -> float:
    """Bytes of store growth per complaint received and left open."""
    core = new_core()
    receive = core.complaints.receive
    receive(
        LI, customer="ACME", complainant="王先生", origin="external", channel="hotline",
        source="complaint_channel", summary="warm up", party_complained_about="network team",
    )  # fmt: skip
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(count):
        receive(
            LI, customer="ACME", complainant="王先生", origin="external", channel="hotline",
            source="complaint_channel", summary=f"VPN down twice this week ({i})",
            party_complained_about="network team",
        )  # fmt: skip
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=60, help="paths per median")
    parser.add_argument("--clocks", default="10000,100000", help="running clocks (comma list)")
    parser.add_argument("--complaints", type=int, default=2_000, help="for memory per complaint")
    parser.add_argument("--wall", action="store_true", help="wall time instead of CPU time")
    args = parser.parse_args(argv)
    global TIMER
    TIMER = time.perf_counter if args.wall else time.process_time
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("times: " + ("wall" if args.wall else "CPU (process_time)"))
    path, bare = path_ratio(args.paths)
    print(
        f"README path on memory://: {path * 1e3:.2f} ms; bare transitions {bare * 1e6:.1f} µs; "
        f"ratio {path / bare:.1f}x (target <= 3x)"
    )
    for n in (int(x) for x in args.clocks.split(",") if x.strip()):
        for backlog in (False, True):
            loaded, base = clocks_ratio(n, args.paths, backlog)
            what = "outbox backlog" if backlog else "relayed"
            print(
                f"path with {n:,} running clocks ({what}): {loaded * 1e3:.2f} ms vs "
                f"empty store {base * 1e3:.2f} ms; ratio {loaded / base:.2f}x (target <= 1.2x)"
            )
    per = memory_per_complaint(args.complaints)
    print(f"memory per open complaint: {per / 1024:.2f} KB (target <= 1 KB)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
