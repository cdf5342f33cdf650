from __future__ import annotations

from datetime import UTC, datetime

import pytest

from itsm_core import SYSTEM, InvalidTransition

from .toy import LIGHT, Lamp, Light

AT = datetime(2026, 5, 4, 10, tzinfo=UTC)


def test_table_is_data() -> None:
    assert LIGHT.allowed(Light.OFF) == {"switch_on", "break"}
    assert LIGHT.terminal == {Light.BROKEN}
    assert LIGHT.targets(Light.ON, "switch_off") is Light.OFF
    assert LIGHT.targets(Light.OFF, "switch_off") is None


def test_fire_moves_state_and_refusal_names_allowed() -> None:
    lamp = Lamp(id="l1", room="101")
    assert LIGHT.fire(lamp, "switch_on") is Light.ON
    with pytest.raises(InvalidTransition) as info:
        LIGHT.fire(lamp, "switch_on")
    assert info.value.state == "on"
    assert info.value.allowed == ("break", "switch_off")
    LIGHT.fire(lamp, "break")
    with pytest.raises(InvalidTransition, match="terminal"):
        LIGHT.fire(lamp, "switch_off")


def test_machine_holds_no_models_and_no_auto_transitions() -> None:
    for i in range(50):
        LIGHT.fire(Lamp(id=f"l{i}", room="x"), "switch_on")
    assert LIGHT.machine.models == []
    assert not any(name.startswith("to_") for name in LIGHT.machine.events)


def test_entity_records_one_event_per_change() -> None:
    lamp = Lamp(id="l1", room="101")
    lamp.switch_on(SYSTEM, AT)
    assert lamp.version == 1 and lamp.stored_version == 0
    (event,) = lamp.pending_events
    assert event.name == "lamp.switched_on" and event.aggregate_version == 1
    lamp.mark_stored()
    assert lamp.pending_events == () and lamp.stored_version == 1


def test_recording_needs_an_actor() -> None:
    from itsm_core import ValidationError

    lamp = Lamp(id="l1", room="101")
    with pytest.raises(ValidationError, match=r"actor must be an itsm_core\.Actor"):
        lamp._record("touched", None, AT)  # type: ignore[arg-type]
    assert lamp.version == 0
    assert lamp.pending_events == ()
