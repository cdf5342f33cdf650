"""A save of an entity read in the same unit of work sets only the index columns it changes.

SQLite rewrites every index of a column in an UPDATE's SET list, changed or
not; the SQL store leaves out the index columns that keep the value read. What
is stored and found must be exactly what a full update stores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from itsm_core import ConflictError
from itsm_core.storage.base import AggregateSpec, Query, Where
from itsm_core.storage.sqlalchemy import SqlBackend
from itsm_core.testing.contract import ITEM_SPEC, T0, Item

Maker = Callable[[Sequence[AggregateSpec[Any]]], SqlBackend]

_FIELDS = ("name", "size", "weight", "active", "due_at", "group")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make(request: pytest.FixtureRequest) -> Maker:
    """A factory of empty stores: SQLite files, or PostgreSQL schemas."""
    name = "sqlite_factory" if request.param == "sqlite" else "pg_factory"
    factory: Maker = request.getfixturevalue(name)
    return factory


def _columns(backend: SqlBackend, item_id: str) -> dict[str, Any]:
    table = backend.table(ITEM_SPEC)
    with backend.engine.connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.id == item_id)).one()
    values = dict(row._mapping)
    return {name: backend.from_db(values[name], f.type) for name, f in _by_name().items()} | {
        "version": values["version"]
    }


def _by_name() -> dict[str, Any]:
    return {f.name: f for f in ITEM_SPEC.index}


def _expected(item: Item) -> dict[str, Any]:
    return {f.name: f.extract(item) for f in ITEM_SPEC.index} | {"version": item.version}


def _found(backend: SqlBackend, field: str, value: Any) -> list[str]:
    with backend.unit_of_work() as uow:
        return [i.id for i in uow.find(ITEM_SPEC, Query((Where(field, "eq", value),)))]


def _store(backend: SqlBackend, item: Item) -> None:
    with backend.unit_of_work() as uow:
        uow.save(ITEM_SPEC, item)
        uow.commit()


FIRST = {"name": "n1", "size": 1, "weight": 1.5, "active": True, "due_at": T0, "group": "g1"}
CHANGES: list[dict[str, Any]] = [
    {"name": "n2"},
    {"size": 2},
    {"weight": 2.5},
    {"active": False},
    {"due_at": T0 + timedelta(hours=1)},
    {"group": "g2"},
    {"name": "n3", "size": None, "active": None},
    {"due_at": None, "weight": None},
    {"size": 0, "active": False},  # values that compare equal to another type's
    {"name": "n1", "size": 1, "weight": 1.5, "active": True, "due_at": T0, "group": "g1"},
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: "+".join(c))
def test_a_save_after_a_get_stores_what_a_full_update_stores(
    make: Maker, change: dict[str, Any]
) -> None:
    backend = make([ITEM_SPEC])
    _store(backend, Item.create("a", **FIRST))
    with backend.unit_of_work() as uow:
        item = uow.get(ITEM_SPEC, "a")
        item.change(**change)
        uow.save(ITEM_SPEC, item)
        item.bump()  # a second save in the same unit of work
        uow.save(ITEM_SPEC, item)
        uow.commit()
    with backend.unit_of_work() as uow:
        loaded = uow.get(ITEM_SPEC, "a")
    assert _columns(backend, "a") == _expected(loaded)
    for name, value in {**FIRST, **change}.items():
        if value is not None:
            assert _found(backend, name, value) == ["a"], name
    for name, value in change.items():
        if FIRST[name] != value:
            assert _found(backend, name, FIRST[name]) == [], name


def test_the_same_instant_in_another_zone_keeps_the_column_and_stores_the_record(
    make: Maker,
) -> None:
    backend = make([ITEM_SPEC])
    _store(backend, Item.create("a", **FIRST))
    elsewhere = T0.astimezone(timezone(timedelta(hours=8)))
    with backend.unit_of_work() as uow:
        item = uow.get(ITEM_SPEC, "a")
        item.change(due_at=elsewhere)
        uow.save(ITEM_SPEC, item)
        uow.commit()
    with backend.unit_of_work() as uow:
        assert uow.get(ITEM_SPEC, "a").due_at.utcoffset() == timedelta(hours=8)  # type: ignore[union-attr]
    assert _found(backend, "due_at", T0) == ["a"]


def test_a_stale_save_after_a_get_is_still_a_conflict(make: Maker) -> None:
    backend = make([ITEM_SPEC])
    _store(backend, Item.create("a", **FIRST))
    with backend.unit_of_work() as uow:
        stale = uow.get(ITEM_SPEC, "a")
    with backend.unit_of_work() as uow:
        fresh = uow.get(ITEM_SPEC, "a")
        fresh.change(name="n2")
        uow.save(ITEM_SPEC, fresh)
        uow.commit()
    with backend.unit_of_work() as uow, pytest.raises(ConflictError):
        uow.get(ITEM_SPEC, "a")  # reads version 2
        stale.change(name="n3")  # loaded at version 1
        uow.save(ITEM_SPEC, stale)
    assert _found(backend, "name", "n2") == ["a"]


@pytest.mark.postgres
def test_an_entity_of_another_version_than_the_one_read_is_written_in_full(
    pg_factory: Maker,
) -> None:
    """The unit of work read version 1; the entity saved was loaded at version 2
    elsewhere: what was read says nothing of the row, so every column is set."""
    backend = pg_factory([ITEM_SPEC])
    _store(backend, Item.create("a", **FIRST))
    with backend.unit_of_work() as uow:
        uow.get(ITEM_SPEC, "a")  # reads version 1: name n1
        with backend.unit_of_work() as other:
            changed = other.get(ITEM_SPEC, "a")
            changed.change(name="n2")
            other.save(ITEM_SPEC, changed)
            other.commit()
        with backend.unit_of_work() as other:
            again = other.get(ITEM_SPEC, "a")  # version 2: name n2
        again.change(name="n1")  # what version 1 had
        uow.save(ITEM_SPEC, again)
        uow.commit()
    assert _columns(backend, "a")["name"] == "n1"
    assert _found(backend, "name", "n1") == ["a"]
    assert _found(backend, "name", "n2") == []


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: "+".join(c))
def test_a_batch_save_after_a_locking_find_stores_what_a_full_update_stores(
    make: Maker, change: dict[str, Any]
) -> None:
    """A locking find reads the index columns as a get does: the batch path sets only
    the changed ones, rows setting different columns included."""
    backend = make([ITEM_SPEC])
    for item_id in ("a", "b", "c"):
        _store(backend, Item.create(item_id, **FIRST))
    with backend.unit_of_work() as uow:
        items = uow.find(ITEM_SPEC, Query(order_by=("id",), lock=True))
        items[0].change(**change)
        items[1].change(name="other")
        for item in items:
            item.bump()
        uow.save_many(ITEM_SPEC, items)
        items[0].bump()  # a second batch in the same unit of work
        uow.save_many(ITEM_SPEC, items[:1])
        uow.commit()
    with backend.unit_of_work() as uow:
        loaded = {i: uow.get(ITEM_SPEC, i) for i in ("a", "b", "c")}
    for item_id, item in loaded.items():
        assert _columns(backend, item_id) == _expected(item)
    assert [loaded[i].version for i in ("a", "b", "c")] == [i.version for i in items]
    for name, value in {**FIRST, **change}.items():
        if value is not None:
            assert "a" in _found(backend, name, value), name
    for name, value in change.items():
        if FIRST[name] != value:
            assert _found(backend, name, FIRST[name]) == (["c"] if name == "name" else ["b", "c"])


def test_a_stale_batch_save_after_a_locking_find_is_still_a_conflict(make: Maker) -> None:
    backend = make([ITEM_SPEC])
    for item_id in ("a", "b"):
        _store(backend, Item.create(item_id, **FIRST))
    with backend.unit_of_work() as uow:
        stale = uow.get(ITEM_SPEC, "b")
    with backend.unit_of_work() as uow:
        fresh = uow.get(ITEM_SPEC, "b")
        fresh.change(name="n2")
        uow.save(ITEM_SPEC, fresh)
        uow.commit()
    with backend.unit_of_work() as uow, pytest.raises(ConflictError) as raised:
        first = uow.find(ITEM_SPEC, Query((Where("name", "eq", "n1"),), lock=True))[0]
        first.change(size=5)
        stale.change(size=5)
        uow.save_many(ITEM_SPEC, [first, stale])
    assert raised.value.entity_id == "b"
    assert _found(backend, "size", 5) == []
