"""The README complaint path: against bare ``transitions``, with many clocks in the
store, on SQL stores against raw SQLAlchemy Core writing the same rows; and
``sla.start`` with many open clocks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import attrs
import sqlalchemy as sa
from _common import (
    LI,
    README_STEPS,
    T0,
    ZHAO,
    Figure,
    Stores,
    facade,
    median_time,
    plain_url,
    timed,
)
from transitions import Machine

from itsm_core import SYSTEM, ItsmCore
from itsm_core.kernel.lifecycle import Lifecycle
from itsm_core.sla import CLOCK_SPEC, SlaClock, Target
from itsm_core.storage.sqlalchemy.tables import library_metadata

SLOW = Target("desktop", "P4", "resolution", timedelta(hours=400), calendar="default")


def readme_steps(core: ItsmCore, n: int) -> Iterator[str]:
    """The README's complaint path, one command per step (yields each command's name)."""
    c = core.complaints.receive(
        LI, customer="ACME", complainant="王先生", origin="external", channel="hotline",
        source="complaint_channel", summary=f"VPN down twice this week ({n})",
        party_complained_about="network team",
    )  # fmt: skip
    yield "receive"
    core.complaints.dispatch(ZHAO, c.id, handler="network-lead")
    yield "dispatch"
    core.complaints.record_finding(LI, c.id, finding="a faulty switch port")
    yield "record_finding"
    core.complaints.judge(LI, c.id, verdict="valid", reason="the outages are confirmed")
    yield "judge"
    core.complaints.register_project(LI, c.id)
    yield "register_project"
    core.complaints.apologise(LI, c.id, apology="we apologise for the outages")
    yield "apologise"
    core.complaints.resolve(LI, c.id, resolution="the port was replaced")
    yield "resolve"
    c = core.complaints.require_improvement(
        LI, c.id, cause="no spare-port check", description="check spare ports weekly",
        quality_indicators=["repeat outages: 0 in 30 days"], owner="network-lead",
        period=timedelta(days=5),
    )  # fmt: skip
    yield "require_improvement"
    assert c.improvement_id is not None
    core.improvements.follow_up(LI, c.improvement_id, met=True, note="checks every Monday")
    yield "follow_up"
    core.complaints.give_feedback(LI, c.id, result="told the customer what changed")
    yield "give_feedback"
    closed = core.complaints.callback(LI, c.id, satisfied=True)
    if closed.state.value != "closed":
        raise AssertionError(f"the README path ended in {closed.state.value!r}")
    yield "callback"


def run_path(core: ItsmCore, n: int) -> None:
    """Run the whole README path once (complaint number ``n``)."""
    steps = sum(1 for _ in readme_steps(core, n))
    assert steps == README_STEPS


def paths_per_second(core: ItsmCore, count: int, first: int = 0) -> float:
    """Seconds per README path, over ``count`` paths (after one warm-up path)."""
    run_path(core, first)
    seconds, _ = timed(lambda: [run_path(core, first + 1 + i) for i in range(count)])
    return float(seconds) / count


# --------------------------------------------------------------------------- transitions


@attrs.frozen
class Fire:
    lifecycle: Lifecycle[Any]
    entity: tuple[str, str]
    before: Any
    event: str
    after: Any


def record_fires(core: ItsmCore) -> list[Fire]:
    """Run the README path once and return every lifecycle event it fired, in order."""
    fires: list[Fire] = []
    original = Lifecycle.fire

    def spy(self: Lifecycle[Any], entity: Any, event: str) -> Any:
        before = getattr(entity, self.field)
        after = original(self, entity, event)
        key = (self.entity, f"{getattr(entity, 'id', id(entity))}/{self.field}")
        fires.append(Fire(self, key, before, event, after))
        return after

    Lifecycle.fire = spy  # type: ignore[method-assign]
    try:
        run_path(core, 0)
    finally:
        Lifecycle.fire = original  # type: ignore[method-assign]
    return fires


class BareMachines:
    """The baseline: the same state changes on attrs objects with bare ``transitions``.

    One ``Machine(model=None)`` per lifecycle (the lifecycle's own, shared) and
    ``machine.events[event].trigger(obj)`` on a plain attrs object per entity.
    """

    def __init__(self, fires: list[Fire]) -> None:
        self.fires = fires
        self.machines: dict[int, Machine] = {}
        self.classes: dict[str, type] = {}
        for f in fires:
            lc = f.lifecycle
            if id(lc) not in self.machines:
                # The lifecycle's own machine is bare transitions: Machine(model=None).
                self.machines[id(lc)] = lc.machine
                self.classes.setdefault(lc.field, attrs.make_class("Entity", [lc.field]))

    def run(self) -> dict[tuple[str, str], Any]:
        """Fire every recorded event on new objects; return each object's final state."""
        objects: dict[tuple[str, str], Any] = {}
        for f in self.fires:
            obj = objects.get(f.entity)
            if obj is None:
                obj = objects[f.entity] = self.classes[f.lifecycle.field](f.before)
            self.machines[id(f.lifecycle)].events[f.event].trigger(obj)
        return {k: getattr(o, next(iter(attrs.fields_dict(type(o))))) for k, o in objects.items()}


def path_vs_transitions(paths: int) -> Figure:
    """README path in memory against the same state changes on bare transitions."""
    with facade("memory://") as core:
        fires = record_fires(core)
        per_path = paths_per_second(core, paths, first=1)
    bare = BareMachines(fires)
    finals = bare.run()
    expected = {f.entity: f.after for f in fires}  # the last fire of each entity wins
    base = median_time(bare.run, max(50, paths * 5))
    return Figure(
        "README path (11 commands), memory, vs bare transitions",
        per_path * 1e3, base * 1e3, "ratio<=", 3.0, required=5.0,
        baseline_name=f"transitions: {len(fires)} events on attrs objects",
        agree=finals == expected,
    )  # fmt: skip


# --------------------------------------------------------------------------- loaded stores


SEED_BY_LIBRARY = 1_000
"""Clocks written through the library before a SQL store is filled by copying them."""


def seed_clocks(core: ItsmCore, count: int, subject_kind: str, chunk: int = 5_000) -> None:
    """Store ``count`` running clocks of other subjects (400 h targets: none due).

    In memory every clock is started through the library. In a SQL store the first
    :data:`SEED_BY_LIBRARY` are, and the rest are copies of their rows written with
    Core (id and subject id rewritten in the columns and in the record), so large
    stores fill in seconds; the copies are the library's own rows.
    """
    engine = getattr(core.storage, "engine", None)
    by_library = count if engine is None else min(count, SEED_BY_LIBRARY)
    _seed_by_library(core, by_library, subject_kind, chunk)
    if by_library < count:
        _copy_clocks(core, engine, count, subject_kind)


def _copy_clocks(core: ItsmCore, engine: sa.Engine, count: int, subject_kind: str) -> None:
    table = core.storage.table(CLOCK_SPEC)  # type: ignore[attr-defined]
    prefix = f"seed-{subject_kind}-"
    with engine.connect() as connection:
        seed = [
            dict(r._mapping)
            for r in connection.execute(table.select().where(table.c.id.startswith(prefix)))
        ]
    have = len(seed)
    with engine.begin() as connection:
        while have < count:
            rows = []
            for row in seed[: count - have]:
                new_id = f"{prefix}{have + len(rows):07d}"
                record = dict(row["record"])
                record["id"] = new_id
                record["subject_id"] = f"S-{have + len(rows)}"
                rows.append({**row, "id": new_id, "subject_id": record["subject_id"],
                             "record": record})  # fmt: skip
            connection.execute(sa.insert(table), rows)
            have += len(rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f'ANALYZE "{table.name}"')


def _seed_by_library(core: ItsmCore, count: int, subject_kind: str, chunk: int) -> None:
    for first in range(0, count, chunk):
        with core.storage.unit_of_work() as uow:
            for i in range(first, min(count, first + chunk)):
                clock = SlaClock.start(
                    clock_id=f"seed-{subject_kind}-{i:07d}", subject_kind=subject_kind,
                    subject_id=f"S-{i}", target=SLOW, calendars=core.calendars.get,
                    actor=SYSTEM, at=T0 - timedelta(days=1),
                )  # fmt: skip
                uow.save(CLOCK_SPEC, clock)
            uow.commit()


def path_with_clocks(
    stores: Stores, kind: str, sizes: tuple[int, ...], paths: int, subject_kind: str
) -> list[Figure]:
    """The README path on a store holding ``size`` running clocks, against an empty store."""
    with facade(stores.url(kind)) as core:
        empty = paths_per_second(core, paths)
    figures = []
    for size in sizes:
        with facade(stores.url(kind)) as core:
            seed_clocks(core, size, subject_kind)
            loaded = paths_per_second(core, paths)
            agree = core.storage.unit_of_work().count(CLOCK_SPEC) == size + 2 * (paths + 1)
        figures.append(
            Figure(
                f"README path, {kind}, {size:,} running {subject_kind} clocks vs empty",
                loaded * 1e3, empty * 1e3, "ratio<=", 1.2,
                baseline_name=f"the same path on an empty {kind} store", agree=agree,
            )
        )
    return figures


def start_with_clocks(stores: Stores, sizes: tuple[int, ...], starts: int) -> list[Figure]:
    """``core.sla.start()`` on SQLite holding ``size`` open clocks, against an empty store."""

    def per_start(core: ItsmCore, tag: str) -> float:
        def one(i: int) -> None:
            core.sla.start(
                SYSTEM, subject_kind="ticket", subject_id=f"{tag}-{i}", target=SLOW,
                clock_id=f"bench-start-{tag}-{i}",
            )  # fmt: skip

        one(-1)
        seconds, _ = timed(lambda: [one(i) for i in range(starts)])
        return float(seconds) / starts

    with facade(stores.url("sqlite"), auto_relay=False) as core:
        empty = per_start(core, "empty")
    figures = []
    for size in sizes:
        with facade(stores.url("sqlite"), auto_relay=False) as core:
            seed_clocks(core, size, "ticket")
            loaded = per_start(core, f"n{size}")
            agree = core.storage.unit_of_work().count(CLOCK_SPEC) == size + starts + 1
        figures.append(
            Figure(
                f"sla.start(), sqlite, {size:,} open clocks vs empty",
                loaded * 1e3, empty * 1e3, "ratio<=", 1.2,
                baseline_name="sla.start() on an empty SQLite store", agree=agree,
            )
        )
    return figures


# --------------------------------------------------------------------------- raw Core


Rows = dict[str, list[dict[str, Any]]]


def _key(table: sa.Table, row: dict[str, Any]) -> Any:
    if "seq" in row:  # the outbox: one row per event
        return row["event_id"]
    return tuple(row[c.name] for c in table.primary_key.columns)


def snapshot(engine: sa.Engine, tables: list[sa.Table]) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of ``tables``, by table name and key."""
    with engine.connect() as connection:
        return {
            t.name: {
                _key(t, dict(r._mapping)): dict(r._mapping) for r in connection.execute(t.select())
            }
            for t in tables
        }


@attrs.frozen
class StepWrites:
    """The rows one command wrote: inserts per table, version-checked updates per table."""

    inserts: Rows
    updates: Rows


def record_writes(url: str, tables: list[sa.Table]) -> list[StepWrites]:
    """Run the README path on a new store ``url`` and return what each command wrote."""
    engine = sa.create_engine(plain_url(url), poolclass=sa.pool.NullPool)
    steps: list[StepWrites] = []
    with facade(url, auto_relay=False) as core:
        before = snapshot(engine, tables)
        for _ in readme_steps(core, 0):
            after = snapshot(engine, tables)
            inserts: Rows = {}
            updates: Rows = {}
            for t in tables:
                old, new = before[t.name], after[t.name]
                for key, row in new.items():
                    if key not in old:
                        inserts.setdefault(t.name, []).append(row)
                    elif row != old[key] and "version" in row:
                        updates.setdefault(t.name, []).append(
                            {**row, "old_version": old[key]["version"]}
                        )
            steps.append(StepWrites(inserts, updates))
            before = after
    engine.dispose()
    return steps


def _renamed(table: str, row: dict[str, Any], suffix: str) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k != "seq"}
    for name in ("id", "event_id", "aggregate_id"):
        if name in out:
            out[name] = f"{out[name]}{suffix}"
    return out


class RawCore:
    """The baseline: SQLAlchemy Core writing the same rows, one transaction per command.

    Per command: the new entity rows (INSERT), the changed ones (UPDATE … WHERE id
    AND version, checked), the events and the outbox rows (INSERT, executemany).
    """

    def __init__(self, url: str, tables: list[sa.Table], steps: list[StepWrites]) -> None:
        self.engine = sa.create_engine(plain_url(url))
        self.tables = {t.name: t for t in tables}
        self.steps = steps
        self.statements = {
            name: sa.update(t)
            .where(t.c.id == sa.bindparam("b_id"))
            .where(t.c.version == sa.bindparam("old_version"))
            .values({c.name: sa.bindparam(f"b_{c.name}") for c in t.columns if c.name != "id"})
            for name, t in self.tables.items()
            if "version" in t.c
        }
        order = ("itsm_events", "itsm_outbox", "itsm_outbox_delivery")
        self.order = sorted(self.tables, key=lambda n: (order.index(n) if n in order else -1, n))

    def run(self, suffix: str) -> None:
        """Write one README path's rows (ids suffixed)."""
        for step in self.steps:
            with self.engine.begin() as connection:
                for name in self.order:
                    for row in step.updates.get(name, ()):
                        values = {f"b_{k}": v for k, v in _renamed(name, row, suffix).items()}
                        values["old_version"] = row["old_version"]
                        values.pop("b_old_version")
                        done = connection.execute(self.statements[name], values)
                        if done.rowcount != 1:
                            raise AssertionError(f"{name}: version check failed")
                    rows = [_renamed(name, r, suffix) for r in step.inserts.get(name, ())]
                    if rows:
                        connection.execute(sa.insert(self.tables[name]), rows)

    def count(self, table: str) -> int:
        with self.engine.connect() as connection:
            query = sa.select(sa.func.count()).select_from(self.tables[table])
            return int(connection.scalar(query) or 0)


def path_vs_raw_core(stores: Stores, kind: str, paths: int) -> Figure:
    """The README path on ``kind`` (default auto_relay) against raw Core writing its rows."""
    with facade(stores.url(kind)) as core:  # creates the schema the others copy
        tables = list(library_metadata(core.specs).sorted_tables)
    steps = record_writes(stores.url(kind), tables)
    lib_url = stores.url(kind)
    with facade(lib_url) as core:
        per_path = paths_per_second(core, paths)
        with core.storage.unit_of_work() as uow:
            lib_events = len(uow.history("complaint", run_path_id(core, paths + 1)))
    raw_url = stores.url(kind)
    with facade(raw_url):
        pass  # an empty store with the library's schema
    raw = RawCore(raw_url, tables, steps)
    raw.run("~warm")
    seconds, _ = timed(lambda: [raw.run(f"~{i}") for i in range(paths)])
    events_per_path = sum(len(s.inserts.get("itsm_events", ())) for s in steps)
    agree = raw.count("itsm_events") == (paths + 1) * events_per_path and lib_events > 0
    raw.engine.dispose()
    return Figure(
        f"README path, {kind}, 1 transaction per command, auto_relay, vs raw Core",
        per_path * 1e3, float(seconds) / paths * 1e3, "ratio>=", 0.5,
        baseline_name=f"Core: {sum(len(v) for s in steps for v in s.inserts.values())} inserts, "
        f"{sum(len(v) for s in steps for v in s.updates.values())} checked updates per path",
        agree=agree,
    )  # fmt: skip


def run_path_id(core: ItsmCore, n: int) -> str:
    """Run one more path and return its complaint's id."""
    ids = []
    original = core.complaints.receive

    def receive(*args: Any, **kwargs: Any) -> Any:
        c = original(*args, **kwargs)
        ids.append(c.id)
        return c

    core.complaints.receive = receive  # type: ignore[method-assign]
    try:
        run_path(core, n)
    finally:
        del core.complaints.receive
    return ids[0]
