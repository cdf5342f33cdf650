"""The figures of one group, and its change against the previous period."""

from __future__ import annotations

from typing import Any

import attrs

from itsm_core.kernel.labels import Language
from itsm_core.satisfaction.analysis._format import figures_line, number, small_sample_note
from itsm_core.satisfaction.analysis.queries import GroupKey, key_label
from itsm_core.satisfaction.analysis.statistics import (
    DEFAULT_ALPHA,
    Interval,
    Rate,
    Tally,
    ZTest,
    two_proportion_z_test,
)
from itsm_core.satisfaction.analysis.targets import Deviation
from itsm_core.satisfaction.analysis.trend import Trend

__all__ = ["GroupFigures", "PeriodChange", "RateFigures", "Trend"]


@attrs.frozen
class GroupFigures:
    """The satisfaction figures of one group of responses.

    :param key: the group: dimension code → value (empty when not grouped).
    :param tally: the group's counts and sums.
    :param response_rate: survey invitations answered over invitations sent,
        when the grouping allows it (customer, period, the survey channel).
    :param deviation: how far the group is from its target, when the group
        is of one service that has a target.
    """

    key: GroupKey
    tally: Tally
    response_rate: Rate | None = None
    deviation: Deviation | None = None

    @property
    def n(self) -> int:
        """Responses in the group."""
        return self.tally.n

    @property
    def csat(self) -> float | None:
        """CSAT: top-box share in percent (0–100)."""
        return self.tally.csat

    @property
    def csat_interval(self) -> Interval | None:
        """95 % Wilson interval of CSAT, in percent."""
        return self.tally.csat_interval

    @property
    def margin(self) -> float | None:
        """Margin of error of CSAT (95 % Wilson half-width), percentage points."""
        return self.tally.margin

    @property
    def mean(self) -> float | None:
        """Mean normalised score (0–1)."""
        return self.tally.mean

    @property
    def index(self) -> float | None:
        """Mean normalised score on 0–100."""
        return self.tally.index

    @property
    def nps(self) -> float | None:
        """NPS over the group's NPS-eligible responses (−100…100), or None."""
        return self.tally.nps

    @property
    def small_sample(self) -> bool:
        """True if the group has fewer than 30 responses."""
        return self.tally.small_sample

    def describe(self, lang: Language = "zh") -> str:
        """Return a display line of the figures in ``lang``."""
        line = figures_line(
            n=self.n, csat=self.csat, margin=self.margin, index=self.index, nps=self.nps, lang=lang
        )
        extra = ""
        if self.response_rate is not None and self.response_rate.denominator:
            rate = number(self.response_rate.percent)
            extra += f"，回复率 {rate}%" if lang == "zh" else f", response rate {rate}%"
        if self.deviation is not None:
            extra += ("；" if lang == "zh" else "; ") + self.deviation.describe(lang)
        return (
            f"{key_label(self.key, lang)}: {line}{extra}"
            f"{small_sample_note(self.small_sample, lang)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the figures as JSON-able data."""
        rate = self.response_rate
        return {
            "key": dict(self.key),
            "n": self.n,
            "csat": self.csat,
            "csat_margin": self.margin,
            "mean": self.mean,
            "nps": self.nps,
            "nps_n": self.tally.nps_n,
            "response_rate": None if rate is None else rate.value,
            "target": None if self.deviation is None else self.deviation.target,
            "deviation": None if self.deviation is None else self.deviation.difference,
            "small_sample": self.small_sample,
        }


@attrs.frozen
class PeriodChange:
    """One group's figures in a period against the period before.

    :param key: the group (without the period).
    :param period: the period looked at.
    :param previous_period: the period before it.
    :param current: the group's tally in ``period``.
    :param previous: the group's tally in ``previous_period``.
    :param alpha: the significance level of the test.
    """

    key: GroupKey
    period: str
    previous_period: str
    current: Tally
    previous: Tally
    alpha: float = DEFAULT_ALPHA

    @property
    def csat_change(self) -> float | None:
        """CSAT now minus CSAT before, in percentage points; None if either is empty."""
        if self.current.csat is None or self.previous.csat is None:
            return None
        return self.current.csat - self.previous.csat

    @property
    def index_change(self) -> float | None:
        """Satisfaction index now minus before (0–100 points)."""
        if self.current.index is None or self.previous.index is None:
            return None
        return self.current.index - self.previous.index

    @property
    def test(self) -> ZTest | None:
        """Two-proportion z-test of CSAT, current against previous; None if either is empty."""
        return two_proportion_z_test(
            self.current.top_box, self.current.n, self.previous.top_box, self.previous.n
        )

    @property
    def p_value(self) -> float | None:
        """The test's two-sided p-value."""
        test = self.test
        return None if test is None else test.p_value

    @property
    def significant(self) -> bool:
        """True if the change of CSAT is significant at ``alpha``."""
        test = self.test
        return test is not None and test.significant(self.alpha)

    @property
    def small_sample(self) -> bool:
        """True if either period has fewer than 30 responses: read the test with care."""
        return self.current.small_sample or self.previous.small_sample

    @property
    def trend(self) -> Trend:
        """Improved / declined (significant), stable, or insufficient data."""
        test = self.test
        if test is None:
            return Trend.INSUFFICIENT_DATA
        if not test.significant(self.alpha):
            return Trend.STABLE
        return Trend.IMPROVED if test.z > 0 else Trend.DECLINED

    def describe(self, lang: Language = "zh") -> str:
        """Return a display line of the change in ``lang``."""
        change = self.csat_change
        delta = "—" if change is None else f"{change:+.1f}"
        p = number(self.p_value, 3)
        before, now = number(self.previous.csat), number(self.current.csat)
        if lang == "zh":
            text = (
                f"{key_label(self.key, lang)}: 满意率 {self.previous_period} {before}% → "
                f"{self.period} {now}%（{delta} 个百分点，p={p}，{self.trend.zh}）"
            )
        else:
            text = (
                f"{key_label(self.key, lang)}: CSAT {self.previous_period} {before}% → "
                f"{self.period} {now}% ({delta} pp, p={p}, {self.trend.en})"
            )
        return text + small_sample_note(self.small_sample, lang)

    def to_dict(self) -> dict[str, Any]:
        """Return the change as JSON-able data."""
        return {
            "key": dict(self.key),
            "period": self.period,
            "previous_period": self.previous_period,
            "n": self.current.n,
            "previous_n": self.previous.n,
            "csat": self.current.csat,
            "previous_csat": self.previous.csat,
            "csat_change": self.csat_change,
            "p_value": self.p_value,
            "trend": self.trend.value,
            "small_sample": self.small_sample,
        }


@attrs.frozen
class RateFigures:
    """The survey response rate of one group of invitations.

    :param key: the group (dimension code → value).
    :param rate: invitations answered over invitations sent.
    """

    key: GroupKey
    rate: Rate

    def describe(self, lang: Language = "zh") -> str:
        """Return a display line in ``lang``."""
        r = self.rate
        margin = "" if r.margin is None else f" ±{r.margin:.1f}"
        if lang == "zh":
            text = f"回复率 {number(r.percent)}%{margin}（{r.numerator}/{r.denominator}）"
        else:
            text = f"response rate {number(r.percent)}%{margin} ({r.numerator}/{r.denominator})"
        return f"{key_label(self.key, lang)}: {text}{small_sample_note(r.small_sample, lang)}"

    def to_dict(self) -> dict[str, Any]:
        """Return the rate as JSON-able data."""
        return {
            "key": dict(self.key),
            "responded": self.rate.numerator,
            "invited": self.rate.denominator,
            "response_rate": self.rate.value,
        }
