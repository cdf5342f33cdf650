"""The SLA service on the API convention: who may read and tick, what reads show.

Reads (clocks, agreements, targets, histories, statuses) are open to the
provider's staff and the system, not to the customer; the tick to the system
and the service desk. A clock's history is redacted for every reader but the
complaint specialist. Calendars are configuration in ``core.calendars``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from itsm_core import SYSTEM, AccessDenied, Actor, FrozenClock, ItsmCore, Role, ValidationError
from itsm_core.calendars import BusinessCalendar, CalendarRegistry
from itsm_core.kernel.events import REDACTED
from itsm_core.sla import CLOCK_SPEC, Agreement, SlaClock
from itsm_core.sla.roles import READ_ROLES, TICK_ROLES

from .clock_support import CN, CUSTOMER, DESK, ENGINEER, MON, RM, H, make_core, target

AUDITOR = Actor("qa", ["quality_specialist"], "质控专员")

SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
STAFF = [r for r in Role if r is not Role.CUSTOMER]


def _setup() -> tuple[FrozenClock, ItsmCore, SlaClock, Agreement]:
    clock = FrozenClock(MON + H)
    core = make_core(clock)
    agreement = core.sla.define_agreement(
        RM, name="年度协议", kind="sla", counterparty="ACME", targets=[target(4)]
    )
    started = core.sla.start(
        DESK,
        subject_kind="ticket",
        subject_id="T-1",
        target="resolution",
        agreement_id=agreement.id,
        service="desktop",
        priority="P2",
        handler="eng-1",
        customer="ACME",
    )
    return clock, core, started, agreement


def _reads(core: ItsmCore, clock_id: str, agreement_id: str) -> dict[str, Any]:
    return {
        "get": lambda a: core.sla.get(a, clock_id),
        "find": lambda a: core.sla.find(a, subject_id="T-1"),
        "history": lambda a: core.sla.history(a, clock_id),
        "status": lambda a: core.sla.status(a, clock_id),
        "get_agreement": lambda a: core.sla.get_agreement(a, agreement_id),
        "find_agreements": lambda a: core.sla.find_agreements(a),
        "get_target": lambda a: core.sla.get_target(
            a, agreement_id, service="desktop", priority="P2", kind="resolution"
        ),
    }


def test_read_roles_are_the_staff_and_the_system() -> None:
    assert set(READ_ROLES) == set(STAFF)
    assert Role.SYSTEM in READ_ROLES and Role.SERVICE_DESK in READ_ROLES
    assert Role.CUSTOMER not in READ_ROLES
    assert set(TICK_ROLES) == {Role.SYSTEM, Role.SERVICE_DESK}


@pytest.mark.parametrize("role", STAFF, ids=lambda r: r.value)
def test_every_staff_role_reads_clocks_and_agreements(role: Role) -> None:
    _clock, core, started, agreement = _setup()
    reader = Actor(f"{role.value}-1", [role])
    reads = _reads(core, started.id, agreement.id)
    assert reads["get"](reader).id == started.id
    assert [c.id for c in reads["find"](reader)] == [started.id]
    assert [e.name for e in reads["history"](reader)] == ["sla_clock.started"]
    assert reads["status"](reader).elapsed == timedelta(0)
    assert reads["get_agreement"](reader).id == agreement.id
    assert [a.id for a in reads["find_agreements"](reader)] == [agreement.id]
    assert reads["get_target"](reader).duration == 4 * H


def test_the_customer_reads_nothing_and_is_told_which_roles_may() -> None:
    _clock, core, started, agreement = _setup()
    for name, call in _reads(core, started.id, agreement.id).items():
        with pytest.raises(AccessDenied, match="service_desk") as caught:
            call(CUSTOMER)
        assert "customer" not in caught.value.required, name
        assert "system" in caught.value.required, name


def test_a_read_without_an_actor_is_refused_by_name() -> None:
    _clock, core, started, agreement = _setup()
    for name, call in _reads(core, started.id, agreement.id).items():
        with pytest.raises(ValidationError, match=r"actor must be an itsm_core\.Actor") as caught:
            call("desk-1")
        assert caught.value.field == "actor", name


def test_the_tick_is_run_by_the_system_or_the_desk() -> None:
    clock, core, started, _agreement = _setup()
    clock.set(MON + timedelta(days=2))
    for refused in (CUSTOMER, ENGINEER, RM):
        with pytest.raises(AccessDenied, match="run the SLA tick"):
            core.sla.tick(refused)
    assert core.sla.get(DESK, started.id).fired == ()  # a refused tick fires nothing
    report = core.sla.tick(DESK)
    assert (report.warnings, report.breaches) == (3, 1)
    assert core.sla.tick(SYSTEM).fired == 0
    # the levels are the library's doing, whoever runs the tick
    fired = [e for e in core.sla.history(DESK, started.id) if e.name != "sla_clock.started"]
    assert {e.actor_id for e in fired} == {SYSTEM.id}


def test_a_refused_command_changes_nothing() -> None:
    _clock, core, started, agreement = _setup()
    for call in (
        lambda: core.sla.pause(CUSTOMER, started.id, reason="waiting"),
        lambda: core.sla.reset(ENGINEER, started.id, reason="mine"),
        lambda: core.sla.change_priority(CUSTOMER, started.id, priority="P2"),
        lambda: core.sla.set_target(ENGINEER, agreement.id, target=target(8)),
    ):
        with pytest.raises(AccessDenied):
            call()
    assert core.sla.get(DESK, started.id).version == started.version
    assert core.sla.get_agreement(DESK, agreement.id).version == agreement.version


def test_arguments_after_the_id_are_keyword_only() -> None:
    _clock, core, started, agreement = _setup()
    with pytest.raises(TypeError):
        core.sla.pause(DESK, started.id, "waiting")  # type: ignore[misc]
    with pytest.raises(TypeError):
        core.sla.reset(DESK, started.id, "re-logged")  # type: ignore[misc]
    with pytest.raises(TypeError):
        core.sla.set_target(RM, agreement.id, target(8))  # type: ignore[misc]
    with pytest.raises(TypeError):
        core.sla.tick(SYSTEM, MON)  # type: ignore[misc]
    paused = core.sla.pause(DESK, started.id, reason="waiting for the customer")
    assert paused.state.value == "paused"


def _confidential_event(core: ItsmCore, clock_id: str) -> None:
    with core.runtime.transaction() as uow:
        loaded = uow.get(CLOCK_SPEC, clock_id)
        loaded._record(
            "noted",
            SPECIALIST,
            MON + 2 * H,
            {"complainant": "王工 (internal)", "note": "called back"},
            confidential=["complainant"],
        )
        uow.save(CLOCK_SPEC, loaded)


def test_history_is_redacted_for_every_reader_but_the_complaint_specialist() -> None:
    _clock, core, started, _agreement = _setup()
    _confidential_event(core, started.id)
    for reader in (DESK, SYSTEM, RM, Actor("om-1", [Role.OPERATIONS_MANAGER])):
        last = core.sla.history(reader, started.id)[-1]
        assert last.payload["complainant"] == REDACTED
        assert last.payload["note"] == "called back"  # only the confidential keys
    seen = core.sla.history(SPECIALIST, started.id)[-1]
    assert seen.payload["complainant"] == "王工 (internal)"
    assert core.history(AUDITOR, "sla_clock", started.id)[-1].payload["complainant"] == REDACTED
    # the stored event keeps the value
    with core.storage.unit_of_work() as uow:
        assert uow.history("sla_clock", started.id)[-1].payload["complainant"] == "王工 (internal)"


def test_core_sla_has_no_unit_of_work_or_calendar_registration() -> None:
    core = make_core(FrozenClock(MON))
    for gone in (
        "start_in",
        "stop_in",
        "change_target_in",
        "open_clock_in",
        "register_calendar",
        "calendar",
        "calendars",
        "target",
    ):
        assert not hasattr(core.sla, gone), gone


def test_calendars_are_configuration_in_core_calendars() -> None:
    core = make_core(FrozenClock(MON))
    assert isinstance(core.calendars, CalendarRegistry)
    assert core.calendars.names() == ["cn", "default", "satisfaction"]
    assert core.calendars.get("cn") is CN and "cn" in core.calendars
    assert core.calendars.get().is_open(MON - 3 * H)  # the default: 24×7
    tokyo = BusinessCalendar.from_country("JP", timezone="Asia/Tokyo")
    assert core.calendars.register(" tokyo ", tokyo) is tokyo
    assert core.calendars.get("tokyo") is tokyo
    assert core.calendars.names_of(tokyo) == ["tokyo"]
    with pytest.raises(ValidationError, match="registered: cn, default, satisfaction, tokyo"):
        core.calendars.get("mars")
    for name in ("", "  ", 5):
        with pytest.raises(ValidationError, match="non-empty string") as caught:
            core.calendars.register(name, tokyo)  # type: ignore[arg-type]
        assert caught.value.field == "name"
    assert core.calendars.names() == ["cn", "default", "satisfaction", "tokyo"]
    # a target on a newly registered calendar starts at once
    c = core.sla.start(
        DESK, subject_kind="t", subject_id="1", target=target(calendar="tokyo"), at=MON
    )
    assert c.calendar == "tokyo"


def test_the_tick_report_is_redacted_for_the_actor(monkeypatch: pytest.MonkeyPatch) -> None:
    original = SlaClock._record

    def marking(
        self: SlaClock,
        name: str,
        actor: Actor,
        at: Any,
        payload: Any = None,
        confidential: Any = (),
    ) -> Any:
        return original(self, name, actor, at, payload, confidential=("handler",))

    monkeypatch.setattr(SlaClock, "_record", marking)
    clock, core, _started, _agreement = _setup()
    core.sla.start(DESK, subject_kind="ticket", subject_id="T-2", target=target(4), handler="e-2")
    clock.set(MON + timedelta(days=2))
    desk_and_specialist = Actor("ds-1", [Role.SERVICE_DESK, Role.COMPLAINT_SPECIALIST])
    by_desk = core.sla.tick(DESK, batch_size=1)
    assert by_desk.clocks == 2 and by_desk.events
    assert {e.payload["handler"] for e in by_desk.events} == {REDACTED}
    clock.set(MON + timedelta(days=17))  # after the National Day holidays
    core.sla.start(DESK, subject_kind="ticket", subject_id="T-3", target=target(4), handler="e-3")
    clock.set(MON + timedelta(days=21))
    seen = core.sla.tick(desk_and_specialist)
    assert {e.payload["handler"] for e in seen.events} == {"e-3"}
