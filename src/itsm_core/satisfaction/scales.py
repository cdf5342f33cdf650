"""Rating scales: the seed's verbal levels, 1–5 scores, stars and 0–10 (NPS).

Every scale is an ordered list of :class:`Level` s. Each level has a raw value
(an ``int``: the number scored, or the rank of a verbal level), a normalised
value in ``0..1`` (``(raw - lowest) / (highest - lowest)``: the lowest level is
0, the highest 1, the levels in between evenly spaced), and Chinese and
English labels. Scoring a value with :meth:`Scale.score` returns a
:class:`Score`: the raw and the normalised value and the flags analysis and
triggers use.

The built-in scales (codes in brackets):

========================  =====================================================
seed scale (``seed_4``)   不满意 1 · 一般 2 · 满意 3 · 非常满意 4 (the service desk's levels)
five levels               非常不满意 1 · 不满意 2 · 一般 3 · 满意 4 · 非常满意 5
(``five_level``)          (complaint handling)
scores (``score_L_H``)    the integers ``L..H``, e.g. ``score_1_5``
stars (``stars_N``)       1..N stars, ``3 <= N <= 10``, e.g. ``stars_5``
NPS (``nps_0_10``)        0..10, "how likely are you to recommend us"
========================  =====================================================

Flags, per scale:

* **top box** (satisfied or better): the verbal levels 满意 and 非常满意; on
  numeric scales the top two levels (4–5 of 1–5, 4–5 stars of 5, 9–10 of
  0–10); on a scale of three levels or fewer, the top level only.
* **dissatisfied** (不满意 or worse): the verbal levels 不满意 and 非常不满意;
  on numeric scales every level below the middle (normalised < 0.5: 1–2 of
  1–5, 0–4 of 0–10).
* **very dissatisfied** (非常不满意, opens a complaint): the verbal level
  非常不满意; on numeric scales the bottom fifth, normalised ≤ 0.2 (1 of 1–5,
  the lowest star of up to 5 stars, 0–2 of 0–10). The seed scale has no such
  level: its lowest level is 不满意 (dissatisfied), which does not open a
  complaint by itself.
* **NPS** (``nps_0_10`` only): promoter 9–10, passive 7–8, detractor 0–6.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.labels import Labelled, Language

__all__ = [
    "FIVE_LEVEL",
    "NPS_0_10",
    "SCORE_1_5",
    "SEED_4",
    "STARS_5",
    "Level",
    "NpsCategory",
    "Satisfaction",
    "Scale",
    "Score",
    "builtin_scales",
    "get_scale",
    "numeric_scale",
    "stars_scale",
]


class Satisfaction(Labelled):
    """The verbal satisfaction levels: the service desk's four and very dissatisfied."""

    VERY_SATISFIED = "very_satisfied", "非常满意", "very satisfied"
    SATISFIED = "satisfied", "满意", "satisfied"
    NEUTRAL = "neutral", "一般", "neutral"
    DISSATISFIED = "dissatisfied", "不满意", "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied", "非常不满意", "very dissatisfied"


class NpsCategory(Labelled):
    """The Net Promoter category of a 0–10 answer."""

    PROMOTER = "promoter", "推荐者", "promoter"
    PASSIVE = "passive", "被动者", "passive"
    DETRACTOR = "detractor", "贬损者", "detractor"


