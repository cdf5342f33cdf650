from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from itsm_core import SYSTEM, AccessDenied, Actor, DomainEvent, Role, ValidationError
from itsm_core.kernel.actors import require_role
from itsm_core.kernel.events import REDACTED, jsonable

AT = datetime(2026, 5, 4, 10, tzinfo=UTC)


def test_actor_roles_are_parsed_and_checked() -> None:
    actor = Actor("u1", ["complaint_specialist"], "Li")
    assert actor.roles == {Role.COMPLAINT_SPECIALIST}
    assert require_role(actor, Role.COMPLAINT_SPECIALIST, action="judge") is actor
    with pytest.raises(AccessDenied, match="complaint_specialist") as info:
        require_role(Actor("u2", [Role.ENGINEER]), Role.COMPLAINT_SPECIALIST, action="judge")
    assert info.value.required == ("complaint_specialist",)
    with pytest.raises(ValidationError, match="not a valid Role"):
        Actor("u3", ["janitor"])
    with pytest.raises(ValidationError, match="non-empty"):
        Actor("", [])
    with pytest.raises(ValidationError, match="Actor"):
        require_role("u1", Role.ENGINEER, action="x")
    assert SYSTEM.has(Role.SYSTEM)


def test_event_round_trip_and_redaction() -> None:
    actor = Actor("u1", [Role.COMPLAINT_SPECIALIST])
    event = DomainEvent.create(
        kind="complaint",
        aggregate_id="c1",
        version=1,
        name="complaint.received",
        at=AT,
        actor=actor,
        payload={"complainant": "Wang", "when": AT, "role": Role.ENGINEER},
        confidential=["complainant"],
    )
    assert event.payload["when"] == AT.isoformat()
    assert event.payload["role"] == "engineer"
    assert DomainEvent.from_dict(event.to_dict()) == event
    red = event.redacted()
    assert red.payload["complainant"] == REDACTED
    assert red.event_id == event.event_id
    assert "Wang" not in str(red.to_dict())
    with pytest.raises(TypeError):
        event.payload["x"] = 1  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.name = "x"  # type: ignore[misc]


def test_event_needs_aware_time() -> None:
    with pytest.raises(ValidationError):
        DomainEvent.create(
            kind="k", aggregate_id="a", version=1, name="n", at=datetime(2026, 1, 1), actor=SYSTEM
        )


def test_jsonable_refuses_unknown_types() -> None:
    assert jsonable({"a": (1, 2), "b": {3}}) == {"a": [1, 2], "b": [3]}
    with pytest.raises(TypeError):
        jsonable(object())
