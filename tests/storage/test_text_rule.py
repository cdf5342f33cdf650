"""One rule for text on every backend: NUL and lone surrogates are a ValidationError.

Memory, SQLite and PostgreSQL refuse the same strings the same way, whether
they come as an id looked up, a filter, an indexed value or free text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from itsm_core import Actor, FrozenClock, ItsmCore, Role, ValidationError
from itsm_core.satisfaction.analysis import LevelRule
from itsm_core.storage.base import Query, Where
from itsm_core.storage.sqlalchemy.migrate import upgrade
from itsm_core.testing.contract import ITEM_SPEC, Item

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER], "用户关系经理")
BAD = ["a\x00b", "a\ud800b", "\udfff"]


@pytest.fixture(
    scope="module",
    params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "memory":
        yield "memory://"
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('text') / 'itsm.db'}"
    else:
        schemas = request.getfixturevalue("pg_schemas")
        url = schemas.new_url()
        upgrade(url)
        yield url
        schemas.drop(schemas.schema_of(url))


@pytest.fixture(scope="module")
def core(store_url: str) -> Iterator[ItsmCore]:
    with ItsmCore(store_url, clock=FrozenClock(T0), load_entrypoints=False) as core:
        yield core


def _intake(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "customer": "华东电网",
        "complainant": {"name": "客户李女士", "contact": "13800001234"},
        "origin": "external",
        "channel": "hotline",
        "source": "complaint_channel",
        "summary": "故障处理超时三次",
        "party_complained_about": "二线网络组",
    }
    base.update(changes)
    return base


CALLS: dict[str, Callable[[ItsmCore, str], Any]] = {
    "complaint id": lambda c, s: c.complaints.get(SPECIALIST, s),
    "complaint history": lambda c, s: c.complaints.history(SPECIALIST, s),
    "facade history": lambda c, s: c.history(SPECIALIST, "complaint", s),
    "complaint filter": lambda c, s: c.complaints.find(SPECIALIST, customer=s),
    "indexed value": lambda c, s: c.complaints.receive(SPECIALIST, **_intake(customer=s)),
    "free text": lambda c, s: c.complaints.receive(SPECIALIST, **_intake(summary=s)),
    "nested free text": lambda c, s: c.complaints.receive(
        SPECIALIST, **_intake(complainant={"name": "李", "contact": s})
    ),
    "target": lambda c, s: c.satisfaction.targets.set_target(
        RM, s, target=90, levels=[LevelRule("green", 90), LevelRule("red")]
    ),
    "retire target": lambda c, s: c.satisfaction.targets.retire_target(RM, s),
}


@pytest.mark.parametrize("bad", BAD, ids=["nul", "surrogate", "low-surrogate"])
@pytest.mark.parametrize("call", CALLS, ids=list(CALLS))
def test_bad_text_is_a_validation_error_everywhere(core: ItsmCore, call: str, bad: str) -> None:
    with pytest.raises(ValidationError, match=r"NUL|surrogate"):
        CALLS[call](core, bad)
    assert core.complaints.find(SPECIALIST) == []


@pytest.mark.parametrize("bad", BAD, ids=["nul", "surrogate", "low-surrogate"])
def test_the_storage_layer_refuses_bad_text(store_url: str, bad: str) -> None:
    from itsm_core.storage.memory import MemoryBackend
    from itsm_core.storage.sqlalchemy import SqlBackend

    backend: Any = (
        MemoryBackend(store_url, [ITEM_SPEC])
        if store_url.startswith("memory")
        else SqlBackend(store_url, [ITEM_SPEC], auto_migrate=True)
    )
    try:
        with backend.unit_of_work() as uow:
            for attempt in (
                lambda: uow.get(ITEM_SPEC, bad),
                lambda: uow.history("item", bad),
                lambda: uow.find(ITEM_SPEC, Query((Where("name", "eq", bad),))),
                lambda: uow.find(ITEM_SPEC, Query((Where("id", "in", ("a", bad)),))),
                lambda: uow.save(ITEM_SPEC, Item.create(bad)),
                lambda: uow.save(ITEM_SPEC, Item.create("a", name=bad)),
            ):
                with pytest.raises(ValidationError):
                    attempt()
            uow.commit()
        with backend.unit_of_work() as uow:
            assert uow.count(ITEM_SPEC) == 0
    finally:
        backend.close()