@attrs.frozen
class Level:
    """One level of a scale.

    :param raw: the value stored (the number, or the rank of a verbal level; 1 = lowest).
    :param key: the code a caller may pass instead of ``raw`` (``"satisfied"``, ``"4"``).
    :param zh: the Chinese label.
    :param en: the English label.
    :param normalised: ``0..1``, the lowest level 0 and the highest 1.
    """

    raw: int
    key: str
    zh: str
    en: str
    normalised: float

    def label(self, lang: Language = "zh") -> str:
        """Return the label in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if lang == "zh" else self.en


@attrs.frozen
class Score:
    """A value scored on a scale, with what analysis and triggers need.

    Build one with :meth:`Scale.score`; a stored score keeps the flags it was
    given when it was recorded.

    :param scale: the scale's code.
    :param raw: the raw value (see :class:`Level`).
    :param level: the level's key (``"satisfied"``, ``"9"``).
    :param normalised: ``0..1``.
    :param top_box: satisfied or better.
    :param dissatisfied: dissatisfied or worse.
    :param very_dissatisfied: very dissatisfied (opens a complaint).
    :param nps_eligible: the scale is the 0–10 NPS scale.
    :param promoter: 9–10 on the NPS scale.
    :param detractor: 0–6 on the NPS scale.
    """

    scale: str
    raw: int
    level: str
    normalised: float
    top_box: bool
    dissatisfied: bool
    very_dissatisfied: bool
    nps_eligible: bool = False
    promoter: bool = False
    detractor: bool = False

    @property
    def nps_category(self) -> NpsCategory | None:
        """The NPS category, or None if the scale is not the NPS scale."""
        if not self.nps_eligible:
            return None
        if self.promoter:
            return NpsCategory.PROMOTER
        if self.detractor:
            return NpsCategory.DETRACTOR
        return NpsCategory.PASSIVE

    def to_dict(self) -> dict[str, Any]:
        """Return the score as JSON-able data (inverse of :meth:`from_dict`)."""
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Score:
        """Rebuild a score from :meth:`to_dict` output."""
        return cls(**dict(data))


def _check_threshold(name: str, value: int | None, lo: int, hi: int) -> None:
    if value is not None and not lo <= value <= hi:
        raise ValidationError(f"{name} must be within {lo}..{hi}, got {value}", field=name)


def _levels(values: Iterable[Level]) -> tuple[Level, ...]:
    return tuple(values)


@attrs.frozen
class Scale:
    """A rating scale.

    Use the built-ins (:data:`SEED_4`, :data:`FIVE_LEVEL`, :data:`SCORE_1_5`,
    :data:`STARS_5`, :data:`NPS_0_10`), :func:`numeric_scale`,
    :func:`stars_scale`, or :func:`get_scale` with a code.

    :param code: the scale's code, stored with every score.
    :param zh: the Chinese name.
    :param en: the English name.
    :param levels: the levels, lowest first, raw values strictly increasing.
    :param top_box_from: levels with ``raw >=`` this are top box.
    :param dissatisfied_to: levels with ``raw <=`` this are dissatisfied.
    :param very_dissatisfied_to: levels with ``raw <=`` this are very
        dissatisfied; None when the scale has no such level.
    :param nps: the scale is the 0–10 NPS scale (promoter 9–10, detractor 0–6).
    """

    code: str
    zh: str
    en: str
    levels: tuple[Level, ...] = attrs.field(converter=_levels)
    top_box_from: int
    dissatisfied_to: int
    very_dissatisfied_to: int | None = None
    nps: bool = False

    def __attrs_post_init__(self) -> None:
        if len(self.levels) < 2:
            raise ValidationError(f"scale {self.code!r} needs at least two levels", field="levels")
        raws = [lv.raw for lv in self.levels]
        if any(b <= a for a, b in itertools.pairwise(raws)):
            raise ValidationError(
                f"scale {self.code!r}: level raw values must strictly increase, got {raws}",
                field="levels",
            )
        _check_threshold("top_box_from", self.top_box_from, raws[0], raws[-1])
        _check_threshold("dissatisfied_to", self.dissatisfied_to, raws[0], raws[-1])
        _check_threshold("very_dissatisfied_to", self.very_dissatisfied_to, raws[0], raws[-1])
        if self.dissatisfied_to >= self.top_box_from:
            raise ValidationError(
                f"scale {self.code!r}: a dissatisfied level cannot be top box", field="levels"
            )

    @property
    def low(self) -> int:
        """The lowest raw value."""
        return self.levels[0].raw

    @property
    def high(self) -> int:
        """The highest raw value."""
        return self.levels[-1].raw

    @property
    def verbal(self) -> bool:
        """True for a scale of named levels (its keys are not numbers)."""
        return not self.levels[0].key.lstrip("-").isdigit()

    def label(self, lang: Language = "zh") -> str:
        """Return the scale's name in ``lang``."""
        return self.zh if lang == "zh" else self.en

    def range_text(self) -> str:
        """Describe the allowed values, for messages and forms."""
        if self.verbal:
            return ", ".join(f"{lv.raw} / {lv.key} ({lv.zh})" for lv in self.levels)
        return f"whole numbers {self.low}–{self.high}"

    def level(self, value: object) -> Level:
        """Return the level ``value`` names.

        :param value: the raw ``int``; a level key (``"satisfied"``, ``"4"``);
            a label (``"满意"``); or a :class:`Satisfaction` member.
        :raises ValidationError: naming the scale's range when ``value`` is not
            on the scale.
        """
        if isinstance(value, int) and not isinstance(value, bool):
            for lv in self.levels:
                if lv.raw == value:
                    return lv
        elif isinstance(value, str):
            text = value.strip()
            for lv in self.levels:
                if text in (lv.key, lv.zh, lv.en):
                    return lv
        raise ValidationError(
            f"score {value!r} is not on the scale {self.code!r} ({self.zh}); "
            f"allowed: {self.range_text()}",
            field="score",
        )

    def score(self, value: object) -> Score:
        """Score ``value`` on this scale.

        :param value: see :meth:`level`.
        :raises ValidationError: naming the scale's range when ``value`` is not on it.
        """
        lv = self.level(value)
        raw = lv.raw
        vd = self.very_dissatisfied_to is not None and raw <= self.very_dissatisfied_to
        return Score(
            scale=self.code,
            raw=raw,
            level=lv.key,
            normalised=lv.normalised,
            top_box=raw >= self.top_box_from,
            dissatisfied=raw <= self.dissatisfied_to,
            very_dissatisfied=vd,
            nps_eligible=self.nps,
            promoter=self.nps and raw >= 9,
            detractor=self.nps and raw <= 6,
        )


