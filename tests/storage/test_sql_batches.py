"""The SQL store's batch path (``save_many``), the subject index and the cheap open.

``save_many`` must mean exactly what one ``save`` after the other means:
rows, events and outbox rows, conflicts that roll the whole unit of work back,
values refused before anything is written.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from itsm_core import ConflictError, ValidationError
from itsm_core.storage.base import AggregateSpec, Query, Where
from itsm_core.storage.sqlalchemy import SqlBackend
from itsm_core.storage.sqlalchemy.migrate import _quick_head, head_revision
from itsm_core.testing.contract import ITEM_SPEC, T0, Item

Maker = Callable[[Sequence[AggregateSpec[Any]]], SqlBackend]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make(request: pytest.FixtureRequest) -> Maker:
    """A factory of empty stores: SQLite files, or PostgreSQL schemas."""
    name = "sqlite_factory" if request.param == "sqlite" else "pg_factory"
    factory: Maker = request.getfixturevalue(name)
    return factory


def _load(backend: SqlBackend, *ids: str) -> list[Item]:
    with backend.unit_of_work() as uow:
        return [uow.get(ITEM_SPEC, i) for i in ids]


def _history_lengths(backend: SqlBackend, *ids: str) -> list[int]:
    with backend.unit_of_work() as uow:
        return [len(uow.history(Item.KIND, i)) for i in ids]


def _pending(backend: SqlBackend) -> int:
    return len(backend.outbox_pending(T0, limit=1000))


def test_save_many_writes_new_and_changed_entities_with_their_events(make: Maker) -> None:
    backend = make([ITEM_SPEC])
    with backend.unit_of_work() as uow:
        uow.save_many(ITEM_SPEC, [Item.create(f"i{n}", size=n) for n in range(3)])
        assert uow.count(ITEM_SPEC, Query((Where("size", "ge", 1),))) == 2  # seen at once
        committed = uow.commit()
    assert len(committed) == 3
    with backend.unit_of_work() as uow:
        items = [uow.get(ITEM_SPEC, f"i{n}") for n in range(3)]
        for item in items:
            item.change(name="changed")
            item.bump()
        uow.save_many(ITEM_SPEC, [*items, Item.create("i9")])
        assert len(uow.commit()) == 7
    loaded = _load(backend, "i0", "i1", "i2", "i9")
    assert [(i.name, i.counter, i.version) for i in loaded] == [("changed", 1, 3)] * 3 + [
        ("", 0, 1)
    ]
    assert _history_lengths(backend, "i0", "i1", "i2", "i9") == [3, 3, 3, 1]
    assert _pending(backend) == 10


def test_save_many_after_save_of_the_same_entity_writes_only_new_events(make: Maker) -> None:
    backend = make([ITEM_SPEC])
    with backend.unit_of_work() as uow:
        item = Item.create("a")
        uow.save(ITEM_SPEC, item)
        item.bump()
        uow.save_many(ITEM_SPEC, [item, item])  # the same entity twice in a batch, too
        uow.commit()
    assert _load(backend, "a")[0].version == 2
    assert _history_lengths(backend, "a") == [2]
    assert _pending(backend) == 2


def test_a_stale_entity_in_a_batch_rolls_the_whole_unit_of_work_back(make: Maker) -> None:
    backend = make([ITEM_SPEC])
    with backend.unit_of_work() as uow:
        uow.save_many(ITEM_SPEC, [Item.create("a"), Item.create("b")])
        uow.commit()
    a, stale_b = _load(backend, "a", "b")
    with backend.unit_of_work() as uow:
        fresh_b = uow.get(ITEM_SPEC, "b")
        fresh_b.bump()
        uow.save(ITEM_SPEC, fresh_b)
        uow.commit()
    a.bump()
    stale_b.change(name="stale")
    with backend.unit_of_work() as uow:
        uow.save(ITEM_SPEC, Item.create("c"))
        with pytest.raises(ConflictError) as info:
            uow.save_many(ITEM_SPEC, [a, stale_b])
        with pytest.raises(ConflictError, match="rolled back"):
            uow.commit()
    error = info.value
    assert (error.entity_id, error.expected, error.actual) == ("b", 1, 2)
    with backend.unit_of_work() as uow:
        assert uow.count(ITEM_SPEC) == 2
    assert [i.version for i in _load(backend, "a", "b")] == [1, 2]
    assert _history_lengths(backend, "a", "b", "c") == [1, 2, 0]
    assert _pending(backend) == 3


def test_a_taken_id_in_a_batch_is_a_conflict(make: Maker) -> None:
    backend = make([ITEM_SPEC])
    with backend.unit_of_work() as uow:
        uow.save(ITEM_SPEC, Item.create("a", name="first"))
        uow.commit()
    with backend.unit_of_work() as uow, pytest.raises(ConflictError) as info:
        uow.save_many(ITEM_SPEC, [Item.create("new"), Item.create("a", name="second")])
    assert (info.value.entity_id, info.value.expected, info.value.actual) == ("a", 0, 1)
    assert _load(backend, "a")[0].name == "first"
    with backend.unit_of_work() as uow:
        assert uow.count(ITEM_SPEC) == 1
    assert _pending(backend) == 1


def test_a_batch_with_taken_ids_names_the_first_and_writes_nothing_of_the_unit_of_work(
    make: Maker,
) -> None:
    backend = make([ITEM_SPEC])
    with backend.unit_of_work() as uow:
        uow.save_many(ITEM_SPEC, [Item.create("b", name="first b"), Item.create("d")])
        uow.commit()
    with backend.unit_of_work() as uow, pytest.raises(ConflictError) as info:
        uow.save(ITEM_SPEC, Item.create("before"))
        batch = [Item.create(i, name=f"second {i}") for i in ("a", "b", "c", "d", "e")]
        uow.save_many(ITEM_SPEC, batch)
    assert (info.value.entity_id, info.value.expected, info.value.actual) == ("b", 0, 1)
    assert _load(backend, "b")[0].name == "first b"
    with backend.unit_of_work() as uow:
        assert uow.count(ITEM_SPEC) == 2
    assert _pending(backend) == 2


def test_a_value_that_does_not_fit_refuses_the_batch_before_anything_is_written(
    make: Maker,
) -> None:
    backend = make([ITEM_SPEC])
    with backend.unit_of_work() as uow:
        with pytest.raises(ValidationError):
            uow.save_many(ITEM_SPEC, [Item.create("good"), Item.create("bad", size="3")])
        assert uow.count(ITEM_SPEC) == 0
        uow.save_many(ITEM_SPEC, [])
        uow.commit()
    assert _pending(backend) == 0


@pytest.mark.parametrize("bad", ["nul \x00 here", "lone \ud800 surrogate"])
def test_the_text_rule_refuses_a_batch_whose_record_is_encoded_once(make: Maker, bad: str) -> None:
    """The batch path checks the text rule on the record's one JSON encoding."""
    backend = make([ITEM_SPEC])
    refused = Item.create("bad")
    refused.secret = bad  # not indexed, in the record only (not in an event)
    with backend.unit_of_work() as uow:
        with pytest.raises(ValidationError, match=r"contract_item\.secret"):
            uow.save_many(ITEM_SPEC, [Item.create("good"), refused])
        assert uow.count(ITEM_SPEC) == 0
        uow.commit()
    assert _pending(backend) == 0


