"""The storage backend contract suite: the behaviour every backend must have.

The in-memory backend, SQLAlchemy on SQLite and SQLAlchemy on PostgreSQL all
pass these same tests; a third-party backend runs them too. Subclass
:class:`StorageContract` in a test module (name the subclass ``Test…`` so
pytest collects it) and provide a ``backend_factory`` fixture: a callable
that takes a sequence of :class:`~itsm_core.storage.AggregateSpec` and
returns a new, **empty** store for them (each call a store of its own; the
suite closes it)::

    import pytest
    from itsm_core.testing.contract import StorageContract

    class TestMyBackend(StorageContract):
        @pytest.fixture
        def backend_factory(self, tmp_path):
            return lambda specs: MyBackend(f"my://{tmp_path}/db", specs)

The suite stores two toy aggregate kinds, :class:`Item` (every index type:
``str``, ``int``, ``float``, ``bool``, ``datetime``) and :class:`Note` (at
record version 2, with an upcaster from version 1), so it does not depend on
the library's domain. It needs pytest and hypothesis. Its tests live in
four parts, :class:`EntityContract`, :class:`QueryContract`,
:class:`OutboxContract` and :class:`CommandContract`;
:class:`StorageContract` is all of them.

What it checks: loading (``NotFound``), saving new and changed entities,
records that are JSON and carry their record version, a record of an older
version upcast on load (and left as stored) and saved in the current shape,
``ConflictError`` on a stale write and on a taken id with nothing changed,
rollback, read-your-writes within a unit of work and isolation from others,
``find`` with every operator, ordering (descending, ``None`` values, ties,
code-point order of strings), limit/offset, ``count``, ``aggregate``
(group_by, count/sum/min/max, empty input), the ``ValidationError`` of a
bad query or aggregate and of an indexed value that does not fit its
field's type (nothing staged), datetime fields given in
different zones, history order, the outbox lifecycle (pending → delivered /
failed with retries → done) and that entries waiting for a retry do not
starve new ones, outbox claims (two claims, also from threads at once, get
disjoint entries; a claim lasts until its lease expires or the entry is
released or done; progress marks keep it; an entry waiting for a retry is
not claimed before its time), purging done entries (pending ones and the
history stay), events committed atomically with the state, and a closed
store refusing every call (units of work, reads, saves, the outbox);
idempotency keys: the events a unit of work stamped with a key are found by
``command_events`` with that key, whole and in commit order, with the
command's name and target; keys are store-wide (whoever acts) and matched
exactly; a second run storing an ordinal of a key already stored conflicts
with nothing changed, while a command's later units of work continue its
ordinals; nothing is kept under a key after a rollback, a failed commit or a
commit of no event, and an uncommitted key is not seen by other units of
work. Two
property tests compare ``find``, ``count`` and ``aggregate`` with the
reference evaluation of :mod:`itsm_core.storage.evaluate` on random queries.
"""

from __future__ import annotations

from itsm_core.testing.contract_commands import CommandContract
from itsm_core.testing.contract_data import (
    CONTRACT_SPECS,
    ITEM_SPEC,
    NOTE_SPEC,
    T0,
    Item,
    Note,
    StoreFactory,
    sample_items,
)
from itsm_core.testing.contract_entities import EntityContract
from itsm_core.testing.contract_outbox import OutboxContract
from itsm_core.testing.contract_queries import QueryContract

__all__ = [
    "CONTRACT_SPECS",
    "ITEM_SPEC",
    "NOTE_SPEC",
    "T0",
    "CommandContract",
    "EntityContract",
    "Item",
    "Note",
    "OutboxContract",
    "QueryContract",
    "StorageContract",
    "StoreFactory",
    "sample_items",
]


class StorageContract(EntityContract, QueryContract, OutboxContract, CommandContract):
    """The contract suite. Subclass it as ``Test…`` and provide ``backend_factory``."""
