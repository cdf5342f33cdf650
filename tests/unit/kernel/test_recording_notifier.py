"""The recording notifier shipped in itsm_core.testing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itsm_core import SYSTEM, ValidationError
from itsm_core.kernel.clock import FrozenClock
from itsm_core.kernel.markers import hookimpl
from itsm_core.outbox import Backoff, OutboxRelay
from itsm_core.plugins import make_plugin_manager
from itsm_core.runtime import Runtime
from itsm_core.storage.memory import MemoryBackend
from itsm_core.testing import HookCall, RecordingNotifier

from .toy import LAMP_SPEC, Lamp

AT = datetime(2026, 5, 4, 10, tzinfo=UTC)


def _runtime(*plugins: object) -> Runtime:
    clock = FrozenClock(AT)
    pm = make_plugin_manager(plugins, load_entrypoints=False)
    storage = MemoryBackend("memory://", [LAMP_SPEC])
    return Runtime(
        clock, storage, pm, OutboxRelay(storage, pm, clock, Backoff(base=timedelta(seconds=10)))
    )


def _switch_on(rt: Runtime, lamp_id: str) -> None:
    with rt.transaction() as uow:
        lamp = Lamp(id=lamp_id, room="101")
        lamp.switch_on(SYSTEM, rt.clock.now())
        uow.save(LAMP_SPEC, lamp)


def test_it_keeps_the_committed_events_redacted_in_order() -> None:
    rec = RecordingNotifier()
    rt = _runtime(rec)
    _switch_on(rt, "a")
    _switch_on(rt, "b")
    assert rec.names() == ["lamp.switched_on", "lamp.switched_on"]
    assert [e.aggregate_id for e in rec.of("lamp.switched_on")] == ["a", "b"]
    assert [e.aggregate_id for e in rec.for_aggregate("b")] == ["b"]
    assert rec.events[0].payload["by"] == "[redacted]"
    assert rec.of("lamp.switched_off") == []
    rec.clear()
    assert rec.events == [] and rec.calls == []


def test_simulated_failures_are_retried_by_the_relay() -> None:
    good, flaky = RecordingNotifier("good"), RecordingNotifier("flaky", failures=1)
    rt = _runtime(good, flaky)
    _switch_on(rt, "a")
    assert len(good.events) == 1 and flaky.events == [] and flaky.failed == 1
    assert isinstance(rt.clock, FrozenClock)
    rt.clock.advance(seconds=10)
    assert rt.relay.run().delivered == 1
    assert len(flaky.events) == 1 and len(good.events) == 1


def test_dedicated_hooks_are_kept_with_their_arguments() -> None:
    rec = RecordingNotifier()
    pm = make_plugin_manager([rec], load_entrypoints=False)
    pm.hook.itsm_sla_breach(notification="n1")
    pm.hook.itsm_service_record_returned(
        record_id="R1",
        reason="still broken",
        customer="c1",
        service="desk",
        engineer=None,
        callback_id="cb1",
        returned_at=AT,
    )
    assert rec.calls_of("itsm_sla_breach") == ["n1"]
    (returned,) = rec.calls_of("itsm_service_record_returned")
    assert returned["record_id"] == "R1" and returned["returned_at"] == AT
    assert rec.calls[0] == HookCall("itsm_sla_breach", {"notification": "n1"})
    assert rec.calls_of("itsm_sla_warning") == []


def test_calls_of_several_hooks_keeps_the_order_they_arrived_in() -> None:
    rec = RecordingNotifier()
    pm = make_plugin_manager([rec], load_entrypoints=False)
    pm.hook.itsm_sla_warning(notification="w1")
    pm.hook.itsm_service_period_notice(notice="p1")
    pm.hook.itsm_sla_breach(notification="b1")
    pm.hook.itsm_sla_warning(notification="w2")
    assert rec.calls_of("itsm_sla_warning", "itsm_sla_breach") == ["w1", "b1", "w2"]
    assert rec.calls_of("itsm_sla_breach", "itsm_sla_warning") == ["w1", "b1", "w2"]
    assert rec.calls_of("itsm_service_period_notice") == ["p1"]


def test_it_implements_every_notifier_hook() -> None:
    from itsm_core import hookspecs

    hooks = {
        name
        for name in dir(hookspecs)
        if name.startswith("itsm_") and name != "itsm_register_storage"
    }
    mine = {name for name in dir(RecordingNotifier) if name.startswith("itsm_")}
    assert hooks == mine
    for name in mine:
        assert getattr(getattr(RecordingNotifier, name), "itsm_core_impl", None) is not None
    assert hookimpl is not None


@pytest.mark.parametrize("failures", [-1, True, 1.5])
def test_a_bad_failure_count_is_refused(failures: object) -> None:
    with pytest.raises(ValidationError, match="failures"):
        RecordingNotifier(failures=failures)  # type: ignore[arg-type]


def test_a_predicate_fails_the_deliveries_it_accepts_and_attempts_are_kept() -> None:
    rec = RecordingNotifier(fail_when=lambda call: call.hook == "itsm_sla_breach")
    pm = make_plugin_manager([rec], load_entrypoints=False)
    with pytest.raises(OSError, match="itsm_sla_breach"):
        pm.hook.itsm_sla_breach(notification="n1")
    pm.hook.itsm_sla_warning(notification="w1")
    assert rec.calls_of("itsm_sla_breach") == [] and rec.calls_of("itsm_sla_warning") == ["w1"]
    assert [c.hook for c in rec.attempts] == ["itsm_sla_breach", "itsm_sla_warning"]
    assert rec.failed == 1
    with pytest.raises(ValidationError, match="fail_when"):
        RecordingNotifier(fail_when="breach")  # type: ignore[arg-type]
