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
