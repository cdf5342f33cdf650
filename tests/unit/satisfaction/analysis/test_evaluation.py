"""Evaluating a period: levels, crossings (hook and event), improvement items."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from itsm_core import SYSTEM, AccessDenied, DomainEvent, InvalidTransition, NotFound
from itsm_core.improvements import ImprovementSource, ImprovementState
from itsm_core.satisfaction.analysis import (
    STANDING_SPEC,
    AlertLevel,
    ChannelWeights,
    CrossingDirection,
    LevelCrossing,
    LevelRule,
    MissingChannels,
    level_crossing_hook_calls,
)
from itsm_core.testing import RecordingNotifier

from .fakes import (
    COORDINATOR,
    DIRECTOR,
    ENGINEER,
    GMO,
    MANAGER,
    OWNER,
    QUALITY,
    make_analysis,
    make_runtime,
    many,
    responses,
)

LEVELS = (
    LevelRule("green", 90, "keep the routine"),
    LevelRule("yellow", 80, "call back every dissatisfied response"),
    LevelRule("red", None, "operations manager visits the customer"),
)


CROSSED = "itsm_satisfaction_level_crossed"


def setup(*plugins: object, **options: object):  # type: ignore[no-untyped-def]
    runtime = make_runtime(plugins)
    sat = make_analysis(runtime, **options)
    sat.targets.set_target(
        DIRECTOR,
        "desktop",
        target=90,
        levels=LEVELS,
        owner=OWNER.id,
        improvement_period=timedelta(days=20),
    )
    return runtime, sat


def test_first_evaluation_classifies_and_crosses_from_the_best_level() -> None:
    recorder = RecordingNotifier()
    runtime, sat = setup(recorder)
    responses(runtime, *many(50, 47, customer="acme"), *many(50, 35, customer="globex"))
    evaluation = sat.targets.evaluate(QUALITY, "2026-05")
    results = {r.customer: r for r in evaluation.results}
    assert results[None].value == pytest.approx(82.0)
    assert results[None].level is AlertLevel.YELLOW
    assert results["acme"].level is AlertLevel.GREEN and not results["acme"].below_target
    assert results["globex"].level is AlertLevel.RED
    assert results["globex"].measures == "operations manager visits the customer"
    assert "红色" in results["globex"].describe() and "red" in results["globex"].describe("en")
    # crossings: the service overall and globex (acme stays at the best level)
    crossed = {c.customer: c for c in evaluation.crossings}
    assert set(crossed) == {None, "globex"}
    assert crossed["globex"].previous_level is None
    assert crossed["globex"].direction is CrossingDirection.WORSENED
    assert recorder.calls_of(CROSSED) == list(evaluation.crossings)
    assert "措施" in crossed["globex"].describe() and "measures" in crossed[None].describe("en")
    # the same crossings reach the notifiers as events
    names = [e.name for e in recorder.events if e.aggregate_kind == "satisfaction_standing"]
    assert names.count("satisfaction_standing.level_crossed") == 2
    assert names.count("satisfaction_standing.evaluated") == 1
    event_ids = {e.event_id for e in recorder.events}
    assert all(c.event_id in event_ids for c in evaluation.crossings)
    # below target: one improvement item each, owned by the target's owner
    items = {i.source_ref: i for i in evaluation.improvements}
    assert len(items) == 2
    for item in items.values():
        assert item.source_kind is ImprovementSource.SATISFACTION
        assert item.owner == OWNER.id
        assert item.due_at - item.issued_at == timedelta(days=20)
        assert item.quality_indicators[0].target == "≥ 90"


def test_re_evaluating_raises_nothing_twice_and_later_periods_cross_back() -> None:
    recorder = RecordingNotifier()
    runtime, sat = setup(recorder)
    responses(runtime, *many(50, 35, customer="globex"))
    first = sat.targets.evaluate(QUALITY, "2026-05")
    assert len(first.crossings) == 2 and len(first.improvements) == 2
    again = sat.targets.evaluate(SYSTEM, "2026-05")
    assert again.crossings == () and again.improvements == ()
    assert len(recorder.calls_of(CROSSED)) == 2
    # June: globex recovers
    responses(runtime, *many(50, 48, customer="globex", period="2026-06"))
    june = sat.targets.evaluate(QUALITY, "2026-06")
    assert {c.direction for c in june.crossings} == {CrossingDirection.IMPROVED}
    assert {c.previous_level for c in june.crossings} == {AlertLevel.RED}
    assert june.improvements == ()
    # evaluating May again afterwards changes no standing
    late = sat.targets.evaluate(QUALITY, "2026-05")
    assert late.crossings == () and late.improvements == () and len(late.results) == 2
    standings = sat.targets.find_standings(COORDINATOR, service="desktop")
    assert {s.period for s in standings} == {"2026-06"}
    assert {s.level for s in standings} == {AlertLevel.GREEN}
    red = sat.targets.find_standings(COORDINATOR, level="red")
    assert red == []
    # the standing survives a JSON round trip (restart, SQL backend)
    record = json.loads(json.dumps(STANDING_SPEC.to_record(standings[0])))
    assert STANDING_SPEC.to_record(STANDING_SPEC.from_record(record)) == record


def test_customer_target_overrides_the_service_target() -> None:
    runtime, sat = setup()
    sat.targets.set_target(
        MANAGER,
        "desktop",
        customer="globex",
        target=60,
        levels=[LevelRule("green", 60), LevelRule("red")],
    )
    sat.targets.set_target(
        MANAGER,
        "network",
        customer="initech",
        target=50,
        levels=[LevelRule("green", 50), LevelRule("red")],
    )
    responses(
        runtime,
        *many(50, 35, customer="globex"),
        *many(10, 2, customer="initech", service="network"),
        *many(10, 2, customer="other", service="network"),
    )
    evaluation = sat.targets.evaluate(QUALITY, "2026-05")
    results = {(r.service, r.customer): r for r in evaluation.results}
    assert results[("desktop", "globex")].level is AlertLevel.GREEN
    assert results[("desktop", "globex")].target_id.endswith(":globex")
    assert results[("network", "initech")].level is AlertLevel.RED
    assert results[("network", "initech")].small_sample
    # network has no service-wide target: neither the service nor "other" is classified
    assert ("network", None) not in results and ("network", "other") not in results
    only = sat.targets.evaluate(QUALITY, "2026-05", service="network")
    assert {r.service for r in only.results} == {"network"}


def test_a_raising_hook_never_undoes_the_evaluation_and_is_retried() -> None:
    recorder = RecordingNotifier()
    # a pager that is down until repaired
    broken = RecordingNotifier("broken", fail_when=lambda call: call.hook == CROSSED)
    runtime, sat = setup(broken, recorder)
    responses(runtime, *many(50, 35))
    evaluation = sat.targets.evaluate(QUALITY, "2026-05")
    assert len(evaluation.crossings) == 2
    assert len(recorder.calls_of(CROSSED)) == 2  # the other implementation still ran
    assert len(sat.targets.find_standings(QUALITY)) == 2  # committed
    assert len(sat.improvements.find(QUALITY, source_kind="satisfaction")) == 2
    # the failed deliveries wait in the outbox and are retried after the backoff
    runtime.clock.advance(hours=2)  # type: ignore[attr-defined]
    broken.fail_when = None  # repaired
    report = runtime.relay.run()
    assert report.failures == ()
    paged = broken.calls_of(CROSSED)
    assert len(paged) == 2
    assert {c.event_id for c in paged} == {c.event_id for c in evaluation.crossings}
    assert len(recorder.calls_of(CROSSED)) == 2  # delivered once each to the working one


def test_crossing_rebuilt_from_its_event() -> None:
    runtime, sat = setup()
    responses(runtime, *many(50, 35))
    evaluation = sat.targets.evaluate(QUALITY, "2026-05")
    crossing = evaluation.crossings[0]
    (event,) = [
        e
        for e in runtime.storage.unit_of_work().history(
            "satisfaction_standing", crossing.standing_id
        )
        if e.event_id == crossing.event_id
    ]
    assert LevelCrossing.from_event(event) == crossing
    (call,) = level_crossing_hook_calls(event)
    assert call.hook == "itsm_satisfaction_level_crossed"
    assert call.kwargs["crossing"] == crossing
    evaluated = DomainEvent.create(
        kind="satisfaction_standing",
        aggregate_id="x",
        version=2,
        name="satisfaction_standing.evaluated",
        at=event.occurred_at,
        actor=QUALITY,
    )
    assert level_crossing_hook_calls(evaluated) == []


def test_weighted_evaluation_and_strict_weights() -> None:
    weights = ChannelWeights({"ticket": 1, "callback": 1})
    runtime, sat = setup(weights=weights)
    responses(runtime, *many(40, 40, channel="ticket"), *many(10, 6, channel="callback"))
    (overall, _customer) = sat.targets.evaluate(QUALITY, "2026-05").results
    assert overall.value == pytest.approx(80.0)  # (100 + 60) / 2, not 92 pooled
    strict = ChannelWeights({"ticket": 1, "survey": 1}, MissingChannels.STRICT)
    runtime2, sat2 = setup(weights=strict)
    responses(runtime2, *many(40, 40, channel="ticket"))
    evaluation = sat2.targets.evaluate(QUALITY, "2026-05")
    assert all(r.value is None and r.level is None for r in evaluation.results)
    assert evaluation.crossings == () and sat2.targets.find_standings(QUALITY) == []


def test_improvement_items_are_followed_up() -> None:
    runtime, sat = setup()
    items = sat.improvements
    responses(runtime, *many(50, 35))
    evaluation = sat.targets.evaluate(QUALITY, "2026-05")
    overall = next(i for i in evaluation.improvements if i.source_ref.endswith(":*"))
    other = next(i for i in evaluation.improvements if i is not overall)
    assert items.get(QUALITY, overall.id).state is ImprovementState.IN_PROGRESS  # stored
    progressed = items.report_progress(OWNER, overall.id, note="extra callbacks")
    assert progressed.progress[-1].note == "extra callbacks"
    # the roles that follow satisfaction items up may report progress too
    assert items.report_progress(QUALITY, overall.id, note="checked").progress[-1].by == QUALITY.id
    met = items.follow_up(QUALITY, overall.id, met=True, note="back above 90")
    assert met.state is ImprovementState.DONE
    with pytest.raises(InvalidTransition):
        items.report_progress(OWNER, overall.id, note="too late")
    escalated = items.follow_up(QUALITY, other.id, met=False, note="still low")
    assert escalated.state is ImprovementState.ESCALATED  # at once: no extension is required
    decided = items.decide(GMO, other.id, decision="replace the team lead")
    assert decided.state is ImprovementState.DECIDED
    assert items.find(QUALITY, source_kind="satisfaction", is_open=True) == []
    assert len(items.find(QUALITY, source_kind="satisfaction")) == 2
    with pytest.raises(AccessDenied):
        items.decide(QUALITY, other.id, decision="x")
    with pytest.raises(NotFound):
        items.follow_up(QUALITY, "sat-standing:x:*@2026-05", met=True, note="x")
    with pytest.raises(NotFound):
        items.follow_up(QUALITY, "cmp-1", met=True, note="x")
    standing = sat.targets.find_standings(QUALITY, service="desktop")[0]
    assert set(standing.improvements) <= {overall.id, other.id}


def test_a_satisfaction_item_may_be_extended_more_than_once() -> None:
    runtime = make_runtime()
    sat = make_analysis(runtime)
    sat.targets.set_target(DIRECTOR, "desktop", target=90, levels=LEVELS, owner=OWNER.id)
    responses(runtime, *many(50, 35))
    item = sat.targets.evaluate(QUALITY, "2026-05").improvements[0]
    for days in (10, 20):
        item = sat.improvements.follow_up(
            QUALITY, item.id, met=False, note="n", new_due_at=item.due_at + timedelta(days=days)
        )
        assert item.state is ImprovementState.EXTENDED
    assert item.extensions == 2


def test_who_may_evaluate() -> None:
    _runtime, sat = setup()
    for actor in (ENGINEER, COORDINATOR):
        with pytest.raises(AccessDenied, match="evaluate"):
            sat.targets.evaluate(actor, "2026-05")
    empty = make_analysis(make_runtime()).targets.evaluate(SYSTEM, "2026-05")
    assert empty.results == () and empty.period == "2026-05"
