"""Volume: bulk loads against raw Core executemany, CSAT in the database against a
hand-written GROUP BY, the SLA tick, import and start-up times, memory per complaint."""

from __future__ import annotations

import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from _common import LI, T0, Figure, Stores, facade, plain_url, timed

from itsm_core import SYSTEM, Actor, FrozenClock, ItsmCore
from itsm_core.satisfaction import RESPONSE_SPEC, SERVICE_RECORD_SPEC
from itsm_core.storage.sqlalchemy.tables import library_metadata

IMPORTER = Actor("importer", ["system"])
READER = Actor("bench-qs", ["quality_specialist"])
SERVICES = ("desktop", "network", "storage", "erp", "mail", "print")
CUSTOMERS = tuple(f"customer-{i:02d}" for i in range(40))
CHANNELS = ("monthly", "ticket", "callback")
MONTHS = 12
PERIODS = tuple(f"{2025 + (2 + m) // 12}-{(2 + m) % 12 + 1:02d}" for m in range(MONTHS))
START = T0.replace(year=2025)  # 2025-03-02: twelve months up to 2026-02


# --------------------------------------------------------------------------- rows


def record_rows(first: int, count: int) -> list[dict[str, Any]]:
    """Service record rows (resolved, so they can be scored)."""
    rows = []
    for i in range(first, first + count):
        opened = START + timedelta(minutes=17 * i % (360 * 24 * 60))
        rows.append({
            "record_id": f"SR-{i:07d}", "customer": CUSTOMERS[i % 40], "service": SERVICES[i % 6],
            "opened_at": opened, "resolved_at": opened + timedelta(hours=2),
            "engineer": f"eng-{i % 25}", "requester": f"user-{i % 997}", "at": opened,
        })  # fmt: skip
    return rows