def test_a_batch_stores_text_that_only_looks_refused_as_it_is(make: Maker) -> None:
    """An escaped backslash before ``u0000`` is no NUL; any other character is kept."""
    names = ["\\u0000 is six characters", "两个 \"quotes\" \U0001f600 \u00e9", "plain"]
    backend = make([ITEM_SPEC])
    with backend.unit_of_work() as uow:
        uow.save_many(ITEM_SPEC, [Item.create(f"i{n}", name=name) for n, name in enumerate(names)])
        uow.commit()
    assert [i.name for i in _load(backend, "i0", "i1", "i2")] == names
    with backend.unit_of_work() as uow:
        found = uow.find(ITEM_SPEC, Query((Where("name", "eq", names[1]),)))
    assert [i.id for i in found] == ["i1"]


def test_an_event_id_taken_in_a_batch_is_a_conflict_and_writes_nothing(make: Maker) -> None:
    """The events of a batch (one COPY on PostgreSQL) refuse an event id already
    stored as any other write does: a conflict, the unit of work rolled back."""
    import attrs

    backend = make([ITEM_SPEC])
    with backend.unit_of_work() as uow:
        first = Item.create("a")
        uow.save(ITEM_SPEC, first)
        uow.commit()
    taken = first.pending_events[0].event_id if first.pending_events else None
    with backend.unit_of_work() as uow:
        taken = taken or uow.history(Item.KIND, "a")[0].event_id
    clash = Item.create("b")
    clash._pending[0] = attrs.evolve(clash._pending[0], event_id=taken)
    with backend.unit_of_work() as uow, pytest.raises(ConflictError):
        uow.save_many(ITEM_SPEC, [Item.create("c"), clash])
    with backend.unit_of_work() as uow:
        assert [i.id for i in uow.find(ITEM_SPEC)] == ["a"]
    assert _history_lengths(backend, "a", "b", "c") == [1, 0, 0]
    assert _pending(backend) == 1


