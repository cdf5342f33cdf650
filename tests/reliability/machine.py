"""A base for the stateful lifecycle tests: one facade per example on a leased store.

Each machine keeps its own model of the states (written from the domain, not
from the library's tables) and calls :meth:`BackendMachine.attempt` for every
command: a command the model allows must succeed and lead where the model
says; one it refuses must raise :class:`~itsm_core.InvalidTransition` and
change nothing stored (state, version, history).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from itsm_core import FrozenClock, InvalidTransition, ItsmCore, ItsmError

from .stores import Stores, machine_settings

__all__ = ["T0", "BackendMachine", "Snapshot", "run_machine"]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday

Snapshot = Callable[[], Any]
"""Reads what a refused command must leave unchanged (state, version, history length)."""


class BackendMachine(RuleBasedStateMachine):
    """Opens a facade on the store of its backend; counts the commands it checks."""

    steps_checked = 0

    def __init__(self, stores: Stores, backend: str) -> None:
        super().__init__()
        self.stores, self.backend = stores, backend
        self.clock = FrozenClock(T0)
        self.url: str | None = None
        self.core: ItsmCore | None = None

    def open(self, **options: Any) -> ItsmCore:
        self.url = self.stores.lease(self.backend)
        self.core = ItsmCore(self.url, clock=self.clock, load_entrypoints=False, **options)
        return self.core

    @property
    def c(self) -> ItsmCore:
        assert self.core is not None
        return self.core

    def teardown(self) -> None:
        if self.core is not None:
            self.core.close()
        if self.url is not None:
            self.stores.give_back(self.backend, self.url)

    def attempt(
        self,
        what: str,
        call: Callable[[], Any],
        allowed: bool,
        snapshot: Snapshot,
        refusals: tuple[type[ItsmError], ...] = (InvalidTransition,),
    ) -> Any:
        """Run ``call``; the model said it is ``allowed`` (else refused, changing nothing)."""
        type(self).steps_checked += 1
        before = snapshot()
        refusal: ItsmError | None = None
        try:
            result = call()
        except refusals as exc:
            refusal = exc
        if refusal is not None:
            assert not allowed, f"{what}: the model allows it, the library refused: {refusal}"
            assert snapshot() == before, f"{what}: refused, yet something stored changed"
            return None
        assert allowed, f"{what}: the model refuses it, the library did it"
        return result


def run_machine(
    machine: Callable[[Stores, str], RuleBasedStateMachine],
    stores: Stores,
    backend: str,
    *,
    examples: int = 15,
    steps: int = 25,
    sql_examples: int = 3,
    sql_steps: int = 15,
) -> None:
    """Run ``machine`` on ``backend`` with few examples (fewer and shorter on a database)."""
    stores.require(backend)
    run_state_machine_as_test(
        lambda: machine(stores, backend),
        settings=machine_settings(
            backend, examples=examples, steps=steps, sql_examples=sql_examples, sql_steps=sql_steps
        ),
    )
