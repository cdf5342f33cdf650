"""Random command sequences through the complaint service on every backend, against a model.

A hypothesis ``RuleBasedStateMachine`` receives complaints and drives them with
commands from :mod:`itsm_core.testing.strategies`: some from actors that hold a
role the command needs and chosen among the commands the process allows now (so
the walk goes deep), some entirely random (mostly refused). The oracle is the
independent model of the complaint process in :mod:`tests.reliability.complaint_model`
(written from the domain, not from the library's table). The same machine runs on
memory, SQLite and PostgreSQL. The invariants:

- each outcome (new state, or the class of the refusal) is the model's;
- an external complaint is never transferred;
- closed is terminal;
- each state change adds exactly one event and the version grows by one;
- a refused command changes nothing (state, version, stored record, history);
- an internal complainant's identity never reaches a hook, another role's
  view (the complaint, its history, its records, find results) or an error message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from itsm_core import (
    AccessDenied,
    Actor,
    FrozenClock,
    ItsmCore,
    ItsmError,
    Role,
)
from itsm_core.complaints import (
    COMPLAINT_SPEC,
    Complainant,
    ComplaintPolicy,
    Origin,
    Verdict,
)
from itsm_core.testing import RecordingNotifier
from itsm_core.testing import strategies as its
from itsm_core.testing.strategies import ComplaintCommand

from . import complaint_model as model
from .stores import Stores, machine_settings, stores_fixture  # noqa: F401 (the fixture)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday
SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER], "用户关系经理")

OWNER_ID = "owner-1"
SECRET = "SECRET-"
TRANSFER_STATES = frozenset({"transferred", "transfer_escalated"})


@attrs.define
class Known:
    """What the test knows of one complaint: the model's view and the receipt."""

    complaint: model.Complaint
    version: int = 1
    source: str = ""
    source_ref: str | None = None
    was_closed: bool = False

    @property
    def state(self) -> str:
        return self.complaint.state


def args(command: ComplaintCommand) -> dict[str, Any]:
    return {
        k: str(getattr(v, "value", v)) if k == "verdict" else v
        for k, v in command.kwargs.items()
    }


def fit(command: ComplaintCommand, choice: dict[str, Any], data: st.DataObject) -> ComplaintCommand:
    """Set the arguments of ``choice`` (a model outcome selector) on ``command``."""
    kw = dict(command.kwargs)
    if "verdict" in choice:
        verdict = choice["verdict"]
        kw.update(verdict=verdict, business_unit="财务事业部" if verdict == "transferred" else None)
    elif "resolved" in choice:
        kw["resolved"] = choice["resolved"]
    elif "met" in choice:
        kw = {"met": choice["met"], "note": kw.get("note", "跟踪")}
    elif "satisfied" in choice:
        kw = {"satisfied": True}
        if not choice["satisfied"]:
            kw = {"satisfied": False, "reason": "不满意"}
    elif command.name == "improvements.decide":
        kw = {"decision": kw["decision"]}
    if "new_period" in choice:
        kw["new_period"] = timedelta(days=data.draw(st.integers(1, 9)))
    return ComplaintCommand(command.name, kw)


def open_steps(k: Known, reopen: bool) -> list[tuple[str, dict[str, Any]]]:
    """The (command, choice) pairs that lead somewhere from the complaint's state,
    the transfer of an external complaint included (the model refuses it)."""
    found = []
    for name in model.COMMAND_ROLES:
        for choice in model.CHOICES.get(name, [{}]):
            if model.next_state(k.complaint, name, choice, reopen) is not None or (
                name == "judge" and k.state == "investigating"
            ):
                found.append((name, choice))
    return found


