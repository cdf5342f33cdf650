"""The performance figures of itsm_core, each against a baseline measured in the same run.

Run ``python bench/run.py [--quick] [--json FILE]``. It prints one table: every
figure of the performance issue with its baseline, the ratio and the target, and
whether it holds. Then a scale-out section (PostgreSQL, 1, 2 and 4 workers).

* The full run uses the issue's sizes (100k clocks, 1M responses); it takes a
  while. The 1M responses of the CSAT figure are 10k written by the bulk API and
  copied with SQLAlchemy Core (the rows the library wrote, ids suffixed), since
  the figure measures the query, not the load (the load has figures of its own).
* ``--quick`` uses small sizes, runs in CI and checks only that every figure
  runs and agrees with its baseline (same states, same counts) — never a speed.
* ``--size NAME=VALUE`` changes one size of either mode, e.g.
  ``--only CSAT --size csat_sizes=100000`` (see :class:`Sizes` for the names).

PostgreSQL figures use ``ITSM_TEST_POSTGRES_URL`` (schemas ``bench_*`` of their
own, dropped at the end). Without it they are skipped with a printed reason —
except under ``CI=true``, where that is an error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _path
import _scale
import _volume
from _common import POSTGRES_ENV, Figure, Stores, facade, postgres_url, timed

from itsm_core.satisfaction import RESPONSE_SPEC


@dataclass(frozen=True)
class Sizes:
    """How big each section's data is."""

    paths: int
    memory_clocks: tuple[int, ...]
    sqlite_clocks: tuple[int, ...]
    start_clocks: tuple[int, ...]
    starts: int
    raw_paths: int
    tick_open: int
    tick_due: int
    tick_big: int
    bulk_rows: int
    bulk_batch: int
    csat_seed: int
    csat_sizes: tuple[int, ...]
    complaints: int
    scale_clocks: int
    scale_paths: int
    workers: tuple[int, ...]
    repeats: int


FULL = Sizes(
    paths=10, memory_clocks=(10_000, 100_000), sqlite_clocks=(10_000, 100_000),
    start_clocks=(10_000, 100_000), starts=20, raw_paths=10, tick_open=10_000, tick_due=1_000,
    tick_big=100_000, bulk_rows=5_000, bulk_batch=2_500, csat_seed=10_000,
    csat_sizes=(100_000, 1_000_000), complaints=2_000, scale_clocks=400, scale_paths=20,
    workers=(1, 2, 4), repeats=3,
)  # fmt: skip
QUICK = Sizes(
    paths=2, memory_clocks=(300,), sqlite_clocks=(300,), start_clocks=(300,), starts=3,
    raw_paths=1, tick_open=200, tick_due=20, tick_big=0, bulk_rows=40, bulk_batch=20,
    csat_seed=200, csat_sizes=(400, 900), complaints=50, scale_clocks=10, scale_paths=2,
    workers=(1, 2), repeats=1,
)  # fmt: skip


def resized(sizes: Sizes, changes: Sequence[str]) -> Sizes:
    """``sizes`` with the ``NAME=VALUE`` changes (a tuple size takes comma-separated values)."""
    values: dict[str, Any] = {}
    for change in changes:
        name, _, text = change.partition("=")
        current = getattr(sizes, name.strip(), None)
        if current is None or not text:
            known = ", ".join(f.name for f in fields(Sizes))
            raise ValueError(f"--size {change!r}: give NAME=VALUE with NAME one of {known}")
        try:
            numbers = tuple(int(part.replace("_", "")) for part in text.split(","))
        except ValueError:
            raise ValueError(f"--size {change!r}: the value is a whole number") from None
        if any(n < 0 for n in numbers) or (not isinstance(current, tuple) and len(numbers) != 1):
            raise ValueError(f"--size {change!r}: give one number >= 0 (or a list for a tuple)")
        values[name.strip()] = numbers if isinstance(current, tuple) else numbers[0]
    return replace(sizes, **values)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


Section = tuple[str, Callable[[], list[Figure]]]


