"""Benchmark of satisfaction analysis: ``aggregate`` against loading every response.

Run ``python bench/satisfaction.py [--responses N] [--repeats R]``. It stores N
satisfaction responses (default 200 000: 6 services, 40 customers, the four
channels, 12 months, a share on the 0–10 NPS scale) in the memory backend
through the facade, then times the same statistics — n, CSAT, mean and NPS per
service, channel and period — two ways:

* **analysis**: :meth:`SatisfactionAnalysis.figures
  <itsm_core.satisfaction.analysis.SatisfactionAnalysis.figures>`, which asks
  the store for one ``aggregate`` (``GROUP BY`` in a SQL database; one pass
  over the indexed values in memory) and finishes the arithmetic on the
  grouped sums;
* **naive**: the baseline defined below, which loads every response entity
  with ``find`` and computes the same figures in Python.

It prints both medians, the ratio naive / analysis, and checks that both give
the same figures. The ratio in memory understates the gain on PostgreSQL,
where the naive way also ships every row over the network.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from itsm_core import Actor, FrozenClock, ItsmCore
from itsm_core.satisfaction import (
    FIVE_LEVEL,
    NPS_0_10,
    RESPONSE_SPEC,
    Channel,
    Response,
    Subject,
    SubjectKind,
    Tally,
)
from itsm_core.storage import Query, Where

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 6, 1, 9, 0, tzinfo=SHANGHAI)
PERIODS = tuple(f"{2025 + (5 + m) // 12}-{(5 + m) % 12 + 1:02d}" for m in range(12))
SERVICES = ("desktop", "network", "storage", "erp", "mail", "print")
CUSTOMERS = tuple(f"customer-{i:02d}" for i in range(40))
READER = Actor("bench-qs", ["quality_specialist"])
GROUP_BY = ("service", "channel", "period")


def build(count: int, seed: int = 7) -> ItsmCore:
    """Return a memory-backed facade holding ``count`` responses."""
    core = ItsmCore("memory://bench", clock=FrozenClock(START), load_entrypoints=False)
    rng = random.Random(seed)
    channels = list(Channel)
    batch = 20_000
    for first in range(0, count, batch):
        with core.storage.unit_of_work() as uow:
            for i in range(first, min(count, first + batch)):
                nps = rng.random() < 0.15
                scale = NPS_0_10 if nps else FIVE_LEVEL
                raw = (
                    rng.randint(0, 10)
                    if nps
                    else rng.choices([1, 2, 3, 4, 5], [1, 3, 10, 40, 46])[0]
                )
                at = START + timedelta(days=rng.randrange(365), minutes=rng.randrange(600))
                response = Response(
                    id=f"r{i}",
                    channel=rng.choice(channels),
                    customer=rng.choice(CUSTOMERS),
                    service=rng.choice(SERVICES),
                    subject=Subject(SubjectKind.SERVICE_RECORD, f"sr-{i}"),
                    respondent=f"p{i % 997}",
                    score=scale.score(raw),
                    responded_at=at,
                    timezone="Asia/Shanghai",
                    engineer=f"eng-{i % 25}",
                    submission_id=f"r{i}",
                    recorded_by="bench",
                )
                uow.save(RESPONSE_SPEC, response)
            uow.commit()
    return core


# --------------------------------------------------------------------------- baseline


def naive(core: ItsmCore) -> dict[tuple[str, ...], Tally]:
    """The naive way: load every response entity, then count in Python."""
    query = Query((Where("period", "in", PERIODS),))
    with core.storage.unit_of_work() as uow:
        entities = uow.find(RESPONSE_SPEC, query)
    sums: dict[tuple[str, ...], list[float]] = {}
    for r in entities:
        key = (r.service, r.channel.value, r.period)
        acc = sums.setdefault(key, [0, 0, 0.0, 0, 0, 0])
        acc[0] += 1
        acc[1] += r.score.top_box
        acc[2] += r.score.normalised
        acc[3] += r.score.nps_eligible
        acc[4] += r.score.promoter
        acc[5] += r.score.detractor
    return {
        k: Tally(int(a[0]), int(a[1]), a[2], int(a[3]), int(a[4]), int(a[5]))
        for k, a in sums.items()
    }


def analysed(core: ItsmCore) -> dict[tuple[str, ...], Tally]:
    """The library's way: one ``aggregate`` through the analysis service."""
    figures = core.satisfaction.analysis.figures(READER, PERIODS, group_by=GROUP_BY)
    return {tuple(str(f.key[d]) for d in GROUP_BY): f.tally for f in figures}


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Return the median wall time of ``repeats`` calls and the last result."""
    times = []
    result: Any = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def same(a: dict[tuple[str, ...], Tally], b: dict[tuple[str, ...], Tally]) -> bool:
    """True if both give the same counts, and sums equal up to rounding."""
    if a.keys() != b.keys():
        return False
    for key, x in a.items():
        y = b[key]
        if (x.n, x.top_box, x.nps_n, x.promoters, x.detractors) != (
            y.n,
            y.top_box,
            y.nps_n,
            y.promoters,
            y.detractors,
        ):
            return False
        if abs(x.normalised_sum - y.normalised_sum) > 1e-6 * max(1.0, x.normalised_sum):
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Build the data, time both ways, print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    core = build(args.responses)
    print(f"stored {args.responses:,} responses in {time.perf_counter() - t0:.1f} s")

    fast, fast_result = timed(lambda: analysed(core), args.repeats)
    slow, slow_result = timed(lambda: naive(core), args.repeats)
    groups = len(fast_result)
    print(f"groups (service × channel × period): {groups}")
    print(f"analysis (aggregate)      : {fast * 1000:9.1f} ms")
    print(f"naive (load + Python)     : {slow * 1000:9.1f} ms")
    print(f"ratio naive / analysis    : {slow / fast:9.1f}×")
    agree = same(fast_result, slow_result)
    print(f"same figures              : {'yes' if agree else 'NO'}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
