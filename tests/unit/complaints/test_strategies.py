"""The public strategies of ``itsm_core.testing`` work as documented."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core import Actor, FrozenClock, ItsmCore, ItsmError, Role
from itsm_core.complaints import COMPLAINT_SPEC, ComplaintState, Origin, Verdict
from itsm_core.complaints.lifecycle import COMMANDS, command_roles
from itsm_core.testing import strategies as its
from itsm_core.testing.strategies import ComplaintCommand

from .conftest import T0


@settings(max_examples=25, deadline=None)
@given(intake=its.complaint_intakes(), steps=its.command_sequences(max_size=30))
def test_command_sequences_keep_the_invariants(
    intake: dict[str, Any], steps: list[tuple[Actor, ComplaintCommand]]
) -> None:
    clock = FrozenClock(T0)
    core = ItsmCore("memory://", clock=clock, load_entrypoints=False)
    c = core.complaints.receive(its.receiver(), **intake)
    closed = False
    for actor, command in steps:
        clock.advance(hours=1)
        with core.storage.unit_of_work() as uow:
            before = COMPLAINT_SPEC.to_record(uow.get(COMPLAINT_SPEC, c.id))
        try:
            after = command.apply(core.complaints, actor, c.id)
        except ItsmError:
            with core.storage.unit_of_work() as uow:
                assert COMPLAINT_SPEC.to_record(uow.get(COMPLAINT_SPEC, c.id)) == before
            continue
        assert not closed, "closed is terminal"
        assert after.version == before["version"] + 1
        if after.origin is Origin.EXTERNAL:
            assert after.state not in (
                ComplaintState.TRANSFERRED,
                ComplaintState.TRANSFER_ESCALATED,
            )
            assert after.verdict is not Verdict.TRANSFERRED
        closed = after.state is ComplaintState.CLOSED
    assert (
        len(core.complaints.history(its.receiver(), c.id))
        == core.complaints.get(its.receiver(), c.id).version
    )


@given(st.data())
@settings(max_examples=20)
def test_commands_and_actors(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(its.COMMAND_NAMES))
    command = data.draw(its.commands([name]))
    assert command.name == name
    assert name in str(command)
    actor = data.draw(its.authorised_actors(name))
    assert actor.has(*command_roles(name))
    assert set(its.COMMAND_NAMES) == set(COMMANDS)


@given(its.actors([Role.GENERAL_MANAGER_OFFICE]), its.actors())
@settings(max_examples=20)
def test_actors(gm: Actor, anyone: Actor) -> None:
    assert gm.roles == frozenset({Role.GENERAL_MANAGER_OFFICE})
    assert len(anyone.roles) <= 3


def test_unknown_commands_are_named() -> None:
    with pytest.raises(ValueError, match="unknown complaint commands"):
        its.commands(["shout"])


@given(
    its.complaint_intakes(origin=Origin.INTERNAL, source_ref=True), its.improvement_requirements()
)
@settings(max_examples=20, deadline=None)
def test_intakes_and_requirements_are_accepted(
    intake: dict[str, Any], requirement: dict[str, Any]
) -> None:
    core = ItsmCore("memory://", clock=FrozenClock(T0), load_entrypoints=False)
    c = core.complaints.receive(its.receiver(), **intake)
    assert c.origin is Origin.INTERNAL and c.source_ref == intake["source_ref"]
    assert requirement["quality_indicators"]
