"""Ids have one documented character set everywhere: no CR, LF or other control characters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsm_core import ItsmCore, ValidationError
from itsm_core.kernel.own_ids import MAX_ID_LENGTH, own_id
from itsm_core.sla import Target

from .conftest import DESK, RM, SPECIALIST, T0

BAD_IDS = ["R\r\nBcc: x@y", "a\tb", "a\nb", "a\u2028b", " lead", "trail ", "", "x" * 201, "a\x7fb"]
GOOD_IDS = ["R-1", "工单-2026-0001", "INC/42#3", "a b", "x" * MAX_ID_LENGTH]


@pytest.mark.parametrize("value", BAD_IDS)
def test_the_rule_refuses_control_characters_and_edges(value: str) -> None:
    with pytest.raises(ValidationError):
        own_id(value, "record_id")


@pytest.mark.parametrize("value", GOOD_IDS)
def test_the_rule_takes_letters_digits_punctuation_and_spaces(value: str) -> None:
    assert own_id(value, "record_id") == value


@pytest.mark.parametrize("value", ["R\r\nBcc: x@y", "a\x0bb"])
def test_caller_chosen_ids_follow_the_rule_everywhere(core: ItsmCore, value: str) -> None:
    target = Target("desktop", "P2", "resolution", timedelta(hours=4))
    attempts = [
        lambda: core.satisfaction.service_records.register(
            DESK, value, customer="acme", service="desktop", opened_at=T0
        ),
        lambda: core.sla.start(
            DESK, subject_kind="ticket", subject_id="T-1", target=target, clock_id=value
        ),
        lambda: core.sla.define_agreement(
            RM, name="协议", kind="sla", counterparty="ACME", targets=[], agreement_id=value
        ),
        lambda: core.satisfaction.responses.record_response(
            SPECIALIST,
            channel="callback",
            customer="acme",
            service="desktop",
            subject_kind="service_record",
            subject_ref="T-1",
            score="satisfied",
            respondent="alice",
            response_id=value,
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match=r"control|id"):
            attempt()
    assert core.sla.find(RM) == []