def response_rows(first: int, count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Response rows over twelve months, three channels, scores 2–5 (none opens a complaint:
    a dissatisfied callback would, so callbacks score 3–5)."""
    rng = random.Random(seed + first)
    rows = []
    for i in range(first, first + count):
        at = START + timedelta(days=rng.randrange(360), minutes=rng.randrange(600))
        channel = CHANNELS[i % 3]
        score = rng.choices([2, 3, 4, 5], [3, 10, 40, 46])[0]
        rows.append({
            "channel": channel, "customer": rng.choice(CUSTOMERS),
            "service": rng.choice(SERVICES), "subject_kind": "month",
            "subject_ref": f"{at.year}-{at.month:02d}",
            "score": max(score, 3) if channel == "callback" else score,
            "respondent": f"p{i % 997}", "engineer": f"eng-{i % 25}",
            "response_id": f"r{i:08d}", "at": at,
        })  # fmt: skip
    return rows


def score_rows(first: int, count: int) -> list[dict[str, Any]]:
    """Ticket score rows for the records of :func:`record_rows`."""
    return [
        {"record_id": f"SR-{i:07d}", "score": 2 + i % 4, "at": START + timedelta(days=300)}
        for i in range(first, first + count)
    ]


def load(core: ItsmCore, what: str, count: int, batch: int) -> None:
    """Load ``count`` rows of ``what`` through the bulk API, ``batch`` rows per call."""
    for first in range(0, count, batch):
        n = min(batch, count - first)
        if what == "service records":
            core.satisfaction.service_records.register_many(
                IMPORTER, records=record_rows(first, n)
            )
        elif what == "responses":
            core.satisfaction.responses.record_responses(
                IMPORTER, responses=response_rows(first, n)
            )
        else:
            core.satisfaction.responses.record_ticket_scores(IMPORTER, scores=score_rows(first, n))


# --------------------------------------------------------------------------- bulk vs Core

_WRITTEN = ("itsm_events", "itsm_outbox")


def _rows(engine: sa.Engine, table: sa.Table, skip: set[Any]) -> list[dict[str, Any]]:
    outbox = "event_id" in table.c and "seq" in table.c
    key = "event_id" if outbox else table.primary_key.columns[0].name
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(table.select())]
    return [{k: v for k, v in r.items() if k != "seq"} for r in rows if r[key] not in skip]


def bulk_vs_core(stores: Stores, kind: str, what: str, count: int, batch: int) -> Figure:
    """Loading ``count`` rows through the bulk API against Core executemany of the rows."""
    spec = SERVICE_RECORD_SPEC if what == "service records" else RESPONSE_SPEC
    url = stores.url(kind)
    with facade(url, auto_relay=False) as core:
        tables = library_metadata(core.specs)
        entity = core.storage.table(spec)  # type: ignore[attr-defined]
        if what == "ticket scores":
            load(core, "service records", count, batch)
        engine = sa.create_engine(plain_url(url), poolclass=sa.pool.NullPool)
        before = {
            name: {r["event_id"] for r in _rows(engine, tables.tables[name], set())}
            for name in _WRITTEN
        }
        seconds, _ = timed(lambda: load(core, what, count, batch))
        written = {name: _rows(engine, tables.tables[name], before[name]) for name in _WRITTEN}
        written[entity.name] = _rows(engine, tables.tables[entity.name], set())
        engine.dispose()
    raw_url = stores.url(kind)
    with facade(raw_url):
        pass
    engine = sa.create_engine(plain_url(raw_url))

    def raw() -> None:
        for first in range(0, count, batch):
            with engine.begin() as connection:
                for name in (entity.name, *_WRITTEN):
                    rows = written[name]
                    per = len(rows) // count if count else 0
                    part = rows[first * per : (first + batch) * per]
                    if part:
                        connection.execute(sa.insert(tables.tables[name]), part)

    base, _ = timed(raw)
    with engine.connect() as connection:
        copied = connection.scalar(sa.select(sa.func.count()).select_from(entity))
    engine.dispose()
    return Figure(
        f"bulk load of {count:,} {what}, {kind} ({batch:,} per batch), vs Core executemany",
        seconds / count * 1e3, base / count * 1e3, "ratio>=", 0.3, unit="ms/row",
        baseline_name="Core executemany of the same entity, event and outbox rows",
        # one entity, one event and one outbox row per row: the baseline copies the same rows
        agree=copied == count == len(written[entity.name])
        and all(len(written[name]) == count for name in _WRITTEN),
    )  # fmt: skip


# --------------------------------------------------------------------------- CSAT


def csat_figure(core: ItsmCore, kind: str, count: int, repeats: int) -> Figure:
    """CSAT by month × channel in the database against a hand-written SQL GROUP BY."""
    table = core.storage.table(RESPONSE_SPEC)  # type: ignore[attr-defined]
    engine = core.storage.engine  # type: ignore[attr-defined]
    statement = (
        sa.select(
            table.c.period, table.c.channel, sa.func.count(), sa.func.sum(table.c.top_box),
            sa.func.sum(table.c.normalised), sa.func.sum(table.c.nps_eligible),
            sa.func.sum(table.c.promoter), sa.func.sum(table.c.detractor),
        )
        .where(table.c.period.in_(PERIODS))
        .group_by(table.c.period, table.c.channel)
    )  # fmt: skip

    # per (period, channel): n, top box, normalised sum (rounded), NPS n, promoters, detractors
    Sums = dict[tuple[str, str], tuple[int, int, float, int, int, int]]

    def by_hand() -> Sums:
        with engine.connect() as connection:
            rows = connection.execute(statement)
            return {
                (r[0], r[1]): (
                    int(r[2]), int(r[3] or 0), round(float(r[4] or 0), 6), int(r[5] or 0),
                    int(r[6] or 0), int(r[7] or 0),
                )
                for r in rows
            }  # fmt: skip

    def library() -> Sums:
        figures = core.satisfaction.analysis.figures(
            READER, PERIODS, group_by=("period", "channel")
        )
        return {
            (str(f.key["period"]), str(f.key["channel"])): (
                f.tally.n, f.tally.top_box, round(f.tally.normalised_sum, 6), f.tally.nps_n,
                f.tally.promoters, f.tally.detractors,
            )
            for f in figures
        }  # fmt: skip

    lib_result, hand_result = library(), by_hand()
    samples = [(timed(library)[0], timed(by_hand)[0]) for _ in range(repeats)]  # alternated
    lib = statistics.median(a for a, _ in samples)
    hand = statistics.median(b for _, b in samples)
    total = sum(sums[0] for sums in hand_result.values())
    return Figure(
        f"CSAT by month x channel over {count:,} responses, {kind}, vs SQL GROUP BY",
        lib * 1e3, hand * 1e3, "ratio<=", 2.0,
        baseline_name="SELECT period, channel, count, sums … GROUP BY (hand-written)",
        agree=lib_result == hand_result and total == count,
    )  # fmt: skip


def replicate_responses(core: ItsmCore, count: int, chunk: int = 20_000) -> None:
    """Copy the stored responses (ids suffixed) until the store holds ``count`` of them.

    The rows are those the bulk API wrote, so every index value is the library's own.
    """
    table = core.storage.table(RESPONSE_SPEC)  # type: ignore[attr-defined]
    engine = core.storage.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        seed = [dict(r._mapping) for r in connection.execute(table.select())]
    have, copy = len(seed), 0
    while have < count:
        copy += 1
        with engine.begin() as connection:
            for first in range(0, len(seed), chunk):
                part = seed[first : first + chunk][: count - have]
                if not part:
                    break
                rows = [{**r, "id": f"{r['id']}~{count}-{copy}"} for r in part]
                connection.execute(sa.insert(table), rows)
                have += len(part)


def copy_responses(source: ItsmCore, target: ItsmCore, chunk: int = 20_000) -> None:
    """Copy the response rows of one SQL store into another (Core, for the query figure)."""
    src = source.storage.table(RESPONSE_SPEC)  # type: ignore[attr-defined]
    dst = target.storage.table(RESPONSE_SPEC)  # type: ignore[attr-defined]
    with source.storage.engine.connect() as reader, target.storage.engine.begin() as writer:  # type: ignore[attr-defined]
        result = reader.execution_options(stream_results=True).execute(src.select())
        while rows := result.fetchmany(chunk):
            writer.execute(sa.insert(dst), [dict(r._mapping) for r in rows])
    with target.storage.engine.begin() as connection:  # type: ignore[attr-defined]
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f'ANALYZE "{dst.name}"')


# --------------------------------------------------------------------------- tick


def tick_once(stores: Stores, kind: str, open_clocks: int, due: int) -> tuple[float, float, bool]:
    """One tick with ``due`` of ``open_clocks`` due, and the full scan; (tick s, scan s, agree)."""
    import sla as sla_bench  # bench/sla.py
    from _path import seed_clocks

    clock = FrozenClock(sla_bench.START)
    with facade(stores.url(kind), clock=clock, auto_relay=False,
                calendar=sla_bench.cn_calendar()) as core:  # fmt: skip
        sla_bench.seed_clocks(core, due, due)  # all due: 1 h targets
        seed_clocks(core, open_clocks - due, "ticket")  # 400 h targets, none due
        clock.set(sla_bench.START + timedelta(hours=6))
        scan, scan_fired = timed(lambda: sla_bench.ScanAllTick().run(core, clock.now()))
        tick, report = timed(lambda: core.sla.tick(SYSTEM))
    return tick, scan, report.fired == scan_fired == 4 * due


def tick_figures(stores: Stores, kind: str, open_clocks: int, due: int, big: int) -> list[Figure]:
    """One tick with ``due`` of ``open_clocks`` due, and the tick against a full scan at ``big``."""
    tick, scan, agree = tick_once(stores, kind, open_clocks, due)
    figures = [
        Figure(
            f"tick, {due:,} due of {open_clocks:,} open clocks, {kind}, per due clock",
            tick / due * 1e3, scan / due * 1e3, "abs<=", 0.3, unit="ms/clock",
            baseline_name=f"loading all {open_clocks:,} open clocks and checking each",
            agree=agree,
        )
    ]
    if big:
        few = max(1, due // 10)
        tick, scan, agree = tick_once(stores, kind, big, few)
        figures.append(
            Figure(
                f"tick, {few:,} due of {big:,} open clocks, {kind}, vs loading every one",
                tick * 1e3, scan * 1e3, "ratio>=", 10.0,
                baseline_name=f"loading all {big:,} open clocks and checking each", agree=agree,
            )
        )
    return figures


# --------------------------------------------------------------------------- start-up


# The start-up figures are measured in fresh Python processes, as a user's program starts:
# nothing of the library or its dependencies is loaded before. The children keep bytecode
# caches (of their own, in a temporary folder: ``PYTHONPYCACHEPREFIX``), as an installed
# package has them, and one unmeasured run writes them first. Times are the child's CPU
# time (``time.process_time``: the machine's load moves it less than wall time), the
# median over ``repeats`` children.
#
# "The library" is every module of itsm_core that a program which opens a store loads:
# ``from itsm_core import ItsmCore`` and what ``ItsmCore(url)`` imports on top (the SQL
# backend, say). "Its dependencies" are the third-party modules that the same loads (the
# standard library's modules that the library alone brings in count in its share). So a
# module the library loads later counts in the import figure if opening a store needs it,
# and otherwise in the first command's time (the start-up figure's note) if that needs it.

_LOADED = """
import json, sys
before = set(sys.modules)
from itsm_core import ItsmCore
ItsmCore({url!r}).close()
new = sorted(m for m in set(sys.modules) - before
             if getattr(sys.modules[m], '__spec__', None) is not None)
own = [m for m in new if m == 'itsm_core' or m.startswith('itsm_core.')]
std = sys.stdlib_module_names
deps = [m for m in new if m not in own and m.split('.')[0] not in std
        and not m.split('.')[0].startswith('_')]
print(json.dumps([deps, own]))
"""

_IMPORT = """
import time, importlib
t0 = time.process_time()
for name in {deps!r}:
    importlib.import_module(name)
t1 = time.process_time()
import itsm_core
from itsm_core import ItsmCore
for name in {own!r}:
    importlib.import_module(name)
t2 = time.process_time()
print(t1 - t0, t2 - t1)
"""

_OPEN = """
import time, importlib
from itsm_core import Actor, ItsmCore
for name in {own!r}:
    importlib.import_module(name)
li = Actor("li", ["complaint_specialist"])
t0 = time.process_time()
core = ItsmCore({url!r})
t1 = time.process_time()
core.complaints.receive(
    li, customer="ACME", complainant="王先生", origin="external", channel="hotline",
    source="complaint_channel", summary="the first command", party_complained_about="x",
)
t2 = time.process_time()
core.close()
t3 = time.process_time()
ItsmCore({url!r}).close()
t4 = time.process_time()
print(t1 - t0, t2 - t1, t4 - t3)
"""

_ENGINE = """
import time, importlib
import sqlalchemy as sa
from itsm_core import ItsmCore
for name in {own!r}:
    importlib.import_module(name)
t0 = time.process_time()
e = sa.create_engine({url!r}); c = e.connect(); c.exec_driver_sql('SELECT 1')
c.close(); e.dispose()
print(time.process_time() - t0)
"""


def _env(cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def _child(code: str, cache: str) -> str:
    """The last line a fresh child Python prints for ``code``."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_env(cache)
    ).stdout
    return out.strip().splitlines()[-1]


