"""The service review and improvement item machines of the unit tests, on SQLite and PostgreSQL.

``tests/unit/reviews/test_stateful.py`` and ``tests/unit/improvements/test_stateful.py``
run on memory; here the same machines (same rules, same oracles) run on a leased
store of each database backend, with few examples.
"""

from __future__ import annotations

import pytest
from hypothesis.stateful import initialize

from itsm_core import ItsmCore
from tests.unit.improvements.test_stateful import ItemLifecycle
from tests.unit.reviews.test_stateful import ReviewLifecycle

from .machine import run_machine
from .stores import Stores, stores_fixture  # noqa: F401 (the fixture)

DATABASES = ("sqlite", "postgresql")


class ReviewOnDatabase(ReviewLifecycle):
    def __init__(self, stores: Stores, backend: str) -> None:
        super().__init__()
        self.core.close()  # the memory facade of the unit test: replaced by one on the store
        self.stores, self.backend = stores, backend
        self.url = stores.lease(backend)
        self.core = ItsmCore(self.url, clock=self.clock, load_entrypoints=False)

    def teardown(self) -> None:
        super().teardown()
        self.stores.give_back(self.backend, self.url)


class ItemOnDatabase(ItemLifecycle):
    def __init__(self, stores: Stores, backend: str) -> None:
        super().__init__()
        self.stores, self.backend = stores, backend
        self.url: str | None = None

    @initialize()
    def open_core(self) -> None:
        self.url = self.stores.lease(self.backend)
        self.core = ItsmCore(self.url, clock=self.clock, load_entrypoints=False)

    def teardown(self) -> None:
        if self.core is not None:
            self.core.close()
        if self.url is not None:
            self.stores.give_back(self.backend, self.url)


@pytest.mark.parametrize("backend", DATABASES)
def test_service_review_lifecycle_on_a_database(stores: Stores, backend: str) -> None:
    run_machine(ReviewOnDatabase, stores, backend)


@pytest.mark.parametrize("backend", DATABASES)
def test_improvement_item_lifecycle_on_a_database(stores: Stores, backend: str) -> None:
    run_machine(ItemOnDatabase, stores, backend)
