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


def test_a_command_finds_its_calendar_once_and_computes_each_instant_once() -> None:
    """A tick firing every level of a clock asks for one calendar and four instants;
    what it records is what firing the levels one at a time records."""
    from datetime import timedelta

    from itsm_core import SYSTEM
    from itsm_core.sla import SlaClock
    from tests.unit.sla.clock_support import DESK, MON, H, target

    asked: list[str] = []
    added: list[timedelta] = []

    class Counting(BusinessCalendar):
        def add_detailed(self, start, duration):  # type: ignore[no-untyped-def]
            added.append(duration)
            return super().add_detailed(start, duration)

    counting = Counting.china(hours=("09:00-12:00", "13:30-18:00"))

    def lookup(name: str) -> BusinessCalendar:
        asked.append(name)
        return counting if name == "cn" else CALENDARS[name]

    def clock() -> SlaClock:
        return SlaClock.start(
            clock_id="c1", subject_kind="ticket", subject_id="T-1", target=target(4),
            calendars=lookup, actor=DESK, at=MON + H,
        )  # fmt: skip

    at_once, one_by_one = clock(), clock()
    asked.clear()
    added.clear()
    assert at_once.fire_due(MON + 9 * H, calendars=lookup, actor=SYSTEM) == 4
    assert asked == ["cn"]
    assert len(added) == len(set(added)) == 4
    for hours in (2, 3, 3.6, 4.5, 9):
        one_by_one.fire_due(MON + H + timedelta(hours=hours), calendars=lookup, actor=SYSTEM)
    fired = [e for e in at_once.pending_events if e.name != "sla_clock.started"]
    singly = [e for e in one_by_one.pending_events if e.name != "sla_clock.started"]
    assert [dict(e.payload) for e in fired] == [dict(e.payload) for e in singly]
    assert (at_once.due_at, at_once.next_due_at) == (one_by_one.due_at, one_by_one.next_due_at)
