"""Benchmark of the SQL storage path, the SLA tick and start-up.

Run ``python bench/sql_path.py [--postgres URL] [--big N] [--repeats N]``. Every
figure is a median, and each one that has a target is a ratio against a
baseline measured in the same process (or, for start-up, by the same
interpreter), so the load of the machine cancels out as far as it can:

* ``path``: the README's complaint path (11 commands, one transaction each) on a
  SQLite file holding ``--big`` improvement clocks, against the same path on an
  empty file (target: at most 1.2x);
* ``start``: ``core.sla.start`` at 10k and ``--big`` open clocks against an empty
  store (target: at most 1.2x);
* ``raw``: the path against raw SQLAlchemy Core writing the same rows in the same
  transactions (a select and a version-checked update or an insert per entity, an
  event and an outbox row per event), with ``auto_relay`` on (the default) and off
  (target: at least 0.5x with the defaults), on SQLite and, with ``--postgres``,
  PostgreSQL;
* ``tick``: one tick with 1,000 of 10k open clocks due, per due clock, against
  loading every open clock (targets: at most 0.3 ms per due clock; the tick at
  least 10x cheaper than loading every open clock at ``--big``);
* ``import``: ``import itsm_core`` against importing its dependencies (target: at
  most 1.5x), and ``ItsmCore("sqlite:///existing.db")`` after the import
  (target: at most 50 ms), each in a new interpreter.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from itsm_core import SYSTEM, Actor, FrozenClock, ItsmCore
from itsm_core.sla import CLOCK_SPEC, SlaClock, Target
from itsm_core.storage import Query, Where

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
LI = Actor("li", ["complaint_specialist"], "李专员")
ZHAO = Actor("zhao", ["relationship_manager"], "赵经理")
DESK = Actor("desk", ["service_desk"], "服务台")


TIMER: Callable[[], float] = time.perf_counter
"""Wall-clock time by default; ``--cpu`` measures the process's CPU time instead (steadier
on a loaded machine, but a PostgreSQL server's own work is then left out on both sides)."""


def median_of(fn: Callable[[], Any], repeats: int) -> float:
    """The median seconds of ``repeats`` calls of ``fn`` (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeats):
        begin = TIMER()
        fn()
        samples.append(TIMER() - begin)
    return statistics.median(samples)


def readme_path(core: ItsmCore) -> None:
    """The README's complaint, from receipt to closure (11 commands)."""
    c = core.complaints.receive(
        LI, customer="ACME", complainant="王先生", origin="external", channel="hotline",
        source="complaint_channel", summary="VPN down twice this week",
        party_complained_about="network team",
    )
    core.complaints.dispatch(ZHAO, c.id, handler="network-lead")
    core.complaints.record_finding(LI, c.id, finding="a faulty switch port")
    core.complaints.judge(LI, c.id, verdict="valid", reason="the outages are confirmed")
    core.complaints.register_project(LI, c.id)
    core.complaints.apologise(LI, c.id, apology="we apologise for the outages")
    core.complaints.resolve(LI, c.id, resolution="the port was replaced")
    c = core.complaints.require_improvement(
        LI, c.id, cause="no spare-port check", description="check spare ports weekly",
        quality_indicators=["repeat outages: 0 in 30 days"], owner="network-lead",
        period=timedelta(days=5),
    )
    assert c.improvement_id is not None
    core.improvements.follow_up(LI, c.improvement_id, met=True, note="checks every Monday")
    core.complaints.give_feedback(LI, c.id, result="told the customer what changed")
    closed = core.complaints.callback(LI, c.id, satisfied=True)
    assert closed.state == "closed"


def open_core(url: str, *, auto_relay: bool = True) -> ItsmCore:
    """A core on ``url`` with a frozen clock and no plug-ins."""
    return ItsmCore(
        url, clock=FrozenClock(START), load_entrypoints=False, auto_relay=auto_relay,
    )


def add_copies(core: ItsmCore, count: int, *, kind: str = "improvement_item") -> None:
    """Copy the SLA clock row due last ``count`` times (new ids and subjects): open clocks."""
    table = core.storage.table(CLOCK_SPEC)  # type: ignore[attr-defined]
    engine: sa.Engine = core.storage.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:
        newest_due = table.c.next_due_at.desc().nulls_last()
        row = connection.execute(sa.select(table).order_by(newest_due).limit(1)).mappings().one()
        chunk = 5_000
        for first in range(0, count, chunk):
            rows = []
            for i in range(first, min(count, first + chunk)):
                copy = dict(row)
                copy.update(id=f"copy-{i:07d}", subject_id=f"S-{i:07d}", subject_kind=kind)
                rows.append(copy)
            connection.execute(sa.insert(table), rows)


