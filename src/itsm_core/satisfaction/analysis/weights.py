"""Combining the four channels with weights.

Each channel (survey, customer monthly score, service ticket score, callback
score) measures satisfaction differently and with very different sample
sizes. A provider gives each channel a weight; the combined figure of a group
is the weighted mean of the channels' own figures::

    combined = Σ w_c · figure_c / Σ w_c        over the channels used

A channel with weight 0, or not named in the weights, is not combined (its
responses still count in the pooled figures). When a weighted channel has no
responses in a group, :class:`MissingChannels` decides: ``renormalise`` (the
default) combines the channels present with their weights scaled to sum to
1; ``strict`` gives no combined figure for that group. Either way the
result names the channels used and missing, and the share of the total
weight actually present (``coverage``).

NPS is never weighted: it is computed over the pooled NPS-eligible
responses of the group.

The margin of a weighted CSAT is the normal approximation of the weighted
sum of the channels' proportions, each adjusted as Agresti and Coull do
(see :class:`WeightedFigures`): it never collapses to zero for a channel at
0 % or 100 % or with a single response.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.labels import Labelled, Language
from itsm_core.satisfaction.analysis._format import figures_line, small_sample_note
from itsm_core.satisfaction.analysis.queries import GroupKey, channel_codes, key_label
from itsm_core.satisfaction.analysis.statistics import Z_95, Tally
from itsm_core.satisfaction.analysis.targets import Deviation

__all__ = ["ChannelWeights", "CombinedFigures", "MissingChannels", "WeightedFigures"]


class MissingChannels(Labelled):
    """What to do when a weighted channel has no responses in a group."""

    RENORMALISE = "renormalise", "按现有渠道重新分配权重", "re-weight over the channels present"
    STRICT = "strict", "缺少渠道时不出综合结果", "no combined figure when a channel is missing"


def _weights(value: Mapping[str, float]) -> Mapping[str, float]:
    if not isinstance(value, Mapping):
        raise ValidationError("weights must map channel codes to numbers", field="weights")
    result: dict[str, float] = {}
    known = channel_codes()
    for channel, weight in value.items():
        code = str(channel)
        if not isinstance(channel, str) or code not in known:
            raise ValidationError(
                f"weights: {channel!r} is not a channel; allowed: {', '.join(known)}",
                field="weights",
            )
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not math.isfinite(weight)
            or weight < 0
        ):
            raise ValidationError(
                f"weights: the weight of {code!r} must be a non-negative number, got {weight!r}",
                field="weights",
            )
        result[code] = float(weight)
    if not any(w > 0 for w in result.values()):
        raise ValidationError(
            "weights: at least one channel needs a positive weight", field="weights"
        )
    return MappingProxyType(dict(sorted(result.items())))


def _missing(value: object) -> MissingChannels:
    return MissingChannels.parse(value, "missing")


@attrs.frozen
class ChannelWeights:
    """The weight of each channel in combined figures.

    :param weights: channel code (``survey``, ``monthly``, ``ticket``,
        ``callback``) → weight (any non-negative scale; they are normalised).
        Channels not named have weight 0.
    :param missing: how a group without one of the weighted channels is treated.
    """

    weights: Mapping[str, float] = attrs.field(converter=_weights)
    missing: MissingChannels = attrs.field(default=MissingChannels.RENORMALISE, converter=_missing)

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels with a positive weight."""
        return tuple(c for c, w in self.weights.items() if w > 0)

    def combine(self, by_channel: Mapping[str, Tally]) -> WeightedFigures:
        """Combine one group's per-channel tallies into weighted figures."""
        used = tuple(c for c in self.channels if by_channel.get(c, Tally()).n > 0)
        missing = tuple(c for c in self.channels if c not in used)
        total = sum(self.weights[c] for c in self.channels)
        present = sum(self.weights[c] for c in used)
        if not used or (missing and self.missing is MissingChannels.STRICT):
            return WeightedFigures(None, None, None, used, missing, present / total)
        csat = 0.0
        mean = 0.0
        variance = 0.0
        for c in used:
            share = self.weights[c] / present
            tally = by_channel[c]
            p = tally.top_box / tally.n
            csat += share * p
            mean += share * (tally.normalised_sum / tally.n)
            # Agresti-Coull: the proportion adjusted by z²/2 successes in z² more
            # trials, so that 0 % or 100 % (and a single response) keep a width
            adjusted_n = tally.n + Z_95 * Z_95
            adjusted_p = (tally.top_box + Z_95 * Z_95 / 2) / adjusted_n
            variance += share * share * adjusted_p * (1 - adjusted_p) / adjusted_n
        return WeightedFigures(
            csat=100.0 * csat,
            mean=min(1.0, max(0.0, mean)),
            csat_margin=100.0 * Z_95 * math.sqrt(variance),
            channels_used=used,
            channels_missing=missing,
            coverage=present / total,
        )


