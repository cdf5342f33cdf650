"""The statistics of satisfaction analysis, as pure functions and mergeable values.

Everything here works on *counts and sums*, never on individual responses, so
that the storage backend can compute the inputs with ``GROUP BY`` in the
database (or in one pass in memory) and this module only finishes the
arithmetic on a handful of rows.

The mergeable state is a :class:`Tally`: a monoid under ``+`` (the zero is
``Tally()``). Tallies of disjoint sets of responses add up to the tally of
their union, so the figures of two periods combined equal the figures
computed over both periods at once.

Conventions (documented in the tutorial as well):

- **CSAT** is the top-box share in percent (0–100): the responses whose score
  is at the scale's "satisfied" levels or better, over all responses.
- **mean** is the mean normalised score (0–1); the **index** is the same on
  0–100.
- **NPS** is computed over the NPS-eligible responses only (0–10 scales):
  percent promoters (9–10) minus percent detractors (0–6), −100…100.
- **margin of error**: the 95 % *Wilson score* interval of the CSAT
  proportion. Wilson is used rather than the normal approximation
  (``p ± 1.96·√(p(1−p)/n)``) because it stays inside 0–100 % and does not
  collapse to zero width at 0 % or 100 %, which small service samples often
  hit. The margin is the half-width of that interval, in percentage points.
- **change against the previous period**: a two-sided two-proportion z-test
  on CSAT with the pooled proportion; the p-value is ``erfc(|z|/√2)``.
- **small sample**: fewer than :data:`SMALL_SAMPLE` responses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from itsm_core.kernel.errors import ValidationError

__all__ = [
    "DEFAULT_ALPHA",
    "SMALL_SAMPLE",
    "Z_95",
    "Interval",
    "Rate",
    "Tally",
    "ZTest",
    "nps",
    "two_proportion_z_test",
    "wilson_interval",
]

SMALL_SAMPLE = 30
"""Below this many responses a figure is flagged as a small sample."""

Z_95 = 1.959963984540054
"""The two-sided 95 % quantile of the standard normal distribution."""

DEFAULT_ALPHA = 0.05
"""The significance level used when none is given."""


def _count(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            f"{attribute.name} must be a non-negative integer, got {value!r}", field=attribute.name
        )


def _sum(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ValidationError(
            f"{attribute.name} must be a finite number, got {value!r}", field=attribute.name
        )
    if value < -1e-9:
        raise ValidationError(
            f"{attribute.name} must not be negative, got {value!r}", field=attribute.name
        )


def _whole_counts(**counts: object) -> None:
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(
                f"{name} must be a whole number (a count), got {value!r}", field=name
            )


@attrs.frozen
class Interval:
    """A closed interval ``[low, high]``.

    :param low: the lower bound.
    :param high: the upper bound.
    """

    low: float
    high: float

    @property
    def half_width(self) -> float:
        """Half the interval's width (the margin of error)."""
        return (self.high - self.low) / 2


def wilson_interval(successes: int, n: int, z: float = Z_95) -> Interval | None:
    """Return the Wilson score interval of the proportion ``successes / n`` (0–1).

    :param successes: how many of the ``n`` trials succeeded.
    :param n: the number of trials.
    :param z: the normal quantile (default 95 % two-sided).
    :returns: None when ``n`` is 0.
    :raises ValidationError: if a count is not a whole number, ``successes`` is
        not within ``0..n``, or ``z`` is not a positive number.
    """
    _whole_counts(successes=successes, n=n)
    if isinstance(z, bool) or not isinstance(z, int | float) or not 0 < z < math.inf:
        raise ValidationError(f"z must be a positive number, got {z!r}", field="z")
    if n < 0 or successes < 0 or successes > n:
        raise ValidationError(
            f"a proportion needs 0 <= successes <= n, got {successes}/{n}", field="successes"
        )
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # exact at the edges, and never excluding the observed proportion (rounding)
    low = 0.0 if successes == 0 else min(p, max(0.0, centre - half))
    high = 1.0 if successes == n else max(p, min(1.0, centre + half))
    return Interval(low, high)


