"""The storage contract suite on every built-in backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from itsm_core.storage.base import AggregateSpec, StorageBackend
from itsm_core.storage.memory import MemoryBackend
from itsm_core.testing.contract import StorageContract, StoreFactory

from .conftest import Maker


class TestMemory(StorageContract):
    @pytest.fixture
    def backend_factory(self) -> StoreFactory:
        def make(specs: Sequence[AggregateSpec[Any]]) -> StorageBackend:
            return MemoryBackend("memory://", specs)

        return make


class TestSqlite(StorageContract):
    @pytest.fixture
    def backend_factory(self, sqlite_factory: Maker) -> StoreFactory:
        return sqlite_factory


@pytest.mark.postgres
class TestPostgres(StorageContract):
    @pytest.fixture
    def backend_factory(self, pg_factory: Maker) -> StoreFactory:
        return pg_factory