# ------------------------------------------------------------------- path / start


def _path_and_start(url: str, clocks: int, repeats: int) -> tuple[float, float]:
    core = open_core(url)
    try:
        readme_path(core)
        if clocks:
            add_copies(core, clocks)
        n = iter(range(10**9))
        path = median_of(lambda: readme_path(core), repeats)
        target = Target("general", "P3", "improvement", timedelta(days=5))

        def start() -> None:
            core.sla.start(
                DESK, subject_kind="improvement_item", subject_id=f"new-{next(n)}", target=target
            )

        return path, median_of(start, repeats * 5)
    finally:
        core.close()


def path_and_start(folder: str, big: int, repeats: int) -> list[str]:
    """The path and ``sla.start`` on an empty SQLite file against 10k / ``big`` clocks."""
    times = {
        clocks: _path_and_start(f"sqlite:///{folder}/path-{clocks}.db", clocks, repeats)
        for clocks in (0, 10_000, big)
    }
    empty_path, empty_start = times[0]
    lines = [f"path on an empty SQLite file: {empty_path * 1e3:.1f} ms; "
             f"sla.start: {empty_start * 1e3:.2f} ms"]
    for clocks in (10_000, big):
        path, start = times[clocks]
        lines.append(
            f"  {clocks:>7,} clocks: path {path * 1e3:.1f} ms = {path / empty_path:.2f}x empty; "
            f"sla.start {start * 1e3:.2f} ms = {start / empty_start:.2f}x empty"
        )
    return lines


# ------------------------------------------------------------------- raw baseline


@dataclass
class Write:
    """One save of a path: what raw Core writes for it."""

    kind: str
    new: bool
    record: dict[str, Any]
    events: list[dict[str, Any]]


class Recorder:
    """Records each committed unit of work of a path: its saves, records and events."""

    def __init__(self) -> None:
        self.units: list[list[Write]] = []

    @contextmanager
    def recording(self, core: ItsmCore) -> Iterator[None]:
        """Record the units of work of ``core`` while inside."""
        uow_class = type(core.storage.unit_of_work())
        save, commit = uow_class.save, uow_class.commit
        current: list[Write] = []

        def recording_save(uow: Any, spec: Any, entity: Any) -> None:
            pending = list(getattr(entity, "pending_events", ()))
            current.append(Write(
                spec.kind, int(entity.version) == len(pending), spec.to_record(entity),
                [e.to_dict() for e in pending],
            ))
            save(uow, spec, entity)

        def recording_commit(uow: Any) -> Any:
            if current:
                self.units.append(list(current))
                current.clear()
            return commit(uow)

        uow_class.save, uow_class.commit = recording_save, recording_commit  # type: ignore[method-assign]
        try:
            yield
        finally:
            uow_class.save, uow_class.commit = save, commit  # type: ignore[method-assign]


