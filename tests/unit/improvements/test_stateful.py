"""Random command sequences on improvement items, checked against the table and the rules.

Every command by every kind of actor either does what the lifecycle table and
the source's rules predict, or is refused with the predicted error and
changes nothing stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
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
from itsm_core.improvements import (
    IMPROVEMENT_SPEC,
    LIFECYCLE,
    RULES,
    ImprovementSource,
    ImprovementState,
)
from itsm_core.improvements.service import COMMANDS

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
RULE = RULES[ImprovementSource.SERVICE_REVIEW]
_OWNERS = frozenset({"start", "report_progress", "submit"})


@attrs.define
class Model:
    state: ImprovementState = ImprovementState.PROPOSED
    extensions: int = 0
    version: int = 1
    due_at: datetime = T0


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


def predict(m: Model, actor: Actor, command: str, kw: dict[str, Any], now: datetime) -> Any:
    """The new state, or the class of the refusal."""
    everyone: set[Role] = set()
    for rules in RULES.values():
        everyone |= rules.roles(command)
    if not actor.has(*everyone) or not actor.has(*RULE.roles(command)):
        return AccessDenied
    if command in _OWNERS and actor.id != OWNER_ID:
        return AccessDenied
    extending = "new_period" in kw
    if command == "follow_up":
        event = RULE.follow_up_event(kw["met"], m.extensions, extending)
    elif command == "decide":
        event = "grant_period" if extending else "decide"
    else:
        event = COMMANDS[command][0]
    dest = LIFECYCLE.targets(m.state, event)
    if dest is None:
        return InvalidTransition
    if command == "follow_up" and (event == "extend") != extending:
        return ValidationError
    if command == "start" and m.due_at <= now:
        return InvalidTransition
    return dest


class ItemLifecycle(RuleBasedStateMachine):
    items = Bundle("items")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(T0)
        self.core: ItsmCore | None = None
        self.models: dict[str, Model] = {}

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
        self.models[item.id] = Model(due_at=item.due_at)
        return item.id

    @rule(item=items, actor=st.sampled_from(ACTORS), data=st.data())
    def any_step(self, item: str, actor: Actor, data: st.DataObject) -> None:
        command = data.draw(st.sampled_from(sorted(COMMANDS)), label="command")
        self.run(item, actor, command, data.draw(_arguments(command), label="arguments"))

    @rule(item=items, data=st.data())
    def authorised_step(self, item: str, data: st.DataObject) -> None:
        """A command the state allows, by an actor who may give it, mostly well-formed."""
        m = self.models[item]
        allowed = LIFECYCLE.allowed(m.state)
        names = sorted(c for c, events in COMMANDS.items() if allowed & set(events))
        if "cancel" in names and len(names) > 1 and data.draw(st.integers(0, 9)) > 0:
            names.remove("cancel")  # cancel ends the item: seldom, to reach the rest
        if not names:
            return
        command = data.draw(st.sampled_from(names), label="command")
        roles = RULE.roles(command)
        actor = data.draw(st.sampled_from([a for a in ACTORS if a.has(*roles)]), label="actor")
        if command in _OWNERS:
            actor = ACTORS[3]
        kw = data.draw(_arguments(command), label="arguments")
        if command == "follow_up" and data.draw(st.integers(0, 4), label="fit") > 0:
            kw["met"] = data.draw(st.integers(0, 3), label="met") == 0
            event = RULE.follow_up_event(kw["met"], m.extensions, False)
            kw.pop("new_period", None)
            if event == "extend":
                kw["new_period"] = timedelta(days=data.draw(st.integers(1, 9)))
        self.run(item, actor, command, kw)

    def run(self, item: str, actor: Actor, command: str, kw: dict[str, Any]) -> None:
        assert self.core is not None
        m = self.models[item]
        expected = predict(m, actor, command, kw, self.clock.now())
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
        assert result.state is expected
        assert result.version == m.version + 1 == before[1] + 1
        m.state, m.version = result.state, result.version
        m.extensions, m.due_at = result.extensions, result.due_at

    @rule(hours=st.integers(0, 48))
    def tick(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @invariant()
    def stored_items_match_the_model(self) -> None:
        for item_id, m in self.models.items():
            record, events = self.snapshot(item_id)
            assert (record["state"], record["version"], events) == (
                m.state.value,
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
