"""Business time on a calendar: openings, closings, adding and measuring.

:class:`WorkingTime` is the second layer of
:class:`~itsm_core.calendars.BusinessCalendar`: the arithmetic on instants,
answered from the per-year index of :class:`~itsm_core.calendars.dates.CalendarDates`
by bisection, so the cost does not grow with the length of a target. The
semantics are those described in :mod:`itsm_core.calendars.calendar`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import MAXYEAR, UTC, date, datetime, timedelta

import attrs

from itsm_core.calendars._index import (
    DAY_US,
    US,
    from_us,
    to_us,
    wall_to_us,
)
from itsm_core.calendars.dates import CalendarDates
from itsm_core.calendars.days import (
    CalendarResult,
)
from itsm_core.kernel.clock import require_aware, require_duration
from itsm_core.kernel.errors import CalendarError, ValidationError

__all__ = ["WorkingTime"]

#: The last instant a calendar computes with, kept a day clear of ``datetime.max``
#: so that any zone's local date is still inside the supported years.
_LAST_US = to_us(datetime(MAXYEAR - 1, 12, 31, tzinfo=UTC))


@attrs.frozen
class WorkingTime(CalendarDates):
    """Business-time arithmetic on a calendar's dates.

    Not built directly: build a :class:`~itsm_core.calendars.BusinessCalendar`.
    """

    # ------------------------------------------------------------------ instants

    def is_open(self, at: datetime) -> bool:
        """True if the calendar is open at the instant ``at``.

        :param at: an aware datetime (any zone).
        :raises ValidationError: if ``at`` is naive.
        :raises CalendarDataMissing: if ``at`` lies in a year without official data
            and unofficial years are not allowed.
        """
        t = to_us(require_aware(at, "at"))
        return self._index(self._year_of(t), []).interval_at(t) is not None

    def next_opening(self, at: datetime) -> datetime:
        """The first open instant at or after ``at`` (``at`` itself when open).

        :param at: an aware datetime.
        :raises ValidationError: if ``at`` is naive.
        :raises CalendarDataMissing: if the search reaches a year without official
            data and unofficial years are not allowed.
        :raises CalendarError: if the calendar does not open within
            :attr:`HORIZON_YEARS` years.
        """
        return self.next_opening_detailed(at).value

    def next_opening_detailed(self, at: datetime) -> CalendarResult[datetime]:
        """:meth:`next_opening` with the warnings on unofficial years it used.

        :raises CalendarDataMissing: as :meth:`next_opening`.
        """
        t = to_us(require_aware(at, "at"))
        touched: list[int] = []
        value = self._next_open_us(t, touched)
        return self._result(from_us(value, self.timezone), touched)

    def next_closing(self, at: datetime) -> datetime | None:
        """The end of the working period that contains ``at`` or, if closed, of the next one.

        Working periods that touch (``..-24:00`` then ``00:00-..``) count as one.

        :param at: an aware datetime.
        :returns: the closing instant, or None if the calendar stays open for
            :attr:`HORIZON_YEARS` years (a 24×7 calendar).
        :raises ValidationError: if ``at`` is naive.
        :raises CalendarDataMissing: if the search reaches a year without official
            data and unofficial years are not allowed.
        :raises CalendarError: if the calendar does not open within the horizon.
        """
        t = to_us(require_aware(at, "at"))
        touched: list[int] = []
        start = self._next_open_us(t, touched)
        year = self._year_of(start)
        idx = self._index(year, touched)
        i = idx.interval_at(start)
        assert i is not None
        end = idx.run_end[i]
        for later in range(year + 1, year + 1 + self.HORIZON_YEARS):
            # Only a period running to local midnight of 1 January goes on next year.
            if end < wall_to_us(self.timezone, date(later, 1, 1), 0):
                return from_us(end, self.timezone)
            nxt = self._index(later, touched)
            if nxt.first_start != end:
                return from_us(end, self.timezone)
            end = nxt.run_end[0]
        # The last year searched may close before it ends.
        last = year + 1 + self.HORIZON_YEARS
        if last <= MAXYEAR and end < wall_to_us(self.timezone, date(last, 1, 1), 0):
            return from_us(end, self.timezone)
        return None

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of business time has passed since ``start``.

        Counting starts at ``start`` if open, else at the next opening. For a
        positive duration the result is the earliest instant with
        ``between(start, result) == duration`` (a target ending at a closing is due
        at the closing); ``add(start, timedelta(0))`` is ``next_opening(start)``.

        :param start: an aware datetime.
        :param duration: a non-negative business duration.
        :returns: an aware datetime in the calendar's zone.
        :raises ValidationError: if ``start`` is naive or ``duration`` negative.
        :raises CalendarDataMissing: if the computation reaches a year without
            official data and unofficial years are not allowed.
        :raises CalendarError: if the calendar has no working time for
            :attr:`HORIZON_YEARS` years on the way.
        """
        return self.add_detailed(start, duration).value

    def add_detailed(self, start: datetime, duration: timedelta) -> CalendarResult[datetime]:
        """:meth:`add` with the warnings on the unofficial years it used.

        With ``allow_unofficial_years=True`` this is how a caller (the SLA clock)
        learns that a due date rests on rule-based holiday data.

        :raises CalendarDataMissing: as :meth:`add`.
        """
        t = to_us(require_aware(start, "start"))
        remaining = require_duration(duration) // timedelta(microseconds=1)
        if t + remaining > _LAST_US:
            # Business time never runs faster than real time: the result lies at or
            # after start + duration.
            raise ValidationError(
                f"cannot add {duration} of business time to {start.isoformat()}: even "
                f"round the clock it would end after the year {MAXYEAR - 1}, the last a "
                "calendar supports; give a business duration of at most a few years",
                field="duration",
            )
        touched: list[int] = []
        if remaining == 0:
            value = self._next_open_us(t, touched)
            return self._result(from_us(value, self.timezone), touched)
        year = self._year_of(t)
        progress_year = year
        reached = t  # the end of the working time counted so far
        while True:
            idx = self._index(year, touched)
            position = idx.position(t)
            available = idx.total - position
            if remaining <= available:
                value = idx.locate_end(position + remaining)
                return self._result(from_us(value, self.timezone), touched)
            if available:
                progress_year = year
                reached = idx.ends[-1]
            remaining -= available
            year += 1
            if year - progress_year > self.HORIZON_YEARS:
                raise self._never_open(
                    reached, f"cannot add {duration} of business time to {start.isoformat()}"
                )

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time in ``[start, end)``; negative (``-between(end, start)``) if end < start.

        :param start: an aware datetime.
        :param end: an aware datetime.
        :raises ValidationError: if either is naive.
        :raises CalendarDataMissing: if a year from ``start`` to ``end`` has no
            official data and unofficial years are not allowed.
        """
        return self.between_detailed(start, end).value

    def between_detailed(self, start: datetime, end: datetime) -> CalendarResult[timedelta]:
        """:meth:`between` with the warnings on the unofficial years it used.

        :raises CalendarDataMissing: as :meth:`between`.
        """
        a = to_us(require_aware(start, "start"))
        b = to_us(require_aware(end, "end"))
        touched: list[int] = []
        sign = 1
        if b < a:  # pragma: no mutate (at a == b the sign is moot: the span is empty)
            a, b, sign = b, a, -1
        if a == b:
            return self._result(timedelta(0), touched)
        # [a, b) ends with the instant before b: a span that ends at the local midnight
        # starting a year needs nothing of that year (nor its official data).
        ya, yb = self._year_of(a), self._year_of(b - 1)
        first = self._index(ya, touched)
        if ya == yb:
            total = first.position(b) - first.position(a)
        else:
            total = first.total - first.position(a)
            for year in range(ya + 1, yb):
                total += self._index(year, touched).total
            total += self._index(yb, touched).position(b)
        return self._result(timedelta(microseconds=sign * total), touched)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same wall-clock time, ``days`` working days later.

        For promises like "call back within one working day". Let ``D0`` be the
        local date of ``start`` if it is a working day and ``start`` is before its
        last closing, with ``w`` the wall-clock time of ``start``; otherwise ``D0``
        is the next working day and ``w`` its start (00:00). The result is the first
        open instant at or after wall time ``w`` on the ``days``-th working day after
        ``D0``, or that day's last closing if it closes earlier (a half day).

        Examples (Mon–Fri 09:00-12:00, 13:30-18:00): Tue 15:00 + 1 → Wed 15:00;
        Tue 12:30 (lunch) + 1 → Wed 13:30; Tue 19:00 + 1 → Thu 09:00; Sat 10:00 + 1
        → Tue 09:00; Tue 16:00 + 1 with Wed a half day 09:00-12:00 → Wed 12:00.
        ``days == 0`` gives ``next_opening(start)``. A working day is a local date
        with working time (see :meth:`is_working_day`).

        :param start: an aware datetime.
        :param days: a non-negative number of working days.
        :raises ValidationError: if ``start`` is naive or ``days`` is negative.
        :raises CalendarDataMissing: if the count reaches a year without official
            data and unofficial years are not allowed.
        :raises CalendarError: if no working day follows within :attr:`HORIZON_YEARS`.
        """
        return self.add_working_days_detailed(start, days).value

    def add_working_days_detailed(self, start: datetime, days: int) -> CalendarResult[datetime]:
        """:meth:`add_working_days` with the warnings on the unofficial years it used.

        :raises CalendarDataMissing: as :meth:`add_working_days`.
        """
        t = to_us(require_aware(start, "start"))
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValidationError(f"days must be a non-negative int, got {days!r}", field="days")
        if days * DAY_US > _LAST_US - t:
            # A working day takes at least one local date.
            raise ValidationError(
                f"cannot add {days} working days to {start.isoformat()}: they would end "
                f"after the year {MAXYEAR - 1}, the last a calendar supports",
                field="days",
            )
        touched: list[int] = []
        if days == 0:
            return self._result(from_us(self._next_open_us(t, touched), self.timezone), touched)
        local = from_us(t, self.timezone)
        year = local.year
        idx = self._index(year, touched)
        ordinal = local.date().toordinal()
        k = idx.working_day_at_or_after(ordinal)
        wall = 0
        if k < len(idx.day_ordinals) and idx.day_ordinals[k] == ordinal:
            if t < idx.ends[idx.day_first[k + 1] - 1]:
                clock = local.time()
                seconds = (clock.hour * 60 + clock.minute) * 60 + clock.second
                wall = seconds * US + clock.microsecond
            else:
                k += 1
        target = k + days
        progress_year = year
        reached = t  # the end of the last working day counted so far
        while target >= len(idx.day_ordinals):
            if idx.day_ordinals:
                progress_year = year
                reached = max(t, idx.ends[-1])
            target -= len(idx.day_ordinals)
            year += 1
            if year - progress_year > self.HORIZON_YEARS:
                raise self._never_open(
                    reached,
                    f"cannot add {days} working day{'s' * (days != 1)} to {start.isoformat()}",
                )
            idx = self._index(year, touched)
        first, stop = idx.day_first[target], idx.day_first[target + 1]
        moment = wall_to_us(self.timezone, date.fromordinal(idx.day_ordinals[target]), wall)
        # At stop or later: after the day's last closing. Earlier days' intervals all end
        # by this day's local midnight, so starting at ``first`` only saves time.
        i = bisect_right(idx.ends, moment, first)  # pragma: no mutate
        value = max(moment, idx.starts[i]) if i < stop else idx.ends[stop - 1]
        return self._result(from_us(value, self.timezone), touched)

    # ------------------------------------------------------------------ internals

    def _next_open_us(self, t: int, touched: list[int]) -> int:
        year = self._year_of(t)
        for later in range(year, year + 1 + self.HORIZON_YEARS):
            idx = self._index(later, touched)
            i = idx.next_interval(t)
            if i is not None:
                return max(t, idx.starts[i])
        raise self._never_open(t)

    def _last_open_before(self, t: int) -> tuple[date, int] | None:
        """The local date and end of the last working interval that starts before ``t``.

        Looks back at most :attr:`HORIZON_YEARS` years; None if none is found.
        """
        year = self._year_of(t)
        for earlier in range(year, year - 1 - self.HORIZON_YEARS, -1):
            try:
                idx = self._index(earlier, [])
            except CalendarError:  # out of range, or a year without official data
                return None
            i = bisect_left(idx.starts, t) - 1
            if i >= 0:
                k = bisect_right(idx.day_first, i) - 1
                return date.fromordinal(idx.day_ordinals[k]), min(idx.ends[i], t)
        return None

    def _never_open(self, t: int, doing: str | None = None) -> CalendarError:
        after = from_us(t, self.timezone).isoformat()
        text = (
            f"the calendar has no opening after {after} within {self.HORIZON_YEARS} years "
            "(the horizon searched)"
        )
        last = self._last_open_before(t)
        if last is None:
            text += f", nor any working time in the {self.HORIZON_YEARS} years before it"
            # Only dates beyond the horizon before ``t`` can be named here: a working
            # date nearer to ``t``, its own day included, was found just above. So the
            # day ``t`` falls on, and in which zone, never changes the answer.
            before = from_us(t, self.timezone).date()  # pragma: no mutate
            explicit = [d for d, windows in self.date_hours if windows]
            explicit += self.extra_workdays
            opened = [d for d in explicit if d < before]  # pragma: no mutate
            if opened:
                text += f"; the last date it opens explicitly is {max(opened).isoformat()}"
        else:
            day, end = last
            text += (
                f"; the last date it is open is {day.isoformat()} (its working time ends "
                f"{from_us(end, self.timezone).isoformat()})"
            )
        if doing:
            text = f"{doing}: {text}"
        return CalendarError(
            text + ". A calendar open only on a few dates (date_hours, extra_workdays) has "
            "no working time after its last one; add dates or weekly windows, or check its "
            "holidays",
            field="calendar",
        )