def sections(sizes: Sizes, stores: Stores, pg: bool) -> list[Section]:
    """The figures to measure, by section, in order."""
    s = sizes
    sql = ("sqlite", "postgres") if pg else ("sqlite",)

    def csat() -> list[Figure]:
        figures = []
        with facade(stores.url("sqlite"), auto_relay=False) as lite:
            _volume.load(lite, "responses", s.csat_seed, s.bulk_batch * 2)
            postgres = facade(stores.url("postgres"), auto_relay=False) if pg else None
            pg_core = postgres.__enter__() if postgres is not None else None
            try:
                for size in s.csat_sizes:
                    _volume.replicate_responses(lite, size)
                    figures.append(_volume.csat_figure(lite, "sqlite", size, s.repeats))
                    if pg_core is not None:
                        responses = pg_core.storage.table(RESPONSE_SPEC)  # type: ignore[attr-defined]
                        with pg_core.storage.engine.begin() as c:  # type: ignore[attr-defined]
                            c.execute(responses.delete())
                        _volume.copy_responses(lite, pg_core)
                        figures.append(_volume.csat_figure(pg_core, "postgres", size, s.repeats))
            finally:
                if postgres is not None:
                    postgres.__exit__(None, None, None)
        return figures

    def scale() -> list[Figure]:
        with tempfile.TemporaryDirectory(prefix="itsm-bench-") as folder:
            return _scale.scale_figures(
                stores, s.scale_clocks, s.scale_paths, Path(folder), s.workers
            )

    found: list[Section] = [
        ("path vs transitions", lambda: [_path.path_vs_transitions(s.paths)]),
        ("path with clocks, memory",
         lambda: _path.path_with_clocks(stores, "memory", s.memory_clocks, s.paths, "ticket")),
        ("path with improvement clocks, sqlite",
         lambda: _path.path_with_clocks(
             stores, "sqlite", s.sqlite_clocks, max(2, s.paths // 3), "improvement_item")),
        ("sla.start with open clocks, sqlite",
         lambda: _path.start_with_clocks(stores, s.start_clocks, s.starts)),
        ("path vs raw Core", lambda: [_path.path_vs_raw_core(stores, k, s.raw_paths) for k in sql]),
        ("tick", lambda: [f for k in sql for f in _volume.tick_figures(
            stores, k, s.tick_open, s.tick_due, s.tick_big)]),
        ("bulk loads", lambda: [
            _volume.bulk_vs_core(stores, k, what, s.bulk_rows, s.bulk_batch)
            for k in sql for what in ("service records", "responses", "ticket scores")]),
        ("CSAT by month x channel", csat),
        ("import", lambda: [_volume.import_figure(stores, s.repeats)]),
        ("start-up", lambda: [_volume.startup_figure(stores, s.repeats)]),
        ("memory per complaint", lambda: [_volume.memory_figure(s.complaints)]),
    ]  # fmt: skip
    if pg:
        found.append(("scale-out, postgres", scale))
    return found


def _num(value: float, unit: str) -> str:
    return f"{value:,.3f} {unit}" if abs(value) < 10 else f"{value:,.1f} {unit}"


def table(figures: Sequence[Figure]) -> list[str]:
    """The figures as a Markdown table."""
    lines = [
        "| figure | value | baseline | ratio | target | |",
        "|---|---:|---:|---:|---|---|",
    ]
    for f in figures:
        if f.kind == "abs<=":
            ratio, target = "", f"<= {f.target:g} {f.unit}"
        elif f.kind == "info":
            ratio, target = f"{f.ratio:.2f}x", "(speed-up)"
        else:
            ratio = f"{f.ratio:.2f}x"
            target = f"{f.kind[-2:]} {f.target:g}x" + (
                f" (<= {f.required:g}x required)" if f.required else ""
            )
        verdict = ("hold" if f.holds else "miss") if f.kind != "info" else ""
        if not f.agree:
            verdict += " DISAGREES"
        lines.append(
            f"| {f.name}{f' ({f.note})' if f.note and f.kind != 'info' else ''} "
            f"| {_num(f.value, f.unit)} | {_num(f.baseline, f.unit)} "
            f"({f.baseline_name}) | {ratio} | {target} | {verdict} |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; check agreement only")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--only", help="run only the sections whose name contains one of these (comma-separated)"
    )
    parser.add_argument(
        "--size", action="append", default=[], metavar="NAME=VALUE",
        help="change one size of the mode, e.g. csat_sizes=100000 or bulk_rows=5000 "
        "(several values comma-separated); repeatable",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        sizes = resized(QUICK if args.quick else FULL, args.size)
    except ValueError as error:
        parser.error(str(error))
    pg = postgres_url() is not None
    if not pg:
        if in_ci():
            print(f"{POSTGRES_ENV} is not set, but CI=true: the PostgreSQL figures must run")
            return 2
        print(f"skipping the PostgreSQL figures: {POSTGRES_ENV} is not set")
    load = os.getloadavg()
    mode = "quick" if args.quick else "full"
    print(
        f"itsm_core bench ({mode}), Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    stores = Stores()
    figures: list[Figure] = []
    failures: list[str] = []
    began = time.perf_counter()
    try:
        for name, measure in sections(sizes, stores, pg):
            if args.only and not any(part in name for part in args.only.split(",")):
                continue
            try:
                seconds, found = timed(measure)
            except Exception as error:
                failures.append(f"{name}: {type(error).__name__}: {error}")
                print(f"  {name}: FAILED {type(error).__name__}: {error}", flush=True)
                continue
            figures += found
            print(f"  {name}: {seconds:.1f} s", flush=True)
            for line in table(found)[2:]:
                print(f"    {line}", flush=True)
    finally:
        stores.close()
    end_load = os.getloadavg()
    print()
    print("\n".join(table([f for f in figures if f.kind != "info"])))
    scale = [f for f in figures if f.kind == "info"]
    if scale:
        print("\nScale-out on PostgreSQL (throughput; every event delivered exactly once):")
        print("\n".join(_scale.describe(scale)))
    print(f"\n{time.perf_counter() - began:.0f} s; load average at the end "
          f"{end_load[0]:.2f} {end_load[1]:.2f} {end_load[2]:.2f}")  # fmt: skip
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "mode": "quick" if args.quick else "full",
                    "sizes": asdict(sizes),
                    "load_average": {"start": load, "end": end_load},
                    "postgres": pg,
                    "figures": [f.as_dict() for f in figures],
                    "failures": failures,
                },
                indent=2,
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
    disagree = [f.name for f in figures if not f.agree]
    for name in disagree:
        print(f"DISAGREES with its baseline: {name}")
    return 1 if failures or disagree else 0


if __name__ == "__main__":
    sys.exit(main())
