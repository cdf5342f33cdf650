"""The per-year index of a business calendar (internal).

All instants here are integers: microseconds since the Unix epoch (UTC). A
year's index lists the working intervals of every local date of that year as
half-open ``[start, end)`` pairs, in time order, together with the cumulative
working time before each interval, so that "how much working time lies before
this instant" and "at which instant has this much working time passed" are
answered by bisection — the cost does not depend on how far apart the instants
are.

Wall-clock semantics: an instant is inside a window of local date ``D`` exactly
when its local wall-clock time (in the calendar's zone) is ``D`` at a time in
``[start, end)``. So a window on a spring-forward day that covers the skipped
hour is one hour shorter, a window that lies wholly in the skipped hour is empty,
and a window that covers the repeated hour of an autumn day is one hour longer
(the repeated wall times are open twice).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo

from itsm_core.calendars.hours import Window

US = 1_000_000
DAY_US = 86_400 * US
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ONE_US = timedelta(microseconds=1)
_SAMPLE_STEP_S = 3 * 3600  # no zone changes its offset twice within 3 hours


def to_us(value: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact)."""
    return (value - EPOCH) // _ONE_US


def from_us(value: int, zone: tzinfo) -> datetime:
    """The aware datetime in ``zone`` of an epoch-microsecond instant (exact)."""
    return (EPOCH + timedelta(microseconds=value)).astimezone(zone)


def wall_midnight_us(day: date) -> int:
    """Local midnight of ``day`` as if the wall clock were UTC ("wall epoch")."""
    return (day.toordinal() - EPOCH_ORDINAL) * DAY_US


def _offset_s(zone: tzinfo, instant_s: int) -> int:
    offset = datetime.fromtimestamp(instant_s, zone).utcoffset()
    # A time zone's aware datetime always has an offset: the None branch is for mypy.
    return 0 if offset is None else int(offset.total_seconds())  # pragma: no mutate


def offset_segments(zone: tzinfo, lo_s: int, hi_s: int) -> list[tuple[int, int, int]]:
    """Split ``[lo_s, hi_s)`` (epoch seconds) into spans of constant UTC offset.

    :returns: ``(start_us, end_us, offset_us)`` triples in time order.
    """
    segments: list[tuple[int, int, int]] = []
    seg_start = lo_s
    current = _offset_s(zone, lo_s)
    probe = lo_s
    while probe < hi_s:
        nxt = min(probe + _SAMPLE_STEP_S, hi_s)
        offset = _offset_s(zone, nxt)
        if offset != current:
            # The change lies in (probe, nxt]: find its first second.
            low, high = probe, nxt
            while high - low > 1:
                mid = (low + high) // 2
                if _offset_s(zone, mid) == current:
                    low = mid
                else:
                    high = mid
            segments.append((seg_start * US, high * US, current * US))
            seg_start, current = high, _offset_s(zone, high)
            probe = high
            continue
        probe = nxt
    segments.append((seg_start * US, hi_s * US, current * US))
    return segments


