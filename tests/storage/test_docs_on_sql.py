"""The documentation's pages and the README, run end to end on SQLite and PostgreSQL.

The pages build their facades on ``memory://``; here every such store is
swapped for a fresh SQLite file or PostgreSQL schema, so each command of the
pages (complaints, SLA clocks and ticks, satisfaction capture and
analysis) goes through the real SQL backend, its migrations and its
``GROUP BY`` aggregates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import itsm_core.facade
from itsm_core.storage.base import AggregateSpec, StorageBackend
from itsm_core.storage.sqlalchemy.migrate import upgrade
from tests.docs.test_docs_code import ROOT, python_blocks

# every page that builds a facade on memory://, but the storage how-to (its own
# backend) and the strategies how-to (a new store per hypothesis example)
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
PAGES = [
    p
    for p in PAGES
    if "_build" not in p.parts
    and p.name not in {"write-a-storage-backend.md", "test-with-strategies.md"}
    and any("ItsmCore(" in code for _, code in python_blocks(p))
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A maker of URLs of empty, migrated stores of one SQL kind."""
    if request.param == "sqlite":
        counter = iter(range(1000))
        yield lambda: f"sqlite:///{tmp_path / f'store{next(counter)}.db'}"
        return
    schemas = request.getfixturevalue("pg_schemas")
    made: list[str] = []

    def make() -> str:
        url: str = schemas.new_url()
        upgrade(url)
        made.append(url)
        return url

    yield make
    for url in made:
        schemas.drop(schemas.schema_of(url))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_runs_on_sql(
    page: Path,
    fresh_url: Callable[[], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_open = itsm_core.facade.open_storage
    opened: list[StorageBackend] = []

    def open_sql(pm: Any, url: str, specs: Sequence[AggregateSpec[Any]]) -> StorageBackend:
        if url.startswith("memory:"):
            url = fresh_url()
        backend = real_open(pm, url, specs)
        opened.append(backend)
        return backend

    monkeypatch.setattr(itsm_core.facade, "open_storage", open_sql)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"sql_{page.stem}"}
    try:
        for line, code in python_blocks(page):
            exec(compile(code, f"{page.relative_to(ROOT)}:{line}", "exec"), namespace)
    finally:
        for backend in opened:
            backend.close()
    assert opened, "the page opened no store"
    assert all(type(b).__name__ == "SqlBackend" for b in opened)
