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


def _refused(url: str, statement: str) -> StorageError:
    backend = SqlBackend(url, [ITEM_SPEC], auto_migrate=True)
    try:
        with backend.unit_of_work() as uow, pytest.raises(StorageError) as info:
            uow._execute(sa.text(statement).bindparams(v=SECRET), "testing")
        return info.value
    finally:
        backend.close()


def test_a_failing_statement_does_not_quote_its_values(empty_db_url: str) -> None:
    error = _refused(empty_db_url, "SELECT :v FROM itsm_no_such_table")
    assert SECRET not in str(error)
    assert "testing failed" in str(error)


@pytest.mark.postgres
def test_postgres_messages_that_quote_values_are_not_passed_on(pg_url: str) -> None:
    error = _refused(pg_url, "SELECT CAST(:v AS integer)")  # invalid input syntax …: "<v>"
    assert SECRET not in str(error)
    assert "SQLSTATE 22P02" in str(error)


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