def _medians(code: str, repeats: int, cache: str) -> list[float]:
    """The medians, over ``repeats`` fresh children, of the numbers each prints (seconds)."""
    runs = [[float(x) for x in _child(code, cache).split()] for _ in range(repeats)]
    return [statistics.median(column) for column in zip(*runs, strict=True)]


def _existing_store(stores: Stores) -> str:
    """The URL of a SQLite file that holds one complaint (an existing store)."""
    url = stores.url("sqlite")
    with facade(url) as core:
        core.complaints.receive(
            LI, customer="ACME", complainant="王先生", origin="external", channel="hotline",
            source="complaint_channel", summary="an existing store", party_complained_about="x",
        )  # fmt: skip
    return url


def _loaded(url: str, cache: str) -> tuple[list[str], list[str]]:
    """The dependencies' and the library's modules a program opening ``url`` loads."""
    _child(_LOADED.format(url=url), cache)  # writes the bytecode caches
    deps, own = json.loads(_child(_LOADED.format(url=url), cache))
    return deps, own


def import_figure(stores: Stores, repeats: int) -> Figure:
    """Importing the library as a program that opens a store does, against its dependencies.

    In each fresh child: first the third-party modules (the baseline), then ``import
    itsm_core; from itsm_core import ItsmCore`` and the rest of the library's modules
    that opening a store loads (the library's own share). The value is the whole, as a
    program that starts with ``from itsm_core import ItsmCore`` pays it; the target is at
    most 1.5 times the dependencies alone.
    """
    url = _existing_store(stores)
    with tempfile.TemporaryDirectory(prefix="itsm-pyc-") as cache:
        deps, own = _loaded(url, cache)
        base, lib = _medians(_IMPORT.format(deps=deps, own=own), repeats, cache)
    packages = sorted({m.split(".")[0] for m in deps})
    return Figure(
        "import itsm_core + what ItsmCore(url) loads, dependencies included, "
        "vs the dependencies alone",
        (base + lib) * 1e3, base * 1e3, "ratio<=", 1.5,
        baseline_name=f"import {', '.join(packages)}; fresh processes, CPU time",
        note=f"the library's own {len(own)} modules {lib * 1e3:.1f} ms",
        extra={"dependencies": packages, "own_modules": len(own), "own_ms": lib * 1e3},
    )  # fmt: skip


