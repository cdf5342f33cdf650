"""A storage error never carries the values of a statement's parameters."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from itsm_core import StorageError
from itsm_core.storage.sqlalchemy import SqlBackend
from itsm_core.testing.contract import ITEM_SPEC, Item

SECRET = "王小明-13800001234"


def test_the_engine_hides_parameters(empty_db_url: str) -> None:
    backend = SqlBackend(empty_db_url, [ITEM_SPEC], auto_migrate=True)
    try:
        assert backend.engine.hide_parameters
    finally:
        backend.close()


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT :v FROM itsm_no_such_table",  # refused on every backend
        "SELECT CAST(:v AS integer) + CAST(:v AS integer) * 0 FROM itsm_events WHERE 1 = 0 "
        "UNION ALL SELECT CAST(:v AS integer)",  # PostgreSQL quotes the value in its message
    ],
    ids=["no-table", "cast"],
)
def test_a_failing_statement_does_not_quote_its_values(empty_db_url: str, statement: str) -> None:
    backend = SqlBackend(empty_db_url, [ITEM_SPEC], auto_migrate=True)
    try:
        with backend.unit_of_work() as uow:
            try:
                uow._execute(sa.text(statement).bindparams(v=SECRET), "testing")
            except StorageError as exc:
                assert SECRET not in str(exc)
                assert "13800001234" not in repr(exc.args)
                assert "testing failed" in str(exc)
            # SQLite casts the text to 0 without complaint: nothing to check then
    finally:
        backend.close()


def test_a_refused_save_does_not_quote_the_record(empty_db_url: str) -> None:
    backend = SqlBackend(empty_db_url, [ITEM_SPEC], auto_migrate=True)
    try:
        with backend.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("a", name="a"))
            uow.commit()
        with backend.unit_of_work() as uow:
            table = backend.table(ITEM_SPEC).name
            uow._execute(sa.text(f"ALTER TABLE {table} RENAME TO {table}_gone"), "testing")
            with pytest.raises(StorageError) as info:
                uow.save(ITEM_SPEC, Item.create("b", name=SECRET))
            assert SECRET not in str(info.value)
    finally:
        backend.close()
