"""A COMMIT the database refuses leaves nothing behind for the next unit of work."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from itsm_core import StorageError
from itsm_core.storage.sqlalchemy import SqlBackend
from itsm_core.testing.contract import ITEM_SPEC, Item


def _refuse_one_commit(backend: SqlBackend, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    dialect = backend.engine.dialect
    original = dialect.do_commit
    refused: list[int] = []

    def do_commit(dbapi_connection: Any) -> None:
        if not refused:
            refused.append(1)
            raise sqlite3.OperationalError("database is locked")
        original(dbapi_connection)

    monkeypatch.setattr(dialect, "do_commit", do_commit)
    return refused


@pytest.mark.parametrize("url", ["file", "memory"])
def test_a_refused_commit_is_not_saved_by_the_next_unit_of_work(
    url: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = SqlBackend(sqlite_url if url == "file" else "sqlite://", [ITEM_SPEC])
    try:
        refused = _refuse_one_commit(backend, monkeypatch)
        with backend.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("refused"))
            with pytest.raises(StorageError, match="committing"):
                uow.commit()
        assert refused
        with backend.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("next"))
            uow.commit()
        with backend.unit_of_work() as uow:
            assert [i.id for i in uow.find(ITEM_SPEC)] == ["next"]
            assert [e.aggregate_id for e in uow.history(ITEM_SPEC.kind, "refused")] == []
    finally:
        backend.close()
