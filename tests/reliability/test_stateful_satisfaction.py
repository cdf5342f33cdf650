"""Satisfaction capture: random command sequences on every backend, against models.

The models come from the domain (DOMAIN §3), not from the library's tables:

- a survey campaign is drafted (and revised while a draft), opened, closed and
  then analysed; respondents are invited only while it is open; an invitation is
  answered once, before it expires and while the campaign is open; reminders go
  out while it is open; closing the campaign expires the unanswered ones.
- a service record (服务单) is open, resolved, closed; a callback is due only for a
  resolved or closed record, one at a time; it finds the problem solved
  (confirmed), not really solved (the record goes back to the engineer: returned;
  one reopened meanwhile is with the engineer already), or nobody answers (it
  stays due); once the engineer resolves a record a callback found unsolved, a
  second callback is due, and the record cannot close before it confirms the fix.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from itsm_core import (
    Actor,
    ConflictError,
    InvalidTransition,
    Question,
    Role,
    SatisfactionPolicy,
    ValidationError,
)

from .machine import BackendMachine, run_machine
from .stores import BACKENDS, Stores, stores_fixture  # noqa: F401 (the fixture)

OM = Actor("om-1", [Role.OPERATIONS_MANAGER], "运维经理")
COORD = Actor("coord-1", [Role.COORDINATOR], "协调员")
DESK = Actor("desk-1", [Role.SERVICE_DESK], "服务台")
VALID_FOR = timedelta(days=7)
POLICY = SatisfactionPolicy(timezone="Asia/Shanghai", invitation_valid_for=VALID_FOR)
CAMPAIGN_MODEL: dict[str, dict[str, str]] = {
    "draft": {"revise": "draft", "open": "open"},
    "open": {"close": "closed"},
    "closed": {"mark_analysed": "analysed"},
    "analysed": {},
}


@attrs.define
class Invited:
    token: str
    expires_at: Any
    state: str = "invited"


class CampaignMachine(BackendMachine):
    """One campaign, its invitations and their answers, with time passing."""

    def __init__(self, stores: Stores, backend: str) -> None:
        super().__init__(stores, backend)
        self.state = "draft"
        self.campaign_id = ""
        self.invited: dict[str, Invited] = {}
        self.people = 0

    @initialize()
    def create(self) -> None:
        campaign = self.open(satisfaction_policy=POLICY).satisfaction.surveys.create_campaign(
            OM, title="定期调查", motive="periodic", service="desktop",
            target_customers=["acme"], questions=[Question("overall", "总体满意度")],
        )  # fmt: skip
        self.campaign_id = campaign.id

    def snapshot(self) -> tuple[Any, ...]:
        s = self.c.satisfaction.surveys
        campaign = s.get(OM, self.campaign_id)
        invitations = s.find_invitations(OM, campaign_id=self.campaign_id)
        states = sorted((i.id, i.state.value) for i in invitations)
        return campaign.state.value, campaign.version, states

    @rule(command=st.sampled_from(["revise", "open", "close", "mark_analysed"]))
    def campaign_command(self, command: str) -> None:
        s, cid = self.c.satisfaction.surveys, self.campaign_id
        calls = {
            "revise": lambda: s.revise_campaign(OM, cid, title="修订的调查"),
            "open": lambda: s.open_campaign(OM, cid),
            "close": lambda: s.close_campaign(OM, cid),
            "mark_analysed": lambda: s.mark_campaign_analysed(OM, cid, summary="总体满意"),
        }
        dest = CAMPAIGN_MODEL[self.state].get(command)
        result = self.attempt(command, calls[command], dest is not None, self.snapshot)
        if dest is None:
            return
        assert result.state.value == dest
        self.state = dest
        if command == "close":  # the unanswered invitations expire
            for invited in self.invited.values():
                if invited.state == "invited":
                    invited.state = "expired"

    @rule(count=st.integers(1, 2))
    def invite(self, count: int) -> None:
        names = [f"p{self.people + n}" for n in range(count)]
        self.people += count
        report = self.attempt(
            "invite",
            lambda: self.c.satisfaction.surveys.invite(
                OM, self.campaign_id, respondents=[("acme", n) for n in names]
            ),
            self.state == "open", self.snapshot,
        )  # fmt: skip
        if report is None:
            return
        assert sorted(i.respondent for i in report.invited) == sorted(names)
        for i in report.invited:
            self.invited[i.id] = Invited(i.token, self.clock.now() + VALID_FOR)

    @precondition(lambda self: bool(self.invited))
    @rule(data=st.data(), score=st.integers(1, 5))
    def answer(self, data: st.DataObject, score: int) -> None:
        iid = data.draw(st.sampled_from(sorted(self.invited)))
        invited = self.invited[iid]
        now = self.clock.now()
        allowed = self.state == "open" and invited.state == "invited" and now < invited.expires_at
        answered = self.attempt(
            "answer",
            lambda: self.c.satisfaction.surveys.submit_survey(
                OM, invited.token, answers={"overall": score}
            ),
            allowed, self.snapshot,
        )  # fmt: skip
        if answered is not None:
            invited.state = "responded"

    @rule()
    def remind(self) -> None:
        self.attempt(
            "remind", lambda: self.c.satisfaction.surveys.remind(OM, self.campaign_id),
            self.state == "open", self.snapshot,
        )  # fmt: skip

    @rule()
    def expire(self) -> None:
        now = self.clock.now()
        expired = self.c.satisfaction.surveys.expire_invitations(OM)
        due = {i for i, v in self.invited.items() if v.state == "invited" and v.expires_at <= now}
        assert {i.id for i in expired} == due
        for i in due:
            self.invited[i].state = "expired"

    @rule(days=st.integers(1, 5))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)

    @precondition(lambda self: self.core is not None)
    @invariant()
    def everything_is_where_the_model_says(self) -> None:
        state, _, invitations = self.snapshot()
        assert state == self.state
        assert invitations == sorted((i, v.state) for i, v in self.invited.items())


# --------------------------------------------------------------------------- service records

REFUSED = (InvalidTransition, ValidationError, ConflictError)


class RecordMachine(BackendMachine):
    """One service record, the callbacks about it, and where it stands with them."""

    def __init__(self, stores: Stores, backend: str) -> None:
        super().__init__(stores, backend)
        self.state = "open"
        self.status = "none"  # where the record stands with callbacks
        self.callbacks: dict[str, str] = {}
        self.due: str | None = None  # the callback due now

    @initialize(resolved=st.booleans())
    def register(self, resolved: bool) -> None:
        core = self.open(satisfaction_policy=POLICY)
        opened = self.clock.now() - timedelta(hours=2)
        core.satisfaction.service_records.register(
            DESK, "REQ-1", customer="acme", service="desktop", engineer="eng-1",
            requester="alice", opened_at=opened,
            resolved_at=opened + timedelta(hours=1) if resolved else None,
        )  # fmt: skip
        self.state = "resolved" if resolved else "open"

    def snapshot(self) -> tuple[Any, ...]:
        record = self.c.satisfaction.service_records.get(DESK, "REQ-1")
        callbacks = self.c.satisfaction.callbacks.find(COORD, service_record_id="REQ-1")
        return (
            record.state.value, record.callback_status.value, record.version,
            sorted((c.id, c.state.value) for c in callbacks),
        )  # fmt: skip

    @rule(command=st.sampled_from(["resolve", "close", "reopen"]))
    def record_command(self, command: str) -> None:
        records = self.c.satisfaction.service_records
        calls = {
            "resolve": lambda: records.resolve(DESK, "REQ-1", resolution="已处理"),
            "close": lambda: records.close(DESK, "REQ-1"),
            "reopen": lambda: records.reopen(DESK, "REQ-1", reason="再次报修"),
        }
        allowed = {
            "resolve": self.state in ("open", "returned"),
            "close": self.state == "resolved" and self.status != "recheck_due",
            "reopen": self.state in ("resolved", "closed"),
        }[command]
        result = self.attempt(command, calls[command], allowed, self.snapshot, REFUSED)
        if result is None:
            return
        if command == "resolve" and self.status == "returned":
            self.status = "recheck_due"  # a callback found it unsolved: a second one is due
            (new,) = [
                c.id for c in self.c.satisfaction.callbacks.find(COORD, service_record_id="REQ-1")
                if c.id not in self.callbacks
            ]  # fmt: skip
            self.callbacks[new] = "due"
            self.due = new
        self.state = {"resolve": "resolved", "close": "closed", "reopen": "open"}[command]
        assert result.state.value == self.state

    @rule()
    def schedule(self) -> None:
        allowed = self.state in ("resolved", "closed") and self.due is None
        callback = self.attempt(
            "schedule",
            lambda: self.c.satisfaction.callbacks.schedule(COORD, "REQ-1"),
            allowed, self.snapshot, REFUSED,
        )  # fmt: skip
        if callback is not None:
            self.callbacks[callback.id] = "due"
            self.due = callback.id
            self.status = "due"

    @precondition(lambda self: bool(self.callbacks))
    @rule(
        data=st.data(), outcome=st.sampled_from(["solved", "not_solved", "unreachable", "cancel"])
    )
    def callback(self, data: st.DataObject, outcome: str) -> None:
        cid = data.draw(st.sampled_from(sorted(self.callbacks)))
        callbacks = self.c.satisfaction.callbacks
        if outcome == "cancel":
            call: Any = lambda: callbacks.cancel(COORD, cid, reason="客户要求")  # noqa: E731
        else:
            call = lambda: callbacks.record_outcome(  # noqa: E731
                COORD, cid, outcome=outcome, reason="仍有故障" if outcome == "not_solved" else None
            )
        allowed = self.callbacks[cid] == "due"
        if self.attempt(outcome, call, allowed, self.snapshot, REFUSED) is None:
            return
        if outcome == "unreachable":
            return  # an attempt: the callback stays due
        self.callbacks[cid] = "cancelled" if outcome == "cancel" else "done"
        self.due = None
        if outcome == "cancel":
            self.status = "none"
        elif outcome == "solved":
            self.status = "confirmed"
        else:  # back to the engineer (a record reopened meanwhile is with them already)
            self.status = "returned"
            if self.state in ("resolved", "closed"):
                self.state = "returned"

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @precondition(lambda self: self.core is not None)
    @invariant()
    def everything_is_where_the_model_says(self) -> None:
        state, status, _, callbacks = self.snapshot()
        assert (state, status) == (self.state, self.status)
        assert callbacks == sorted(self.callbacks.items())


@pytest.mark.parametrize("backend", BACKENDS)
def test_campaign_and_invitation_lifecycles(stores: Stores, backend: str) -> None:
    run_machine(CampaignMachine, stores, backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_service_record_callback_status_and_callback_lifecycles(
    stores: Stores, backend: str
) -> None:
    run_machine(RecordMachine, stores, backend)