def test_the_subject_lookup_of_a_clock_uses_the_subject_index(tmp_path: Path) -> None:
    from itsm_core import SYSTEM, FrozenClock, ItsmCore
    from itsm_core.sla import CLOCK_SPEC, SlaClock, Target

    core = ItsmCore(
        f"sqlite:///{tmp_path / 'clocks.db'}", clock=FrozenClock(T0), load_entrypoints=False
    )
    try:
        target = Target("general", "P3", "improvement", timedelta(days=5))
        with core.storage.unit_of_work() as uow:
            uow.save_many(
                CLOCK_SPEC,
                [
                    SlaClock.start(
                        clock_id=f"c{n}",
                        subject_kind="improvement_item",
                        subject_id=f"s{n}",
                        target=target,
                        calendars=core.calendars.get,
                        actor=SYSTEM,
                        at=T0,
                    )
                    for n in range(50)
                ],
            )
            uow.commit()
        statements: list[tuple[str, Any]] = []
        engine = core.storage.engine  # type: ignore[attr-defined]
        sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append((a[2], a[3])))
        (found,) = core.sla.find(
            SYSTEM, subject_kind="improvement_item", subject_id="s7", target="improvement"
        )
        assert found.id == "c7"
        ((lookup, parameters),) = [s for s in statements if "itsm_sla_clock" in s[0]]
        with engine.connect() as connection:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {lookup}", parameters).all()
        assert "ix_itsm_sla_clock_subject_kind_subject_id_target" in str(plan)
    finally:
        core.close()


def test_the_quick_head_is_alembic_s_head() -> None:
    assert _quick_head() == head_revision()


