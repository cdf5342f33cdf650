"""Service records: registration, lifecycle, completeness, the spec's index fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itsm_core import AccessDenied, Actor, ConflictError, InvalidTransition, ValidationError
from itsm_core.satisfaction import SERVICE_RECORD_SPEC, CallbackStatus, ServiceRecordState

from ._support import DESK, ENG, OM, SH, T0, closed_record, customer_actor, make_core

AUDITOR = Actor("qa", ["quality_specialist"], "质控专员")

RECORD_FIELDS = {
    "customer": "str",
    "service": "str",
    "engineer": "str",
    "opened_at": "datetime",
    "resolved_at": "datetime",
    "closed_at": "datetime",
    "closed_day": "str",
    "closed_period": "str",
    "first_contact": "int",
    "reopened": "int",
    "complete": "int",
    "callback_state": "str",
}


def test_service_record_spec_has_the_agreed_index_fields() -> None:
    types = {f.name: f.type for f in SERVICE_RECORD_SPEC.index}
    for name, kind in RECORD_FIELDS.items():
        assert types[name] == kind, name


def test_state_follows_the_instants_given() -> None:
    core, _ = make_core()
    sat = core.satisfaction
    opened = T0 - timedelta(hours=5)
    assert (
        sat.service_records.register(
            DESK, "A", customer="acme", service="desktop", opened_at=opened
        ).state
        is ServiceRecordState.OPEN
    )
    assert (
        sat.service_records.register(
            DESK, "B", customer="acme", service="desktop", opened_at=opened, resolved_at=T0
        ).state
        is ServiceRecordState.RESOLVED
    )
    assert closed_record(core, "C").state is ServiceRecordState.CLOSED
    names = [e.name for e in core.history(AUDITOR, "service_record", "C")]
    assert names == ["service_record.registered"]


def test_instants_out_of_order_or_naive_are_refused() -> None:
    core, _ = make_core()
    sat = core.satisfaction
    with pytest.raises(ValidationError, match="before opened_at"):
        sat.service_records.register(
            DESK, "A", customer="acme", service="d", opened_at=T0, resolved_at=T0 - timedelta(1)
        )
    with pytest.raises(ValidationError, match="before resolved_at"):
        sat.service_records.register(
            DESK,
            "A",
            customer="acme",
            service="d",
            opened_at=T0,
            resolved_at=T0 + timedelta(hours=2),
            closed_at=T0 + timedelta(hours=1),
        )
    with pytest.raises(ValidationError, match="timezone-aware"):
        sat.service_records.register(
            DESK, "A", customer="acme", service="d", opened_at=datetime(2026, 5, 1)
        )
    with pytest.raises(ValidationError, match="customer"):
        sat.service_records.register(DESK, "A", customer=" ", service="d", opened_at=T0)
    with pytest.raises(ValidationError, match="reopened_count"):
        sat.service_records.register(
            DESK, "A", customer="acme", service="d", opened_at=T0, reopened_count=-1
        )


def test_an_id_is_registered_once() -> None:
    core, _ = make_core()
    closed_record(core, "T1")
    with pytest.raises(ConflictError, match="registered already"):
        closed_record(core, "T1")


def test_index_fields_local_day_and_flags() -> None:
    core, _ = make_core()
    # 2026-05-11 17:00 UTC is 2026-05-12 01:00 in Shanghai
    late = datetime(2026, 5, 11, 17, 0, tzinfo=UTC)
    rec = closed_record(core, "T1", closed_at=late, first_contact=True, reopened_count=2)
    values = SERVICE_RECORD_SPEC.index_values(rec)
    assert values["closed_day"] == "2026-05-12"
    assert values["closed_period"] == "2026-05"
    assert values["first_contact"] == 1
    assert values["reopened"] == 1
    assert values["complete"] == 1
    assert values["callback_state"] == "none"
    assert values["engineer"] == "eng-li"


@pytest.mark.parametrize(
    ("changes", "complete"),
    [
        ({}, True),
        ({"engineer": None}, False),
        ({"resolution": None}, False),
        ({"resolution": "   "}, False),
    ],
)
def test_record_completeness(changes: dict[str, object], complete: bool) -> None:
    core, _ = make_core()
    rec = closed_record(core, "T1", **changes)  # type: ignore[arg-type]
    assert rec.complete is complete


def test_an_open_record_is_not_complete() -> None:
    core, _ = make_core()
    rec = core.satisfaction.service_records.register(
        DESK, "A", customer="acme", service="d", opened_at=T0, engineer="e", resolution="r"
    )
    assert not rec.complete


def test_resolve_close_reopen() -> None:
    core, clock = make_core()
    sat = core.satisfaction
    sat.service_records.register(DESK, "A", customer="acme", service="d", opened_at=T0)
    with pytest.raises(InvalidTransition, match="'close' is not allowed in state 'open'"):
        sat.service_records.close(DESK, "A")
    clock.advance(hours=1)
    rec = sat.service_records.resolve(ENG, "A", resolution="reset", engineer="eng-li")
    assert (rec.state, rec.resolved_at, rec.engineer) == (
        ServiceRecordState.RESOLVED,
        clock.now(),
        "eng-li",
    )
    clock.advance(hours=1)
    rec = sat.service_records.close(DESK, "A")
    assert rec.state is ServiceRecordState.CLOSED and rec.closed_at == clock.now()
    assert rec.complete
    rec = sat.service_records.reopen(DESK, "A", reason="came back")
    assert (rec.state, rec.reopened_count, rec.closed_at) == (ServiceRecordState.OPEN, 1, None)
    assert not rec.complete
    sat.service_records.resolve(ENG, "A")
    with pytest.raises(ValidationError, match="reason"):
        sat.service_records.reopen(DESK, "A", reason=" ")
    with pytest.raises(ValidationError, match="before resolved_at"):
        sat.service_records.close(DESK, "A", at=T0 - timedelta(days=1))
    assert sat.service_records.get(OM, "A").state is ServiceRecordState.RESOLVED


def test_roles_for_service_records() -> None:
    core, _ = make_core()
    with pytest.raises(AccessDenied, match="register a service record"):
        core.satisfaction.service_records.register(
            customer_actor("alice"), "A", customer="acme", service="d", opened_at=T0
        )
    closed_record(core, "T1")
    assert core.satisfaction.service_records.get(OM, "T1").id == "T1"
    with pytest.raises(AccessDenied):
        core.satisfaction.service_records.get(customer_actor("alice"), "T1")


def test_listing_records() -> None:
    core, _ = make_core()
    closed_record(core, "T1")
    closed_record(core, "T2", closed_at=T0 + timedelta(days=1), engineer="eng-wang")
    sat = core.satisfaction
    assert [r.id for r in sat.service_records.find(OM, closed_day="2026-05-11")] == ["T1"]
    assert [r.id for r in sat.service_records.find(OM, engineer="eng-wang")] == ["T2"]
    assert len(sat.service_records.find(OM, closed_period="2026-05", callback_state="none")) == 2
    assert sat.service_records.find(OM, callback_state=CallbackStatus.DUE) == []
    assert SH.key == "Asia/Shanghai"