class YearIndex:
    """Working intervals of the local dates of one year, with cumulative sums.

    :param year: the calendar year (of local dates).
    :param starts: interval starts (epoch µs), increasing.
    :param ends: interval ends (epoch µs); ``starts[i] < ends[i] <= starts[i+1]``.
    :param day_ordinals: the working dates (``date.toordinal()``), increasing.
    :param day_first: index of the first interval of each working date, with a
        final sentinel ``len(starts)``.
    """

    __slots__ = ("cum", "day_first", "day_ordinals", "ends", "run_end", "starts", "total", "year")

    def __init__(
        self,
        year: int,
        starts: list[int],
        ends: list[int],
        day_ordinals: list[int],
        day_first: list[int],
    ) -> None:
        self.year = year
        self.starts = starts
        self.ends = ends
        self.day_ordinals = day_ordinals
        self.day_first = day_first
        cum = [0]
        for start, end in zip(starts, ends, strict=True):
            cum.append(cum[-1] + end - start)
        self.cum = cum
        self.total = cum[-1]
        run_end = list(ends)
        for i in range(len(ends) - 2, -1, -1):
            if ends[i] == starts[i + 1]:
                run_end[i] = run_end[i + 1]
        self.run_end = run_end

    @property
    def first_start(self) -> int | None:
        """Start of the first interval of the year, if any."""
        return self.starts[0] if self.starts else None

    def position(self, t: int) -> int:
        """Working µs of this year that lie before instant ``t``."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        return self.cum[i] + min(t - self.starts[i], self.ends[i] - self.starts[i])

    def interval_at(self, t: int) -> int | None:
        """Index of the interval containing ``t``, or None."""
        i = bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.ends[i]:
            return i
        return None

    def next_interval(self, t: int) -> int | None:
        """Index of the first interval that ends after ``t`` (contains or follows it)."""
        i = bisect_right(self.ends, t)
        return i if i < len(self.ends) else None

    def locate_end(self, p: int) -> int:
        """Earliest instant by which ``p`` working µs of the year have passed (0 < p <= total)."""
        i = bisect_left(self.cum, p) - 1
        return self.starts[i] + p - self.cum[i]

    def working_day_at_or_after(self, ordinal: int) -> int:
        """Index into ``day_ordinals`` of the first working date on or after ``ordinal``."""
        return bisect_left(self.day_ordinals, ordinal)


def build_year_index(
    year: int, zone: tzinfo, windows_of: Callable[[date], Sequence[Window]]
) -> YearIndex:
    """Build the index of ``year`` for a zone and a per-date window plan.

    :param windows_of: the wall-clock windows of a local date (sorted, disjoint).
    """
    first = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - first).days
    lo_s = wall_midnight_us(first) // US - 2 * 86_400
    hi_s = wall_midnight_us(date(year + 1, 1, 1)) // US + 2 * 86_400
    segments = offset_segments(zone, lo_s, hi_s)
    starts: list[int] = []
    ends: list[int] = []
    day_ordinals: list[int] = []
    day_first: list[int] = []
    for n in range(days):
        day = first + timedelta(days=n)
        windows = windows_of(day)
        if not windows:
            continue
        midnight = wall_midnight_us(day)
        pieces: list[tuple[int, int]] = []
        for window in windows:
            wall_lo = midnight + window.start * US
            wall_hi = midnight + window.end * US
            for seg_lo, seg_hi, offset in segments:
                lo = max(seg_lo, wall_lo - offset)
                hi = min(seg_hi, wall_hi - offset)
                if lo < hi:
                    pieces.append((lo, hi))
        if not pieces:
            continue
        pieces.sort()
        day_ordinals.append(day.toordinal())
        day_first.append(len(starts))
        last_end: int | None = None
        for lo, hi in pieces:
            if last_end is not None and lo == last_end:
                ends[-1] = hi
            else:
                starts.append(lo)
                ends.append(hi)
            last_end = hi
    day_first.append(len(starts))
    return YearIndex(year, starts, ends, day_ordinals, day_first)


def wall_to_us(zone: tzinfo, day: date, wall_us: int) -> int:
    """The first instant at which the local wall clock shows ``day`` at ``wall_us``.

    A repeated wall time (autumn) gives its first occurrence; a skipped wall time
    (spring) gives the instant of the jump, when the clock first shows a later time.

    :param wall_us: microseconds after local midnight, ``0 <= wall_us < DAY_US``.
    """
    naive = datetime(day.year, day.month, day.day) + timedelta(microseconds=wall_us)
    t0 = to_us(naive.replace(tzinfo=zone))
    t1 = to_us(naive.replace(tzinfo=zone, fold=1))
    if t0 == t1:
        return t0
    if from_us(t0, zone).replace(tzinfo=None) == naive:
        return min(t0, t1)  # repeated wall time
    # Skipped wall time: the jump lies in (min, max]; find its first second.
    # The bisection ends on the same whole second whether or not its ends are rounded.
    low, high = min(t0, t1) // US, -(-max(t0, t1) // US)  # pragma: no mutate
    after = _offset_s(zone, high)
    while high - low > 1:
        mid = (low + high) // 2
        if _offset_s(zone, mid) == after:
            high = mid
        else:
            low = mid
    return high * US
