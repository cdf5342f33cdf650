"""Encryption at rest: with keys, the database and its backups never hold the identity.

An internal complainant's identity (the complaint record, its events, a
satisfaction response about an internal complaint and the complaint that
response opens) is sealed with AES-GCM under a per-aggregate data key,
wrapped by the application's key. Every test looks at the raw database — all
tables, every column — for a planted marker.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from itsm_core import (
    AccessDenied,
    Actor,
    EncryptionKeys,
    FrozenClock,
    ItsmCore,
    Role,
    StorageError,
    ValidationError,
)
from itsm_core.kernel.actors import SYSTEM
from itsm_core.kernel.events import REDACTED
from itsm_core.storage.sealing import TOKEN_PREFIX
from itsm_core.storage.sqlalchemy.migrate import upgrade
from itsm_core.testing import RecordingNotifier

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER], "用户关系经理")
QS = Actor("qs-1", [Role.QUALITY_SPECIALIST], "质控专员")
LEAD = Actor(
    "lead-1",
    [Role.COMPLAINT_SPECIALIST, Role.RELATIONSHIP_MANAGER, Role.INCIDENT_HANDLER],
    "投诉处理负责人",
)
MARKER = "内部员工-机密标记-5521"
K1 = EncryptionKeys.generate_key()
K2 = EncryptionKeys.generate_key()


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    upgrade(empty_db_url)
    return empty_db_url


def _open(url: str, keys: EncryptionKeys | None, **options: object) -> ItsmCore:
    return ItsmCore(
        url,
        clock=FrozenClock(T0),
        load_entrypoints=False,
        encryption_keys=keys,
        **options,  # type: ignore[arg-type]
    )


def _raw_dump(url: str) -> str:
    """Every row of every itsm table, as text (what a backup holds)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            names = [n for n in sa.inspect(connection).get_table_names() if n.startswith("itsm")]
            rows = [
                [str(v) for v in row]
                for name in names
                for row in connection.execute(sa.text(f'SELECT * FROM "{name}"'))
            ]
    finally:
        engine.dispose()
    return json.dumps(rows, ensure_ascii=False)