def test_opening_a_store_at_the_head_does_not_load_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'existing.db'}"
    code = (
        "import sys; from itsm_core import ItsmCore; "
        f"ItsmCore({url!r}, load_entrypoints=False).close(); "
        "print('alembic' in sys.modules)"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (first.stdout.strip(), again.stdout.strip()) == ("True", "False"), (
        first.stderr + again.stderr
    )


def _stored_rows(backend: SqlBackend, table: sa.Table, key: str, ids: Sequence[str]) -> list[Any]:
    with backend.engine.connect() as connection:
        statement = sa.select(table).where(table.c[key].in_(ids)).order_by(table.c[key])
        return [tuple(row) for row in connection.execute(statement)]


def test_the_driver_executemany_stores_what_sqlalchemy_stores(make: Maker) -> None:
    """A batch's rows sent through the driver hold the very values ``execute`` stores."""
    from itsm_core.storage.sqlalchemy.store import DriverStatement

    backend = make([ITEM_SPEC])
    events = backend.metadata.tables["itsm_events"]
    at = T0 + timedelta(microseconds=123_456)

    def rows(prefix: str) -> list[dict[str, Any]]:
        return [
            {
                "event_id": f"{prefix}-{n}",
                "aggregate_kind": "item",
                "aggregate_id": f"{prefix}-{n}",
                "aggregate_version": n + 1,
                "name": "item.made",
                "occurred_at": backend._instant(at, "at"),  # the same instant: converted once
                "actor_id": "täter",
                "body": {"payload": {"text": '两个 "quotes"', "n": n, "none": None}},
            }
            for n in range(3)
        ]

    with backend.engine.begin() as connection:
        connection.execute(sa.insert(events), rows("a"))
        driver = DriverStatement(backend.engine, sa.insert(events), tuple(rows("b")[0]))
        assert driver.run(connection, rows("b")).rowcount == 3
    by_execute = _stored_rows(backend, events, "event_id", [f"a-{n}" for n in range(3)])
    by_driver = _stored_rows(backend, events, "event_id", [f"b-{n}" for n in range(3)])
    assert len(by_driver) == 3
    assert [(r[1], *r[3:]) for r in by_driver] == [(r[1], *r[3:]) for r in by_execute]
    with backend.engine.connect() as connection:  # the stored text itself, too
        raw = connection.exec_driver_sql(
            "SELECT event_id, CAST(occurred_at AS TEXT), CAST(body AS TEXT) FROM itsm_events"
        ).all()
    stored = {event_id: rest for event_id, *rest in raw}
    assert [stored[f"b-{n}"] for n in range(3)] == [stored[f"a-{n}"] for n in range(3)]
    with pytest.raises(ValueError, match="needs"):
        statement = sa.update(events).where(events.c.event_id == sa.bindparam("who"))
        DriverStatement(backend.engine, statement, ("name",))


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_fast_column_values_convert_and_refuse_as_to_db_does(
    kind: str, request: pytest.FixtureRequest
) -> None:
    import enum
    from datetime import UTC, datetime, timezone

    if kind == "postgres":
        request.applymarker(pytest.mark.postgres)
    backend = request.getfixturevalue(f"{'sqlite' if kind == 'sqlite' else 'pg'}_factory")(
        [ITEM_SPEC]
    )

    class Colour(enum.StrEnum):
        RED = "red"

    class Pick(enum.Enum):
        ONE = 1.5

    class Later(datetime):
        pass

    east = timezone(timedelta(hours=8))
    values: dict[str, list[Any]] = {
        "str": ["plain", "", "中文", Colour.RED, None, "nul\x00", "\ud800", 3, b"x", Pick.ONE],
        "datetime": [
            datetime(2025, 1, 6, 9, tzinfo=east),
            datetime(2025, 1, 6, 9, tzinfo=UTC),
            Later(2025, 1, 6, 9, tzinfo=east),
            None,
            datetime(2025, 1, 6, 9),
            "2025-01-06T09:00:00+08:00",
            Later(2025, 1, 6, 9),
        ],
        "bool": [True, False, None, 1, 0, "true", 1.0],
        "float": [1.5, -0.0, float("inf"), 2, True, None, "1.5", Pick.ONE, 2**70],
        "int": [1, -(2**63), 2**63, True, 1.5, None, "3"],
    }
    for index_type, samples in values.items():
        fast = backend.column_value(index_type)  # type: ignore[arg-type]
        for value in samples:
            try:
                expected: Any = ("ok", backend.to_db(value, index_type, "item.field"))  # type: ignore[arg-type]
            except ValidationError as exc:
                expected = ("refused", str(exc), exc.field)
            try:
                got: Any = ("ok", fast(value, "item.field"))
            except ValidationError as exc:
                got = ("refused", str(exc), exc.field)
            assert got == expected, (index_type, value)
            if got[0] == "ok" and got[1] is not None:
                assert type(got[1]) is type(expected[1]), (index_type, value)
