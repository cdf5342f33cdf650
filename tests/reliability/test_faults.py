"""Faults injected at every statement and at COMMIT of a command, on SQLite and PostgreSQL.

For a representative command of each area, the statements the command sends
are counted on a clean run; then, for each statement N, the command runs
again from the seeded world with one fault:

* ``error``: statement N fails (the driver raises an OperationalError);
* ``dropped``: the connection is closed under statement N;
* ``terminated`` (PostgreSQL): a second connection ends the backend with
  ``pg_terminate_backend`` before statement N;
* ``commit``: COMMIT fails, nothing committed;
* ``lost_ack``: COMMIT succeeds but the client sees an error.

The outcome must be a :class:`~itsm_core.StorageError`; the store exact (as
before the call, or for a lost acknowledgement as before or as after one
clean run: never a part of the change); and a retry must succeed and leave
the store as one clean run does. After a lost acknowledgement the retry is
answered from the store only with an idempotency key: it is checked when
the command takes ``idempotency_key``, else only the stored state is.
"""

from __future__ import annotations

import contextlib
import inspect
import operator
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from itsm_core import Actor, AlreadyDone, ItsmCore, Role, StorageError

from ._stage import Stage
from ._world import ADMIN, World
from .conftest import long_run

OWNER = Actor("improvement_owner-1", [Role.IMPROVEMENT_OWNER])
Call = Callable[[ItsmCore, World], Any]


def _receive(core: ItsmCore, world: World) -> Any:
    return core.complaints.receive(
        ADMIN,
        customer="C1",
        complainant={"name": "王先生"},
        origin="external",
        channel="email",
        source="complaint_channel",
        summary="邮件延迟",
        party_complained_about="邮件组",
        **_key(core.complaints.receive),
    )


def _key(method: Callable[..., Any]) -> dict[str, Any]:
    return (
        {"idempotency_key": "fault-retry-1"}
        if "idempotency_key" in inspect.signature(method).parameters
        else {}
    )


#: a command of each area (the idempotency key is passed where the command takes one)
COMMANDS: dict[str, Call] = {
    "complaints.receive": _receive,
    "complaints.dispatch": lambda c, w: c.complaints.dispatch(
        ADMIN, w.ids["complaint_id"][0], handler="eng-1", **_key(c.complaints.dispatch)
    ),
    "desk.add_contact": lambda c, w: c.desk.add_contact(
        ADMIN, customer="C2", name="刘工", phone="021-87654321", **_key(c.desk.add_contact)
    ),
    "improvements.report_progress": lambda c, w: c.improvements.report_progress(
        OWNER, w.ids["item_id"][0], note="巡检已排班", **_key(c.improvements.report_progress)
    ),
    "reviews.prepare": lambda c, w: c.reviews.prepare(
        ADMIN,
        w.ids["review_id"][0],
        scope="季度回顾",
        topics=["SLA"],
        agenda=["SLA 报告"],
        participants=[("C1-rep", "customer_representative")],
        **_key(c.reviews.prepare),
    ),
    "sla.pause": lambda c, w: c.sla.pause(
        ADMIN, w.ids["clock_id"][0], reason="等待备件", **_key(c.sla.pause)
    ),
    "satisfaction.surveys.submit_survey": lambda c, w: c.satisfaction.surveys.submit_survey(
        ADMIN,
        w.ids["token"][0],
        answers={"overall": "satisfied"},
        **_key(c.satisfaction.surveys.submit_survey),
    ),
    "satisfaction.customers.set_key": lambda c, w: c.satisfaction.customers.set_key(
        ADMIN, "C2", key=True, **_key(c.satisfaction.customers.set_key)
    ),
}
FAULTS = ("error", "dropped", "terminated", "commit", "lost_ack")

INJECTED: Counter[str] = Counter()
"""Faults injected in this session, by kind (see reliability.md)."""


