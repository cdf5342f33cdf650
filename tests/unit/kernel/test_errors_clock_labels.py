from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core import (
    AccessDenied,
    CalendarDataMissing,
    ConflictError,
    FrozenClock,
    InvalidTransition,
    ItsmError,
    Labelled,
    NotFound,
    SystemClock,
    UnknownBackend,
    ValidationError,
)
from itsm_core.kernel.clock import require_aware, require_duration


class Colour(Labelled):
    RED = "red", "红", "red light"
    GREEN = "green", "绿", "green light"


def test_every_error_is_an_itsm_error_and_its_builtin() -> None:
    assert issubclass(ValidationError, ValueError)
    assert issubclass(InvalidTransition, ValueError)
    assert issubclass(AccessDenied, PermissionError)
    assert issubclass(NotFound, LookupError)
    assert not issubclass(NotFound, KeyError)
    for cls in (ValidationError, InvalidTransition, AccessDenied, NotFound, ConflictError):
        assert issubclass(cls, ItsmError)


def test_invalid_transition_names_state_event_and_allowed() -> None:
    err = InvalidTransition(entity="complaint", state="closed", event="judge", allowed=[])
    assert "closed" in str(err) and "judge" in str(err) and "terminal" in str(err)
    err = InvalidTransition(
        entity="complaint", state="received", event="close", allowed=["investigate", "b"]
    )
    assert err.allowed == ("b", "investigate")
    assert "allowed in 'received': b, investigate" in str(err)


def test_not_found_and_unknown_backend_messages() -> None:
    assert "no complaint with id 'x'" in str(NotFound("complaint", "x"))
    err = UnknownBackend("mysql://u:secret@host/db", "mysql", ["sqlite", "memory"])
    assert "memory, sqlite" in str(err)
    assert "secret" not in str(err)


def test_calendar_data_missing_names_the_year() -> None:
    err = CalendarDataMissing("no official data for 2027", year=2027)
    assert err.year == 2027 and isinstance(err, ValidationError)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        require_aware(datetime(2026, 1, 1), "at")
    with pytest.raises(ValidationError, match="datetime"):
        require_aware("2026-01-01", "at")
    aware = datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert require_aware(aware) is aware


def test_duration_checks() -> None:
    assert require_duration(timedelta(0)) == timedelta(0)
    with pytest.raises(ValidationError, match="negative"):
        require_duration(timedelta(seconds=-1))
    with pytest.raises(ValidationError, match="timedelta"):
        require_duration(5)


def test_frozen_clock_moves_only_when_told() -> None:
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    clock = FrozenClock(start)
    assert clock.now() == start
    assert clock.advance(hours=2) == start + timedelta(hours=2)
    clock.set(start)
    assert clock.now() == start
    with pytest.raises(ValidationError):
        clock.advance(timedelta(seconds=-5))
    with pytest.raises(ValidationError):
        FrozenClock(datetime(2026, 1, 1))


def test_system_clock_is_aware() -> None:
    assert SystemClock().now().tzinfo is not None


def test_labels() -> None:
    assert Colour.RED == "red"
    assert Colour.RED.zh == "红" and Colour.RED.label("en") == "red light"
    assert Colour.parse("green") is Colour.GREEN
    assert Colour.parse(Colour.GREEN) is Colour.GREEN
    with pytest.raises(ValidationError, match="allowed: red, green"):
        Colour.parse("blue", "colour")
    with pytest.raises(ValidationError, match="got int 3"):
        Colour.parse(3)
    with pytest.raises(ValidationError, match="language"):
        Colour.RED.label("fr")  # type: ignore[arg-type]


@given(st.datetimes(timezones=st.timezones()))
def test_any_aware_datetime_passes(value: datetime) -> None:
    assert require_aware(value) == value
