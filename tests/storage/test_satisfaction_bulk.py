"""Batch loading of service records, responses and ticket scores, on every backend.

Each batch command checks every row as its single command does, names the bad
row, stores nothing when a row is bad, and writes each entity's events (and
outbox rows) as the single command would.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from itsm_core import Actor, FrozenClock, InvalidRow, ItsmCore
from itsm_core.kernel.errors import AccessDenied, ConflictError, ValidationError
from itsm_core.kernel.events import REDACTED
from itsm_core.satisfaction import MAX_BATCH, RESPONSE_SPEC, BatchReport
from itsm_core.storage import Query

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
DESK = Actor("desk-1", ["service_desk"])
SYS = Actor("importer", ["system"])
QS = Actor("qs-1", ["quality_specialist"])
CUSTOMER = Actor("wang", ["customer"])
SPECIALIST = Actor("li", ["complaint_specialist"])


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def core(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ItsmCore]:
    url = "memory://"
    schemas = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'itsm.db'}"
    elif request.param == "postgres":
        schemas = request.getfixturevalue("pg_schemas")
        url = schemas.lease()  # a migrated, empty schema reused between tests
    made = ItsmCore(url, clock=FrozenClock(T0), load_entrypoints=False)
    try:
        yield made
    finally:
        made.close()
        if schemas is not None:
            schemas.give_back(url)


def record_row(i: int, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "record_id": f"SR-{i}",
        "customer": "ACME",
        "service": "desktop",
        "opened_at": T0 - timedelta(days=2),
        "resolved_at": T0 - timedelta(days=1),
        "engineer": "eng-1",
        "requester": f"user-{i}",
    }
    row.update(extra)
    return row


def response_row(i: int, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "channel": "monthly",
        "customer": "ACME",
        "service": "desktop",
        "subject_kind": "month",
        "subject_ref": "2026-02",
        "score": 4,
        "respondent": f"user-{i}",
        "response_id": f"resp-{i}",
    }
    row.update(extra)
    return row


def stored_records(core: ItsmCore) -> list[str]:
    return [r.id for r in core.satisfaction.service_records.find(QS)]


# --------------------------------------------------------------------------- service records


def test_register_many_stores_every_row_with_its_state_and_events(core: ItsmCore) -> None:
    rows = [record_row(i) for i in range(3)]
    rows.append(record_row(3, resolved_at=None))
    report = core.satisfaction.service_records.register_many(DESK, records=rows)
    assert report == BatchReport("service_record", stored=("SR-0", "SR-1", "SR-2", "SR-3"))
    assert report.rows == 4
    assert stored_records(core) == ["SR-0", "SR-1", "SR-2", "SR-3"]
    assert core.satisfaction.service_records.get(QS, "SR-0").state.value == "resolved"
    assert core.satisfaction.service_records.get(QS, "SR-3").state.value == "open"
    history = core.satisfaction.service_records.history(QS, "SR-1")
    assert [e.name.rsplit(".", 1)[-1] for e in history] == ["registered"]
    assert history[0].actor_id == DESK.id


def test_register_many_gives_each_row_its_own_at_or_the_batch_at(core: ItsmCore) -> None:
    own = T0 - timedelta(hours=3)
    batch = T0 - timedelta(hours=1)
    rows = [record_row(0, at=own), record_row(1)]
    core.satisfaction.service_records.register_many(DESK, records=rows, at=batch)
    assert core.satisfaction.service_records.history(QS, "SR-0")[0].occurred_at == own
    assert core.satisfaction.service_records.history(QS, "SR-1")[0].occurred_at == batch


BAD_RECORDS: list[tuple[dict[str, Any], str | None]] = [
    ({"opened_at": datetime(2026, 3, 1, 9, 0)}, "opened_at"),  # naive
    ({"resolved_at": T0 - timedelta(days=3)}, None),  # resolved before opened
    ({"customer": "  "}, "customer"),
    ({"reopened_count": "2"}, "reopened_count"),
    ({"record_id": "bad\nid"}, "record_id"),
    ({"colour": "red"}, "colour"),
    ({"kind": "a wish"}, "kind"),
]


def test_register_many_names_the_bad_row_and_stores_nothing(core: ItsmCore) -> None:
    for bad, field in BAD_RECORDS:
        rows = [record_row(0), record_row(1, **bad), record_row(2)]
        with pytest.raises(InvalidRow) as caught:
            core.satisfaction.service_records.register_many(DESK, records=rows)
        assert caught.value.row == 1, bad
        assert "row 1 of records" in str(caught.value)
        if field is not None:
            assert caught.value.field == field, bad
        assert isinstance(caught.value, ValidationError)
        assert stored_records(core) == []


def test_register_many_refuses_a_missing_field_and_a_row_that_is_not_a_mapping(
    core: ItsmCore,
) -> None:
    row = record_row(1)
    del row["service"]
    with pytest.raises(InvalidRow, match="missing service") as caught:
        core.satisfaction.service_records.register_many(DESK, records=[record_row(0), row])
    assert caught.value.field == "service"
    with pytest.raises(InvalidRow, match="row 0 of records: a row is a mapping"):
        core.satisfaction.service_records.register_many(DESK, records=[("SR-1",)])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="records must be a list"):
        core.satisfaction.service_records.register_many(DESK, records="SR-1")  # type: ignore[arg-type]
    assert stored_records(core) == []


def test_register_many_refuses_an_id_twice_in_the_batch(core: ItsmCore) -> None:
    rows = [record_row(0), record_row(1), record_row(0)]
    with pytest.raises(InvalidRow, match="first in row 0") as caught:
        core.satisfaction.service_records.register_many(DESK, records=rows)
    assert caught.value.row == 2
    assert stored_records(core) == []


def test_register_many_refuses_an_id_already_stored_and_stores_nothing(core: ItsmCore) -> None:
    core.satisfaction.service_records.register(DESK, "SR-1", **_single(record_row(1)))
    with pytest.raises(ConflictError, match="row 1 of records") as caught:
        core.satisfaction.service_records.register_many(
            DESK, records=[record_row(0), record_row(1)]
        )
    assert caught.value.entity_id == "SR-1"
    assert stored_records(core) == ["SR-1"]


def test_register_many_checks_the_actor_role(core: ItsmCore) -> None:
    with pytest.raises(AccessDenied):
        core.satisfaction.service_records.register_many(QS, records=[record_row(0)])
    assert stored_records(core) == []


def test_a_batch_larger_than_the_limit_is_refused(core: ItsmCore) -> None:
    rows = [record_row(0)] * (MAX_BATCH + 1)
    with pytest.raises(ValidationError, match="at most"):
        core.satisfaction.service_records.register_many(DESK, records=rows)


def test_an_empty_batch_stores_nothing(core: ItsmCore) -> None:
    assert core.satisfaction.service_records.register_many(DESK, records=[]).rows == 0


def _single(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "record_id"}


# --------------------------------------------------------------------------- responses


def test_record_responses_stores_every_row_as_record_response_would(core: ItsmCore) -> None:
    rows = [response_row(i) for i in range(3)]
    report = core.satisfaction.responses.record_responses(SYS, responses=rows)
    assert report.stored == ("resp-0", "resp-1", "resp-2")
    one = core.satisfaction.responses.get(QS, "resp-1")
    single = core.satisfaction.responses.record_response(SYS, **response_row(9))
    assert (one.channel, one.customer, one.score.raw, one.period) == (
        single.channel, single.customer, single.score.raw, single.period,
    )  # fmt: skip
    events = core.satisfaction.responses.history(QS, "resp-1")
    assert [e.name.rsplit(".", 1)[-1] for e in events] == ["recorded"]


def test_record_responses_leaves_a_repeated_row_unchanged(core: ItsmCore) -> None:
    core.satisfaction.responses.record_responses(SYS, responses=[response_row(0)])
    report = core.satisfaction.responses.record_responses(
        SYS, responses=[response_row(0), response_row(1)]
    )
    assert report.stored == ("resp-1",)
    assert report.unchanged == ("resp-0",)
    assert len(core.satisfaction.responses.find(QS)) == 2


def test_record_responses_refuses_another_score_for_a_stored_id(core: ItsmCore) -> None:
    core.satisfaction.responses.record_responses(SYS, responses=[response_row(0)])
    with pytest.raises(ConflictError, match="row 1 of responses"):
        core.satisfaction.responses.record_responses(
            SYS, responses=[response_row(1), response_row(0, score=2, comment="slow")]
        )
    assert [r.id for r in core.satisfaction.responses.find(QS)] == ["resp-0"]


def test_record_responses_about_internal_complaints_keep_the_respondent_confidential(
    core: ItsmCore,
) -> None:
    def complaint(origin: str) -> str:
        received = core.complaints.receive(
            SPECIALIST, customer="ACME", complainant={"name": f"{origin} complainant"},
            origin=origin, channel="hotline", source="complaint_channel",
            summary="slow fixes", party_complained_about="network team",
        )  # fmt: skip
        return str(received.id)

    internal, external = complaint("internal"), complaint("external")
    rows = [
        response_row(0, subject_kind="complaint", subject_ref=internal),
        response_row(1, subject_kind="complaint", subject_ref=external),
        response_row(2, subject_kind="complaint", subject_ref="no-such-complaint"),
        response_row(3),
        response_row(4, subject_kind="complaint", subject_ref=internal),
    ]
    core.satisfaction.responses.record_responses(SYS, responses=rows)
    shown = {r.id: r.respondent for r in core.satisfaction.responses.find(QS)}
    assert shown == {
        "resp-0": REDACTED, "resp-1": "user-1", "resp-2": "user-2", "resp-3": "user-3",
        "resp-4": REDACTED,
    }  # fmt: skip
    assert core.satisfaction.responses.get(SPECIALIST, "resp-4").respondent == "user-4"
    with core.storage.unit_of_work() as uow:  # no index column holds a confidential one
        assert uow.find(RESPONSE_SPEC, Query.eq(respondent="user-0")) == []
        assert len(uow.find(RESPONSE_SPEC, Query.eq(respondent="user-1"))) == 1


BAD_RESPONSES: list[tuple[dict[str, Any], str | None]] = [
    ({"score": 9}, None),  # not on the five-level scale
    ({"channel": "survey"}, "channel"),  # survey answers need an invitation
    ({"channel": "carrier pigeon"}, "channel"),
    ({"subject_kind": "planet"}, "subject_kind"),
    ({"at": datetime(2026, 3, 1, 9, 0)}, "at"),  # naive
    ({"respondent": None}, "respondent"),
    ({"response_id": "a\tb"}, "response_id"),
]


def test_record_responses_names_the_bad_row_and_stores_nothing(core: ItsmCore) -> None:
    for bad, field in BAD_RESPONSES:
        rows = [response_row(0), response_row(1), response_row(2, **bad)]
        with pytest.raises(InvalidRow) as caught:
            core.satisfaction.responses.record_responses(SYS, responses=rows)
        assert caught.value.row == 2, bad
        if field is not None:
            assert caught.value.field == field, bad
        assert core.satisfaction.responses.find(QS) == []


def test_record_responses_refuses_an_id_twice_in_the_batch(core: ItsmCore) -> None:
    with pytest.raises(InvalidRow, match="first in row 0"):
        core.satisfaction.responses.record_responses(
            SYS, responses=[response_row(0), response_row(0)]
        )
    assert core.satisfaction.responses.find(QS) == []


def test_a_customer_answers_only_for_themselves_in_a_batch(core: ItsmCore) -> None:
    with pytest.raises(AccessDenied, match="row 0 of responses"):
        core.satisfaction.responses.record_responses(CUSTOMER, responses=[response_row(0)])
    assert core.satisfaction.responses.find(QS) == []


def test_a_very_dissatisfied_row_opens_its_complaint_after_the_batch(core: ItsmCore) -> None:
    rows = [response_row(0), response_row(1, score=1, comment="nobody came")]
    core.satisfaction.responses.record_responses(SYS, responses=rows)
    angry = core.satisfaction.responses.get(QS, "resp-1")
    assert angry.complaint_id is not None
    assert not angry.complaint_pending
    assert core.satisfaction.responses.get(QS, "resp-0").complaint_id is None


def test_record_responses_writes_one_outbox_row_per_event(core: ItsmCore) -> None:
    core.runtime.auto_relay = False
    before = len(core.storage.outbox_pending(T0 + timedelta(days=1), limit=1000))
    core.satisfaction.responses.record_responses(
        SYS, responses=[response_row(i) for i in range(5)]
    )
    after = core.storage.outbox_pending(T0 + timedelta(days=1), limit=1000)
    assert len(after) - before == 5


# --------------------------------------------------------------------------- ticket scores


def _records(core: ItsmCore, n: int = 3) -> None:
    rows = [record_row(i) for i in range(n)]
    rows.append(record_row(99, resolved_at=None))  # still open
    core.satisfaction.service_records.register_many(DESK, records=rows)


def test_record_ticket_scores_scores_each_record_once(core: ItsmCore) -> None:
    _records(core)
    rows = [{"record_id": f"SR-{i}", "score": 5} for i in range(3)]
    report = core.satisfaction.responses.record_ticket_scores(SYS, scores=rows)
    assert report.stored == tuple(f"response-ticket-SR-{i}-0" for i in range(3))
    scored = core.satisfaction.responses.get(QS, "response-ticket-SR-2-0")
    assert (scored.respondent, scored.engineer) == ("user-2", "eng-1")
    assert scored.channel.value == "ticket"
    again = core.satisfaction.responses.record_ticket_scores(SYS, scores=rows[:1])
    assert again.unchanged == ("response-ticket-SR-0-0",)


BAD_SCORES: list[tuple[dict[str, Any], str | None]] = [
    ({"record_id": "SR-99"}, "record_id"),  # still open
    ({"record_id": "SR-404"}, "record_id"),  # no such record
    ({"respondent": "eng-1"}, "respondent"),  # the engineer scores their own work
    ({"score": "excellent"}, None),
    ({"scale": "no-such-scale"}, None),
]


def test_record_ticket_scores_names_the_bad_row_and_stores_nothing(core: ItsmCore) -> None:
    _records(core)
    for bad, field in BAD_SCORES:
        rows = [{"record_id": "SR-0", "score": 5}, {"record_id": "SR-1", "score": 4, **bad}]
        with pytest.raises(InvalidRow) as caught:
            core.satisfaction.responses.record_ticket_scores(SYS, scores=rows)
        assert caught.value.row == 1, bad
        if field is not None:
            assert caught.value.field == field, bad
        assert core.satisfaction.responses.find(QS) == []


def test_two_scores_of_one_record_in_a_batch_are_refused(core: ItsmCore) -> None:
    _records(core)
    rows = [{"record_id": "SR-0", "score": 5}, {"record_id": "SR-0", "score": 5}]
    with pytest.raises(InvalidRow, match="first in row 0"):
        core.satisfaction.responses.record_ticket_scores(SYS, scores=rows)
    assert core.satisfaction.responses.find(QS) == []
