"""The memory backend's sorted indexes give the same answers as a scan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core import SYSTEM
from itsm_core.storage.base import Measure, Query, Where
from itsm_core.storage.memory import MemoryBackend

from .toy import LAMP_SPEC, Lamp, Light

BASE = datetime(2026, 1, 1, tzinfo=UTC)

rooms = st.sampled_from(["101", "102", "201", "301"])
times = st.none() | st.integers(0, 50).map(lambda h: BASE + timedelta(hours=h))
lamps = st.lists(st.tuples(rooms, st.sampled_from(list(Light)), times), min_size=0, max_size=120)
conditions = st.one_of(
    st.builds(Where, st.just("room"), st.sampled_from(["eq", "lt", "le", "gt", "ge"]), rooms),
    st.builds(
        Where,
        st.just("switched_at"),
        st.sampled_from(["eq", "lt", "le", "gt", "ge", "ne"]),
        st.integers(0, 50).map(lambda h: BASE + timedelta(hours=h)),
    ),
    st.builds(Where, st.just("state"), st.just("eq"), st.sampled_from([s.value for s in Light])),
)
queries = st.builds(
    Query,
    where=st.lists(conditions, max_size=3).map(tuple),
    order_by=st.sampled_from([(), ("switched_at",), ("-room", "id")]),
    limit=st.none() | st.integers(0, 10),
)


def store(rows: list[tuple[str, Light, datetime | None]], threshold: int) -> MemoryBackend:
    backend = MemoryBackend("memory://", [LAMP_SPEC])
    backend.INDEX_THRESHOLD = threshold
    with backend.unit_of_work() as uow:
        for i, (room, state, at) in enumerate(rows):
            uow.save(LAMP_SPEC, Lamp(id=f"l{i:03}", room=room, state=state, switched_at=at))
        uow.commit()
    return backend


def answer(backend: MemoryBackend, query: Query) -> tuple[object, ...]:
    with backend.unit_of_work() as uow:
        found = [lamp.id for lamp in uow.find(LAMP_SPEC, query)]
        counted = uow.count(LAMP_SPEC, query)
        agg = uow.aggregate(
            LAMP_SPEC, query, ["state"], [Measure("n", "count"), Measure("m", "max", "room")]
        )
    return found, counted, agg


@settings(max_examples=60, deadline=None)
@given(lamps, queries, st.lists(st.tuples(st.integers(0, 119), rooms, times), max_size=10))
def test_indexed_answers_equal_scans(
    rows: list[tuple[str, Light, datetime | None]],
    query: Query,
    changes: list[tuple[int, str, datetime | None]],
) -> None:
    indexed, scanned = store(rows, 0), store(rows, 10**9)
    assert answer(indexed, query) == answer(scanned, query)
    # the index follows later commits (changes and new rows)
    for backend in (indexed, scanned):
        with backend.unit_of_work() as uow:
            for i, room, at in changes:
                try:
                    lamp = uow.get(LAMP_SPEC, f"l{i:03}")
                except LookupError:
                    lamp = Lamp(id=f"l{i:03}", room=room)
                lamp.room, lamp.switched_at = room, at
                lamp._record("changed", SYSTEM, BASE)
                uow.save(LAMP_SPEC, lamp)
            uow.commit()
    assert answer(indexed, query) == answer(scanned, query)


def test_range_query_reads_only_the_matching_rows() -> None:
    rows = [("101", Light.ON, BASE + timedelta(minutes=i)) for i in range(5000)]
    backend = store(rows, 64)
    query = Query((Where("switched_at", "le", BASE + timedelta(minutes=9)),))
    with backend.unit_of_work() as uow:
        assert len(uow._rows(LAMP_SPEC, query)) == 10
        assert [x.id for x in uow.find(LAMP_SPEC, query)][:2] == ["l000", "l001"]