class RawPath:
    """Raw SQLAlchemy Core writing the rows of one path, transaction for transaction.

    Per save: the record read by id and a version-checked update (or an insert),
    with the same record; per event: an event row with the same body and an
    outbox row. Statements are built once, as a hand-written data layer would.
    """

    def __init__(self, engine: sa.Engine, units: list[list[Write]]) -> None:
        self.engine = engine
        self.units = units
        meta = sa.MetaData()
        self.items = sa.Table(
            "raw_item", meta, sa.Column("id", sa.String, primary_key=True),
            sa.Column("version", sa.BigInteger, nullable=False),
            sa.Column("record", sa.JSON, nullable=False),
            sa.Column("kind", sa.String, index=True), sa.Column("state", sa.String, index=True),
            sa.Column("customer", sa.String, index=True),
            sa.Column("at", sa.DateTime(timezone=True), index=True),
        )
        self.events = sa.Table(
            "raw_event", meta, sa.Column("event_id", sa.String, primary_key=True),
            sa.Column("aggregate_id", sa.String), sa.Column("version", sa.BigInteger),
            sa.Column("name", sa.String), sa.Column("occurred_at", sa.DateTime(timezone=True)),
            sa.Column("body", sa.JSON),
        )
        self.outbox = sa.Table(
            "raw_outbox", meta, sa.Column("seq", sa.Integer, primary_key=True),
            sa.Column("event_id", sa.String), sa.Column("created_at", sa.DateTime(timezone=True)),
        )
        meta.drop_all(engine)
        meta.create_all(engine)
        i = self.items
        self.select = sa.select(i.c.record, i.c.version).where(i.c.id == sa.bindparam("p_id"))
        self.update = (
            sa.update(i).where(i.c.id == sa.bindparam("p_id"))
            .where(i.c.version == sa.bindparam("p_expected"))
        )
        self.insert_item = sa.insert(i)
        self.insert_event = sa.insert(self.events)
        self.insert_outbox = sa.insert(self.outbox)
        self.n = 0

    def run(self) -> None:
        """Write one path's rows."""
        now = datetime.now(UTC)
        self.n += 1
        made: dict[str, int] = {}
        for unit in self.units:
            with self.engine.begin() as connection:
                for write in unit:
                    made[write.kind] = made.get(write.kind, 0) + write.new
                    entity_id = f"{write.kind}-{self.n}-{made[write.kind]}"
                    values = {"record": write.record, "kind": write.kind, "state": "open",
                              "customer": "ACME", "at": now}
                    if write.new:
                        connection.execute(
                            self.insert_item, {"id": entity_id, "version": 1, **values}
                        )
                    else:
                        row = connection.execute(self.select, {"p_id": entity_id}).first()
                        version = row.version if row is not None else 0
                        connection.execute(
                            self.update,
                            {"p_id": entity_id, "p_expected": version, "version": version + 1,
                             **values},
                        )
                    if write.events:
                        ids = [f"{entity_id}-{time.perf_counter_ns()}-{k}"
                               for k in range(len(write.events))]
                        connection.execute(self.insert_event, [
                            {"event_id": e, "aggregate_id": entity_id, "version": k,
                             "name": body["name"], "occurred_at": now, "body": body}
                            for k, (e, body) in enumerate(zip(ids, write.events, strict=True))
                        ])
                        connection.execute(
                            self.insert_outbox, [{"event_id": e, "created_at": now} for e in ids]
                        )


def _raw_ratio(url: str, repeats: int, auto_relay: bool) -> str:
    core = open_core(url, auto_relay=auto_relay)
    try:
        recorder = Recorder()
        with recorder.recording(core):
            readme_path(core)
        raw = RawPath(core.storage.engine, recorder.units)  # type: ignore[attr-defined]
        ours = median_of(lambda: readme_path(core), repeats)
        theirs = median_of(raw.run, repeats)
    finally:
        core.close()
    saves = sum(len(u) for u in recorder.units)
    events = sum(len(w.events) for u in recorder.units for w in u)
    return (
        f"  auto_relay={auto_relay!s:<5}: path {ours * 1e3:.1f} ms, raw Core "
        f"{theirs * 1e3:.1f} ms ({len(recorder.units)} transactions, {saves} saves, "
        f"{events} events): raw / path = {theirs / ours:.2f}x"
    )


def raw_ratio(url: str, repeats: int) -> list[str]:
    """The path against raw Core on ``url``, with auto_relay on and off."""
    return [_raw_ratio(url, repeats, auto_relay) for auto_relay in (True, False)]


# ------------------------------------------------------------------------ tick