def startup_figure(stores: Stores, repeats: int) -> Figure:
    """The first ``ItsmCore("sqlite:///existing.db")`` of a process that loaded the library.

    In each fresh child, after importing what the import figure measures: the first
    open of an existing SQLite store (the value: whatever the first open builds once per
    process counts here); then, in the note, its first command (a complaint received:
    what the library leaves to first use, such as a kind's table and record converter,
    is paid there) and a second open after closing the first. The baseline: SQLAlchemy
    alone opening the same file (``create_engine``, connect, ``SELECT 1``) in a child
    that loaded the same.
    """
    url = _existing_store(stores)
    with tempfile.TemporaryDirectory(prefix="itsm-pyc-") as cache:
        _, own = _loaded(url, cache)
        first, command, second = _medians(_OPEN.format(url=url, own=own), repeats, cache)
        (engine,) = _medians(_ENGINE.format(url=url, own=own), repeats, cache)
    return Figure(
        'first ItsmCore("sqlite:///existing.db") of a process, after the import',
        first * 1e3, engine * 1e3, "abs<=", 50.0,
        baseline_name="SQLAlchemy: create_engine, connect, SELECT 1; fresh processes, CPU time",
        note=f"then its first command {command * 1e3:.1f} ms; a second open "
        f"{second * 1e3:.1f} ms",
        extra={"first_command_ms": command * 1e3, "second_open_ms": second * 1e3},
    )  # fmt: skip


