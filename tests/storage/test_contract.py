"""The storage contract suite on every built-in backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from itsm_core.storage.base import AggregateSpec, Query, StorageBackend, Where
from itsm_core.storage.memory import MemoryBackend
from itsm_core.testing.contract import ITEM_SPEC, StorageContract, StoreFactory

from .conftest import Maker


class TestMemory(StorageContract):
    @pytest.fixture
    def backend_factory(self) -> StoreFactory:
        def make(specs: Sequence[AggregateSpec[Any]]) -> StorageBackend:
            return MemoryBackend("memory://", specs)

        return make


class TestMemoryIndexed(StorageContract):
    """The memory backend answering from its sorted indexes whatever the table's size.

    The suite's tables are small, below the threshold where the backend
    builds an index; here every range and equality condition goes through one,
    so the indexes are checked by every test, the property tests included.
    """

    @pytest.fixture
    def backend_factory(self) -> StoreFactory:
        def make(specs: Sequence[AggregateSpec[Any]]) -> StorageBackend:
            backend = MemoryBackend("memory://", specs)
            backend.INDEX_THRESHOLD = 0
            return backend

        return make

    def test_queries_are_answered_from_the_indexes(self, sample: MemoryBackend) -> None:
        query = Query((Where("size", "ge", 2), Where("weight", "eq", 0.5)))
        with sample.unit_of_work() as uow:
            assert [i.id for i in uow.find(ITEM_SPEC, query)] == ["i5"]
            assert set(uow._rows(ITEM_SPEC, query)) == {"i1", "i5"}  # the narrower index
        assert {field for _, field in sample._indexes} == {"size", "weight"}


class TestSqlite(StorageContract):
    @pytest.fixture
    def backend_factory(self, sqlite_factory: Maker) -> StoreFactory:
        return sqlite_factory


@pytest.mark.postgres
class TestPostgres(StorageContract):
    @pytest.fixture
    def backend_factory(self, pg_factory: Maker) -> StoreFactory:
        return pg_factory
