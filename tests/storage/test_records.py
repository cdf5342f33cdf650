"""Records: derived from the attrs classes, versioned, upcast; stored fixtures of every shape load.

``tests/fixtures/records/<kind>.v<N>.json`` holds one record of each aggregate
kind in the shape of record version ``N``: ``v1`` as release 0.1.0 wrote it
(without a ``record_version`` key), or, for a kind added since, its first
shape. Every fixture must load with today's
specs, and each kind needs a fixture of its current version that round-trips
exactly: an entity whose shape changes without a new record version (and an
upcaster) fails here.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from itsm_core.areas import aggregate_specs
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.codec import RECORDS
from itsm_core.kernel.errors import StorageError, ValidationError
from itsm_core.kernel.labels import Labelled
from itsm_core.storage import AggregateSpec, IndexField
from itsm_core.storage.records import RECORD_VERSION_KEY, check_versions, derived_mapping, upcast

FIXTURES = Path(__file__).parents[1] / "fixtures" / "records"
SPECS = {spec.kind: spec for spec in aggregate_specs()}
_NAME = re.compile(r"^(?P<kind>[a-z_]+)\.v(?P<version>\d+)\.json$")


def _fixtures() -> list[tuple[str, int, Path]]:
    found = []
    for path in sorted(FIXTURES.glob("*.json")):
        match = _NAME.match(path.name)
        assert match, f"{path.name}: name record fixtures <kind>.v<version>.json"
        found.append((match["kind"], int(match["version"]), path))
    return found


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(("kind", "version", "path"), _fixtures(), ids=lambda v: str(v))
def test_a_stored_record_of_every_shape_loads(kind: str, version: int, path: Path) -> None:
    spec = SPECS[kind]
    record = _load(path)
    assert record.get(RECORD_VERSION_KEY, 1) == version
    entity = spec.from_record(record)
    assert isinstance(entity, spec.entity_type)
    assert entity.id == record["id"]  # type: ignore[attr-defined]
    assert entity.version == record["version"]  # type: ignore[attr-defined]
    again = spec.to_record(entity)
    assert again[RECORD_VERSION_KEY] == spec.record_version
    assert json.loads(json.dumps(again)) == again
    assert spec.to_record(spec.from_record(again)) == again
    spec.index_values(entity)  # every index field reads the loaded entity


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_every_kind_has_fixtures_of_0_1_0_and_of_its_current_shape(kind: str) -> None:
    spec = SPECS[kind]
    assert (FIXTURES / f"{kind}.v1.json").exists(), (
        f"no record of {kind} in its first shape (as 0.1.0 stored it, for a kind of 0.1.0)"
    )
    current = FIXTURES / f"{kind}.v{spec.record_version}.json"
    assert current.exists(), (
        f"{kind} is at record version {spec.record_version}: add {current.name}, a record of "
        "that shape (and keep the older fixtures)"
    )
    record = _load(current)
    expected = {**record, RECORD_VERSION_KEY: spec.record_version}
    assert spec.to_record(spec.from_record(record)) == expected, (
        f"the record of {kind} no longer has the shape of version {spec.record_version}: "
        "raise its record_version, add an upcaster from the old shape and a fixture of the new"
    )


# -- the converter ---------------------------------------------------------------------


class Colour(Labelled):
    RED = "red", "红", "red"


class Size(Enum):
    SMALL = 1


@attrs.frozen
class Part:
    at: datetime
    colour: Colour = Colour.RED
    note: str | None = None


@attrs.define(eq=False, kw_only=True)
class Thing(Aggregate):
    KIND: ClassVar[str] = "thing"

    parts: tuple[Part, ...] = ()
    tags: frozenset[str] = frozenset()
    size: Size = Size.SMALL
    wait: timedelta = timedelta(0)
    count: int = 0
    ratio: float = 0.0
    flag: bool = False
    label: str = ""


T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
THING_SPEC = AggregateSpec.of(Thing, index=(IndexField("count", "int", lambda t: t.count),))


def test_the_record_follows_the_declared_types() -> None:
    thing = Thing(
        id="t1",
        parts=(Part(T0, note="x"), Part(T0 + timedelta(hours=1))),
        tags=frozenset({"b"}),
        wait=timedelta(seconds=1, microseconds=5),
        count=3,
        ratio=0.5,
        flag=True,
        label=Colour.RED,
    )
    thing._record("made", _system(), T0)
    record = THING_SPEC.to_record(thing)
    assert record == {
        "id": "t1",
        "version": 1,
        "parts": [
            {"at": "2025-01-06T09:00:00+00:00", "colour": "red", "note": "x"},
            {"at": "2025-01-06T10:00:00+00:00", "colour": "red", "note": None},
        ],
        "tags": ["b"],
        "size": 1,
        "wait": 1_000_005,
        "count": 3,
        "ratio": 0.5,
        "flag": True,
        "label": "red",
        RECORD_VERSION_KEY: 1,
    }
    assert type(record["label"]) is str and type(record["parts"][0]["colour"]) is str
    back = THING_SPEC.from_record(record)
    assert back.pending_events == () and back.parts == thing.parts and back.tags == thing.tags
    assert THING_SPEC.to_record(back) == record


def _system() -> Any:
    from itsm_core.kernel.actors import SYSTEM

    return SYSTEM


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"count": "3"}, r"\$\.count"),
        ({"count": True}, r"\$\.count"),
        ({"flag": 1}, r"\$\.flag"),
        ({"ratio": "0.5"}, r"\$\.ratio"),
        ({"wait": 1.5}, "microseconds"),
        ({"size": 7}, "Size"),
        ({"parts": [{"at": "2025-01-06T09:00:00", "colour": "red"}]}, "naive"),
        ({"parts": [{"at": "yesterday", "colour": "red"}]}, "ISO 8601"),
        ({"parts": [{"at": "2025-01-06T09:00:00+00:00", "colour": "blue"}]}, "allowed: red"),
        ({"label": None}, r"\$\.label"),
    ],
)
def test_a_record_that_does_not_fit_is_refused_naming_where(
    change: dict[str, Any], problem: str
) -> None:
    record = THING_SPEC.to_record(Thing(id="t1"))
    record.update(change)
    with pytest.raises(StorageError, match=problem) as info:
        THING_SPEC.from_record(record)
    assert "the stored thing 't1' does not fit Thing" in str(info.value)


def test_a_required_field_missing_is_named() -> None:
    record = THING_SPEC.to_record(Thing(id="t1"))
    del record["id"]
    with pytest.raises(StorageError, match=r"required field missing @ \$\.id"):
        THING_SPEC.from_record(record)


def test_a_naive_datetime_is_refused_when_writing() -> None:
    thing = Thing(id="t1", parts=(Part(datetime(2025, 1, 6)),))
    with pytest.raises(ValidationError, match="naive"):
        THING_SPEC.to_record(thing)


def test_the_shared_converter_unstructures_values_too() -> None:
    assert RECORDS.unstructure(Part(T0)) == {
        "at": "2025-01-06T09:00:00+00:00",
        "colour": "red",
        "note": None,
    }
    assert RECORDS.structure({"at": "2025-01-06T17:00:00+08:00"}, Part).at == T0


# -- versions and upcasters ---------------------------------------------------------------


def _v1_to_v2(record: dict[str, Any]) -> dict[str, Any]:
    record["label"] = record.pop("name")
    return record


def _v2_to_v3(record: dict[str, Any]) -> dict[str, Any]:
    record["count"] = len(record.pop("counted"))
    return record


THING_V3 = AggregateSpec.of(Thing, record_version=3, upcasters={1: _v1_to_v2, 2: _v2_to_v3})


def test_upcasters_run_in_order_from_the_record_s_version() -> None:
    v1 = {**THING_SPEC.to_record(Thing(id="t1")), "name": "old", "counted": [1, 2]}
    del v1["label"], v1["count"], v1[RECORD_VERSION_KEY]
    original = json.loads(json.dumps(v1))
    thing = THING_V3.from_record(v1)
    assert (thing.label, thing.count) == ("old", 2)
    assert v1 == original  # the stored record is not changed
    assert THING_V3.to_record(thing)[RECORD_VERSION_KEY] == 3
    v2 = {**THING_SPEC.to_record(Thing(id="t1", label="new")), "counted": [1]}
    del v2["count"]
    v2[RECORD_VERSION_KEY] = 2
    assert THING_V3.from_record(v2).count == 1
    current = THING_V3.to_record(Thing(id="t1", count=5))
    assert upcast("thing", current, 3, THING_V3.upcasters) is current


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (4, "newer than the 3 this release reads"),
        (0, "whole number from 1"),
        ("2", "whole number from 1"),
        (True, "whole number from 1"),
    ],
)
def test_a_record_version_this_release_cannot_read_is_refused(version: Any, message: str) -> None:
    record = THING_V3.to_record(Thing(id="t1"))
    record[RECORD_VERSION_KEY] = version
    with pytest.raises(StorageError, match=message):
        THING_V3.from_record(record)


def test_an_upcaster_that_returns_no_dict_is_refused() -> None:
    spec = AggregateSpec.of(Thing, record_version=2, upcasters={1: lambda r: None})  # type: ignore[arg-type, return-value]
    with pytest.raises(StorageError, match="upcaster of version 1 returned NoneType"):
        spec.from_record({"id": "t1"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"record_version": 0}, "whole number from 1"),
        ({"record_version": 2}, "missing for 1"),
        ({"record_version": 2, "upcasters": {1: _v1_to_v2, 2: _v2_to_v3}}, "not expected for 2"),
        ({"upcasters": {1: _v1_to_v2}}, "not expected for 1"),
        ({"record_version": 2, "upcasters": {1: "rename"}}, "not callable"),
        ({"record_version": 2, "upcasters": [_v1_to_v2]}, "a mapping"),
    ],
)
def test_versions_and_upcasters_must_fit(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AggregateSpec.of(Thing, **kwargs)


def test_of_needs_an_attrs_class_with_a_kind_and_no_record_version_field() -> None:
    with pytest.raises(ValidationError, match="needs an attrs class"):
        AggregateSpec.of(dict)
    with pytest.raises(ValidationError, match="give kind"):
        AggregateSpec.of(Part)

    @attrs.define
    class Versioned:
        id: str
        record_version: int

    with pytest.raises(ValidationError, match="may not be named 'record_version'"):
        AggregateSpec.of(Versioned, kind="versioned")
    assert AggregateSpec.of(Part, kind="part").kind == "part"


def test_a_hand_written_mapping_is_versioned_too() -> None:
    spec: AggregateSpec[Thing] = AggregateSpec(
        "thing",
        Thing,
        lambda t: {"id": t.id, "version": t.version},
        lambda r: Thing(id=r["id"], version=r["version"]),
        record_version=2,
        upcasters={1: lambda r: {**r, "version": 7}},
    )
    assert spec.to_record(Thing(id="a")) == {"id": "a", "version": 0, RECORD_VERSION_KEY: 2}
    assert spec.from_record({"id": "a", "version": 0}).version == 7


def test_field_types_that_cannot_be_resolved_are_named() -> None:
    namespace: dict[str, Any] = {"__name__": "not_an_importable_module"}
    exec(
        "from __future__ import annotations\n"
        "import attrs\n"
        "from datetime import datetime\n"
        "@attrs.define\n"
        "class Loose:\n"
        "    id: str\n"
        "    at: datetime\n",
        namespace,
    )
    with pytest.raises(ValidationError, match=r"cannot be resolved.*resolve_types"):
        AggregateSpec.of(namespace["Loose"], kind="loose")


def test_a_key_that_is_no_field_is_refused_not_dropped() -> None:
    record = THING_SPEC.to_record(Thing(id="t1", parts=(Part(T0),)))
    record["colour"] = "red"  # say, a field that moved into the parts without an upcaster
    with pytest.raises(StorageError, match="colour") as info:
        THING_SPEC.from_record(record)
    assert "does not fit Thing" in str(info.value)
    record = THING_SPEC.to_record(Thing(id="t1", parts=(Part(T0),)))
    record["parts"][0]["size"] = 1
    with pytest.raises(StorageError, match="size"):
        THING_SPEC.from_record(record)


# -- the version check: what it says when versions and upcasters do not fit --------------


def _unfit(record_version: object, upcasters: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_versions("thing", record_version, upcasters)
    return caught.value


@pytest.mark.parametrize("record_version", [0, -1, "2", 2.0, 1.5, True, None])
def test_a_record_version_that_is_no_whole_number_from_1_is_named(record_version: object) -> None:
    error = _unfit(record_version, {})
    assert str(error) == (
        f"thing: record_version must be a whole number from 1, got {record_version!r}"
    )
    assert error.field == "record_version"


def test_upcasters_that_are_no_mapping_are_named() -> None:
    error = _unfit(2, [_v1_to_v2])
    assert str(error) == "thing: upcasters must be a mapping of version to function, got list"
    assert error.field == "upcasters"


@pytest.mark.parametrize(
    ("record_version", "upcasters", "expected"),
    [
        (3, {}, "version (1, 2); missing for 1, 2"),
        (3, {2: _v2_to_v3}, "version (1, 2); missing for 1"),
        (1, {1: _v1_to_v2}, "version (none (record_version is 1)); not expected for 1"),
        (
            2,
            {2: _v2_to_v3, "3": _v2_to_v3, 0: _v1_to_v2},
            "version (1); missing for 1; not expected for '3', 0, 2",
        ),
    ],
)
def test_the_upcasters_missing_and_not_expected_are_listed(
    record_version: int, upcasters: dict[Any, Any], expected: str
) -> None:
    error = _unfit(record_version, upcasters)
    assert str(error) == (
        f"thing: at record_version {record_version} there is one upcaster per older {expected}"
    )
    assert error.field == "upcasters"


def test_an_upcaster_that_cannot_be_called_is_named() -> None:
    error = _unfit(3, {1: _v1_to_v2, 2: "count the items"})
    assert str(error) == "thing: the upcaster of version 2 is not callable: 'count the items'"
    assert error.field == "upcasters"


def test_fitting_upcasters_come_back_as_a_dict_of_their_own() -> None:
    given = {2: _v2_to_v3, 1: _v1_to_v2}
    checked = check_versions("thing", 3, given)
    assert checked == given and checked is not given and type(checked) is dict
    assert check_versions("thing", 1, {}) == {}


# -- upcasting: the record passed on, the stored record left alone ------------------------


def test_each_upcaster_gets_the_record_at_its_own_version_and_may_change_it_deeply() -> None:
    seen: list[tuple[int, Any]] = []

    def nest(record: dict[str, Any]) -> dict[str, Any]:
        seen.append((1, record.get(RECORD_VERSION_KEY, 1)))
        assert len(seen) == 1, "an upcaster runs once per load"
        record["parts"][0]["note"] = "moved"
        record["meta"]["n"] += 1
        return record

    def fresh(record: dict[str, Any]) -> dict[str, Any]:
        seen.append((2, record[RECORD_VERSION_KEY]))
        return {**record, "extra": record["meta"]["n"]}

    stored = {"id": "t1", "parts": [{"note": None}], "meta": {"n": 1}}
    original = json.loads(json.dumps(stored))
    result = upcast("thing", stored, 3, {1: nest, 2: fresh})
    assert seen == [(1, 1), (2, 2)]
    assert result == {
        "id": "t1",
        "parts": [{"note": "moved"}],
        "meta": {"n": 2},
        "extra": 2,
        RECORD_VERSION_KEY: 3,
    }
    assert stored == original  # nested values too: the stored record is not changed


def test_a_record_without_a_version_is_of_version_1_and_each_upcaster_runs_once() -> None:
    def rename(record: dict[str, Any]) -> dict[str, Any]:
        record["n"] = record.pop("count")  # fails if the record is passed to it twice
        return record

    result = upcast("thing", {"id": "t1", "count": 0}, 2, {1: rename})
    assert result == {"id": "t1", "n": 0, RECORD_VERSION_KEY: 2}
    unchanged = {"id": "t1"}
    assert upcast("thing", unchanged, 1, {}) is unchanged


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"id": "t9", RECORD_VERSION_KEY: 0}, "the stored thing 't9' has record_version 0"),
        ({"id": 9, RECORD_VERSION_KEY: 0}, "a stored thing record has record_version 0"),
        ({RECORD_VERSION_KEY: "1"}, "a stored thing record has record_version '1'"),
    ],
)
def test_a_bad_version_names_the_record(record: dict[str, Any], expected: str) -> None:
    with pytest.raises(StorageError) as caught:
        upcast("thing", record, 2, {1: _v1_to_v2})
    assert str(caught.value) == f"{expected}; it must be a whole number from 1"


def test_a_newer_version_names_the_record_and_the_version_read() -> None:
    with pytest.raises(StorageError) as caught:
        upcast("thing", {"id": "t9", RECORD_VERSION_KEY: 3}, 2, {1: _v1_to_v2})
    assert str(caught.value) == (
        "the stored thing 't9' has record_version 3, newer than the 2 this release reads: "
        "a newer release of itsm_core wrote it"
    )


def test_a_record_that_is_no_mapping_or_an_upcaster_result_that_is_no_dict_is_named() -> None:
    with pytest.raises(StorageError) as caught:
        upcast("thing", ["t1"], 2, {1: _v1_to_v2})  # type: ignore[arg-type]
    assert str(caught.value) == "a stored thing record must be a mapping, got list"
    with pytest.raises(StorageError) as caught:
        upcast("thing", {"id": "t1"}, 3, {1: lambda r: r, 2: lambda r: list(r)})  # type: ignore[dict-item, return-value]
    assert str(caught.value) == "the thing upcaster of version 2 returned list, not a dict"


# -- the derived mapping, derived while the test runs --------------------------------------


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_the_mapping_derived_for_every_kind_reads_and_writes_its_current_fixture(
    kind: str,
) -> None:
    spec = SPECS[kind]
    to_record, from_record = derived_mapping(kind, spec.entity_type)
    record = _load(FIXTURES / f"{kind}.v{spec.record_version}.json")
    record.pop(RECORD_VERSION_KEY, None)
    entity = from_record(record)
    assert isinstance(entity, spec.entity_type)
    assert entity.id == record["id"]
    assert to_record(entity) == record
    versioned = {**record, RECORD_VERSION_KEY: spec.record_version}
    assert to_record(from_record(versioned)) == record  # the version key is no field


def test_the_derived_mapping_follows_the_declared_types() -> None:
    to_record, from_record = derived_mapping("thing", Thing)
    thing = Thing(id="t1", parts=(Part(T0, note="n"),), tags=frozenset({"a"}), count=2)
    record = to_record(thing)
    assert record == {
        "id": "t1",
        "version": 0,
        "parts": [{"at": "2025-01-06T09:00:00+00:00", "colour": "red", "note": "n"}],
        "tags": ["a"],
        "size": 1,
        "wait": 0,
        "count": 2,
        "ratio": 0.0,
        "flag": False,
        "label": "",
    }
    back = from_record({**record, RECORD_VERSION_KEY: 1})
    assert (back.id, back.parts, back.tags, back.count) == ("t1", thing.parts, thing.tags, 2)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"id": "t1", "count": "3"}, r"^the stored thing 't1' does not fit Thing: .*\$\.count"),
        ({"id": 7}, r"^a stored thing record does not fit Thing: .*\$\.id"),
        (
            {"count": 1},
            r"^a stored thing record does not fit Thing: required field missing @ \$\.id",
        ),
    ],
)
def test_the_derived_mapping_names_what_does_not_fit(record: dict[str, Any], expected: str) -> None:
    _, from_record = derived_mapping("thing", Thing)
    with pytest.raises(StorageError, match=expected):
        from_record(record)


def test_unresolvable_field_types_are_named_with_the_remedy() -> None:
    namespace: dict[str, Any] = {"__name__": "not_an_importable_module"}
    exec(
        "from __future__ import annotations\n"
        "import attrs\n"
        "@attrs.define\n"
        "class Loose:\n"
        "    id: str\n"
        "    at: Moment\n",
        namespace,
    )
    with pytest.raises(ValidationError) as caught:
        derived_mapping("loose", namespace["Loose"])
    assert re.fullmatch(
        r"loose: the field types of Loose cannot be resolved \(.*Moment.*\); define the class "
        r"in an importable module, or call attrs\.resolve_types\(cls, globals\(\)\) first",
        str(caught.value),
    )
    assert caught.value.field == "entity_type"
