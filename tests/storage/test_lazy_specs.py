"""Specs that name their entity class by import path: loaded on first use, wrong names named.

Opening a store needs only each kind's name and index fields, so a spec may
name its class by path and import it on its first record; a path of the
wrong form is refused at once, a class that cannot be found on first use,
naming the kind and the path.
"""

from __future__ import annotations

import threading
from typing import Any

import attrs
import pytest

from itsm_core.kernel.errors import ValidationError
from itsm_core.storage import AggregateSpec, IndexField
from itsm_core.storage.records import RECORD_VERSION_KEY

THING = "tests.storage.test_records:Thing"


def test_a_lazy_spec_converts_records_as_the_eager_one() -> None:
    from tests.storage.test_records import THING_SPEC, Thing

    lazy = AggregateSpec.of(THING, kind="thing", index=THING_SPEC.index)
    thing = Thing(id="t1", count=3)
    assert lazy.to_record(thing) == THING_SPEC.to_record(thing)
    assert lazy.entity_type is Thing
    assert THING_SPEC.to_record(lazy.from_record(THING_SPEC.to_record(thing))) == (
        THING_SPEC.to_record(thing)
    )
    other = AggregateSpec.of(THING, kind="thing")
    assert other.from_record({"id": "t2", "version": 0}).id == "t2"  # from_record first


def test_a_hand_written_mapping_may_name_its_class_by_path() -> None:
    from tests.storage.test_records import Thing

    spec: AggregateSpec[Any] = AggregateSpec(
        "thing", THING, lambda t: {"id": t.id}, lambda r: Thing(id=r["id"])
    )
    assert spec.to_record(Thing(id="a")) == {"id": "a", RECORD_VERSION_KEY: 1}
    assert spec.entity_type is Thing
    assert spec._from_record({"id": "b"}).id == "b"


@pytest.mark.parametrize(
    "path", ["Thing", "tests.storage.test_records.Thing", "tests storage:Thing", ":Thing", "m:"]
)
def test_a_path_that_is_no_module_and_class_is_refused_at_once(path: str) -> None:
    with pytest.raises(ValidationError, match=r"import path, such as 'package\.module:Class'"):
        AggregateSpec.of(path, kind="thing")
    with pytest.raises(ValidationError, match="import path") as caught:
        AggregateSpec("thing", path, dict, dict)
    assert caught.value.field == "entity_type"


def test_a_spec_named_by_path_needs_its_kind() -> None:
    with pytest.raises(ValidationError, match="give kind=") as caught:
        AggregateSpec.of(THING)
    assert caught.value.field == "kind"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("tests.storage.no_such_module:Thing", r"'tests\.storage\.no_such_module:Thing' cannot "
         r"be imported \(No module named 'tests\.storage\.no_such_module'\)"),
        ("tests.storage.test_records:NoSuchThing", r"the module 'tests\.storage\.test_records' "
         r"holds no class 'NoSuchThing'"),
        ("tests.storage.test_records:T0", "holds no class 'T0'"),
        ("tests.storage.test_records:Size", "needs an attrs class"),
    ],
)  # fmt: skip
def test_a_class_that_cannot_be_found_is_named_on_first_use(path: str, message: str) -> None:
    spec = AggregateSpec.of(path, kind="thing", index=(IndexField("n", "int", lambda t: 0),))
    assert spec.kind == "thing" and spec.index[0].name == "n"  # what a store opens with
    for use in (
        lambda: spec.entity_type,
        lambda: spec.to_record(object()),
        lambda: spec.from_record({"id": "x", "version": 0}),
    ):
        with pytest.raises(ValidationError, match=message) as caught:
            use()
        assert caught.value.field == "entity_type"


def test_a_class_with_a_record_version_field_is_refused_on_first_use() -> None:
    spec = AggregateSpec.of(f"{__name__}:Versioned", kind="versioned")
    with pytest.raises(ValidationError, match="may not be named 'record_version'"):
        spec.entity_type  # noqa: B018


@attrs.define
class Versioned:
    id: str
    record_version: int


def test_a_copy_of_a_lazy_spec_keeps_its_own_and_the_original_s_functions() -> None:
    from tests.storage.test_records import THING_SPEC, Thing

    calls: list[str] = []

    def counting(record: Any) -> Any:
        calls.append(record["id"])
        return THING_SPEC._from_record(record)

    lazy = AggregateSpec.of(THING, kind="thing")
    copy = attrs.evolve(lazy, from_record=counting)
    assert copy.from_record({"id": "c", "version": 0}).id == "c"
    assert calls == ["c"]
    assert copy.to_record(Thing(id="d"))["id"] == "d"
    assert copy.entity_type is Thing
    assert copy._to_record is lazy._to_record  # the original's derived function
    plain = attrs.evolve(AggregateSpec.of(THING, kind="thing"))
    assert plain._from_record.__qualname__.startswith("derived_mapping.")


def test_threads_resolving_at_once_get_one_class_and_one_mapping() -> None:
    spec = AggregateSpec.of(THING, kind="thing")
    seen: list[Any] = []
    start = threading.Barrier(4)

    def use() -> None:
        start.wait()
        seen.append((spec.entity_type, spec._to_record))

    threads = [threading.Thread(target=use) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 1


def test_a_spec_is_equal_only_to_itself() -> None:
    one = AggregateSpec.of(THING, kind="thing")
    assert one == one and one != AggregateSpec.of(THING, kind="thing")
    assert {one: 1}[one] == 1
    one.entity_type  # noqa: B018  # resolving changes neither
    assert {one: 1}[one] == 1
