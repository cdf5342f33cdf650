"""Scale-out on PostgreSQL: tick and command throughput with 1, 2 and 4 worker processes.

Every worker is a spawned process with its own :class:`ItsmCore` on the same schema
and a notifier that appends each event it receives to a file of its own. After a
run, every event committed must have been delivered exactly once, across all
workers: no level fired twice, no event relayed twice.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _common import T0, Figure, Stores, facade, plain_url

from itsm_core import SYSTEM, FrozenClock, ItsmCore, hookimpl
from itsm_core.kernel.events import DomainEvent
from itsm_core.sla import CLOCK_SPEC, SlaClock, Target

SPAWN = multiprocessing.get_context("spawn")
FAST = Target("desktop", "P1", "resolution", timedelta(hours=1), calendar="default")


class Recorder:
    """A notifier writing each event id it receives to a file (one line each)."""

    plugin_name = "bench-recorder"

    def __init__(self, path: str) -> None:
        self.out = Path(path).open("a", encoding="utf-8")  # noqa: SIM115

    @hookimpl
    def itsm_on_event(self, event: DomainEvent) -> None:
        self.out.write(event.event_id + "\n")
        self.out.flush()


def _worker(job: str, url: str, n: int, first: int, record: str, barrier: Any, out: Any) -> None:
    recorder = Recorder(record)
    if job == "tick":
        late = T0 + timedelta(days=30)
        core = ItsmCore(url, clock=FrozenClock(late), plugins=[recorder],
                        load_entrypoints=False, auto_relay=False)  # fmt: skip
    else:
        core = ItsmCore(url, clock=FrozenClock(T0), plugins=[recorder], load_entrypoints=False)
    with core:
        barrier.wait(timeout=120)
        begin = time.perf_counter()
        done = 0
        if job == "tick":
            while (fired := core.sla.tick(SYSTEM, batch_size=50).fired) > 0:
                done += fired
        else:
            from _path import run_path

            for i in range(n):
                run_path(core, first + i)
                done += 1
        while core.relay(limit=200).claimed:  # deliver what is left
            pass
        out.put((done, time.perf_counter() - begin))
    recorder.out.close()


def _seed_due(core: ItsmCore, count: int) -> None:
    with core.storage.unit_of_work() as uow:
        for i in range(count):
            clock = SlaClock.start(
                clock_id=f"due-{i:06d}", subject_kind="ticket", subject_id=f"T-{i}",
                target=FAST, calendars=core.calendars.get, actor=SYSTEM, at=T0,
            )  # fmt: skip
            uow.save(CLOCK_SPEC, clock)
        uow.commit()


def _run(job: str, url: str, workers: int, amount: int, folder: Path) -> tuple[int, float, bool]:
    """Run ``workers`` processes; return (work done, wall seconds, each event delivered once)."""
    barrier = SPAWN.Barrier(workers)
    out = SPAWN.Queue()
    files = [str(folder / f"{job}-{workers}-{w}.txt") for w in range(workers)]
    per = amount // workers
    procs = [
        SPAWN.Process(target=_worker, args=(job, url, per, w * per, files[w], barrier, out))
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=1800) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    delivered: list[str] = []
    for f in files:
        if Path(f).exists():
            delivered += Path(f).read_text(encoding="utf-8").split()
    engine = sa.create_engine(plain_url(url), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        committed = {r[0] for r in connection.exec_driver_sql("SELECT event_id FROM itsm_events")}
    engine.dispose()
    once = len(delivered) == len(set(delivered)) and set(delivered) == committed
    return sum(r[0] for r in results), max(r[1] for r in results), once


def scale_figures(
    stores: Stores, clocks: int, paths: int, folder: Path, counts: tuple[int, ...] = (1, 2, 4)
) -> list[Figure]:
    """Tick and command throughput on PostgreSQL with 1, 2 and 4 workers (``counts``)."""
    figures: list[Figure] = []
    rates: dict[tuple[str, int], float] = {}
    for job, amount in (("tick", clocks), ("commands", paths)):
        for workers in counts:
            url = stores.url("postgres")
            with facade(url, auto_relay=False) as core:
                if job == "tick":
                    _seed_due(core, amount)
            done, wall, once = _run(job, url, workers, amount, folder)
            expected = 4 * amount if job == "tick" else amount // workers * workers
            rates[(job, workers)] = done / wall
            unit = "levels/s" if job == "tick" else "paths/s"
            if workers == 1:
                continue
            figures.append(
                Figure(
                    f"scale-out, postgres, {job}: {workers} workers vs 1 ({unit})",
                    rates[(job, workers)], rates[(job, 1)], "info", 0.0,
                    unit=unit, baseline_name=f"the same {job} with 1 worker",
                    agree=once and done == expected,
                    note="throughput; each event delivered exactly once" if once else
                    "AN EVENT WAS DELIVERED TWICE OR NOT AT ALL",
                    extra={"workers": workers, "done": done, "wall_s": wall},
                )
            )
    return figures


def describe(figures: list[Figure]) -> list[str]:
    """Lines for the scale-out section."""
    return [
        f"  {f.name}: {f.value:,.1f} vs {f.baseline:,.1f} {f.unit} "
        f"(x{f.value / f.baseline:.2f}), delivered once: {'yes' if f.agree else 'NO'}"
        for f in figures
    ]

