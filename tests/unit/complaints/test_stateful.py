"""Random command sequences through the service, checked against the transition table.

A hypothesis ``RuleBasedStateMachine`` receives complaints and drives them
with commands from :mod:`itsm_core.testing.strategies`: some from actors that
hold a role the command allows and chosen among the commands the table allows
now (so the walk goes deep), some entirely random (mostly refused). An oracle
built from the table predicts each outcome; the invariants:

- an external complaint is never transferred;
- closed is terminal;
- each state change adds exactly one event and the version grows by one;
- a refused command changes nothing (state, version, stored record, history);
- an internal complainant's identity never reaches a hook, another role's
  view (the complaint, its history, its records, find results) or an error message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from itsm_core import (
    AccessDenied,
    Actor,
    FrozenClock,
    InvalidTransition,
    ItsmCore,
    ItsmError,
    Role,
    ValidationError,
)
from itsm_core.complaints import (
    COMPLAINT_SPEC,
    Complainant,
    ComplaintPolicy,
    ComplaintState,
    Origin,
    Severity,
    Verdict,
)
from itsm_core.complaints.access import RECEIVERS
from itsm_core.complaints.lifecycle import (
    TRANSITIONS,
    Transition,
    command_roles,
    roles_for,
    transition,
)
from itsm_core.testing import RecordingNotifier
from itsm_core.testing import strategies as its
from itsm_core.testing.strategies import ComplaintCommand

from .conftest import RM, SPECIALIST, T0

S = ComplaintState
OWNER_ID = "owner-1"
SECRET = "SECRET-"
TRANSFER_STATES = frozenset({S.TRANSFERRED, S.TRANSFER_ESCALATED})


@attrs.define
class Model:
    """What the test knows of one complaint."""

    origin: Origin
    severity: Severity
    state: S = S.RECEIVED
    version: int = 1
    findings: int = 0
    owner: str | None = None
    source: str = ""
    source_ref: str | None = None
    was_closed: bool = False


def event_for(command: ComplaintCommand, state: S, reopen: bool) -> str:
    """Which table event a command fires in ``state`` (independent of the implementation)."""
    kw = command.kwargs
    if command.name == "judge":
        return f"judge_{Verdict(kw['verdict']).value}"
    if command.name == "record_business_unit_result":
        return "business_unit_resolved" if kw["resolved"] else "business_unit_unresolved"
    if command.name == "improvements.follow_up":
        if kw["met"]:
            return "improvement_met"
        return "escalate_improvement" if state is S.IMPROVEMENT_EXTENDED else "extend_improvement"
    if command.name == "improvements.decide":
        return "grant_period" if "new_period" in kw else "improvement_decided"
    if command.name == "callback":
        if kw["satisfied"]:
            return "close_satisfied"
        return "reopen" if reopen else "close_dissatisfied"
    if command.name == "register_project":
        return "register"  # the lifecycle's event keeps its name (立项)
    return command.name


def predict(m: Model, actor: Actor, command: ComplaintCommand, reopen: bool) -> Any:
    """The table's verdict: the new state, or the error class of the refusal."""
    if not actor.has(*command_roles(command.name)):
        return AccessDenied
    event = event_for(command, m.state, reopen)
    row = transition(m.state, event)
    if row is None or m.origin not in row.origins:
        return InvalidTransition
    if not actor.has(*roles_for(row, m.severity)):
        return AccessDenied
    if command.name == "judge" and m.findings == 0:
        return InvalidTransition
    extension = "new_period" in command.kwargs
    if event == "extend_improvement" and not extension:
        return ValidationError
    if command.name == "improvements.follow_up" and event != "extend_improvement" and extension:
        return ValidationError
    return row.dest


def rows_from(m: Model, reopen: bool) -> list[Transition]:
    """The rows leaving the complaint's state under the policy — including those its
    origin forbids (so an external complaint is tried with ``judge_transferred``)."""
    skip = "close_dissatisfied" if reopen else "reopen"
    return [t for t in TRANSITIONS if t.source is m.state and t.event != skip]


