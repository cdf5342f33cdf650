"""Callbacks (回访): daily sampling, the callback register, working-day due times.

**Daily sampling** (日回访, within one day of handling): each day the coordinator
calls back a sample of the service records *closed* that (local) day. The
sample is reproducible: every record id is ranked by
``sha256(seed | day | record id)`` and the first ``k`` are taken, so the same
day, seed and records always give the same sample, whatever the order the
records were stored in, and on any machine or Python version.

The sample size ``k`` for ``n`` records at rate ``r`` is ``n·r`` rounded half
up, at least 1 when ``n > 0``, at most ``n``: 10 records at 20 % give 2, 12
give 2 (2.4), 13 give 3 (2.6), 2 give 1 (0.4 → 0, raised to 1).

**Due time**: a callback is due one working day (the policy's
``callback_due_working_days``) after the record was handled (resolved, else
closed), on the provider's business calendar: a
:class:`~itsm_core.sla.BusinessCalendar`, or any
:class:`~itsm_core.sla.WorkingCalendar` (also importable as
``itsm_core.satisfaction.WorkingCalendar``). :func:`WeekdayCalendar` gives the
plain Monday–Friday default. With the SLA service (as through the facade) each
callback runs on an SLA clock whose deadline is its due time
(:mod:`~itsm_core.satisfaction.callback_clocks`).

**Monthly callbacks** (004 "月度回访"): every key customer gets one callback per
month, due within the policy's ``monthly_callback_working_days`` of the month's
start.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from datetime import date

import attrs

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.calendars.hours import WeeklyHours
from itsm_core.kernel.errors import ValidationError
from itsm_core.satisfaction._values import DEFAULT_TIMEZONE, as_day, zone
from itsm_core.satisfaction.model import Callback, Response, ServiceRecord

__all__ = [
    "CallbackResult",
    "SamplingReport",
    "WeekdayCalendar",
    "daily_sample",
    "sample_size",
]


def WeekdayCalendar(timezone: str = DEFAULT_TIMEZONE) -> BusinessCalendar:
    """Return a plain calendar: Monday to Friday are working days, no holidays.

    A :class:`~itsm_core.sla.BusinessCalendar` open all day from Monday to
    Friday: ``add_working_days(start, n)`` keeps the local time of day and
    moves ``n`` weekdays on; a start on a Saturday or Sunday counts from the
    next Monday 00:00 (Saturday + 1 → Tuesday 00:00). Use
    :meth:`BusinessCalendar.china() <itsm_core.sla.BusinessCalendar.china>` (or
    another country's calendar) for holidays, makeup days and working hours.

    :param timezone: the IANA zone in which days are counted.
    :raises ValidationError: for an unknown zone.
    """
    return BusinessCalendar(
        zone(timezone),
        WeeklyHours.workweek("00:00-24:00"),
        official_until=None,
        name="Mon–Fri",
    )


def sample_size(population: int, rate: float) -> int:
    """Return how many of ``population`` records a sample at ``rate`` takes.

    ``population · rate`` rounded half up, at least 1 when there is any record,
    at most ``population``.

    :raises ValidationError: for a rate outside ``(0, 1]`` or a population
        that is not a whole number >= 0.
    """
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise ValidationError(
            f"population must be a whole number >= 0, got {population!r}", field="population"
        )
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1:
        raise ValidationError(f"rate must be a number in (0, 1], got {rate!r}", field="rate")
    if population == 0:
        return 0
    k = math.floor(population * rate + 0.5 + 1e-9)
    return min(population, max(1, k))


def _rank(seed: str, day: str, record_id: str) -> str:
    return hashlib.sha256(f"{seed}\x1f{day}\x1f{record_id}".encode()).hexdigest()


def daily_sample(
    record_ids: Iterable[str], *, day: date | str, rate: float, seed: str
) -> list[str]:
    """Return the reproducible sample of ``record_ids`` for ``day``, sorted by id.

    :param record_ids: the ids of the records closed that day.
    :param day: the day (a ``date`` or ``"YYYY-MM-DD"``).
    :param rate: the share to sample, ``0 < rate <= 1``.
    :param seed: the provider's seed.
    :raises ValidationError: for ids that are not a collection of strings, a
        day that is not a calendar date, a rate outside ``(0, 1]`` or a seed
        that is not a string.
    """
    day_text = as_day(day).isoformat()
    if not isinstance(seed, str):
        raise ValidationError(f"seed must be a string, got {seed!r}", field="seed")
    if isinstance(record_ids, str | bytes) or not isinstance(record_ids, Iterable):
        raise ValidationError(
            f"record_ids must be a collection of record ids, got {record_ids!r}",
            field="record_ids",
        )
    given = list(record_ids)
    for record_id in given:
        if not isinstance(record_id, str):
            raise ValidationError(
                f"record ids must be strings, got {record_id!r}", field="record_ids"
            )
    ids = sorted(set(given))
    k = sample_size(len(ids), rate)
    ranked = sorted(ids, key=lambda i: (_rank(seed, day_text, i), i))
    return sorted(ranked[:k])


@attrs.frozen
class SamplingReport:
    """What a daily sampling did.

    :param day: the local day sampled, ``"YYYY-MM-DD"``.
    :param population: how many records were closed that day.
    :param rate: the rate applied.
    :param selected: the ids of the records the sample picked.
    :param scheduled: the callbacks scheduled now.
    :param skipped: ``(record id, reason)`` of picked records not scheduled now
        (already scheduled, no longer closed).
    """

    day: str
    population: int
    rate: float
    selected: tuple[str, ...] = ()
    scheduled: tuple[Callback, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class CallbackResult:
    """What recording a callback did.

    :param callback: the callback, as stored.
    :param response: the callback score's response, if a score was given.
    :param record: the service record concerned, as stored (None for monthly callbacks).
    :param returned: the record was sent back to the engineer.
    """

    callback: Callback
    response: Response | None = None
    record: ServiceRecord | None = None
    returned: bool = False
