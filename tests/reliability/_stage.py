"""A seeded facade that can be put back to its seeded state quickly.

On SQL stores the seeded rows of every table are kept and written back (a
few hundred rows: much faster than seeding again); on memory a deep copy of the
store's state is kept and copied back. :meth:`Stage.dump` reads back everything stored
(every row of every table; on memory the store's own state: every record,
event and outbox entry, compared by value).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from itsm_core import FrozenClock, ItsmCore

from ._world import T0, seed

Opener = Callable[[], ItsmCore]


def open_core(url: str, **options: Any) -> ItsmCore:
    """A facade for the tests: frozen at :data:`T0`, no relay after each command."""
    return ItsmCore(
        url, clock=FrozenClock(T0), load_entrypoints=False, auto_relay=False, **options
    )


class Stage:
    """A facade on ``url`` holding the seeded :class:`World`."""

    def __init__(self, url: str, **options: Any) -> None:
        self.url, self.options = url, options
        self.core = open_core(url, **options)
        self.world = seed(self.core)
        self.engine: sa.Engine | None = getattr(self.core.storage, "engine", None)
        self._tables: list[sa.Table] = []
        self._rows: dict[str, list[dict[str, Any]]] = {}
        self._memory: dict[str, Any] = {}
        if self.engine is None:
            state = _copy_state(self.core.storage)
            # what compares by value: the records, events and outbox (not the lock)
            self._memory = {k: v for k, v in state.items() if v == vars(self.core.storage)[k]}
        else:
            meta = sa.MetaData()
            meta.reflect(self.engine)
            self._tables = [t for t in meta.sorted_tables if t.name.startswith("itsm_")]
            with self.engine.connect() as connection:
                for table in self._tables:
                    rows = connection.execute(sa.select(table)).mappings().all()
                    self._rows[table.name] = [dict(row) for row in rows]
        self.seeded = self.dump()

    @property
    def sql(self) -> bool:
        return self.engine is not None

    def restore(self) -> None:
        """Put the store back to the seeded world."""
        if self.engine is None:
            vars(self.core.storage).update(_copy_state(self._memory))
        else:
            with self.engine.begin() as connection:
                # the events are append-only (triggers refuse DELETE): restore without them
                triggers: list[tuple[str, str]] = []
                if self.engine.dialect.name == "postgresql":
                    connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
                elif self.engine.dialect.name == "sqlite":
                    triggers = [
                        (str(n), str(q))
                        for n, q in connection.exec_driver_sql(
                            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                        )
                    ]
                    for name, _ in triggers:
                        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
                for table in reversed(self._tables):
                    connection.execute(table.delete())
                for table in self._tables:
                    if self._rows[table.name]:
                        connection.execute(table.insert(), self._rows[table.name])
                for _, sql in triggers:
                    connection.exec_driver_sql(sql)
        self.seeded = self.dump()

    def dump(self) -> dict[str, Any]:
        """Everything the store holds, in a stable order, for an exact comparison."""
        if self.engine is None:
            live = {k: v for k, v in vars(self.core.storage).items() if k in self._memory}
            return _copy_state(live)  # a copy: a later change must not show in it
        out: dict[str, Any] = {}
        with self.engine.connect() as connection:
            for table in self._tables:
                rows = connection.execute(sa.select(table)).all()
                out[table.name] = sorted(tuple(map(repr, row)) for row in rows)
        return out

    def close(self) -> None:
        self.core.close()


def _copy_state(holder: Any) -> dict[str, Any]:
    """A deep copy of an object's attributes (or of such a copy); locks are shared."""
    state = holder if isinstance(holder, dict) else vars(holder)
    copied: dict[str, Any] = {}
    for name, value in state.items():
        try:
            copied[name] = copy.deepcopy(value)
        except TypeError:
            copied[name] = value
    return copied
