"""Public holidays and makeup working days from the ``holidays`` package."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from typing import Any

import holidays as holidays_pkg

from itsm_core.kernel.errors import CalendarError

__all__ = [
    "YEARLY_PUBLISHED_COUNTRIES",
    "country_holidays",
    "country_year",
    "default_official_until",
]

#: Countries whose government publishes each year's holidays and makeup working
#: days shortly before the year starts; for them ``official_until`` defaults to
#: the last year for which the ``holidays`` package has makeup working days.
YEARLY_PUBLISHED_COUNTRIES = frozenset({"CN"})

_SCAN_YEARS = range(2000, 2061)


def country_holidays(
    country: str, subdiv: str | None, language: str | None, years: Iterable[int]
) -> Any:
    try:
        return holidays_pkg.country_holidays(
            country, subdiv=subdiv, years=list(years), language=language
        )
    except NotImplementedError as exc:
        supported: dict[str, list[str]] = holidays_pkg.list_supported_countries()
        if country not in supported:
            message = (
                f"the holidays package has no country {country!r}; use an ISO 3166 "
                "alpha-2 code it supports (see holidays.list_supported_countries())"
            )
        else:
            subdivs = ", ".join(supported[country]) or "none"
            message = (
                f"country {country!r} has no subdivision {subdiv!r}; its subdivisions: {subdivs}"
            )
        raise CalendarError(message, field="subdiv" if country in supported else "country") from exc


@functools.lru_cache(maxsize=64)
def default_official_until(country: str | None, subdiv: str | None = None) -> int | None:
    """The default last year of official data for a country.

    For countries that publish their holidays and makeup working days year by year
    (China), this is the last year for which the installed ``holidays`` package lists
    any makeup working day — later years are computed by rule. For other countries,
    whose holidays follow fixed rules, it is None (no limit).

    :param country: ISO 3166 code, or None for a calendar without country data.
    :param subdiv: the subdivision, if any.
    """
    if country is None or country.upper() not in YEARLY_PUBLISHED_COUNTRIES:
        return None
    data = country_holidays(country.upper(), subdiv, None, _SCAN_YEARS)
    years = [d.year for d in data.weekend_workdays if d.year in _SCAN_YEARS]
    return max(years) if years else None


def country_year(
    country: str, subdiv: str | None, language: str | None, year: int
) -> tuple[dict[date, str], frozenset[date]]:
    """The holidays (date → name) and makeup working days of one year.

    A makeup working day (China's 调休) is a weekend date that is worked; the
    ``holidays`` package lists them in ``weekend_workdays``.

    :param country: ISO 3166 code.
    :param subdiv: the subdivision, if any.
    :param language: language of the names, or None for the package's default.
    :param year: the year.
    :raises CalendarError: for an unknown country or subdivision.
    """
    data = country_holidays(country, subdiv, language, [year])
    names = {d: str(n) for d, n in data.items() if d.year == year}
    makeup = frozenset(d for d in data.weekend_workdays if d.year == year)
    return names, makeup