class Injector:
    """Patches the engine's dialect to fail statement ``at`` (1-based) or COMMIT."""

    def __init__(self, stage: Stage, admin: sa.Engine | None) -> None:
        assert stage.engine is not None
        self.engine, self.admin = stage.engine, admin
        self.dialect = stage.engine.dialect
        self.count = 0

    def _dbapi_error(self) -> Exception:
        dbapi = self.dialect.loaded_dbapi
        return dbapi.OperationalError("injected fault")  # type: ignore[no-any-return]

    @contextmanager
    def counting(self) -> Iterator[None]:
        with self.inject("count", 0):
            yield

    @contextmanager
    def inject(self, fault: str, at: int) -> Iterator[None]:
        self.count = 0
        names = ("do_execute", "do_executemany", "do_execute_no_params")
        originals = {name: getattr(self.dialect, name) for name in names}
        commit = self.dialect.do_commit

        def statement(name: str) -> Callable[..., Any]:
            def run(cursor: Any, *args: Any, **kwargs: Any) -> Any:
                self.count += 1
                if self.count == at:
                    self._fail_statement(fault, cursor)
                return originals[name](cursor, *args, **kwargs)

            return run

        def do_commit(dbapi_connection: Any) -> None:
            if fault == "commit":
                raise self._dbapi_error()
            commit(dbapi_connection)
            if fault == "lost_ack":
                raise self._dbapi_error()

        for name in names:
            setattr(self.dialect, name, statement(name))
        self.dialect.do_commit = do_commit  # type: ignore[method-assign]
        try:
            yield
        finally:
            for name in names:
                delattr(self.dialect, name)
            del self.dialect.do_commit

    def _fail_statement(self, fault: str, cursor: Any) -> None:
        if fault == "error":
            raise self._dbapi_error()
        connection = cursor.connection
        if fault == "dropped":
            connection.close()
        elif fault == "terminated":
            assert self.admin is not None
            with self.admin.connect() as admin:
                admin.execute(
                    sa.text("SELECT pg_terminate_backend(:pid)"),
                    {"pid": connection.info.backend_pid},
                )


def _counts(dump: dict[str, Any]) -> dict[str, int]:
    return {table: len(rows) for table, rows in dump.items()}


def _faults(stage: Stage) -> tuple[str, ...]:
    postgres = stage.engine is not None and stage.engine.dialect.name == "postgresql"
    return tuple(f for f in FAULTS if postgres or f != "terminated")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_fault_anywhere_in_a_command_leaves_the_store_exact(
    sql_stage: Stage, name: str
) -> None:
    stage, call = sql_stage, COMMANDS[name]
    url = stage.engine.url if stage.engine is not None else None
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool) if url else None
    injector = Injector(stage, admin)
    try:
        stage.restore()
        with injector.counting():
            call(stage.core, stage.world)
        statements = injector.count
        clean = _counts(stage.dump())
        assert statements > 0
        plan = [(fault, n) for fault in _faults(stage) if fault not in ("commit", "lost_ack")
                for n in range(1, statements + 1)]
        plan += [(fault, 0) for fault in ("commit", "lost_ack")]
        if not long_run():
            plan = _ci_plan(stage, plan, statements)
        for fault, n in plan:
            _inject_once(stage, injector, name, fault, n, clean)
    finally:
        if admin is not None:
            admin.dispose()


def _ci_plan(stage: Stage, plan: list[tuple[str, int]], statements: int) -> list[tuple[str, int]]:
    """The CI budget: on SQLite every statement with one fault (in turn); on PostgreSQL
    every fault at the first, a middle and the last statement; COMMIT always."""
    if stage.engine is not None and stage.engine.dialect.name == "postgresql":
        some = {1, (statements + 1) // 2, statements}
        return [(f, n) for f, n in plan if n == 0 or n in some]
    kinds = [f for f in _faults(stage) if f not in ("commit", "lost_ack")]
    return [(f, n) for f, n in plan if n == 0 or kinds[n % len(kinds)] == f]


def test_injected_faults_are_reported() -> None:
    if os.environ.get("ITSM_FUZZ_REPORT"):
        print("faults injected:", dict(INJECTED), "in all:", sum(INJECTED.values()))


def _inject_once(
    stage: Stage, injector: Injector, name: str, fault: str, n: int, clean: dict[str, int]
) -> None:
    call = COMMANDS[name]
    stage.restore()
    before = stage.seeded
    where = f"{fault} at statement {n}" if n else fault
    with injector.inject(fault, n), pytest.raises(StorageError):
        call(stage.core, stage.world)
    INJECTED[fault] += 1
    after = stage.dump()
    if fault == "lost_ack":
        assert after == before or _counts(after) == clean, f"{where}: a part of the change"
        assert after != before, f"{where}: the commit went through, the store must show it"
        if not _key(operator.attrgetter(name)(stage.core)):
            return  # without an idempotency key a retry would do the change again
        # the same key: answered from the store, or (a command whose report is not
        # kept) refused with AlreadyDone; never done again
        with contextlib.suppress(AlreadyDone):
            call(stage.core, stage.world)
        assert _counts(stage.dump()) == clean, f"{where}: the retry did the change twice"
        return
    assert after == before, f"{where}: the store changed"
    call(stage.core, stage.world)  # the retry succeeds
    assert _counts(stage.dump()) == clean, f"{where}: the retry left another state"
