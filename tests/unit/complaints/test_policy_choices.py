"""A provider's complaint policy: each choice is checked, and a bad one is named.

The policy holds what the complaint process leaves to the provider (reopen or
close on a dissatisfied callback, the relationship manager's area, the callback
promise and the SLA the promises run on). A bad choice is refused with a
:class:`ValidationError` whose ``field`` is the choice and whose message starts
with its name, so that a configuration file can point at the wrong line.
"""

from __future__ import annotations

from typing import Any

import pytest

from itsm_core import ValidationError
from itsm_core.complaints import ComplaintPolicy
from itsm_core.sla import Target


def refusal(**choice: Any) -> ValidationError:
    """The error for one bad choice; it names that choice."""
    (name,) = choice
    with pytest.raises(ValidationError) as info:
        ComplaintPolicy(**choice)
    assert info.value.field == name
    assert str(info.value).startswith(f"{name} must be ")
    return info.value


@pytest.mark.parametrize("days", [0, 1, 5])
def test_the_callback_is_due_a_whole_number_of_working_days_after_handling(days: int) -> None:
    assert ComplaintPolicy(callback_working_days=days).callback_working_days == days


@pytest.mark.parametrize("days", [-1, True, False, "1", 1.5, None])
def test_the_callback_days_are_a_non_negative_int(days: Any) -> None:
    # a bool is an int to Python, but "True working days" is not a promise
    err = refusal(callback_working_days=days)
    assert str(err) == f"callback_working_days must be a non-negative int, got {days!r}"


@pytest.mark.parametrize("name", ["reopen_on_dissatisfied", "assigned_relationship_manager_only"])
@pytest.mark.parametrize("value", ["no", 0, 1, None])
def test_the_yes_or_no_choices_are_bools(name: str, value: Any) -> None:
    err = refusal(**{name: value})
    assert str(err) == f"{name} must be True or False, got {value!r}"


@pytest.mark.parametrize("name", ["reopen_on_dissatisfied", "assigned_relationship_manager_only"])
def test_the_yes_or_no_choices_default_to_the_complaint_process(name: str) -> None:
    # the process closes a dissatisfied callback, and any relationship manager may act
    assert getattr(ComplaintPolicy(), name) is False
    assert getattr(ComplaintPolicy(**{name: True}), name) is True


@pytest.mark.parametrize("name", ["sla_calendar", "agreement_service", "agreement_id"])
@pytest.mark.parametrize("value", ["", "   ", 7])
def test_names_are_non_empty_strings(name: str, value: Any) -> None:
    err = refusal(**{name: value})
    assert str(err) == f"{name} must be a non-empty string, got {value!r}"


@pytest.mark.parametrize("name", ["sla_calendar", "agreement_service", "agreement_id"])
def test_names_are_kept_without_surrounding_blanks(name: str) -> None:
    assert getattr(ComplaintPolicy(**{name: "  ola-2026 "}), name) == "ola-2026"


def test_without_an_agreement_the_promises_take_the_defaults() -> None:
    policy = ComplaintPolicy()
    assert policy.agreement_id is None
    assert ComplaintPolicy(agreement_id=None).agreement_id is None
    assert (policy.sla_calendar, policy.agreement_service) == ("default", "complaint")


@pytest.mark.parametrize(
    "thresholds", [(0.9, 0.5), (0.5, 1.0), (0.0,), ("half",), "0.5", 0.5, (True,)]
)
def test_warning_thresholds_follow_the_rule_of_an_sla_target(thresholds: Any) -> None:
    with pytest.raises(ValidationError) as target:
        Target("complaint", "general", "callback", working_days=1, thresholds=thresholds)
    with pytest.raises(ValidationError) as policy:
        ComplaintPolicy(warning_thresholds=thresholds)
    assert str(policy.value) == str(target.value)
    assert policy.value.field == target.value.field == "thresholds"


def test_good_warning_thresholds_are_kept_as_fractions() -> None:
    assert ComplaintPolicy(warning_thresholds=[0.25, 0.5]).warning_thresholds == (0.25, 0.5)
    assert ComplaintPolicy(warning_thresholds=()).warning_thresholds == ()
