"""Random command sequences on improvement items, checked against an independent model.

Every command by every kind of actor either does what the model of the domain
(``item_model``: written from the domain, not from the library's lifecycle
table or rules) predicts, or is refused with the predicted error and changes
nothing stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from itsm_core import Actor, FrozenClock, ItsmCore, ItsmError, Role
from itsm_core.improvements import IMPROVEMENT_SPEC

from . import item_model as model

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
OWNER_ID = "owner-1"
ACTORS = (
    Actor("pm-1", [Role.PROJECT_MANAGER]),
    Actor("dir-1", [Role.OPERATIONS_DIRECTOR]),
    Actor("gm-1", [Role.GENERAL_MANAGER_OFFICE]),
    Actor(OWNER_ID, [Role.IMPROVEMENT_OWNER]),
    Actor("owner-2", [Role.IMPROVEMENT_OWNER]),
    Actor("qc-1", [Role.QUALITY_SPECIALIST]),
    Actor("cust-1", [Role.CUSTOMER]),
)
def _arguments(command: str) -> st.SearchStrategy[dict[str, Any]]:
    period = st.integers(1, 20).map(lambda d: timedelta(days=d))
    return {
        "approve": st.just({}),
        "start": st.just({}),
        "report_progress": st.just({"note": "n"}),
        "submit": st.just({"note": "done"}),
        "follow_up": st.fixed_dictionaries(
            {"met": st.booleans(), "note": st.just("f")}, optional={"new_period": period}
        ),
        "decide": st.fixed_dictionaries(
            {"decision": st.just("d")}, optional={"new_period": period}
        ),
        "cancel": st.just({"reason": "r"}),
    }[command]


class ItemLifecycle(RuleBasedStateMachine):
    items = Bundle("items")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(T0)
        self.core: ItsmCore | None = None
        self.models: dict[str, model.Item] = {}

    @initialize()
    def open_core(self) -> None:
        self.core = ItsmCore("memory://", clock=self.clock, load_entrypoints=False)

    def snapshot(self, item_id: str) -> tuple[dict[str, Any], int]:
        assert self.core is not None
        with self.core.storage.unit_of_work() as uow:
            record = IMPROVEMENT_SPEC.to_record(uow.get(IMPROVEMENT_SPEC, item_id))
            return record, len(uow.history(IMPROVEMENT_SPEC.kind, item_id))

    @precondition(lambda self: len(self.models) < 2)
    @rule(target=items, days=st.integers(5, 60))
    def propose(self, days: int) -> str:
        assert self.core is not None
        item = self.core.improvements.propose(
            ACTORS[0],
            source_kind="service_review",
            source_ref="rev-1",
            description="d",
            quality_indicators=["a: b"],
            owner=OWNER_ID,
            period=timedelta(days=days),
        )
        self.models[item.id] = model.Item(owner=OWNER_ID, due_at=item.due_at)
        return item.id

    @rule(item=items, actor=st.sampled_from(ACTORS), data=st.data())
    def any_step(self, item: str, actor: Actor, data: st.DataObject) -> None:
        command = data.draw(st.sampled_from(model.COMMANDS), label="command")
        self.run(item, actor, command, data.draw(_arguments(command), label="arguments"))

    @rule(item=items, data=st.data())
    def authorised_step(self, item: str, data: st.DataObject) -> None:
        """A command the state allows, by an actor who may give it, mostly well-formed."""
        m = self.models[item]
        names = [c for c in model.COMMANDS if model.next_state(m, c, {"met": False}) is not None]
        if "cancel" in names and len(names) > 1 and data.draw(st.integers(0, 9)) > 0:
            names.remove("cancel")  # cancel ends the item: seldom, to reach the rest
        if not names:
            return
        command = data.draw(st.sampled_from(names), label="command")
        roles = model.COMMAND_ROLES[command]
        actor = data.draw(st.sampled_from([a for a in ACTORS if a.has(*roles)]), label="actor")
        if command in model.OWNER_COMMANDS:
            actor = ACTORS[3]
        kw = data.draw(_arguments(command), label="arguments")
        if command == "follow_up" and data.draw(st.integers(0, 4), label="fit") > 0:
            kw["met"] = data.draw(st.integers(0, 3), label="met") == 0
            kw.pop("new_period", None)
            if model.next_state(m, command, kw) == "extended":
                kw["new_period"] = timedelta(days=data.draw(st.integers(1, 9)))
        self.run(item, actor, command, kw)

    def run(self, item: str, actor: Actor, command: str, kw: dict[str, Any]) -> None:
        assert self.core is not None
        m = self.models[item]
        expected = model.expected(m, actor, command, kw, self.clock.now())
        before = self.snapshot(item)
        refusal: ItsmError | None = None
        try:
            result = getattr(self.core.improvements, command)(actor, item, **kw)
        except ItsmError as exc:
            refusal = exc
        if refusal is not None:
            assert isinstance(expected, type), f"{command} by {actor.id}: refused ({refusal})"
            assert isinstance(refusal, expected), f"{command}: expected {expected}, got {refusal!r}"
            assert self.snapshot(item) == before, "a refused command changed the item"
            return
        assert not isinstance(expected, type), f"{command} by {actor.id} succeeded"
        assert result.state.value == expected
        assert result.version == m.version + 1 == before[1] + 1
        model.apply(m, command, expected, result.due_at)
        m.version = result.version

    @rule(hours=st.integers(0, 48))
    def tick(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @invariant()
    def stored_items_match_the_model(self) -> None:
        for item_id, m in self.models.items():
            record, events = self.snapshot(item_id)
            assert (record["state"], record["version"], events) == (
                m.state,
                m.version,
                m.version,
            )


ItemLifecycle.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestItemLifecycle = ItemLifecycle.TestCase
