"""Edges of survey invitations: respondents that are no list, the fatigue boundary, reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsm_core import ValidationError

from ._support import OM, make_core
from .test_campaigns import open_campaign


@pytest.mark.parametrize(
    "respondents",
    [timedelta(1), 7, None, "acme", {"acme": "alice"}, b"acme"],
    ids=["timedelta", "int", "none", "str", "mapping", "bytes"],
)
def test_respondents_that_are_not_a_list_are_a_validation_error(respondents: object) -> None:
    core, _ = make_core()
    campaign = open_campaign(core)
    with pytest.raises(ValidationError, match="respondents"):
        core.satisfaction.surveys.invite(OM, campaign.id, respondents=respondents)  # type: ignore[arg-type]


def test_the_fatigue_window_ends_exactly_n_days_after_the_last_invitation() -> None:
    # "not surveyed twice within N days": N days later to the second is no longer within
    core, clock = make_core(survey_fatigue_days=30)
    first = open_campaign(core)
    core.satisfaction.surveys.invite(OM, first.id, respondents=[("acme", "alice")])
    clock.advance(days=30, seconds=-1)
    second = open_campaign(core, motive="major_incident")
    report = core.satisfaction.surveys.invite(OM, second.id, respondents=[("acme", "alice")])
    assert not report.invited and [s.respondent.person for s in report.skipped] == ["alice"]
    clock.advance(seconds=1)  # exactly 30 days
    report = core.satisfaction.surveys.invite(OM, second.id, respondents=[("acme", "alice")])
    assert [i.respondent for i in report.invited] == ["alice"]


def test_reminders_skip_invitations_past_expiry_not_yet_marked_expired() -> None:
    core, clock = make_core(invitation_valid_for=timedelta(days=10), reminder_gap=timedelta(days=1))
    campaign = open_campaign(core)
    core.satisfaction.surveys.invite(OM, campaign.id, respondents=[("acme", "alice")])
    clock.advance(days=9)
    core.satisfaction.surveys.invite(OM, campaign.id, respondents=[("acme", "bob")])
    clock.advance(days=1, seconds=1)  # alice's invitation expired, nobody marked it yet
    reminded = core.satisfaction.surveys.remind(OM, campaign.id)
    assert [i.respondent for i in reminded] == ["bob"]