@attrs.frozen
class ZTest:
    """The result of a two-sided two-proportion z-test.

    :param z: the test statistic (positive when the first proportion is larger).
    :param p_value: the two-sided p-value, ``erfc(|z|/√2)``.
    """

    z: float
    p_value: float

    def significant(self, alpha: float = DEFAULT_ALPHA) -> bool:
        """Return True if the difference is significant at level ``alpha``."""
        return self.p_value < alpha


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int) -> ZTest | None:
    """Test whether the proportions ``x1/n1`` and ``x2/n2`` differ (pooled, two-sided).

    The test is symmetric: swapping the samples negates ``z`` and keeps the
    p-value.

    :param x1: successes in the first sample.
    :param n1: size of the first sample.
    :param x2: successes in the second sample.
    :param n2: size of the second sample.
    :returns: None when either sample is empty.
    :raises ValidationError: if a count is not a whole number or is outside ``0..n``.
    """
    _whole_counts(x1=x1, n1=n1, x2=x2, n2=n2)
    for x, n, name in ((x1, n1, "x1"), (x2, n2, "x2")):
        if n < 0 or x < 0 or x > n:
            raise ValidationError(
                f"a proportion needs 0 <= successes <= n, got {x}/{n}", field=name
            )
    if n1 == 0 or n2 == 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return ZTest(0.0, 1.0)
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return ZTest(z, min(1.0, math.erfc(abs(z) / math.sqrt(2))))


def nps(promoters: int, detractors: int, n: int) -> float | None:
    """Return the Net Promoter Score (−100…100) of ``n`` NPS-eligible responses.

    :param promoters: responses scoring 9–10.
    :param detractors: responses scoring 0–6.
    :param n: NPS-eligible responses.
    :returns: None when ``n`` is 0.
    :raises ValidationError: if a count is not a whole number >= 0, or
        promoters and detractors exceed ``n``.
    """
    _whole_counts(promoters=promoters, detractors=detractors, n=n)
    if n < 0 or promoters < 0 or detractors < 0 or promoters + detractors > n:
        raise ValidationError(
            f"NPS needs promoters + detractors <= n, got {promoters} + {detractors} > {n}",
            field="promoters",
        )
    if n == 0:
        return None
    return 100.0 * (promoters - detractors) / n


@attrs.frozen
class Rate:
    """A proportion with its 95 % Wilson interval: response rates and desk KPIs.

    :param numerator: how many qualify (e.g. responded invitations).
    :param denominator: out of how many (e.g. invitations).
    """

    numerator: int = attrs.field(validator=_count)
    denominator: int = attrs.field(validator=_count)

    def __attrs_post_init__(self) -> None:
        if self.numerator > self.denominator:
            raise ValidationError(
                f"a rate needs numerator <= denominator, got {self.numerator}/{self.denominator}",
                field="numerator",
            )

    def __add__(self, other: Rate) -> Rate:
        if not isinstance(other, Rate):
            return NotImplemented
        return Rate(self.numerator + other.numerator, self.denominator + other.denominator)

    @property
    def value(self) -> float | None:
        """The proportion 0–1, or None when the denominator is 0."""
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        """The proportion in percent (0–100), or None when the denominator is 0."""
        return None if self.value is None else 100.0 * self.value

    @property
    def interval(self) -> Interval | None:
        """The 95 % Wilson interval in percent, or None when the denominator is 0."""
        found = wilson_interval(self.numerator, self.denominator)
        return None if found is None else Interval(100 * found.low, 100 * found.high)

    @property
    def margin(self) -> float | None:
        """Half-width of :attr:`interval`, in percentage points."""
        found = self.interval
        return None if found is None else found.half_width

    @property
    def small_sample(self) -> bool:
        """True if the denominator is below :data:`SMALL_SAMPLE`."""
        return self.denominator < SMALL_SAMPLE