def _normalised(raw: int, low: int, high: int) -> float:
    return (raw - low) / (high - low)  # exact: int true division is correctly rounded


def _verbal(code: str, zh: str, en: str, members: Sequence[Satisfaction], **kw: Any) -> Scale:
    n = len(members)
    levels = [
        Level(i + 1, m.value, m.zh, m.en, _normalised(i + 1, 1, n)) for i, m in enumerate(members)
    ]
    return Scale(code, zh, en, levels, **kw)


def numeric_scale(
    low: int,
    high: int,
    *,
    code: str | None = None,
    zh: str | None = None,
    en: str | None = None,
    unit_zh: str = "分",
    unit_en: str = "points",
    nps: bool = False,
) -> Scale:
    """Return the scale of the whole numbers ``low..high``.

    Top box: the top two levels (the top one on a scale of three levels or
    fewer). Dissatisfied: normalised below 0.5. Very dissatisfied: normalised
    at most 0.2 (the bottom fifth).

    :param low: the lowest score (``0 <= low``).
    :param high: the highest score (``low < high <= 100``).
    :param code: the code (default ``score_{low}_{high}``).
    :param zh: the Chinese name (default ``评分{low}-{high}``).
    :param en: the English name (default ``score {low}-{high}``).
    :param unit_zh: the Chinese unit in the level labels (``"5分"``).
    :param unit_en: the English unit in the level labels (``"5 points"``).
    :param nps: mark it as the NPS scale (only for 0..10).
    :raises ValidationError: for bounds outside those limits.
    """
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValidationError(f"{name} must be a whole number, got {v!r}", field=name)
    if not 0 <= low < high <= 100:
        raise ValidationError(
            f"a numeric scale needs 0 <= low < high <= 100, got {low}..{high}", field="high"
        )
    if nps and (low, high) != (0, 10):
        raise ValidationError("only the 0..10 scale can be the NPS scale", field="nps")
    span = high - low
    levels = [
        Level(r, str(r), f"{r}{unit_zh}", f"{r} {unit_en}", _normalised(r, low, high))
        for r in range(low, high + 1)
    ]
    count = span + 1
    top = high - 1 if count >= 4 else high
    # dissatisfied: (raw - low) / span < 1/2; very dissatisfied: (raw - low) / span <= 1/5
    dissatisfied_to = low + (span - 1) // 2
    very_to = low + span // 5
    return Scale(
        code or f"score_{low}_{high}",
        zh or f"评分{low}-{high}",
        en or f"score {low}-{high}",
        levels,
        top_box_from=top,
        dissatisfied_to=dissatisfied_to,
        very_dissatisfied_to=very_to,
        nps=nps,
    )


