"""The satisfaction policy: every setting is checked when the policy is made.

A value outside a setting's range is refused with a ValidationError that
names the setting (``field``) and says what is allowed; the values at the
edges of each range are accepted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from itsm_core.kernel.errors import ValidationError
from itsm_core.satisfaction import FIVE_LEVEL, SEED_4, SatisfactionPolicy, get_scale

WHOLE_NUMBERS_FROM_0 = ("callback_due_working_days", "survey_fatigue_days", "max_reminders")


def _refused(field: str, value: object, allowed: str) -> ValidationError:
    kwargs: dict[str, Any] = {field: value}
    with pytest.raises(ValidationError) as caught:
        SatisfactionPolicy(**kwargs)
    assert caught.value.field == field
    assert str(caught.value) == f"{field} {allowed}, got {value!r}"
    return caught.value


@pytest.mark.parametrize("rate", [1e-6, 0.2, 0.5, 1, 1.0])
def test_the_callback_sample_rate_is_a_share_above_0_up_to_all(rate: float) -> None:
    assert SatisfactionPolicy(callback_sample_rate=rate).callback_sample_rate == rate


@pytest.mark.parametrize("rate", [0, 0.0, -0.5, 1.0000001, 1.5, 2, True, "0.5", None])
def test_a_sample_rate_outside_0_to_1_is_refused(rate: object) -> None:
    _refused("callback_sample_rate", rate, "must be a number in (0, 1]")


@pytest.mark.parametrize("level", [None, 0, 0.0, 0.25, 1 / 3, 1, 1.0])
def test_the_comment_level_is_a_normalised_level_or_none(level: float | None) -> None:
    policy = SatisfactionPolicy(comment_required_at_or_below=level)
    assert policy.comment_required_at_or_below == level


@pytest.mark.parametrize("level", [-0.01, 1.01, 1.5, 2, True, "0.25"])
def test_a_comment_level_outside_0_to_1_is_refused(level: object) -> None:
    _refused(
        "comment_required_at_or_below", level, "must be a normalised level in [0, 1] or None"
    )


def test_comments_are_required_at_and_below_the_level_only() -> None:
    policy = SatisfactionPolicy(comment_required_at_or_below=0.25)
    assert policy.comment_required(0.0) and policy.comment_required(0.25)
    assert not policy.comment_required(0.5) and not policy.comment_required(1.0)
    # at 1 every response needs a comment, at 0 only the lowest level does
    assert SatisfactionPolicy(comment_required_at_or_below=1).comment_required(1.0)
    lowest_only = SatisfactionPolicy(comment_required_at_or_below=0)
    assert lowest_only.comment_required(0.0) and not lowest_only.comment_required(0.25)


@pytest.mark.parametrize("field", WHOLE_NUMBERS_FROM_0)
@pytest.mark.parametrize("value", [0, 1, 7])
def test_counts_of_days_and_reminders_may_be_zero(field: str, value: int) -> None:
    kwargs: dict[str, Any] = {field: value}
    assert getattr(SatisfactionPolicy(**kwargs), field) == value


@pytest.mark.parametrize("field", WHOLE_NUMBERS_FROM_0)
@pytest.mark.parametrize("value", [-1, 1.0, "1", True, None])
def test_counts_of_days_and_reminders_are_whole_numbers_from_0(field: str, value: object) -> None:
    _refused(field, value, "must be a whole number >= 0")


@pytest.mark.parametrize("days", [1, 2, 5, 20])
def test_the_monthly_callback_has_at_least_one_working_day(days: int) -> None:
    assert SatisfactionPolicy(monthly_callback_working_days=days).monthly_callback_working_days == (
        days
    )


@pytest.mark.parametrize("days", [0, -1, 1.0, 2.0, "5", True, None])
def test_the_monthly_callback_days_are_whole_numbers_from_1(days: object) -> None:
    _refused("monthly_callback_working_days", days, "must be a whole number >= 1")


@pytest.mark.parametrize("field", ["invitation_valid_for", "reminder_gap"])
def test_durations_are_non_negative_timedeltas_named_in_the_error(field: str) -> None:
    kwargs: dict[str, Any] = {field: timedelta(hours=-1)}
    with pytest.raises(ValidationError, match=f"^{field} must not be negative") as caught:
        SatisfactionPolicy(**kwargs)
    assert caught.value.field == field
    kwargs = {field: 3600}
    with pytest.raises(ValidationError, match=f"^{field} must be a datetime.timedelta") as caught:
        SatisfactionPolicy(**kwargs)
    assert caught.value.field == field
    kwargs = {field: timedelta(0)}
    assert getattr(SatisfactionPolicy(**kwargs), field) == timedelta(0)


@pytest.mark.parametrize("seed", [5, None, b"seed"])
def test_the_sampling_seed_is_a_string(seed: object) -> None:
    _refused("sampling_seed", seed, "must be a string")


def test_a_sampling_seed_of_the_provider_s_own_is_kept() -> None:
    assert SatisfactionPolicy(sampling_seed="acme-2026").sampling_seed == "acme-2026"
    assert SatisfactionPolicy(sampling_seed="").sampling_seed == ""


def test_a_flag_that_is_no_boolean_is_refused_naming_it() -> None:
    _refused("dissatisfied_callback_opens_complaint", 1, "must be True or False")
    assert SatisfactionPolicy(dissatisfied_callback_opens_complaint=True)


def test_the_callback_warning_thresholds_are_checked_and_named() -> None:
    policy = SatisfactionPolicy(callback_warning_thresholds=[0.6, 0.8])
    assert policy.callback_warning_thresholds == (0.6, 0.8)
    with pytest.raises(ValidationError, match=r"^callback_warning_thresholds: ") as caught:
        SatisfactionPolicy(callback_warning_thresholds=(0.9, 0.5))
    assert caught.value.field == "callback_warning_thresholds"


def test_the_time_zone_and_scale_must_be_known() -> None:
    assert SatisfactionPolicy(timezone="Europe/Berlin").timezone == "Europe/Berlin"
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Base'"):
        SatisfactionPolicy(timezone="Mars/Base")
    assert SatisfactionPolicy(default_scale="seed_4").default_scale == "seed_4"
    with pytest.raises(ValidationError, match="unknown scale 'stars_99'"):
        SatisfactionPolicy(default_scale="stars_99")


def test_a_command_s_scale_wins_over_the_default_scale() -> None:
    policy = SatisfactionPolicy(default_scale="seed_4")
    assert policy.scale() is SEED_4
    assert policy.scale(None) is SEED_4
    assert policy.scale("five_level") is FIVE_LEVEL
    assert policy.scale(FIVE_LEVEL) is FIVE_LEVEL
    assert SatisfactionPolicy().scale() is get_scale("five_level")
    with pytest.raises(ValidationError, match="unknown scale"):
        policy.scale("stars_2")