@attrs.frozen
class Tally:
    """The mergeable state of a set of responses: counts and sums only.

    ``Tally() + t == t``; ``a + b`` is the tally of the union of the two
    (disjoint) sets; so any grouping can be re-combined exactly.

    :param n: responses.
    :param top_box: responses at the top box ("satisfied" or better).
    :param normalised_sum: sum of the normalised scores (each 0–1).
    :param nps_n: NPS-eligible responses.
    :param promoters: NPS-eligible responses scoring 9–10.
    :param detractors: NPS-eligible responses scoring 0–6.
    """

    n: int = attrs.field(default=0, validator=_count)
    top_box: int = attrs.field(default=0, validator=_count)
    normalised_sum: float = attrs.field(default=0.0, validator=_sum)
    nps_n: int = attrs.field(default=0, validator=_count)
    promoters: int = attrs.field(default=0, validator=_count)
    detractors: int = attrs.field(default=0, validator=_count)

    def __attrs_post_init__(self) -> None:
        if self.top_box > self.n:
            raise ValidationError(
                f"top_box ({self.top_box}) cannot exceed n ({self.n})", field="top_box"
            )
        if self.nps_n > self.n:
            raise ValidationError(f"nps_n ({self.nps_n}) cannot exceed n ({self.n})", field="nps_n")
        if self.promoters + self.detractors > self.nps_n:
            raise ValidationError(
                f"promoters + detractors ({self.promoters} + {self.detractors}) cannot exceed "
                f"nps_n ({self.nps_n})",
                field="promoters",
            )
        if self.normalised_sum > self.n + 1e-6 * max(1, self.n):
            raise ValidationError(
                f"normalised_sum ({self.normalised_sum}) cannot exceed n ({self.n}): each "
                "normalised score is within 0..1",
                field="normalised_sum",
            )

    def __add__(self, other: Tally) -> Tally:
        if not isinstance(other, Tally):
            return NotImplemented
        return Tally(
            n=self.n + other.n,
            top_box=self.top_box + other.top_box,
            normalised_sum=self.normalised_sum + other.normalised_sum,
            nps_n=self.nps_n + other.nps_n,
            promoters=self.promoters + other.promoters,
            detractors=self.detractors + other.detractors,
        )

    @classmethod
    def total(cls, tallies: Iterable[Tally]) -> Tally:
        """Return the sum of ``tallies`` (``Tally()`` for none)."""
        result = cls()
        for tally in tallies:
            result = result + tally
        return result

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Tally:
        """Build a tally from one aggregate row (see :data:`RESPONSE_MEASURES
        <itsm_core.satisfaction.analysis.queries.RESPONSE_MEASURES>`).

        Missing or null sums count as 0; numeric types of a database driver
        (``Decimal``) are converted.
        """
        return cls(
            n=int(row.get("n") or 0),
            top_box=int(row.get("top_box") or 0),
            normalised_sum=max(0.0, float(row.get("normalised_sum") or 0.0)),
            nps_n=int(row.get("nps_n") or 0),
            promoters=int(row.get("promoters") or 0),
            detractors=int(row.get("detractors") or 0),
        )

    @property
    def csat_rate(self) -> Rate:
        """Top-box responses over all responses, as a :class:`Rate`."""
        return Rate(self.top_box, self.n)

    @property
    def csat(self) -> float | None:
        """CSAT: the top-box share in percent (0–100); None without responses."""
        return self.csat_rate.percent

    @property
    def csat_interval(self) -> Interval | None:
        """The 95 % Wilson interval of CSAT, in percent."""
        return self.csat_rate.interval

    @property
    def margin(self) -> float | None:
        """The margin of error of CSAT (95 % Wilson half-width), in percentage points."""
        return self.csat_rate.margin

    @property
    def mean(self) -> float | None:
        """The mean normalised score (0–1); None without responses."""
        if not self.n:
            return None
        return min(1.0, max(0.0, self.normalised_sum / self.n))

    @property
    def index(self) -> float | None:
        """The mean normalised score on 0–100 (the satisfaction index)."""
        mean = self.mean
        return None if mean is None else 100.0 * mean

    @property
    def nps(self) -> float | None:
        """NPS over the NPS-eligible responses (−100…100); None if there are none."""
        return nps(self.promoters, self.detractors, self.nps_n)

    @property
    def small_sample(self) -> bool:
        """True if there are fewer than :data:`SMALL_SAMPLE` responses."""
        return self.n < SMALL_SAMPLE
