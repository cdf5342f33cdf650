"""Scales: levels, normalised values, flags, parsing and out-of-range errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core import ValidationError
from itsm_core.satisfaction import (
    FIVE_LEVEL,
    NPS_0_10,
    SCORE_1_5,
    SEED_4,
    STARS_5,
    NpsCategory,
    Satisfaction,
    Scale,
    builtin_scales,
    get_scale,
    numeric_scale,
    stars_scale,
)
from itsm_core.testing import satisfaction as st_sat


def test_seed_scale_has_the_four_levels_of_the_seed_in_order() -> None:
    assert [lv.zh for lv in SEED_4.levels] == ["不满意", "一般", "满意", "非常满意"]
    assert [lv.normalised for lv in SEED_4.levels] == [0.0, 1 / 3, 2 / 3, 1.0]
    assert SEED_4.verbal


def test_five_level_scale_adds_very_dissatisfied() -> None:
    assert [lv.key for lv in FIVE_LEVEL.levels] == [
        "very_dissatisfied",
        "dissatisfied",
        "neutral",
        "satisfied",
        "very_satisfied",
    ]
    assert [lv.normalised for lv in FIVE_LEVEL.levels] == [0, 0.25, 0.5, 0.75, 1]
    assert FIVE_LEVEL.levels[0].label("zh") == "非常不满意"
    assert FIVE_LEVEL.levels[0].label("en") == "very dissatisfied"


@pytest.mark.parametrize(
    "value",
    [1, "very_dissatisfied", "非常不满意", "very dissatisfied", Satisfaction.VERY_DISSATISFIED],
)
def test_a_level_can_be_named_by_raw_value_key_label_or_member(value: object) -> None:
    score = FIVE_LEVEL.score(value)
    assert (score.raw, score.level, score.normalised) == (1, "very_dissatisfied", 0.0)
    assert score.very_dissatisfied and score.dissatisfied and not score.top_box


def test_top_box_is_satisfied_or_better() -> None:
    assert [SEED_4.score(r).top_box for r in (1, 2, 3, 4)] == [False, False, True, True]
    assert [FIVE_LEVEL.score(r).top_box for r in range(1, 6)] == [False] * 3 + [True] * 2
    assert [SCORE_1_5.score(r).top_box for r in range(1, 6)] == [False] * 3 + [True] * 2
    assert [STARS_5.score(r).top_box for r in range(1, 6)] == [False] * 3 + [True] * 2
    assert [r for r in range(11) if NPS_0_10.score(r).top_box] == [9, 10]
    assert [r for r in (1, 2, 3) if stars_scale(3).score(r).top_box] == [3]


def test_very_dissatisfied_mapping_per_scale() -> None:
    assert [r for r in range(1, 6) if FIVE_LEVEL.score(r).very_dissatisfied] == [1]
    assert [r for r in range(1, 6) if SCORE_1_5.score(r).very_dissatisfied] == [1]
    assert [r for r in range(1, 6) if STARS_5.score(r).very_dissatisfied] == [1]
    assert [r for r in range(11) if NPS_0_10.score(r).very_dissatisfied] == [0, 1, 2]
    assert [r for r in range(1, 11) if stars_scale(10).score(r).very_dissatisfied] == [1, 2]
    # the seed scale has no "very dissatisfied" level: its lowest is 不满意
    assert not any(SEED_4.score(r).very_dissatisfied for r in range(1, 5))
    assert SEED_4.score("不满意").dissatisfied


def test_dissatisfied_is_below_the_middle() -> None:
    assert [r for r in range(1, 5) if SEED_4.score(r).dissatisfied] == [1]
    assert [r for r in range(1, 6) if FIVE_LEVEL.score(r).dissatisfied] == [1, 2]
    assert [r for r in range(1, 6) if SCORE_1_5.score(r).dissatisfied] == [1, 2]
    assert [r for r in range(11) if NPS_0_10.score(r).dissatisfied] == [0, 1, 2, 3, 4]


def test_nps_categories() -> None:
    cats = [NPS_0_10.score(r).nps_category for r in range(11)]
    assert (
        cats == [NpsCategory.DETRACTOR] * 7 + [NpsCategory.PASSIVE] * 2 + [NpsCategory.PROMOTER] * 2
    )
    assert all(NPS_0_10.score(r).nps_eligible for r in range(11))
    five = FIVE_LEVEL.score(5)
    assert (five.nps_eligible, five.promoter, five.detractor, five.nps_category) == (
        False,
        False,
        False,
        None,
    )
    # a plain 0..10 score scale is not the NPS scale
    assert not get_scale("score_0_10").score(10).nps_eligible


@pytest.mark.parametrize(
    ("scale", "value", "expected"),
    [
        (SCORE_1_5, 6, "whole numbers 1–5"),
        (SCORE_1_5, 0, "whole numbers 1–5"),
        (NPS_0_10, 11, "whole numbers 0–10"),
        (STARS_5, 4.5, "whole numbers 1–5"),
        (SEED_4, "very_dissatisfied", "1 / dissatisfied (不满意)"),
        (FIVE_LEVEL, 6, "5 / very_satisfied (非常满意)"),
        (SCORE_1_5, True, "whole numbers 1–5"),
    ],
)
def test_a_score_outside_the_scale_names_its_range(
    scale: Scale, value: object, expected: str
) -> None:
    with pytest.raises(ValidationError, match="allowed: ") as info:
        scale.score(value)
    assert expected in str(info.value)
    assert scale.code in str(info.value)
    assert info.value.field == "score"


@pytest.mark.parametrize(
    ("code", "low", "high"),
    [
        ("seed_4", 1, 4),
        ("five_level", 1, 5),
        ("score_1_5", 1, 5),
        ("score_0_100", 0, 100),
        ("stars_7", 1, 7),
        ("nps_0_10", 0, 10),
    ],
)
def test_get_scale_by_code(code: str, low: int, high: int) -> None:
    scale = get_scale(code)
    assert (scale.code, scale.low, scale.high) == (code, low, high)
    assert get_scale(scale) is scale


@pytest.mark.parametrize("code", ["stars_2", "stars_11", "score_5_1", "score_0_101", "nope", 5])
def test_unknown_scale_codes_are_refused(code: object) -> None:
    with pytest.raises(ValidationError, match="scale"):
        get_scale(code)


def test_numeric_scale_limits() -> None:
    with pytest.raises(ValidationError):
        numeric_scale(3, 3)
    with pytest.raises(ValidationError):
        numeric_scale(1, 5, nps=True)
    with pytest.raises(ValidationError):
        stars_scale(True)  # type: ignore[arg-type]


def test_labels_of_numeric_and_star_levels() -> None:
    assert SCORE_1_5.level(5).zh == "5分"
    assert STARS_5.level(3).en == "3 stars"
    assert STARS_5.level(1).en == "1 star"
    assert STARS_5.level("4星").raw == 4
    assert NPS_0_10.label("en").startswith("likelihood")


def test_builtin_scales_listed() -> None:
    assert [s.code for s in builtin_scales()] == [
        "seed_4",
        "five_level",
        "score_1_5",
        "stars_5",
        "nps_0_10",
    ]


def test_score_round_trips_as_data() -> None:
    from itsm_core.satisfaction import Score

    score = NPS_0_10.score(9)
    assert Score.from_dict(score.to_dict()) == score


@given(st_sat.scored())
def test_normalised_is_within_0_and_1_and_ends_at_0_and_1(pair: tuple[Scale, int]) -> None:
    scale, raw = pair
    score = scale.score(raw)
    assert 0.0 <= score.normalised <= 1.0
    assert scale.score(scale.low).normalised == 0.0
    assert scale.score(scale.high).normalised == 1.0
    assert score.raw == raw and score.scale == scale.code


@given(st_sat.scales(), st.data())
def test_normalised_and_flags_are_monotonic_in_the_raw_score(
    scale: Scale, data: st.DataObject
) -> None:
    a = data.draw(st_sat.raw_values(scale))
    b = data.draw(st_sat.raw_values(scale))
    low, high = sorted((a, b))
    s_low, s_high = scale.score(low), scale.score(high)
    assert s_low.normalised <= s_high.normalised
    if low < high:
        assert s_low.normalised < s_high.normalised
    # a better score is never less "top box" nor more "dissatisfied"
    assert s_low.top_box <= s_high.top_box
    assert s_low.dissatisfied >= s_high.dissatisfied
    assert s_low.very_dissatisfied >= s_high.very_dissatisfied
    assert not (s_high.top_box and s_high.dissatisfied)


@given(st_sat.scales().flatmap(lambda s: st.tuples(st.just(s), st_sat.out_of_range(s))))
def test_out_of_range_raises(pair: tuple[Scale, int]) -> None:
    scale, value = pair
    with pytest.raises(ValidationError, match="not on the scale"):
        scale.score(value)


@given(st_sat.builtin_scale_values())
def test_every_way_of_naming_a_level_scores_the_same(pair: tuple[Scale, object]) -> None:
    scale, value = pair
    score = scale.score(value)
    assert scale.score(score.raw) == score