class ComplaintLifecycle(RuleBasedStateMachine):
    complaints = Bundle("complaints")

    def __init__(self, stores: Stores, backend: str) -> None:
        super().__init__()
        self.stores, self.backend = stores, backend
        self.clock = FrozenClock(T0)
        self.recorder = RecordingNotifier()
        self.reopen = False
        self.url: str | None = None
        self.core: ItsmCore | None = None
        self.known: dict[str, Known] = {}
        self.secrets = 0
        self.checked_events = 0

    @property
    def service(self) -> Any:
        assert self.core is not None
        return self.core.complaints

    @initialize(reopen=st.booleans())
    def open_core(self, reopen: bool) -> None:
        self.reopen = reopen
        self.url = self.stores.lease(self.backend)
        self.core = ItsmCore(
            self.url,
            clock=self.clock,
            plugins=[self.recorder],
            load_entrypoints=False,
            complaint_policy=ComplaintPolicy(reopen_on_dissatisfied=reopen),
        )

    def teardown(self) -> None:
        if self.core is not None:
            self.core.close()
        if self.url is not None:
            self.stores.give_back(self.backend, self.url)

    # ------------------------------------------------------------------ rules

    @precondition(lambda self: len(self.known) < 3)
    @rule(
        target=complaints,
        intake=its.complaint_intakes(source_ref=False) | its.complaint_intakes(source_ref=True),
        actor=st.one_of(its.actors([Role.COMPLAINT_SPECIALIST]), its.actors()),
    )
    def receive(self, intake: dict[str, Any], actor: Actor) -> Any:
        intake = dict(intake)
        if intake["origin"] is Origin.INTERNAL:
            self.secrets += 1
            intake["complainant"] = Complainant(f"{SECRET}{self.secrets}", f"{SECRET}tel")
        count = len(self.known)
        if actor.roles.isdisjoint(model.RECEIVERS):
            try:
                self.service.receive(actor, **intake)
            except AccessDenied as exc:
                message = str(exc)
            else:
                raise AssertionError("an actor who is not a receiver received a complaint")
            assert SECRET not in message
            assert len(self.service.find(SPECIALIST)) == count
            return multiple()
        c = self.service.receive(actor, **intake)
        if c.id in self.known:  # the same trigger twice: the same complaint
            assert intake.get("source_ref") is not None
            return multiple()
        assert (c.state.value, c.version) == ("received", 1)
        self.known[c.id] = Known(
            model.Complaint(intake["origin"].value, intake["severity"].value),
            source=intake["source"],
            source_ref=intake.get("source_ref"),
        )
        return c.id

    @rule(complaint=complaints)
    def receive_the_same_trigger_again(self, complaint: str) -> None:
        k = self.known[complaint]
        if k.source_ref is None:
            return
        again = self.service.receive(
            SPECIALIST,
            customer="c",
            complainant="x",
            origin=k.complaint.origin,
            channel="system",
            source=k.source,
            summary="s",
            party_complained_about="p",
            source_ref=k.source_ref,
        )
        assert again.id == complaint
        assert (again.state.value, again.version) == (k.state, k.version)

    @rule(complaint=complaints, data=st.data())
    def authorised_steps(self, complaint: str, data: st.DataObject) -> None:
        """A few steps the process allows now, by actors holding a role for them."""
        for _ in range(data.draw(st.integers(min_value=1, max_value=12), label="steps")):
            k = self.known[complaint]
            steps = open_steps(k, self.reopen)
            if not steps:  # closed: any_step tries the rest
                return
            name, choice = data.draw(st.sampled_from(steps), label="step")
            command = data.draw(its.commands([name], owner=OWNER_ID), label="arguments")
            if data.draw(st.integers(0, 9), label="fit arguments") < 8:
                command = fit(command, choice, data)
            # any role of the command: on a major complaint some are refused
            role = data.draw(st.sampled_from(sorted(model.COMMAND_ROLES[name])), label="role")
            self.run(complaint, Actor(OWNER_ID, [role]), command)

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
        k = self.known[complaint]
        expected = model.expected(
            k.complaint, actor.roles, command.name, args(command), self.reopen
        )
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
                f"{command} in {k.state}: expected {expected.__name__}, got {refusal!r}"
            )
            assert self.snapshot(complaint) == (record, events), "a refused command changed state"
            return
        assert isinstance(expected, str), f"{command} by {actor.roles} succeeded: {expected}"
        assert result.state.value == expected
        assert result.version == k.version + 1
        assert self.snapshot(complaint)[1] == events + 1
        if command.name == "dispatch" and "severity" in command.kwargs:
            k.complaint.severity = command.kwargs["severity"].value
        model.apply(k.complaint, command.name, expected)
        k.version = result.version
        k.was_closed = k.was_closed or expected == "closed"

    # ------------------------------------------------------------------ invariants

    @precondition(lambda self: self.core is not None)
    @invariant()
    def stored_complaints_obey_the_invariants(self) -> None:
        assert self.core is not None
        with self.core.storage.unit_of_work() as uow:
            for cid, k in self.known.items():
                c = uow.get(COMPLAINT_SPEC, cid)
                events = uow.history("complaint", cid)
                assert c.version == k.version == len(events)
                assert [e.aggregate_version for e in events] == list(range(1, c.version + 1))
                assert c.state.value == k.state
                if c.origin is Origin.EXTERNAL:
                    assert c.state.value not in TRANSFER_STATES
                    assert c.verdict is not Verdict.TRANSFERRED
                    assert not any(e.payload.get("verdict") == "transferred" for e in events)
                if k.was_closed:
                    assert c.state.value == "closed"

    @precondition(lambda self: self.core is not None)
    @invariant()
    def no_internal_identity_leaks(self) -> None:
        fresh = self.recorder.events[self.checked_events :]
        self.checked_events = len(self.recorder.events)
        for event in fresh:
            assert SECRET not in repr(event.payload)
        for cid, k in self.known.items():
            if k.complaint.origin == "internal":
                assert SECRET not in repr(self.service.get(RM, cid).complainant)
                assert SECRET in self.service.get(SPECIALIST, cid).complainant.name
                assert SECRET not in repr(self.service.get(RM, cid))
                assert SECRET not in repr(self.service.history(RM, cid))
                assert SECRET not in repr(self.service.records(RM, cid))
                assert SECRET not in repr(self.service.find(RM, origin=Origin.INTERNAL))


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgresql"])
def test_complaint_lifecycle(stores: Stores, backend: str) -> None:
    stores.require(backend)
    run_state_machine_as_test(
        lambda: ComplaintLifecycle(stores, backend),
        settings=machine_settings(
            backend, examples=30, steps=40, sql_examples=3, sql_steps=25
        ),
    )
