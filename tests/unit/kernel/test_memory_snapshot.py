"""The memory backend's snapshots load what the entity's record would load, detached."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from itsm_core import ValidationError
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.storage.base import AggregateSpec, IndexField
from itsm_core.storage.memory import MemoryBackend

BERLIN = ZoneInfo("Europe/Berlin")
AT = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)  # the night clocks go forward


@attrs.frozen
class Note:
    text: str
    at: datetime


@attrs.define(eq=False, kw_only=True)
class Memo(Aggregate):
    KIND = "memo"
    title: str
    written_at: datetime
    weight: float = 0.0
    notes: tuple[Note, ...] = ()


@attrs.define(eq=False, kw_only=True)
class Bag(Aggregate):
    """A list field: its record reads back a new list, so it keeps its record."""

    KIND = "bag"
    items: list[str] = attrs.field(factory=list)


MEMO = AggregateSpec.of(Memo, index=[IndexField("title", "str", lambda m: m.title)])
BAG = AggregateSpec.of(Bag)


def fields(entity: Any) -> dict[str, Any]:
    return {a.name: getattr(entity, a.name) for a in attrs.fields(type(entity))}


def stored(backend: MemoryBackend, spec: AggregateSpec[Any], entity: Any) -> None:
    with backend.unit_of_work() as uow:
        uow.save(spec, entity)
        uow.commit()


def memo() -> Memo:
    return Memo(id="memo-1", title="t", written_at=AT, weight=2, notes=(Note("n", AT),))


def test_a_snapshot_loads_what_the_record_loads() -> None:
    backend = MemoryBackend("memory://", [MEMO])
    saved = memo()
    stored(backend, MEMO, saved)
    with backend.unit_of_work() as uow:
        loaded = uow.get(MEMO, "memo-1")
    from_record = MEMO.from_record(MEMO.to_record(saved))
    assert fields(loaded) == fields(from_record)
    # an instant keeps the fixed offset its ISO 8601 string reads back, as on SQL
    assert loaded.written_at.tzinfo == from_record.written_at.tzinfo != BERLIN
    assert loaded.notes[0].at.tzinfo == from_record.notes[0].at.tzinfo
    assert loaded.written_at + timedelta(hours=1) == from_record.written_at + timedelta(hours=1)
    assert type(loaded.weight) is float  # an int in a float field reads back as a float
    assert loaded is not saved


def test_changing_a_loaded_or_saved_entity_changes_nothing_stored() -> None:
    backend = MemoryBackend("memory://", [MEMO])
    saved = memo()
    stored(backend, MEMO, saved)
    saved.title = "changed after the save"
    with backend.unit_of_work() as uow:
        first = uow.get(MEMO, "memo-1")
        first.title = "changed after the load"
        first.notes += (Note("more", AT),)
    with backend.unit_of_work() as uow:
        again = uow.get(MEMO, "memo-1")
    assert again.title == "t" and len(again.notes) == 1


def test_an_unchanged_field_of_a_loaded_entity_is_saved_as_it_was() -> None:
    backend = MemoryBackend("memory://", [MEMO])
    stored(backend, MEMO, memo())
    with backend.unit_of_work() as uow:
        entity = uow.get(MEMO, "memo-1")
        entity.written_at = AT + timedelta(days=1)
        uow.save(MEMO, entity)
        uow.commit()
    with backend.unit_of_work() as uow:
        loaded = uow.get(MEMO, "memo-1")
    assert loaded.written_at == AT + timedelta(days=1) and loaded.title == "t"
    assert loaded.written_at.tzinfo != BERLIN


def test_a_bad_string_is_refused_at_the_save_as_a_record_refuses_it() -> None:
    backend = MemoryBackend("memory://", [MEMO])
    entity = memo()
    entity.notes = (Note("a\x00b", AT),)
    with backend.unit_of_work() as uow, pytest.raises(ValidationError, match="NUL"):
        uow.save(MEMO, entity)
    with pytest.raises(ValidationError, match="NUL"):
        MEMO.to_record(entity)


def test_a_value_a_record_would_change_keeps_the_record() -> None:
    backend = MemoryBackend("memory://", [BAG])
    bag = Bag(id="bag-1", items=["a"])
    stored(backend, BAG, bag)
    bag.items.append("b")
    with backend.unit_of_work() as uow:
        loaded = uow.get(BAG, "bag-1")
        loaded.items.append("c")
    with backend.unit_of_work() as uow:
        assert uow.get(BAG, "bag-1").items == ["a"]


def test_a_spec_with_a_mapping_of_its_own_reads_the_record() -> None:
    backend = MemoryBackend("memory://", [MEMO])
    stored(backend, MEMO, memo())
    read: list[str] = []

    def counting(record: Any) -> Memo:
        read.append(record["id"])
        return MEMO.from_record(record)

    with backend.unit_of_work() as uow:
        loaded = uow.get(attrs.evolve(MEMO, from_record=counting), "memo-1")
    assert read == ["memo-1"] and loaded.title == "t"