def fit(command: ComplaintCommand, event: str, data: st.DataObject) -> ComplaintCommand:
    """Set the arguments that choose ``event`` among the events of its command."""
    kw = dict(command.kwargs)
    if event.startswith("judge_"):
        verdict = event.removeprefix("judge_")
        kw.update(verdict=verdict, business_unit="财务事业部" if verdict == "transferred" else None)
    elif event.startswith("business_unit_"):
        kw["resolved"] = event == "business_unit_resolved"
    elif event == "improvement_met":
        kw = {"met": True, "note": kw["note"]}
    elif event == "extend_improvement":
        kw = {
            "met": False,
            "note": kw["note"],
            "new_period": timedelta(days=data.draw(st.integers(1, 9))),
        }
    elif event == "escalate_improvement":
        kw = {"met": False, "note": kw["note"]}
    elif event == "grant_period":
        kw = {
            "decision": kw["decision"],
            "new_period": timedelta(days=data.draw(st.integers(1, 9))),
        }
    elif event in ("decide", "improvement_decided"):
        kw = {"decision": kw["decision"]}
    elif event == "close_satisfied":
        kw = {"satisfied": True}
    elif event in ("close_dissatisfied", "reopen"):
        kw = {"satisfied": False, "reason": "还是不满意"}
    return ComplaintCommand(command.name, kw)