def seed_due(core: ItsmCore, open_clocks: int, due: int) -> None:
    """``open_clocks`` running clocks of which ``due`` run out within the first hours."""
    fast = Target("desktop", "P1", "resolution", timedelta(hours=1))
    slow = Target("desktop", "P4", "resolution", timedelta(hours=4000))
    every = max(1, open_clocks // max(due, 1))
    made = 0
    with core.storage.unit_of_work() as uow:
        for i in range(open_clocks):
            is_fast = made < due and i % every == 0
            made += is_fast
            uow.save(CLOCK_SPEC, SlaClock.start(
                clock_id=f"t-{i:07d}", subject_kind="ticket", subject_id=f"T-{i}",
                target=fast if is_fast else slow, calendars=core.calendars.get,
                actor=SYSTEM, at=START,
            ))
        uow.commit()


def tick_figures(url: str, open_clocks: int, due: int) -> tuple[float, float]:
    """(seconds of one tick with ``due`` due, seconds loading every open clock)."""
    clock = FrozenClock(START)
    core = ItsmCore(url, clock=clock, load_entrypoints=False, auto_relay=False)
    try:
        seed_due(core, min(open_clocks, 10_000), due)
        add_copies(core, open_clocks - min(open_clocks, 10_000), kind="ticket")
        clock.set(START + timedelta(hours=6))

        def load_all() -> None:
            with core.storage.unit_of_work() as uow:
                uow.find(CLOCK_SPEC, Query((Where("state", "in", ("running", "paused")),)))

        scan = median_of(load_all, 3)
        begin = TIMER()
        report = core.sla.tick(SYSTEM)
        tick = TIMER() - begin
        assert report.clocks == due, report
    finally:
        core.close()
    return tick, scan


def tick_lines(url_of: Callable[[str], str], big: int) -> list[str]:
    """The tick at 10k (1,000 due) and at ``big`` (1,000 due) open clocks."""
    lines = []
    for clocks in (10_000, big):
        tick, scan = tick_figures(url_of(f"tick-{clocks}"), clocks, 1_000)
        lines.append(
            f"  {clocks:>7,} open, 1,000 due: tick {tick * 1e3:.0f} ms = "
            f"{tick / 1_000 * 1e3:.3f} ms per due clock; "
            f"loading all {scan * 1e3:.0f} ms; load-all / tick = {scan / tick:.1f}x"
        )
    return lines


# --------------------------------------------------------------------- start-up


def _seconds(code: str, runs: int) -> float:
    samples = []
    env = dict(os.environ)
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


_TIMED = "import time; b = time.{timer}(); {body}; print(time.{timer}() - b)"


def startup_lines(folder: str, runs: int) -> list[str]:
    """``import itsm_core`` against its dependencies; opening an existing SQLite file."""
    deps = "import attrs, cattrs, transitions, pluggy, holidays, sqlalchemy, alembic"
    timer = TIMER.__name__
    ours = _seconds(_TIMED.format(body="import itsm_core", timer=timer), runs)
    theirs = _seconds(_TIMED.format(body=deps, timer=timer), runs)
    facade = _seconds(_TIMED.format(body="from itsm_core import ItsmCore", timer=timer), runs)
    url = f"sqlite:///{folder}/existing.db"
    ItsmCore(url, load_entrypoints=False).close()
    open_code = (
        f"import time; from itsm_core import ItsmCore; b = time.{timer}(); "
        f"ItsmCore({url!r}, load_entrypoints=False); print(time.{timer}() - b)"
    )
    open_sa = open_code.replace("import time;", "import time, sqlalchemy;")
    opened = _seconds(open_code, runs)
    opened_sa = _seconds(open_sa, runs)
    return [
        f"  import itsm_core {ours * 1e3:.0f} ms; its dependencies ({deps[7:]}) "
        f"{theirs * 1e3:.0f} ms: {ours / theirs:.2f}x",
        f"  from itsm_core import ItsmCore {facade * 1e3:.0f} ms: {facade / theirs:.2f}x",
        f"  ItsmCore('sqlite:///existing.db') after importing ItsmCore: {opened * 1e3:.0f} ms "
        f"({opened_sa * 1e3:.0f} ms with SQLAlchemy already imported)",
    ]


# ------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sections asked for and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--big", type=int, default=100_000, help="clocks of the big store")
    parser.add_argument("--repeats", type=int, default=15, help="timed samples per figure")
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL for the raw/tick runs")
    parser.add_argument(
        "--only", default="path,raw,tick,import", help="sections: path,raw,tick,import"
    )
    parser.add_argument("--cpu", action="store_true", help="measure CPU time, not wall time")
    args = parser.parse_args(argv)
    if args.cpu:
        global TIMER
        TIMER = time.process_time
    sections = set(args.only.split(","))
    print(f"load average: {os.getloadavg()[0]:.2f}; timing: {'CPU' if args.cpu else 'wall'}")
    with tempfile.TemporaryDirectory() as folder:
        if "import" in sections:
            print("start-up (medians of new interpreters):")
            for line in startup_lines(folder, max(5, args.repeats // 2)):
                print(line)
        if "path" in sections:
            for line in path_and_start(folder, args.big, args.repeats):
                print(line)
        if "raw" in sections:
            print("path against raw SQLAlchemy Core, SQLite file:")
            for line in raw_ratio(f"sqlite:///{folder}/raw.db", args.repeats):
                print(line)
            if args.postgres:
                print("path against raw SQLAlchemy Core, PostgreSQL:")
                for line in raw_ratio(args.postgres, args.repeats):
                    print(line)
        if "tick" in sections:
            print("tick, SQLite file:")
            for line in tick_lines(lambda name: f"sqlite:///{folder}/{name}.db", args.big):
                print(line)
    print(f"load average: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