def _events(url: str) -> list[str]:
    """The stored event bodies, as text."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT body FROM itsm_events ORDER BY event_id"))
            return [str(row.body) for row in rows]
    finally:
        engine.dispose()


def _internal_complaint(core: ItsmCore, name: str = MARKER) -> str:
    complaint = core.complaints.receive(
        SPECIALIST,
        customer="华东电网",
        complainant={"name": name, "contact": "13800001234"},
        origin="internal",
        channel="hotline",
        source="complaint_channel",
        summary="故障处理超时三次",
        party_complained_about="二线网络组",
    )
    return str(complaint.id)


def _external_complaint(core: ItsmCore) -> str:
    complaint = core.complaints.receive(
        SPECIALIST,
        customer="华东电网",
        complainant={"name": "客户李女士", "contact": "13800009999"},
        origin="external",
        channel="hotline",
        source="complaint_channel",
        summary="回访未按时进行",
        party_complained_about="服务台",
    )
    return str(complaint.id)


def _very_dissatisfied(core: ItsmCore, complaint_id: str) -> str:
    response = core.satisfaction.responses.record_response(
        QS,
        channel="callback",
        customer="华东电网",
        service="complaint-handling",
        subject_kind="complaint",
        subject_ref=complaint_id,
        score="very_dissatisfied",
        respondent=MARKER,
    )
    return str(response.id)


@pytest.fixture
def keys() -> EncryptionKeys:
    return EncryptionKeys("k1", {"k1": K1})


@pytest.fixture
def sealed_store(db_url: str, keys: EncryptionKeys) -> tuple[str, str, str]:
    """A store holding an internal complaint and a response about it, written with keys."""
    recorder = RecordingNotifier()
    with _open(db_url, keys, plugins=[recorder]) as core:
        complaint_id = _internal_complaint(core)
        response_id = _very_dissatisfied(core, complaint_id)
        core.complaints.dispatch(LEAD, complaint_id, handler="network-lead")
        assert recorder.events, "the notifier saw the events"
        assert MARKER not in json.dumps(
            [e.to_dict() for e in recorder.events], ensure_ascii=False
        )
    return db_url, complaint_id, response_id


def test_the_raw_database_never_holds_the_identity(
    sealed_store: tuple[str, str, str],
) -> None:
    url, _, _ = sealed_store
    dump = _raw_dump(url)
    assert MARKER not in dump
    assert "13800001234" not in dump  # the contact is part of the sealed identity
    assert TOKEN_PREFIX in dump


def test_the_specialist_reads_the_identity_and_others_see_it_redacted(
    sealed_store: tuple[str, str, str], keys: EncryptionKeys
) -> None:
    url, complaint_id, response_id = sealed_store
    with _open(url, keys) as core:
        assert core.complaints.get(SPECIALIST, complaint_id).complainant.name == MARKER
        assert MARKER not in repr(core.complaints.get(RM, complaint_id))
        history = core.history(SPECIALIST, "complaint", complaint_id)
        assert history[0].payload["complainant"]["name"] == MARKER
        assert MARKER not in repr(core.history(RM, "complaint", complaint_id))
        response = core.satisfaction.responses.get(SPECIALIST, response_id)
        assert response.respondent == MARKER
        assert core.satisfaction.responses.get(QS, response_id).respondent == REDACTED
        # the complaint the response opened is internal, so sealed too
        assert response.complaint_id is not None
        opened = core.complaints.get(SPECIALIST, response.complaint_id)
        assert opened.complainant.name == MARKER
        found = core.complaints.find(SPECIALIST)
        assert {c.complainant.name for c in found} == {MARKER}


def test_commands_go_on_over_sealed_records(
    sealed_store: tuple[str, str, str], keys: EncryptionKeys
) -> None:
    url, complaint_id, _ = sealed_store
    with _open(url, keys) as core:
        core.complaints.record_finding(LEAD, complaint_id, finding="交换机端口故障")
        core.complaints.judge(LEAD, complaint_id, verdict="valid", reason="超时属实")
        assert core.complaints.get(SPECIALIST, complaint_id).complainant.name == MARKER
    assert MARKER not in _raw_dump(url)


def test_without_the_keys_a_sealed_record_is_a_clear_error(
    sealed_store: tuple[str, str, str],
) -> None:
    url, complaint_id, _ = sealed_store
    with _open(url, None) as core:
        external = _external_complaint(core)  # what is not sealed still works
        assert core.complaints.get(SPECIALIST, external).complainant.name == "客户李女士"
        with pytest.raises(StorageError, match="encryption_keys"):
            core.complaints.get(SPECIALIST, complaint_id)
        with pytest.raises(StorageError, match="encryption_keys"):
            core.history(SPECIALIST, "complaint", complaint_id)


def test_a_wrong_key_is_a_clear_error(sealed_store: tuple[str, str, str]) -> None:
    url, complaint_id, _ = sealed_store
    wrong = EncryptionKeys("k1", {"k1": K2})
    with _open(url, wrong) as core, pytest.raises(StorageError, match="does not open"):
        core.complaints.get(SPECIALIST, complaint_id)
    other = EncryptionKeys("k2", {"k2": K2})
    with _open(url, other) as core, pytest.raises(StorageError, match="'k1'"):
        core.complaints.get(SPECIALIST, complaint_id)


def test_a_token_moved_to_another_record_does_not_open(
    db_url: str, keys: EncryptionKeys
) -> None:
    with _open(db_url, keys) as core:
        first = _internal_complaint(core, "甲-" + MARKER)
        second = _internal_complaint(core, "乙-" + MARKER)
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            table = sa.Table("itsm_complaint", sa.MetaData(), autoload_with=connection)
            records = {
                row.id: row.record
                for row in connection.execute(sa.select(table.c.id, table.c.record))
            }
            moved = dict(records[second])
            moved["complainant"] = records[first]["complainant"]
            connection.execute(
                sa.update(table).where(table.c.id == second).values(record=moved)
            )
    finally:
        engine.dispose()
    with _open(db_url, keys) as core:
        assert core.complaints.get(SPECIALIST, first).complainant.name == "甲-" + MARKER
        with pytest.raises(StorageError, match="does not open"):
            core.complaints.get(SPECIALIST, second)


def test_rotation_rewraps_the_data_keys_so_the_old_key_can_go(
    sealed_store: tuple[str, str, str],
) -> None:
    url, complaint_id, response_id = sealed_store
    before = _events(url)
    both = EncryptionKeys("k2", {"k1": K1, "k2": K2})
    with _open(url, both) as core:
        with pytest.raises(AccessDenied):
            core.rotate_encryption_keys(SPECIALIST)
        report = core.rotate_encryption_keys()
        assert report.current == "k2"
        assert report.rewrapped == 3  # two complaints and the response
        assert report.sealed == 0
        assert core.rotate_encryption_keys(SYSTEM).rewrapped == 0  # nothing left to do
    with _open(url, EncryptionKeys("k2", {"k2": K2})) as core:
        assert core.complaints.get(SPECIALIST, complaint_id).complainant.name == MARKER
        assert core.satisfaction.responses.get(SPECIALIST, response_id).respondent == MARKER
        history = core.history(SPECIALIST, "complaint", complaint_id)
        assert history[0].payload["complainant"]["name"] == MARKER
    # the events are append-only: the rotation did not rewrite a single event
    assert _events(url) == before
    assert MARKER not in _raw_dump(url)


def test_rotation_seals_records_stored_before_the_store_had_keys(
    db_url: str, keys: EncryptionKeys
) -> None:
    with _open(db_url, None) as core:
        complaint_id = _internal_complaint(core)
        external = _external_complaint(core)
    with _open(db_url, keys) as core:
        assert core.complaints.get(SPECIALIST, complaint_id).complainant.name == MARKER
        report = core.rotate_encryption_keys()
        assert (report.rewrapped, report.sealed) == (0, 1)
        assert core.complaints.get(SPECIALIST, complaint_id).complainant.name == MARKER
        assert core.complaints.get(SPECIALIST, external).complainant.name == "客户李女士"
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            record = connection.execute(
                sa.text("SELECT record FROM itsm_complaint WHERE id = :id"), {"id": complaint_id}
            ).scalar_one()
    finally:
        engine.dispose()
    text = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
    assert MARKER not in text


def test_rotation_needs_keys(db_url: str) -> None:
    with _open(db_url, None) as core, pytest.raises(StorageError, match="without encryption"):
        core.rotate_encryption_keys()


@pytest.mark.parametrize(
    ("current", "given", "message"),
    [
        ("k1", {"k1": b"short"}, "exactly 32"),
        ("k1", {"k1": "not base64!"}, "base64"),
        ("k1", {"k1": 12345}, "32 bytes"),
        ("k9", {"k1": K1}, "not among"),
        ("k1", {}, "at least one"),
        ("k1", {"k\n1": K1}, "encryption key id"),
    ],
)
def test_bad_keys_are_refused(current: str, given: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EncryptionKeys(current, given)  # type: ignore[arg-type]


def test_the_keys_never_show_their_material() -> None:
    keys = EncryptionKeys("k1", {"k1": K1})
    assert K1 not in repr(keys)
    assert keys.key_ids == frozenset({"k1"})


def test_memory_keeps_nothing_at_rest_and_says_so() -> None:
    with pytest.raises(ValidationError, match="does not support encryption at rest"):
        ItsmCore("memory://", encryption_keys=EncryptionKeys("k1", {"k1": K1}))
    with pytest.raises(ValidationError, match="EncryptionKeys"):
        ItsmCore("memory://", encryption_keys="k1")  # type: ignore[arg-type]
