"""The service desk on every backend: the customer's view, the chase list, article ranking."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from itsm_core import FrozenClock, ItsmCore
from itsm_core.complaints import Origin
from itsm_core.storage.sqlalchemy.migrate import upgrade
from tests.unit.desk.conftest import AUTHOR, DESK, DESK2, ENGINEER, RM, SECRET, SPECIALIST, T0


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def core(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ItsmCore]:
    url = "memory://"
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'itsm.db'}"
    elif request.param == "postgres":
        schemas = request.getfixturevalue("pg_schemas")
        url = schemas.new_url()
        upgrade(url)
        schema = (schemas, url)
    made = ItsmCore(url, clock=FrozenClock(T0), load_entrypoints=False)
    try:
        yield made
    finally:
        made.close()
        if schema is not None:
            schema[0].drop(schema[0].schema_of(schema[1]))


def _record(core: ItsmCore, record_id: str, closed: bool = False, **fields: object) -> None:
    opened = T0 - timedelta(days=2, hours=int(record_id[-1]))
    extra: dict[str, object] = {}
    if closed:
        extra = {"resolved_at": opened + timedelta(hours=1),
                 "closed_at": opened + timedelta(hours=2), "resolution": "已处理"}  # fmt: skip
    core.satisfaction.service_records.register(
        DESK, record_id, customer="ACME", service="desktop", opened_at=opened,
        engineer=ENGINEER.id, **extra, **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def test_the_customer_s_view_on_every_backend(core: ItsmCore) -> None:
    core.desk.add_contact(DESK, customer="ACME", phone="138 0013 8000", email="Zhao@ACME.cn")
    core.satisfaction.customers.register(RM, "ACME", name="艾克米", key=True)
    _record(core, "C-1", closed=True, kind="service_request")
    _record(core, "C-2", closed=True, kind="failure")
    _record(core, "O-3")
    core.complaints.receive(
        SPECIALIST, customer="ACME", complainant=SECRET, origin=Origin.INTERNAL,
        channel="hotline", source="complaint_channel", summary="升级不及时",
        party_complained_about="二线",
    )  # fmt: skip
    view = core.desk.customer_view(DESK, phone="+8613800138000")
    assert [r.id for r in view.requests] == ["O-3", "C-2", "C-1"]
    assert (view.name, view.key, len(view.open_complaints)) == ("艾克米", True, 1)
    assert SECRET not in repr(view)
    assert core.desk.customer_view(DESK, email="zhao@acme.cn").customer == "ACME"


def test_the_chase_list_and_article_ranking_on_every_backend(core: ItsmCore) -> None:
    _record(core, "O-1", desk_agent=DESK.id)
    _record(core, "O-2", desk_agent=DESK2.id)
    _record(core, "C-3", closed=True)
    core.desk.note_progress(DESK, "O-1", note="待审批", at=T0 + timedelta(hours=1))
    chase = core.desk.chase_list(DESK, at=T0 + timedelta(hours=2))
    assert [(m.desk_agent, [r.id for r in m.records]) for m in chase.members] == [
        (DESK.id, ["O-1"]), (DESK2.id, ["O-2"]),
    ]  # fmt: skip
    assert chase.members[0].records[0].updated_at == T0 + timedelta(hours=1)
    for record_id, helped in (("O-1", True), ("O-2", False), ("C-3", True)):
        core.desk.flag_article(DESK, article="KB-1", record_id=record_id, helped=helped,
                               author=AUTHOR.id, suggestion=None if helped else "改")  # fmt: skip
    flag = core.desk.flag_article(DESK, article="KB-2", record_id="C-3", helped=True,
                                  author=AUTHOR.id)  # fmt: skip
    case = core.desk.flag_case(DESK, "C-3", suggestion="典型")
    assert case.route_to == ENGINEER.id
    ranking = core.desk.article_effectiveness(RM)
    assert [(a.article, a.uses, a.resolved) for a in ranking] == [("KB-2", 1, 1), ("KB-1", 3, 2)]
    core.desk.reject(AUTHOR, flag.id, reason="不是它")
    assert [a.article for a in core.desk.article_effectiveness(RM)] == ["KB-1"]
    assert [f.id for f in core.desk.find(RM, route_to=ENGINEER.id)] == [case.id]