@attrs.frozen
class WeightedFigures:
    """The weighted combination of a group's channels.

    :param csat: weighted CSAT (0–100), or None (no channel, or strict and one missing).
    :param mean: weighted mean normalised score (0–1), or None.
    :param csat_margin: 95 % margin of the weighted CSAT, in percentage points:
        ``z·√(Σ s_c² p̃_c(1−p̃_c)/ñ_c)`` over the channels used, with ``s_c``
        the channel's share of the weight present and each channel's
        proportion adjusted as Agresti and Coull do (``ñ = n + z²``,
        ``p̃ = (top box + z²/2) / ñ``), so that, like the Wilson margin of a
        single group, it does not fall to zero at 0 % or 100 % or for one
        response.
    :param channels_used: the weighted channels with responses.
    :param channels_missing: the weighted channels without responses.
    :param coverage: the share of the total weight that is present (0–1).
    """

    csat: float | None
    mean: float | None
    csat_margin: float | None
    channels_used: tuple[str, ...]
    channels_missing: tuple[str, ...]
    coverage: float

    @property
    def index(self) -> float | None:
        """The weighted mean on 0–100."""
        return None if self.mean is None else 100.0 * self.mean


@attrs.frozen
class CombinedFigures:
    """The channels of one group combined with weights.

    :param key: the group (dimension code → value).
    :param by_channel: the tally of each channel in the group.
    :param weighted: the weighted combination.
    :param deviation: how far the combined figure is from the target, when one applies.
    """

    key: GroupKey
    by_channel: Mapping[str, Tally]
    weighted: WeightedFigures
    deviation: Deviation | None = None

    @property
    def pooled(self) -> Tally:
        """All the group's responses pooled, without weights."""
        return Tally.total(self.by_channel.values())

    @property
    def n(self) -> int:
        """Responses in the group (every channel)."""
        return self.pooled.n

    @property
    def csat(self) -> float | None:
        """Weighted CSAT (0–100)."""
        return self.weighted.csat

    @property
    def mean(self) -> float | None:
        """Weighted mean normalised score (0–1)."""
        return self.weighted.mean

    @property
    def index(self) -> float | None:
        """Weighted satisfaction index (0–100)."""
        return self.weighted.index

    @property
    def nps(self) -> float | None:
        """NPS over the pooled NPS-eligible responses (never weighted)."""
        return self.pooled.nps

    @property
    def margin(self) -> float | None:
        """95 % margin of the weighted CSAT, in percentage points."""
        return self.weighted.csat_margin

    @property
    def small_sample(self) -> bool:
        """True if any channel used has fewer than 30 responses."""
        return any(self.by_channel[c].small_sample for c in self.weighted.channels_used)

    def describe(self, lang: Language = "zh") -> str:
        """Return a display line of the combined figures in ``lang``."""
        line = figures_line(
            n=self.n, csat=self.csat, margin=self.margin, index=self.index, nps=self.nps, lang=lang
        )
        used = ", ".join(self.weighted.channels_used) or "—"
        coverage = f"{100 * self.weighted.coverage:.0f}%"
        if lang == "zh":
            extra = f"（加权渠道：{used}；权重覆盖 {coverage}）"
        else:
            extra = f" (weighted channels: {used}; weight coverage {coverage})"
        return (
            f"{key_label(self.key, lang)}: {line}{extra}"
            f"{small_sample_note(self.small_sample, lang)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the figures as JSON-able data."""
        return {
            "key": dict(self.key),
            "n": self.n,
            "csat": self.csat,
            "csat_margin": self.margin,
            "mean": self.mean,
            "nps": self.nps,
            "channels_used": list(self.weighted.channels_used),
            "channels_missing": list(self.weighted.channels_missing),
            "coverage": self.weighted.coverage,
            "small_sample": self.small_sample,
        }