# --------------------------------------------------------------------------- memory


def memory_figure(count: int) -> Figure:
    """Memory per open complaint in the memory store (tracemalloc), against its record."""

    def measure(make: Callable[[int], Any]) -> tuple[float, list[Any]]:
        gc.collect()
        tracemalloc.start()
        start = tracemalloc.get_traced_memory()[0]
        kept = [make(i) for i in range(count)]
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - start
        tracemalloc.stop()
        return used / count, kept

    with facade("memory://", auto_relay=False) as core:
        receive = core.complaints.receive
        receive(
            LI, customer="ACME", complainant="warm", origin="external", channel="hotline",
            source="complaint_channel", summary="warm-up", party_complained_about="x",
        )  # fmt: skip
        per, _ = measure(
            lambda i: receive(
                LI, customer="ACME", complainant=f"王先生{i}", origin="external",
                channel="hotline", source="complaint_channel", summary=f"VPN down ({i})",
                party_complained_about="network team",
            ).id
        )  # fmt: skip
        from itsm_core.complaints import COMPLAINT_SPEC

        with core.storage.unit_of_work() as uow:
            sample = uow.find(COMPLAINT_SPEC)[-1]
        text = json.dumps(COMPLAINT_SPEC.to_record(sample), default=str)
        stored = len(core.complaints.find(LI))
    base, _ = measure(lambda i: json.loads(text))
    return Figure(
        f"memory per open complaint, memory store ({count:,} complaints)", per / 1024,
        base / 1024, "abs<=", 1.0, unit="KB",
        baseline_name="the complaint's record as a plain dict", agree=stored == count + 1,
    )  # fmt: skip
