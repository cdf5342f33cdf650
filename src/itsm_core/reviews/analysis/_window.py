"""The months a pack, a trend analysis or a progress report covers (internal).

Periods are calendar months written ``"YYYY-MM"``, as in satisfaction
analysis (:mod:`itsm_core.satisfaction.analysis.periods`); a window is a run
of consecutive months, read on the wall clock of the provider's zone (the
satisfaction policy's). A review's window is the months its period touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo

import attrs

from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.satisfaction.analysis.periods import (
    parse_period,
    period_bounds,
    period_of,
    periods_of,
)

__all__ = ["Window", "months_between", "optional_texts", "required_text"]

MAX_MONTHS = 36
"""The longest window a report covers (three years of months)."""


def _index(period: str) -> int:
    year, month = parse_period(period)
    return year * 12 + month - 1


def _period(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> tuple[str, ...]:
    """Return the months from ``first`` to ``last``, both included.

    :raises ValidationError: if either is malformed, ``last`` is before
        ``first``, or the run is longer than :data:`MAX_MONTHS`.
    """
    start, end = _index(first), _index(last)
    if end < start:
        raise ValidationError(
            f"the period runs from {first} to {last}: the last month is before the first",
            field="periods",
        )
    if end - start + 1 > MAX_MONTHS:
        raise ValidationError(
            f"a report covers at most {MAX_MONTHS} months; {first} to {last} is "
            f"{end - start + 1}",
            field="periods",
        )
    return tuple(_period(i) for i in range(start, end + 1))


@attrs.frozen
class Window:
    """A run of consecutive months in a zone.

    :param periods: the months, oldest first.
    :param zone: the zone the months are read in.
    """

    periods: tuple[str, ...]
    zone: tzinfo

    @classmethod
    def of(cls, periods: str | Iterable[str], zone: tzinfo) -> Window:
        """Return the window of one month or of consecutive months.

        :raises ValidationError: for a malformed month, none, or months with a gap.
        """
        wanted = periods_of(periods)
        run = months_between(wanted[0], wanted[-1])
        if run != wanted:
            raise ValidationError(
                f"periods must be consecutive months; {', '.join(wanted)} leaves out "
                f"{', '.join(p for p in run if p not in wanted)}",
                field="periods",
            )
        return cls(run, zone)

    @classmethod
    def between(cls, start: datetime, end: datetime, zone: tzinfo) -> Window:
        """Return the months an instant range ``[start, end)`` touches (a review's period).

        :raises ValidationError: for naive instants or an end not after the start.
        """
        require_aware(start, "period_start")
        require_aware(end, "period_end")
        if end <= start:
            raise ValidationError("the period's end must be after its start", field="period_end")
        last = period_of(end - timedelta(microseconds=1), zone)
        return cls(months_between(period_of(start, zone), last), zone)

    @property
    def first(self) -> str:
        """The first month."""
        return self.periods[0]

    @property
    def last(self) -> str:
        """The last month."""
        return self.periods[-1]

    @property
    def start(self) -> datetime:
        """The first instant of the window."""
        return period_bounds(self.first, self.zone)[0]

    @property
    def end(self) -> datetime:
        """The first instant after the window."""
        return period_bounds(self.last, self.zone)[1]

    def bounds(self, period: str) -> tuple[datetime, datetime]:
        """The half-open range ``[start, end)`` of one month of the window."""
        return period_bounds(period, self.zone)


def required_text(value: object, field: str) -> str:
    """Return a non-empty, stripped string.

    :raises ValidationError: otherwise.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)
    return value.strip()


def optional_texts(value: object, field: str) -> tuple[str, ...]:
    """Return the sorted, de-duplicated names of ``value`` (None: none).

    :raises ValidationError: for anything but None, a name or a list of names.
    """
    if value is None:
        return ()
    items: Sequence[object]
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, Iterable) and not isinstance(value, bytes | dict):
        items = list(value)
    else:
        raise ValidationError(
            f"{field}: give a name or a list of names, got {value!r}", field=field
        )
    if not items:
        raise ValidationError(f"{field}: an empty list matches nothing; give None", field=field)
    return tuple(sorted({required_text(v, field) for v in items}))
