"""The review pack counts what the store holds, on memory, SQLite and PostgreSQL.

Hypothesis writes complaints, SLA clocks and satisfaction scores through the
public API, each example for a customer of its own (so the examples share one
store without seeing each other), compiles the pack and runs the trend
analysis, and compares their counts with the records loaded one by one. On
the SQL stores the figures come from ``GROUP BY`` in the database.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itsm_core import FrozenClock, ItsmCore
from itsm_core.complaints import COMPLAINT_SPEC
from itsm_core.satisfaction import RESPONSE_SPEC
from itsm_core.sla import CLOCK_SPEC
from itsm_core.storage import Query, Where
from tests.unit.review_analysis.support import (
    OM,
    PM,
    at,
    clock_for,
    complaint,
    scores,
)

from .conftest import PgSchemas

WINDOW = ["2026-04", "2026-05", "2026-06"]
START, END = at(4, 1, 0), at(7, 1, 0)
MONTHS = (3, 4, 5, 6, 7)  # one month either side of the window

STEPS = {
    "received": (),
    "valid": ("dispatch", "finding", "valid", "project", "apologise"),
    "escalated": ("dispatch", "finding", "valid", "project", "apologise", "escalate"),
    "closed": ("dispatch", "finding", "invalid", "explain", "close"),
}

complaints = st.lists(
    st.tuples(
        st.sampled_from(MONTHS),
        st.sampled_from(["二线网络组", "服务台"]),
        st.sampled_from(["complaint_channel", "callback"]),
        st.sampled_from(sorted(STEPS)),
        st.sampled_from(["external", "internal"]),
    ),
    max_size=4,
)
clocks = st.lists(
    st.tuples(
        st.sampled_from(MONTHS), st.integers(1, 8), st.sampled_from(["response", "resolution"])
    ),
    max_size=4,
)
ratings = st.lists(
    st.tuples(st.sampled_from(MONTHS), st.sampled_from(["ticket", "callback"]), st.integers(2, 5)),
    max_size=6,
)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "memory":
        yield "memory://"
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pack.db'}"
    else:
        schemas: PgSchemas = request.getfixturevalue("pg_schemas")
        url = schemas.lease()
        yield url
        schemas.give_back(url)


@pytest.fixture
def world(store_url: str) -> Iterator[tuple[ItsmCore, FrozenClock]]:
    clock = FrozenClock(at(3, 1))
    core = ItsmCore(store_url, clock=clock, load_entrypoints=False)
    try:
        yield core, clock
    finally:
        core.close()


def _in_window(moment: datetime | None) -> bool:
    return moment is not None and START <= moment < END


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(complaints=complaints, clocks=clocks, ratings=ratings)
def test_the_pack_counts_equal_the_records(
    world: tuple[ItsmCore, FrozenClock],
    complaints: list[tuple[Any, ...]],
    clocks: list[tuple[Any, ...]],
    ratings: list[tuple[Any, ...]],
) -> None:
    core, clock = world
    customer = f"c-{uuid.uuid4().hex[:8]}"
    for n, (month, party, source, steps, origin) in enumerate(complaints):
        walk = tuple(s for s in STEPS[steps] if origin == "external" or s != "apologise")
        complaint(core, clock, at(month, 10 + n), party=party, source=source, origin=origin,
                  customer=customer, steps=walk)  # fmt: skip
    for n, (month, hours, kind) in enumerate(clocks):
        clock_for(core, clock, at(month, 2 + n), hours=hours, kind=kind, customer=customer)
    for n, (month, channel, score) in enumerate(ratings):
        scores(core, clock, at(month, 20, n), [score], channel=channel, customer=customer)
    clock.set(at(8, 1))
    pack = core.reviews.analysis.pack(PM, customer=customer, periods=WINDOW)

    with core.storage.unit_of_work() as uow:
        stored = uow.find(COMPLAINT_SPEC, Query((Where("customer", "eq", customer),)))
        timers = uow.find(CLOCK_SPEC, Query((Where("customer", "eq", customer),)))
        answers = uow.find(RESPONSE_SPEC, Query((Where("customer", "eq", customer),)))
    mine = [c for c in stored if _in_window(c.received_at)]
    got = pack.complaints
    assert got.received == len(mine)
    assert got.closed == sum(c.is_closed for c in mine)
    assert got.escalated == sum(1 for c in mine if c.escalations)
    assert got.escalations == sum(len(c.escalations) for c in mine)
    verdicts = Counter(None if c.verdict is None else c.verdict.value for c in mine)
    assert {x.value: x.count for x in got.by_verdict} == dict(verdicts)
    assert {x.value: x.count for x in got.by_source} == dict(Counter(c.source.value for c in mine))
    parties = Counter(c.party_complained_about for c in mine)
    assert {x.value: x.count for x in got.by_party} == dict(parties)

    settled = [t for t in timers if _in_window(t.stopped_at)]
    expected: dict[str, tuple[int, int, float]] = {}
    for t in settled:
        met, breached, late = expected.get(t.target.value, (0, 0, 0.0))
        over = max((t.elapsed_before - t.budget).total_seconds(), 0.0) / 3600
        if t.breached_at is None:
            met += 1
        else:
            breached, late = breached + 1, late + over
        expected[t.target.value] = (met, breached, late)
    assert {s.target.value: (s.met, s.breached) for s in pack.sla} == {
        k: (m, b) for k, (m, b, _) in expected.items()
    }
    for s in pack.sla:
        assert s.lateness_hours == pytest.approx(expected[s.target.value][2])

    analysis = core.reviews.analysis.analyse(OM, periods=WINDOW, customer=customer)
    for month in analysis.complaint_months:
        first, last = at(int(month.period[5:]), 1, 0), at(int(month.period[5:]) + 1, 1, 0)
        assert month.received == sum(1 for c in stored if first <= c.received_at < last)
        closed = [c for c in stored if c.closed_at is not None and first <= c.closed_at < last]
        assert month.closed == len(closed)
        hours = sum((c.closed_at - c.received_at).total_seconds() / 3600 for c in closed)
        assert month.hours_to_close == pytest.approx(hours)

    answered = Counter(
        (r.service, r.channel.value) for r in answers if r.period in WINDOW
    )
    assert {(s.service, s.channel): s.n for s in pack.satisfaction} == dict(answered)