def stars_scale(stars: int) -> Scale:
    """Return the scale of 1..``stars`` stars (``3 <= stars <= 10``), code ``stars_{N}``.

    :raises ValidationError: for a number of stars outside 3..10.
    """
    if isinstance(stars, bool) or not isinstance(stars, int) or not 3 <= stars <= 10:
        raise ValidationError(f"stars must be a whole number 3..10, got {stars!r}", field="stars")
    base = numeric_scale(1, stars, code=f"stars_{stars}")
    levels = [
        attrs.evolve(lv, zh=f"{lv.raw}星", en=f"{lv.raw} star" + ("s" if lv.raw > 1 else ""))
        for lv in base.levels
    ]
    return attrs.evolve(base, zh=f"{stars}星评价", en=f"{stars}-star rating", levels=levels)


SEED_4 = _verbal(
    "seed_4",
    "满意度四级(非常满意/满意/一般/不满意)",
    "four levels (very satisfied … dissatisfied)",
    [
        Satisfaction.DISSATISFIED,
        Satisfaction.NEUTRAL,
        Satisfaction.SATISFIED,
        Satisfaction.VERY_SATISFIED,
    ],
    top_box_from=3,
    dissatisfied_to=1,
    very_dissatisfied_to=None,
)
"""The service desk's four-level scale: 不满意 1, 一般 2, 满意 3, 非常满意 4."""

FIVE_LEVEL = _verbal(
    "five_level",
    "满意度五级(非常满意…非常不满意)",
    "five levels (very satisfied … very dissatisfied)",
    [
        Satisfaction.VERY_DISSATISFIED,
        Satisfaction.DISSATISFIED,
        Satisfaction.NEUTRAL,
        Satisfaction.SATISFIED,
        Satisfaction.VERY_SATISFIED,
    ],
    top_box_from=4,
    dissatisfied_to=2,
    very_dissatisfied_to=1,
)
"""The five-level scale of complaint handling: 非常不满意 1 … 非常满意 5."""

SCORE_1_5 = numeric_scale(1, 5)
"""Scores 1–5."""

STARS_5 = stars_scale(5)
"""Five stars."""

NPS_0_10 = numeric_scale(
    0,
    10,
    code="nps_0_10",
    zh="推荐意愿0-10分(NPS)",
    en="likelihood to recommend 0-10 (NPS)",
    nps=True,
)
"""0–10, with NPS categories: promoter 9–10, passive 7–8, detractor 0–6."""

_NAMED: dict[str, Scale] = {s.code: s for s in (SEED_4, FIVE_LEVEL, NPS_0_10)}
_SCORE = r"^score_(\d{1,3})_(\d{1,3})$"  # patterns compiled (and cached by re) on first use
_STARS = r"^stars_(\d{1,2})$"


def builtin_scales() -> list[Scale]:
    """Return the built-in scales: seed, five levels, 1–5, 5 stars, 0–10 NPS."""
    return [SEED_4, FIVE_LEVEL, SCORE_1_5, STARS_5, NPS_0_10]


def get_scale(code: object) -> Scale:
    """Return the scale with ``code`` (a :class:`Scale` is returned as is).

    :param code: ``seed_4``, ``five_level``, ``nps_0_10``, ``score_L_H``
        (``0 <= L < H <= 100``) or ``stars_N`` (``3 <= N <= 10``).
    :raises ValidationError: naming the known codes when there is no such scale.
    """
    if isinstance(code, Scale):
        return code
    problem = ""
    if isinstance(code, str):
        text = code.strip()
        if text in _NAMED:
            return _NAMED[text]
        try:
            m = re.match(_SCORE, text)
            if m:
                return numeric_scale(int(m.group(1)), int(m.group(2)))
            m = re.match(_STARS, text)
            if m:
                return stars_scale(int(m.group(1)))
        except ValidationError as exc:
            problem = f" ({exc})"
    raise ValidationError(
        f"unknown scale {code!r}{problem}; allowed: seed_4, five_level, nps_0_10, "
        "score_L_H (0 <= L < H <= 100, e.g. score_1_5), stars_N (3 <= N <= 10, e.g. stars_5)",
        field="scale",
    )
