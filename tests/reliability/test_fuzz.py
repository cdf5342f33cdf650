"""Every public command of every service, fuzzed on memory, SQLite and PostgreSQL.

Each call draws an actor (every role alone, all of them at once, a customer)
and arguments from the command's signature (:mod:`._args`: mostly values of
the right kind, often ids and names the seeded world knows, sometimes junk).
The only allowed outcomes are success, or an error of a class documented in
:mod:`itsm_core.kernel.errors` with a message; after an error, everything
stored (every row, record, event and outbox entry) is exactly as before. After
a success the world is put back, so every call starts from the same state
and a failure replays.

The commands come from the facade (:func:`._args.commands`, the same
enumeration as tests/meta/test_api_convention.py): a new command is fuzzed
without being listed here, and a new kind of parameter fails
:func:`test_every_parameter_of_every_command_has_a_strategy` until
:mod:`._args` knows how to draw it.
"""

from __future__ import annotations

import operator
import os
from collections import Counter
from typing import Any

import pytest
from hypothesis import given

import itsm_core.kernel.errors as errors
from itsm_core import ItsmError

from ._args import call_arguments, commands, unknown_parameters
from ._stage import Stage, open_core
from ._world import ADMIN, CALLERS, seed
from .conftest import long_run, suite_settings

DOCUMENTED = frozenset(
    v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, ItsmError)
)
with open_core("memory://") as _core:
    COMMANDS = sorted(commands(_core))

#: calls per command: the CI budget, or the periodic long run
EXAMPLES = {"memory": 5, "sqlite": 2, "postgresql": 1}
LONG_EXAMPLES = 100

OUTCOMES: Counter[str] = Counter()
"""What the calls of this session ended in (printed by a long run; see reliability.md)."""


def test_every_command_of_the_facade_is_fuzzed() -> None:
    from tests.meta.test_api_convention import SERVICES

    with open_core("memory://") as core:
        assert {key.rsplit(".", 1)[0] for key in commands(core)} <= set(SERVICES)
        assert len(COMMANDS) >= 80
        assert sorted(commands(core)) == COMMANDS


def test_every_parameter_of_every_command_has_a_strategy() -> None:
    with open_core("memory://") as core:
        assert unknown_parameters(core, seed(core)) == []


def test_the_dump_sees_a_change_and_restore_undoes_it(stage: Stage) -> None:
    stage.core.satisfaction.customers.set_key(ADMIN, "C2", key=True)
    assert stage.dump() != stage.seeded
    stage.restore()
    assert stage.dump() == stage.seeded


def _check(stage: Stage, key: str, actor: Any, args: list[Any], kwargs: dict[str, Any]) -> None:
    method = getattr(operator.attrgetter(key.rsplit(".", 1)[0])(stage.core), key.rsplit(".", 1)[1])
    error: ItsmError | None = None
    try:
        method(actor, *args, **kwargs)
    except ItsmError as exc:
        error = exc
    if error is None:
        OUTCOMES["success"] += 1
        stage.restore()
        return
    OUTCOMES[type(error).__name__] += 1
    assert type(error) in DOCUMENTED, f"{type(error)} is not documented in kernel.errors"
    assert str(error).strip(), "an error without a message"
    assert stage.dump() == stage.seeded, f"{key} failed with {error!r} and changed the store"


@pytest.mark.parametrize("key", COMMANDS)
def test_a_command_succeeds_or_fails_cleanly(stage: Stage, key: str) -> None:
    backend = "memory" if not stage.sql else stage.engine.dialect.name  # type: ignore[union-attr]
    examples = LONG_EXAMPLES if long_run() else EXAMPLES.get(backend, 2)
    method = commands(stage.core)[key]

    @suite_settings(examples)
    @given(actor=CALLERS, call=call_arguments(method, stage.world))
    def run(actor: Any, call: tuple[list[Any], dict[str, Any]]) -> None:
        _check(stage, key, actor, *call)

    run()


def test_outcomes_are_reported() -> None:
    if os.environ.get("ITSM_FUZZ_REPORT"):
        print("fuzz outcomes:", dict(OUTCOMES), "calls:", sum(OUTCOMES.values()))
