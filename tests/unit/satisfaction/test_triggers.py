"""The complaint trigger: a very dissatisfied response opens exactly one complaint."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core import AccessDenied, Actor, ComplaintSource, Origin
from itsm_core.satisfaction import ComplaintOpener, Question

from ._support import (
    COORD,
    DESK,
    OM,
    RM,
    SPECIALIST,
    FakeOpener,
    closed_record,
    customer_actor,
    make_core,
)

AUDITOR = Actor("qa", ["quality_specialist"], "质控专员")


def test_a_very_dissatisfied_ticket_score_opens_a_complaint_through_the_complaint_service() -> None:
    core, clock = make_core()
    closed_record(core, "T1")
    resp = core.satisfaction.responses.record_ticket_score(
        customer_actor("alice"), "T1", score="非常不满意", comment="工程师态度差"
    )
    assert resp.complaint_id is not None
    complaint = core.complaints.get(SPECIALIST, resp.complaint_id)
    assert complaint.source is ComplaintSource.SATISFACTION
    assert complaint.origin is Origin.EXTERNAL
    assert complaint.customer == "acme"
    assert complaint.source_ref == resp.submission_id == resp.id
    assert complaint.party_complained_about == "eng-li"
    assert "非常不满意" in complaint.summary and "工程师态度差" in complaint.summary
    # a retry returns the same response and opens nothing new
    clock.advance(minutes=1)
    again = core.satisfaction.responses.record_ticket_score(customer_actor("alice"), "T1", score=1)
    assert again.complaint_id == resp.complaint_id
    assert len(core.complaints.find(SPECIALIST, source="satisfaction")) == 1
    names = [e.name for e in core.history(AUDITOR, "satisfaction_response", resp.id)]
    assert names == ["satisfaction_response.recorded", "satisfaction_response.complaint_opened"]


def test_other_levels_open_no_complaint() -> None:
    core, _ = make_core()
    for n, score in enumerate(["dissatisfied", "neutral", "very_satisfied"]):
        closed_record(core, f"T{n}")
        assert (
            core.satisfaction.responses.record_ticket_score(
                DESK, f"T{n}", score=score, respondent="a"
            ).complaint_id
            is None
        )
    core2, _ = make_core(default_scale="seed_4")
    closed_record(core2, "T1")
    # the seed scale's lowest level is 不满意: dissatisfied, not very dissatisfied
    assert (
        core2.satisfaction.responses.record_ticket_score(
            DESK, "T1", score="不满意", respondent="a"
        ).complaint_id
        is None
    )
    assert core.complaints.find(SPECIALIST) == [] == core2.complaints.find(SPECIALIST)


def test_a_survey_submission_opens_one_complaint_however_many_answers_are_very_dissatisfied() -> (
    None
):
    core, _ = make_core()
    sat = core.satisfaction
    campaign = sat.surveys.create_campaign(
        OM,
        title="突发事件后回访调查",
        motive="major_incident",
        service="desktop",
        target_customers=["acme"],
        questions=[
            Question("speed", "速度"),
            Question("quality", "质量"),
            Question("nps", "推荐", "nps_0_10"),
        ],
        related_ref="INC-42",
    )
    sat.surveys.open_campaign(OM, campaign.id)
    (inv,) = sat.surveys.invite(OM, campaign.id, respondents=[("acme", "alice")]).invited
    responses = sat.surveys.submit_survey(
        customer_actor("alice"),
        inv.token,
        answers={"speed": 1, "quality": "very_dissatisfied", "nps": 0},
    )
    ids = {r.complaint_id for r in responses}
    assert len(ids) == 1 and None not in ids
    (complaint,) = core.complaints.find(SPECIALIST)
    assert complaint.source_ref == inv.id


def test_a_dissatisfied_callback_opens_a_complaint_where_configured() -> None:
    core, _ = make_core()
    closed_record(core, "T1")
    cb = core.satisfaction.callbacks.schedule(COORD, "T1")
    result = core.satisfaction.callbacks.record_outcome(
        COORD, cb.id, outcome="solved", score="dissatisfied", comment="慢"
    )
    assert result.response is not None and result.response.complaint_id is not None
    (complaint,) = core.complaints.find(SPECIALIST)
    assert complaint.source is ComplaintSource.CALLBACK
    off, _ = make_core(dissatisfied_callback_opens_complaint=False)
    closed_record(off, "T1")
    cb = off.satisfaction.callbacks.schedule(COORD, "T1")
    result = off.satisfaction.callbacks.record_outcome(
        COORD, cb.id, outcome="solved", score="dissatisfied"
    )
    assert result.response is not None and result.response.complaint_id is None
    assert off.complaints.find(SPECIALIST) == []
    # very dissatisfied always opens one
    closed_record(off, "T2")
    cb = off.satisfaction.callbacks.schedule(COORD, "T2")
    result = off.satisfaction.callbacks.record_outcome(COORD, cb.id, outcome="solved", score=1)
    assert result.response is not None and result.response.complaint_id is not None


def test_a_failed_opening_is_caught_up_by_the_sweep_exactly_once() -> None:
    core, _ = make_core()
    opener = FakeOpener(fail=1)
    core.satisfaction.complaints = opener
    assert isinstance(opener, ComplaintOpener)
    closed_record(core, "T1")
    resp = core.satisfaction.responses.record_ticket_score(DESK, "T1", score=1, respondent="alice")
    assert resp.complaint_id is None  # the response is stored all the same
    assert core.satisfaction.responses.get(OM, resp.id).complaint_pending
    swept = core.satisfaction.responses.open_pending_complaints(SPECIALIST)
    assert [r.complaint_id for r in swept] == ["cmp-1"]
    assert core.satisfaction.responses.open_pending_complaints(SPECIALIST) == []
    assert len(opener.opened) == 1
    with pytest.raises(AccessDenied):
        core.satisfaction.responses.open_pending_complaints(RM)


def test_without_a_complaint_service_responses_wait_for_one() -> None:
    core, _ = make_core()
    core.satisfaction.complaints = None
    closed_record(core, "T1")
    resp = core.satisfaction.responses.record_ticket_score(DESK, "T1", score=1, respondent="alice")
    assert resp.complaint_pending
    core.satisfaction.complaints = core.complaints
    (swept,) = core.satisfaction.responses.open_pending_complaints(SPECIALIST)
    assert swept.complaint_id is not None
    assert len(core.complaints.find(SPECIALIST)) == 1


@settings(max_examples=15, deadline=None)
@given(st.lists(st.sampled_from(["record", "retry", "sweep", "fail"]), min_size=1, max_size=8))
def test_exactly_one_complaint_per_response_whatever_the_sequence(steps: list[str]) -> None:
    core, clock = make_core()
    opener = FakeOpener()
    core.satisfaction.complaints = opener
    closed_record(core, "T1")
    recorded = False
    for step in steps:
        clock.advance(seconds=1)
        if step == "fail":
            opener.fail += 1
        elif step == "sweep":
            core.satisfaction.responses.open_pending_complaints(SPECIALIST)
        else:
            core.satisfaction.responses.record_ticket_score(DESK, "T1", score=1, respondent="alice")
            recorded = True
    opener.fail = 0
    core.satisfaction.responses.open_pending_complaints(SPECIALIST)
    assert len(opener.opened) == (1 if recorded else 0)
    if recorded:
        (resp,) = core.satisfaction.responses.find(OM)
        assert resp.complaint_id == "cmp-1"
        assert {(c["source"], c["source_ref"]) for c in opener.calls} == {("satisfaction", resp.id)}
