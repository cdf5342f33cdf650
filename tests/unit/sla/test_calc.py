"""Finding a clock's business calendar by name: what a lookup may be, and what it says."""

from __future__ import annotations

import pytest

from itsm_core.calendars import BusinessCalendar
from itsm_core.kernel.errors import CalendarError, ValidationError
from itsm_core.sla.calc import find_calendar
from tests.unit.sla.clock_support import ALWAYS, CALENDARS, CN


def test_a_lookup_finds_the_calendar_by_name() -> None:
    assert find_calendar(CALENDARS.__getitem__, "cn") is CN
    assert find_calendar(lambda name: CALENDARS[name], "default") is ALWAYS


def test_a_lookup_that_is_no_function_is_refused_naming_what_it_is() -> None:
    with pytest.raises(ValidationError) as caught:
        find_calendar(CALENDARS, "cn")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "calendars must be a function that finds a BusinessCalendar by name, such as "
        "core.calendars.get; got dict"
    )
    assert caught.value.field == "calendars"


def test_an_unknown_name_is_refused_saying_how_to_make_it_known() -> None:
    with pytest.raises(ValidationError) as caught:
        find_calendar(CALENDARS.__getitem__, "mars")
    assert str(caught.value) == (
        "no business calendar named 'mars' is known to the calendar lookup; register it "
        "(core.calendars.register) or give a target on a known calendar"
    )
    assert caught.value.field == "calendar"


def test_the_lookup_s_own_error_is_passed_on() -> None:
    def strict(name: str) -> BusinessCalendar:
        raise CalendarError(f"calendar {name!r} is closed for maintenance", field="calendar")

    with pytest.raises(CalendarError, match=r"^calendar 'cn' is closed for maintenance$"):
        find_calendar(strict, "cn")


@pytest.mark.parametrize("found", ["cn", None, 8])
def test_a_lookup_that_gives_no_business_calendar_is_refused(found: object) -> None:
    with pytest.raises(ValidationError) as caught:
        find_calendar(lambda name: found, "cn")  # type: ignore[arg-type, return-value]
    assert str(caught.value) == (
        f"the calendar lookup gave {type(found).__name__} for 'cn', not a BusinessCalendar"
    )
    assert caught.value.field == "calendar"
