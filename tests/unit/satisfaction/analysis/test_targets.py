"""Targets, critical lines and measures: definition rules, storage, roles."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from itsm_core import AccessDenied, NotFound, ValidationError
from itsm_core.satisfaction.analysis import (
    TARGET_SPEC,
    AlertLevel,
    LevelRule,
    SatisfactionTarget,
    TargetMetric,
)
from itsm_core.satisfaction.analysis.targets import target_id

from .fakes import AT, COORDINATOR, DIRECTOR, MANAGER, QUALITY, make_analysis, make_runtime

LEVELS = (
    LevelRule(AlertLevel.GREEN, 90, "keep the routine"),
    LevelRule("yellow", 80, "call back every dissatisfied response"),
    LevelRule("red", None, "operations manager visits the customer"),
)


def make(**changes: object) -> SatisfactionTarget:
    options: dict[str, object] = {
        "service": "desktop",
        "customer": None,
        "metric": "csat",
        "target": 90,
        "levels": LEVELS,
        "actor": DIRECTOR,
        "at": AT,
    }
    options.update(changes)
    return SatisfactionTarget.create(**options)  # type: ignore[arg-type]


def test_classify_by_critical_lines() -> None:
    target = make()
    assert target.critical_lines == (90.0, 80.0)
    assert target.classify(95) is LEVELS[0]
    assert target.classify(90) is LEVELS[0]
    assert target.classify(89.99) is LEVELS[1]
    assert target.classify(80) is LEVELS[1]
    assert target.classify(0) is LEVELS[2]
    assert target.classify(None) is None
    assert target.rule_for(AlertLevel.RED) is LEVELS[2]
    assert target.rule_for(AlertLevel.ORANGE) is None
    deviation = target.deviation(85)
    assert deviation is not None and deviation.difference == -5 and deviation.below_target
    assert AlertLevel.RED.severity > AlertLevel.YELLOW.severity > AlertLevel.GREEN.severity
    assert AlertLevel.RED.zh.startswith("红色")


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ((), "at least one band"),
        ((LevelRule("green", 90),), "last band"),
        ((LevelRule("green"), LevelRule("red")), "only the last band"),
        ((LevelRule("red", 90), LevelRule("green")), "worse than the one above"),
        ((LevelRule("green", 80), LevelRule("yellow", 85), LevelRule("red")), "must fall"),
        ((LevelRule("green", 120), LevelRule("red")), "outside the range"),
        (("green",), "LevelRule"),
    ],
)
def test_bad_bands_are_refused(levels: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make(levels=levels)


def test_other_bad_definitions() -> None:
    with pytest.raises(ValidationError, match="outside the range"):
        make(target=101)
    with pytest.raises(ValidationError, match="metric"):
        make(metric="happiness")
    with pytest.raises(ValidationError, match="service"):
        make(service="  ")
    with pytest.raises(ValidationError, match="level"):
        LevelRule("purple")
    with pytest.raises(ValidationError, match="at_least"):
        LevelRule("green", float("nan"))
    nps = make(
        metric=TargetMetric.NPS, target=-10, levels=[LevelRule("green", -10), LevelRule("red")]
    )
    assert nps.metric.bounds == (-100.0, 100.0)
    with pytest.raises(ValidationError, match="improvement_period"):
        make(improvement_period=timedelta(0))


def test_record_round_trip_through_json() -> None:
    target = make(customer="acme", owner="u-io-1", improvement_period=timedelta(days=14))
    record = json.loads(json.dumps(TARGET_SPEC.to_record(target)))
    back = TARGET_SPEC.from_record(record)
    assert TARGET_SPEC.to_record(back) == TARGET_SPEC.to_record(target)
    assert back.levels == target.levels
    assert back.improvement_period == timedelta(days=14)
    assert TARGET_SPEC.index_values(back) == {
        "service": "desktop",
        "customer": "acme",
        "metric": "csat",
        "active": True,
    }
    assert target.id == target_id("desktop", "acme") != target_id("desktop", None)
    assert target_id("a:b", "*") != target_id("a", "b:*")


def test_set_revise_retire_through_the_service() -> None:
    runtime = make_runtime()
    sat = make_analysis(runtime)
    first = sat.targets.set_target(MANAGER, "desktop", target=90, levels=LEVELS)
    assert first.version == 1 and first.owner == MANAGER.id
    same = sat.targets.set_target(MANAGER, "desktop", target=90, levels=LEVELS)
    assert same.version == 1  # nothing changed, nothing recorded
    revised = sat.targets.set_target(DIRECTOR, "desktop", target=85, levels=LEVELS, owner="u-io-9")
    assert revised.version == 2 and revised.target == 85 and revised.owner == "u-io-9"
    sat.targets.set_target(
        MANAGER,
        "desktop",
        customer="acme",
        target=95,
        metric="index",
        levels=[LevelRule("green", 95), LevelRule("red")],
    )
    assert [t.customer for t in sat.targets.find(QUALITY)] == [None, "acme"]
    retired = sat.targets.retire_target(MANAGER, "desktop", customer="acme")
    assert not retired.active and retired.version == 2
    assert [t.customer for t in sat.targets.find(QUALITY)] == [None]
    assert len(sat.targets.find(QUALITY, include_retired=True)) == 2
    back = sat.targets.set_target(
        MANAGER,
        "desktop",
        customer="acme",
        target=95,
        metric="index",
        levels=[LevelRule("green", 95), LevelRule("red")],
    )
    assert back.active and back.version == 3
    stored = sat.targets.get(COORDINATOR, "desktop")
    assert stored.target == 85
    events = [
        e.name for e in runtime.storage.unit_of_work().history("satisfaction_target", stored.id)
    ]
    assert events == ["satisfaction_target.set", "satisfaction_target.revised"]
    with pytest.raises(NotFound):
        sat.targets.get(QUALITY, "nothing")


def test_who_may_set_targets() -> None:
    sat = make_analysis(make_runtime())
    for actor in (QUALITY, COORDINATOR):
        with pytest.raises(AccessDenied, match="operations_director"):
            sat.targets.set_target(actor, "desktop", target=90, levels=LEVELS)
    with pytest.raises(AccessDenied):
        sat.targets.retire_target(QUALITY, "desktop")


def test_levels_must_be_a_list_of_bands_and_nothing_is_stored_on_refusal() -> None:
    sat = make_analysis(make_runtime())
    for levels in (None, LEVELS[0], "green", {"green": 90}, 5):
        with pytest.raises(ValidationError, match="levels must be a list of LevelRule") as caught:
            sat.targets.set_target(DIRECTOR, "desktop", target=90, levels=levels)  # type: ignore[arg-type]
        assert caught.value.field == "levels"
    assert sat.targets.find(QUALITY, include_retired=True) == []
    sat.targets.set_target(DIRECTOR, "desktop", target=90, levels=LEVELS)
    with pytest.raises(ValidationError, match="levels must be a list"):
        sat.targets.set_target(DIRECTOR, "desktop", target=80, levels=None)  # type: ignore[arg-type]
    assert sat.targets.get(QUALITY, "desktop").target == 90


def test_service_and_customer_are_taken_stripped_as_capture_stores_them() -> None:
    sat = make_analysis(make_runtime())
    spaced = sat.targets.set_target(
        DIRECTOR, " desktop ", customer=" acme", target=90, levels=LEVELS
    )
    assert (spaced.service, spaced.customer) == ("desktop", "acme")
    assert spaced.id == target_id("desktop", "acme")
    assert sat.targets.get(QUALITY, "desktop", customer="acme") is not None
    assert sat.targets.get(QUALITY, "desktop ", customer="acme ").id == spaced.id
