"""Survey campaigns: lifecycle, invitations and tokens, anti-fatigue, reminders, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core import AccessDenied, Actor, InvalidTransition, ValidationError
from itsm_core.satisfaction import (
    INVITATION_SPEC,
    Answer,
    CampaignMotive,
    CampaignState,
    InvitationState,
    Question,
    Respondent,
    SubjectKind,
)

from ._support import COORD, ENG, OM, PM, QS, RM, T0, customer_actor, make_core

AUDITOR = Actor("qa", ["quality_specialist"], "质控专员")

QUESTIONS = [
    Question("overall", "您对我们的服务总体是否满意?", "five_level"),
    Question("nps", "您向同事推荐我们的可能性有多大?", "nps_0_10", required=False),
    Question("network", "网络服务", "seed_4", required=False, service="network"),
]


def open_campaign(core, **kw):  # type: ignore[no-untyped-def]
    campaign = core.satisfaction.surveys.create_campaign(
        OM,
        title=kw.pop("title", "重大变更后满意度调查"),
        motive=kw.pop("motive", "after_major_change"),
        service="desktop",
        questions=kw.pop("questions", QUESTIONS),
        target_customers=kw.pop("target_customers", ["acme", "globex"]),
        **kw,
    )
    return core.satisfaction.surveys.open_campaign(OM, campaign.id)


def test_invitation_spec_has_the_agreed_index_fields() -> None:
    types = {f.name: f.type for f in INVITATION_SPEC.index}
    assert types == types | {
        "campaign_id": "str",
        "customer": "str",
        "respondent": "str",
        "token": "str",
        "state": "str",
        "invited_at": "datetime",
        "expires_at": "datetime",
        "responded": "int",
    }


def test_lifecycle_draft_open_closed_analysed() -> None:
    core, _ = make_core()
    sat = core.satisfaction
    draft = sat.surveys.create_campaign(
        PM, title="t", motive="periodic", service="desktop", questions=[], method="phone"
    )
    assert draft.state is CampaignState.DRAFT and draft.motive is CampaignMotive.PERIODIC
    with pytest.raises(InvalidTransition, match="no question"):
        sat.surveys.open_campaign(PM, draft.id)
    sat.surveys.revise_campaign(PM, draft.id, questions=QUESTIONS[:1])
    with pytest.raises(InvalidTransition, match="no target customer"):
        sat.surveys.open_campaign(PM, draft.id)
    sat.surveys.revise_campaign(PM, draft.id, target_customers=["acme", "acme"], title="季度调查")
    opened = sat.surveys.open_campaign(PM, draft.id)
    assert opened.state is CampaignState.OPEN and opened.target_customers == ("acme",)
    with pytest.raises(InvalidTransition, match="'revise' is not allowed in state 'open'"):
        sat.surveys.revise_campaign(PM, draft.id, title="x")
    with pytest.raises(InvalidTransition, match="mark_analysed"):
        sat.surveys.mark_campaign_analysed(PM, draft.id)
    assert sat.surveys.close_campaign(PM, draft.id).state is CampaignState.CLOSED
    done = sat.surveys.mark_campaign_analysed(QS, draft.id, summary="满意度稳定")
    assert (done.state, done.analysis_summary) == (CampaignState.ANALYSED, "满意度稳定")
    assert [e.name for e in core.history(AUDITOR, "survey_campaign", draft.id)] == [
        "survey_campaign.created",
        "survey_campaign.revised",
        "survey_campaign.revised",
        "survey_campaign.opened",
        "survey_campaign.closed",
        "survey_campaign.analysed",
    ]
    assert [c.id for c in sat.surveys.find(OM, state="analysed")] == [draft.id]


def test_every_motive_is_labelled() -> None:
    assert {m.value for m in CampaignMotive} == {
        "major_incident",
        "before_major_change",
        "after_major_change",
        "periodic",
        "customer_request",
        "agreed_plan",
        "service_review",
        "manager_decision",
        "annual_key_customers",
    }
    assert CampaignMotive.ANNUAL_KEY_CUSTOMERS.zh == "年度关键客户满意度调查"


def test_questionnaire_validation() -> None:
    with pytest.raises(ValidationError, match="unknown scale"):
        Question("q", "text", "stars_99")
    core, _ = make_core()
    with pytest.raises(ValidationError, match="repeated: q"):
        core.satisfaction.surveys.create_campaign(
            OM,
            title="t",
            motive="periodic",
            service="s",
            questions=[Question("q", "a"), Question("q", "b")],
        )
    with pytest.raises(ValidationError, match="allowed: major_incident"):
        core.satisfaction.surveys.create_campaign(
            OM, title="t", motive="whim", service="s", questions=[]
        )


def test_one_target_customer_may_be_given_as_a_string() -> None:
    core, _ = make_core()
    sat = core.satisfaction

    def create(**kw: object):  # type: ignore[no-untyped-def]
        return sat.surveys.create_campaign(OM, title="t", motive="periodic", service="s", **kw)

    # one id is one customer, never its letters
    campaign = create(questions=QUESTIONS, target_customers="acme")
    assert campaign.target_customers == ("acme",)
    assert sat.surveys.get(OM, campaign.id).target_customers == ("acme",)
    assert sat.surveys.revise_campaign(
        OM, campaign.id, target_customers="globex"
    ).target_customers == ("globex",)
    # a questionnaire or a target list of the wrong kind is named, nothing is stored
    for kw, message in (
        ({"questions": None}, "questions must be a list of Question"),
        ({"questions": QUESTIONS[0]}, "questions must be a list of Question"),
        ({"questions": "overall"}, "questions must be a list of Question"),
        ({"questions": QUESTIONS, "target_customers": 5}, "target customers must be"),
        ({"questions": QUESTIONS, "target_customers": [5]}, "target customer must be"),
    ):
        with pytest.raises(ValidationError, match=message):
            create(**kw)
    assert [c.id for c in sat.surveys.find(OM)] == [campaign.id]


def test_annual_key_customer_survey_targets_key_customers_by_default() -> None:
    core, _ = make_core()
    core.satisfaction.customers.register(RM, "acme", name="ACME", key=True)
    core.satisfaction.customers.register(RM, "globex", name="Globex")
    core.satisfaction.customers.register(RM, "initech", name="Initech")
    core.satisfaction.customers.set_key(OM, "initech", note="新签大单")
    campaign = core.satisfaction.surveys.create_campaign(
        OM, title="2026 年度调查", motive="annual_key_customers", service="all", questions=QUESTIONS
    )
    assert campaign.target_customers == ("acme", "initech")


def test_invitations_have_unique_tokens_and_expire() -> None:
    core, _ = make_core(invitation_valid_for=timedelta(days=10))
    campaign = open_campaign(core)
    report = core.satisfaction.surveys.invite(
        OM,
        campaign.id,
        respondents=[
            Respondent("acme", "alice", "alice@acme.cn"),
            ("acme", "bob"),
            ("globex", "carol"),
        ],
    )
    assert [i.respondent for i in report.invited] == ["alice", "bob", "carol"]
    tokens = {i.token for i in report.invited}
    assert len(tokens) == 3 and all(len(t) >= 20 for t in tokens)
    inv = report.invited[0]
    assert (inv.state, inv.expires_at, inv.contact) == (
        InvitationState.INVITED,
        T0 + timedelta(days=10),
        "alice@acme.cn",
    )
    # tokens never leave in events
    events = core.history(AUDITOR, "survey_invitation", inv.id)
    assert inv.token not in repr([e.payload for e in events])
    with pytest.raises(ValidationError, match="not targeted"):
        core.satisfaction.surveys.invite(OM, campaign.id, respondents=[("umbrella", "dave")])
    with pytest.raises(ValidationError, match="Respondent or a"):
        core.satisfaction.surveys.invite(OM, campaign.id, respondents=["dave"])  # type: ignore[list-item]


@settings(max_examples=10, deadline=None)
@given(st.integers(2, 40))
def test_token_uniqueness(n: int) -> None:
    core, _ = make_core()
    campaign = open_campaign(core)
    report = core.satisfaction.surveys.invite(
        OM, campaign.id, respondents=[("acme", f"p{i}") for i in range(n)]
    )
    tokens = [i.token for i in report.invited]
    assert len(tokens) == n == len(set(tokens))


def test_anti_fatigue_window_skips_or_refuses() -> None:
    core, clock = make_core(survey_fatigue_days=30)
    first = open_campaign(core)
    core.satisfaction.surveys.invite(
        OM, first.id, respondents=[("acme", "alice"), ("acme", "alice")]
    )
    clock.advance(days=29)
    second = open_campaign(core, motive="major_incident")
    report = core.satisfaction.surveys.invite(
        OM, second.id, respondents=[("acme", "alice"), ("acme", "bob")]
    )
    assert [i.respondent for i in report.invited] == ["bob"]
    (skip,) = report.skipped
    assert skip.respondent.person == "alice" and skip.last_invited_at == T0
    assert "within the last 30 days" in skip.reason
    third = open_campaign(core, motive="customer_request")
    with pytest.raises(ValidationError, match="anti-fatigue window of 30 days: alice"):
        core.satisfaction.surveys.invite(
            OM, third.id, respondents=[("acme", "alice"), ("globex", "erin")], on_fatigue="refuse"
        )
    assert core.satisfaction.surveys.find_invitations(OM, campaign_id=third.id) == []
    clock.advance(days=1, seconds=1)
    again = core.satisfaction.surveys.invite(
        OM, third.id, respondents=[("acme", "alice")], on_fatigue="refuse"
    )
    assert [i.respondent for i in again.invited] == ["alice"]
    dup = core.satisfaction.surveys.invite(OM, third.id, respondents=[("acme", "alice")])
    assert [s.reason for s in dup.skipped] == ["already invited to this campaign"]
    with pytest.raises(ValidationError, match="on_fatigue"):
        core.satisfaction.surveys.invite(OM, third.id, respondents=[], on_fatigue="ignore")  # type: ignore[arg-type]


def test_fatigue_window_can_be_turned_off() -> None:
    core, _ = make_core(survey_fatigue_days=0)
    a, b = open_campaign(core), open_campaign(core)
    core.satisfaction.surveys.invite(OM, a.id, respondents=[("acme", "alice")])
    assert (
        len(core.satisfaction.surveys.invite(OM, b.id, respondents=[("acme", "alice")]).invited)
        == 1
    )


def test_reminders_are_recorded_spaced_and_limited() -> None:
    core, clock = make_core(max_reminders=2, reminder_gap=timedelta(days=3))
    campaign = open_campaign(core)
    core.satisfaction.surveys.invite(
        OM, campaign.id, respondents=[("acme", "alice"), ("acme", "bob")]
    )
    assert core.satisfaction.surveys.remind(OM, campaign.id) == []  # too soon
    clock.advance(days=3)
    first = core.satisfaction.surveys.remind(OM, campaign.id)
    assert sorted(i.respondent for i in first) == ["alice", "bob"]
    assert all(i.token for i in first)
    bob_token = next(i.token for i in first if i.respondent == "bob")
    core.satisfaction.surveys.submit_survey(
        customer_actor("bob"), bob_token, answers={"overall": 4}
    )
    clock.advance(days=1)
    assert core.satisfaction.surveys.remind(OM, campaign.id) == []
    clock.advance(days=2)
    assert [i.respondent for i in core.satisfaction.surveys.remind(OM, campaign.id)] == ["alice"]
    clock.advance(days=3)
    assert core.satisfaction.surveys.remind(OM, campaign.id) == []  # limit reached
    (alice,) = [
        i
        for i in core.satisfaction.surveys.find_invitations(OM, campaign_id=campaign.id)
        if i.respondent == "alice"
    ]
    assert len(alice.reminders) == 2
    assert [e.name for e in core.history(AUDITOR, "survey_invitation", alice.id)][-1] == (
        "survey_invitation.reminded"
    )


def test_submitting_by_token() -> None:
    core, clock = make_core()
    campaign = open_campaign(core)
    report = core.satisfaction.surveys.invite(
        OM, campaign.id, respondents=[("acme", "alice"), ("globex", "carol")]
    )
    alice, carol = report.invited
    clock.advance(days=1)
    answers = {"overall": "满意", "nps": 9, "network": Answer("一般", "偶尔断网")}
    responses = core.satisfaction.surveys.submit_survey(
        customer_actor("alice"), alice.token, answers=answers, comment="整体不错"
    )
    assert [(r.question, r.score.raw, r.service, r.comment) for r in responses] == [
        ("overall", 4, "desktop", "整体不错"),
        ("nps", 9, "desktop", "整体不错"),
        ("network", 2, "network", "偶尔断网"),
    ]
    for r in responses:
        assert r.campaign_id == campaign.id and r.submission_id == alice.id
        assert (r.subject.kind, r.subject.ref) == (SubjectKind.CAMPAIGN, campaign.id)
        assert r.respondent == "alice" and r.customer == "acme"
    assert responses[1].score.promoter
    with pytest.raises(InvalidTransition, match="used already"):
        core.satisfaction.surveys.submit_survey(
            customer_actor("alice"), alice.token, answers={"overall": 5}
        )
    with pytest.raises(AccessDenied, match="carol"):
        core.satisfaction.surveys.submit_survey(
            customer_actor("alice"), carol.token, answers={"overall": 5}
        )
    with pytest.raises(ValidationError, match="unknown survey token"):
        core.satisfaction.surveys.submit_survey(
            customer_actor("alice"), "forged", answers={"overall": 5}
        )
    with pytest.raises(ValidationError, match="required questions not answered: overall"):
        core.satisfaction.surveys.submit_survey(QS, carol.token, answers={"nps": 5})
    with pytest.raises(ValidationError, match="no question 'q9'"):
        core.satisfaction.surveys.submit_survey(QS, carol.token, answers={"overall": 5, "q9": 1})
    with pytest.raises(ValidationError, match=r"question 'nps'.*whole numbers 0–10"):
        core.satisfaction.surveys.submit_survey(QS, carol.token, answers={"overall": 5, "nps": 11})
    # an interview entered by the quality specialist on carol's behalf
    (entered,) = core.satisfaction.surveys.submit_survey(QS, carol.token, answers={"overall": 5})
    assert entered.respondent == "carol" and entered.recorded_by == "qs-1"
    rate = core.satisfaction.surveys.response_rate(OM, campaign.id)
    assert (rate.invited, rate.responded, rate.rate) == (2, 2, 1.0)
    with pytest.raises(AccessDenied):
        core.satisfaction.surveys.submit_survey(ENG, carol.token, answers={"overall": 5})


def test_expired_tokens_and_closed_campaigns_are_refused() -> None:
    core, clock = make_core(invitation_valid_for=timedelta(days=7))
    campaign = open_campaign(core)
    a, b, c = core.satisfaction.surveys.invite(
        OM, campaign.id, respondents=[("acme", "a"), ("acme", "b"), ("acme", "c")]
    ).invited
    clock.advance(days=7)
    with pytest.raises(InvalidTransition, match="expired at"):
        core.satisfaction.surveys.submit_survey(
            customer_actor("a"), a.token, answers={"overall": 5}
        )
    expired = core.satisfaction.surveys.expire_invitations(COORD)
    assert sorted(i.id for i in expired) == sorted([a.id, b.id, c.id])
    with pytest.raises(InvalidTransition, match="'expired'"):
        core.satisfaction.surveys.submit_survey(
            customer_actor("a"), a.token, answers={"overall": 5}
        )
    assert core.satisfaction.surveys.remind(OM, campaign.id) == []
    other = open_campaign(core)
    (d,) = core.satisfaction.surveys.invite(OM, other.id, respondents=[("acme", "d")]).invited
    core.satisfaction.surveys.close_campaign(OM, other.id)
    with pytest.raises(InvalidTransition, match="survey campaign: event 'respond'"):
        core.satisfaction.surveys.submit_survey(
            customer_actor("d"), d.token, answers={"overall": 5}
        )
    assert core.satisfaction.surveys.get_invitation(OM, d.id).state is InvitationState.EXPIRED
    with pytest.raises(InvalidTransition, match="'invite' is not allowed in state 'closed'"):
        core.satisfaction.surveys.invite(OM, other.id, respondents=[("acme", "e")])
    rate = core.satisfaction.surveys.response_rate(OM, other.id)
    assert (rate.invited, rate.responded, rate.rate) == (1, 0, 0.0)
    assert b.id != c.id


def test_response_rate_of_a_campaign_without_invitations() -> None:
    core, _ = make_core()
    campaign = open_campaign(core)
    assert core.satisfaction.surveys.response_rate(OM, campaign.id).rate is None


def test_campaign_roles() -> None:
    core, _ = make_core()
    with pytest.raises(AccessDenied, match="create a survey campaign"):
        core.satisfaction.surveys.create_campaign(
            ENG, title="t", motive="periodic", service="s", questions=QUESTIONS
        )
    campaign = open_campaign(core)
    with pytest.raises(AccessDenied):
        core.satisfaction.surveys.invite(COORD, campaign.id, respondents=[("acme", "a")])
    assert core.satisfaction.surveys.get(COORD, campaign.id).id == campaign.id