class ComplaintLifecycle(RuleBasedStateMachine):
    complaints = Bundle("complaints")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(T0)
        self.recorder = RecordingNotifier()
        self.reopen = False
        self.core: ItsmCore | None = None
        self.models: dict[str, Model] = {}
        self.secrets = 0
        self.checked_events = 0

    @property
    def service(self) -> Any:
        assert self.core is not None
        return self.core.complaints

    @initialize(reopen=st.booleans())
    def open_core(self, reopen: bool) -> None:
        self.reopen = reopen
        self.core = ItsmCore(
            "memory://",
            clock=self.clock,
            plugins=[self.recorder],
            load_entrypoints=False,
            complaint_policy=ComplaintPolicy(reopen_on_dissatisfied=reopen),
        )

    # ------------------------------------------------------------------ rules

    @precondition(lambda self: len(self.models) < 3)
    @rule(
        target=complaints,
        intake=its.complaint_intakes(source_ref=False) | its.complaint_intakes(source_ref=True),
        actor=st.one_of(its.actors(RECEIVERS & {Role.COMPLAINT_SPECIALIST}), its.actors()),
    )
    def receive(self, intake: dict[str, Any], actor: Actor) -> Any:
        intake = dict(intake)
        if intake["origin"] is Origin.INTERNAL:
            self.secrets += 1
            intake["complainant"] = Complainant(f"{SECRET}{self.secrets}", f"{SECRET}tel")
        count = len(self.models)
        if not actor.has(*RECEIVERS):
            try:
                self.service.receive(actor, **intake)
            except AccessDenied:
                assert len(self.service.find(SPECIALIST)) == count
                return multiple()
            raise AssertionError("an actor who is not a receiver received a complaint")
        c = self.service.receive(actor, **intake)
        if c.id in self.models:  # the same trigger twice: the same complaint
            assert intake.get("source_ref") is not None
            return multiple()
        assert (c.state, c.version) == (S.RECEIVED, 1)
        self.models[c.id] = Model(
            origin=intake["origin"],
            severity=intake["severity"],
            source=intake["source"],
            source_ref=intake.get("source_ref"),
        )
        return c.id

    @rule(complaint=complaints)
    def receive_the_same_trigger_again(self, complaint: str) -> None:
        m = self.models[complaint]
        if m.source_ref is None:
            return
        again = self.service.receive(
            SPECIALIST,
            customer="c",
            complainant="x",
            origin=m.origin,
            channel="system",
            source=m.source,
            summary="s",
            party_complained_about="p",
            source_ref=m.source_ref,
        )
        assert again.id == complaint
        assert (again.state, again.version) == (m.state, m.version)

    @rule(complaint=complaints, data=st.data())
    def authorised_steps(self, complaint: str, data: st.DataObject) -> None:
        """A few steps along rows the table allows now, by actors holding a role for them."""
        for _ in range(data.draw(st.integers(min_value=1, max_value=12), label="steps")):
            m = self.models[complaint]
            rows = rows_from(m, self.reopen)
            if not rows:  # closed: any_step tries the rest
                return
            row = data.draw(st.sampled_from(rows), label="row")
            command = data.draw(its.commands([row.command], owner=OWNER_ID), label="arguments")
            if data.draw(st.integers(0, 9), label="fit arguments") < 8:
                command = fit(command, row.event, data)
            actor = data.draw(its.authorised_actors(row.command), label="actor")
            self.run(complaint, actor, command)

    @rule(complaint=complaints, actor=its.actors(), command=its.commands(owner=OWNER_ID))
    def any_step(self, complaint: str, actor: Actor, command: ComplaintCommand) -> None:
        self.run(complaint, actor, command)

    @rule(hours=st.integers(min_value=0, max_value=72))
    def tick(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    # ------------------------------------------------------------------ the check

    def snapshot(self, complaint: str) -> tuple[dict[str, Any], int]:
        assert self.core is not None
        with self.core.storage.unit_of_work() as uow:
            record = COMPLAINT_SPEC.to_record(uow.get(COMPLAINT_SPEC, complaint))
            events = len(uow.history("complaint", complaint))
        return record, events

    def run(self, complaint: str, actor: Actor, command: ComplaintCommand) -> None:
        m = self.models[complaint]
        expected = predict(m, actor, command, self.reopen)
        record, events = self.snapshot(complaint)
        refusal: ItsmError | None = None
        try:
            result = command.apply(self.service, actor, complaint)
        except ItsmError as exc:
            refusal = exc
        if refusal is not None:
            assert SECRET not in str(refusal), "an error message showed an internal identity"
            assert isinstance(expected, type), f"{command} by {actor.roles}: refused ({refusal})"
            assert isinstance(refusal, expected), (
                f"{command}: expected {expected.__name__}, got {refusal!r}"
            )
            assert self.snapshot(complaint) == (record, events), "a refused command changed state"
            return
        assert not isinstance(expected, type), f"{command} by {actor.roles} succeeded: {expected}"
        assert result.state is expected
        assert result.version == m.version + 1
        assert self.snapshot(complaint)[1] == events + 1
        self.update(m, command, result)

    def update(self, m: Model, command: ComplaintCommand, result: Any) -> None:
        m.state = result.state
        m.version = result.version
        m.severity = result.severity
        if command.name == "record_finding":
            m.findings += 1
        if command.name == "callback" and m.state is S.INVESTIGATING:
            m.findings = 0  # reopened: the new investigation needs its own findings
        if command.name == "require_improvement":
            m.owner = command.kwargs["owner"]
        m.was_closed = m.was_closed or m.state is S.CLOSED

    # ------------------------------------------------------------------ invariants

    @precondition(lambda self: self.core is not None)
    @invariant()
    def stored_complaints_obey_the_invariants(self) -> None:
        assert self.core is not None
        with self.core.storage.unit_of_work() as uow:
            for cid, m in self.models.items():
                c = uow.get(COMPLAINT_SPEC, cid)
                events = uow.history("complaint", cid)
                assert c.version == m.version == len(events)
                assert [e.aggregate_version for e in events] == list(range(1, c.version + 1))
                assert c.state is m.state
                if c.origin is Origin.EXTERNAL:
                    assert c.state not in TRANSFER_STATES
                    assert c.verdict is not Verdict.TRANSFERRED
                    assert not any(e.payload.get("verdict") == "transferred" for e in events)
                if m.was_closed:
                    assert c.state is S.CLOSED

    @precondition(lambda self: self.core is not None)
    @invariant()
    def no_internal_identity_leaks(self) -> None:
        fresh = self.recorder.events[self.checked_events :]
        self.checked_events = len(self.recorder.events)
        for event in fresh:
            assert SECRET not in repr(event.payload)
        for cid, m in self.models.items():
            if m.origin is Origin.INTERNAL:
                assert SECRET not in repr(self.service.get(RM, cid).complainant)
                assert SECRET in self.service.get(SPECIALIST, cid).complainant.name
                assert SECRET not in repr(self.service.get(RM, cid))
                assert SECRET not in repr(self.service.history(RM, cid))
                assert SECRET not in repr(self.service.records(RM, cid))
                assert SECRET not in repr(self.service.find(RM, origin=Origin.INTERNAL))


ComplaintLifecycle.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestComplaintLifecycle = ComplaintLifecycle.TestCase
