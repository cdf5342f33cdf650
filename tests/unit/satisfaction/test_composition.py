"""The satisfaction service as composed sub-services: the API convention's reads
(history), ``at=`` on every command, and the lifecycles of a service record's two
state fields."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from itsm_core import AccessDenied, InvalidTransition, NotFound, ValidationError
from itsm_core.satisfaction import (
    CALLBACK_STATUS,
    SERVICE_RECORD,
    CallbackService,
    CallbackStatus,
    CustomerService,
    LevelRule,
    Question,
    ResponseService,
    SatisfactionAnalysis,
    ServiceRecord,
    ServiceRecordService,
    ServiceRecordState,
    SurveyService,
    TargetService,
)

from ._support import COORD, DESK, OM, RM, T0, closed_record, customer_actor, make_core

NAIVE = datetime(2026, 5, 11, 9, 0)


def test_core_satisfaction_is_composed_of_sub_services() -> None:
    core, _ = make_core()
    sat = core.satisfaction
    parts = {
        "surveys": SurveyService,
        "service_records": ServiceRecordService,
        "callbacks": CallbackService,
        "responses": ResponseService,
        "customers": CustomerService,
        "analysis": SatisfactionAnalysis,
        "targets": TargetService,
    }
    for name, kind in parts.items():
        assert type(getattr(sat, name)) is kind, name
    bases = {b for kind in parts.values() for b in kind.__mro__[1:]}
    assert bases == {object}  # composed, not mixed in
    assert not hasattr(core, "satisfaction_analysis")


# -- callback_status: a lifecycle of its own ---------------------------------------


def test_the_callback_status_table() -> None:
    assert CALLBACK_STATUS.field == "callback_status"
    assert CALLBACK_STATUS.initial is CallbackStatus.NONE
    assert CALLBACK_STATUS.allowed(CallbackStatus.NONE) == {"schedule"}
    assert CALLBACK_STATUS.allowed(CallbackStatus.DUE) == {"confirm", "return", "cancel"}
    assert CALLBACK_STATUS.allowed(CallbackStatus.RECHECK_DUE) == {"confirm", "return", "cancel"}
    assert CALLBACK_STATUS.allowed(CallbackStatus.RETURNED) == {"schedule", "schedule_recheck"}
    assert CALLBACK_STATUS.allowed(CallbackStatus.CONFIRMED) == {"schedule"}
    assert CALLBACK_STATUS.targets(CallbackStatus.DUE, "cancel") is CallbackStatus.NONE
    assert (
        CALLBACK_STATUS.targets(CallbackStatus.RETURNED, "schedule_recheck")
        is CallbackStatus.RECHECK_DUE
    )


def _record() -> ServiceRecord:
    return ServiceRecord(
        id="T1",
        customer="acme",
        service="desktop",
        opened_at=T0,
        resolved_at=T0 + timedelta(hours=1),
    )


def test_a_callback_status_change_outside_the_table_is_refused_and_changes_nothing() -> None:
    record = _record()
    record.register(DESK, T0)
    version = record.version
    with pytest.raises(InvalidTransition) as refused:
        record.confirm_solved(COORD, T0, callback_id="cb-1")
    assert refused.value.state == "none"
    assert "schedule" in refused.value.allowed
    assert (record.callback_status, record.last_callback_id) == (CallbackStatus.NONE, None)
    assert record.version == version
    with pytest.raises(InvalidTransition):
        record.schedule_callback(COORD, T0, callback_id="cb-1", recheck=True)
    assert record.callback_status is CallbackStatus.NONE
    record.schedule_callback(COORD, T0, callback_id="cb-1")
    assert record.callback_status is CallbackStatus.DUE
    with pytest.raises(InvalidTransition):
        record.schedule_callback(COORD, T0, callback_id="cb-2")
    assert record.last_callback_id == "cb-1"


def test_returning_a_record_needs_a_due_callback() -> None:
    record = _record()
    record.register(DESK, T0)
    with pytest.raises(InvalidTransition):
        record.return_to_engineer(COORD, T0, callback_id="cb-1", reason="still broken")
    assert (record.state, record.reopened_count) == (ServiceRecordState.RESOLVED, 0)
    record.schedule_callback(COORD, T0, callback_id="cb-1")
    record.return_to_engineer(COORD, T0, callback_id="cb-1", reason="still broken")
    assert (record.state, record.callback_status) == (
        ServiceRecordState.RETURNED,
        CallbackStatus.RETURNED,
    )


def test_registration_goes_through_the_record_lifecycle() -> None:
    assert SERVICE_RECORD.targets(ServiceRecordState.OPEN, "register_closed") is (
        ServiceRecordState.CLOSED
    )
    assert SERVICE_RECORD.targets(ServiceRecordState.OPEN, "register_resolved") is (
        ServiceRecordState.RESOLVED
    )
    built_closed = ServiceRecord(
        id="T2",
        customer="acme",
        service="desktop",
        opened_at=T0,
        resolved_at=T0 + timedelta(hours=1),
        closed_at=T0 + timedelta(hours=2),
        state=ServiceRecordState.CLOSED,
    )
    with pytest.raises(InvalidTransition):
        built_closed.register(DESK, T0)
    assert list(built_closed.pending_events) == []


# -- reads: get / find / history, the actor first ----------------------------------


def test_every_sub_service_keeps_a_history_and_checks_the_reader() -> None:
    core, _ = make_core()
    sat = core.satisfaction
    sat.customers.register(RM, "acme", name="ACME", key=True)
    closed_record(core, "T1")
    callback = sat.callbacks.schedule(COORD, "T1")
    response = sat.responses.record_ticket_score(DESK, "T1", score=5, respondent="alice")
    campaign = sat.surveys.create_campaign(
        OM,
        title="t",
        motive="periodic",
        service="desktop",
        questions=[Question("overall", "?")],
        target_customers=["acme"],
    )
    sat.targets.set_target(OM, "desktop", target=80, levels=[LevelRule("green", None, "keep")])
    histories = {
        "customer": sat.customers.history(OM, "acme"),
        "record": sat.service_records.history(OM, "T1"),
        "callback": sat.callbacks.history(OM, callback.id),
        "response": sat.responses.history(OM, response.id),
        "campaign": sat.surveys.history(OM, campaign.id),
        "target": sat.targets.history(OM, "desktop"),
    }
    assert [e.name for e in histories["record"]] == [
        "service_record.registered",
        "service_record.callback_scheduled",
    ]
    assert [e.name for e in histories["callback"]] == ["service_callback.scheduled"]
    assert [e.name for e in histories["campaign"]] == ["survey_campaign.created"]
    assert all(len(h) >= 1 for h in histories.values())
    outsider = customer_actor("alice")
    for read in (
        lambda: sat.customers.history(outsider, "acme"),
        lambda: sat.service_records.history(outsider, "T1"),
        lambda: sat.callbacks.history(outsider, callback.id),
        lambda: sat.responses.history(outsider, response.id),
        lambda: sat.surveys.history(outsider, campaign.id),
        lambda: sat.targets.history(outsider, "desktop"),
    ):
        with pytest.raises(AccessDenied):
            read()
    with pytest.raises(NotFound):
        sat.service_records.history(OM, "nope")


def test_find_callbacks_by_state_kind_and_due_time() -> None:
    core, _ = make_core()
    sat = core.satisfaction
    closed_record(core, "T1")
    closed_record(core, "T2")
    first = sat.callbacks.schedule(COORD, "T1")
    second = sat.callbacks.schedule(COORD, "T2")
    sat.callbacks.record_outcome(COORD, second.id, outcome="solved")
    assert [c.id for c in sat.callbacks.find(COORD, state="due")] == [first.id]
    assert [c.id for c in sat.callbacks.find(COORD, state="done")] == [second.id]
    assert sat.callbacks.find(COORD, kind="monthly") == []
    assert sat.callbacks.find(COORD, state="due", due_before=first.due_at) == []
    later = first.due_at + timedelta(seconds=1)
    assert [c.id for c in sat.callbacks.find(COORD, state="due", due_before=later)] == [first.id]
    with pytest.raises(ValidationError):
        sat.callbacks.find(COORD, state="late")


# -- at= on every command ------------------------------------------------------------


def test_commands_take_when_they_happen_and_refuse_a_naive_instant() -> None:
    core, _ = make_core()
    sat = core.satisfaction
    campaign = sat.surveys.create_campaign(
        OM,
        title="t",
        motive="periodic",
        service="desktop",
        questions=[Question("overall", "?")],
        target_customers=["acme"],
    )
    with pytest.raises(ValidationError, match="at"):
        sat.surveys.open_campaign(OM, campaign.id, at=NAIVE)
    assert sat.surveys.get(OM, campaign.id).state.value == "draft"
    opened_at = T0 + timedelta(minutes=5)
    opened = sat.surveys.open_campaign(OM, campaign.id, at=opened_at)
    assert opened.opened_at == opened_at
    invited_at = T0 + timedelta(minutes=10)
    report = sat.surveys.invite(OM, campaign.id, respondents=[("acme", "alice")], at=invited_at)
    assert report.invited[0].invited_at == invited_at
    expired = sat.surveys.expire_invitations(COORD, at=invited_at + timedelta(days=365))
    assert [i.id for i in expired] == [report.invited[0].id]

    sat.service_records.register(
        DESK, "T9", customer="acme", service="desktop", opened_at=T0 - timedelta(hours=1)
    )
    resolved_at = T0 + timedelta(minutes=30)
    with pytest.raises(ValidationError):
        sat.service_records.resolve(DESK, "T9", at=NAIVE)
    record = sat.service_records.resolve(DESK, "T9", resolution="fixed", at=resolved_at)
    assert record.resolved_at == resolved_at
    assert sat.service_records.history(OM, "T9")[-1].occurred_at == resolved_at
    closed = sat.service_records.close(DESK, "T9", at=resolved_at + timedelta(hours=1))
    assert closed.closed_at == resolved_at + timedelta(hours=1)

    sat.customers.register(RM, "acme", name="ACME", key=True)
    with pytest.raises(ValidationError):
        sat.callbacks.schedule_monthly(COORD, period="2026-06", at=NAIVE)
    assert sat.callbacks.find(COORD, kind="monthly") == []
    scheduled_at = T0 + timedelta(hours=2)
    (monthly,) = sat.callbacks.schedule_monthly(COORD, period="2026-06", at=scheduled_at)
    assert monthly.scheduled_at == scheduled_at

    evaluated_at = T0 + timedelta(days=1)
    sat.targets.set_target(
        OM, "desktop", target=80, levels=[LevelRule("green", None, "keep")], at=evaluated_at
    )
    assert sat.targets.history(OM, "desktop")[0].occurred_at == evaluated_at
    with pytest.raises(ValidationError):
        sat.targets.evaluate(OM, "2026-05", at=NAIVE)


def _record_with_status(status: CallbackStatus) -> ServiceRecord:
    """A resolved record whose callback status is ``status`` (loaded as if stored)."""
    return ServiceRecord(
        id="T1",
        customer="acme",
        service="desktop",
        opened_at=T0,
        resolved_at=T0 + timedelta(hours=1),
        state=ServiceRecordState.RESOLVED,
        callback_status=status,
        last_callback_id="cb-0",
    )


_CALLS = {
    "schedule": lambda r: r.schedule_callback(COORD, T0, callback_id="cb-1"),
    "schedule_recheck": lambda r: r.schedule_callback(COORD, T0, callback_id="cb-1", recheck=True),
    "confirm": lambda r: r.confirm_solved(COORD, T0, callback_id="cb-0"),
    "return": lambda r: r.return_to_engineer(COORD, T0, callback_id="cb-0", reason="still"),
    "cancel": lambda r: r.cancel_callback(COORD, T0, callback_id="cb-0", reason="asked"),
}


@pytest.mark.parametrize("status", list(CallbackStatus))
@pytest.mark.parametrize("event", sorted(_CALLS))
def test_every_callback_status_event_follows_the_table(status: CallbackStatus, event: str) -> None:
    assert set(_CALLS) == CALLBACK_STATUS.events
    record = _record_with_status(status)
    dest = CALLBACK_STATUS.targets(status, event)
    if dest is None:
        if event == "cancel":  # not pending: nothing to cancel, nothing recorded
            assert _CALLS[event](record) is False
        else:
            with pytest.raises(InvalidTransition):
                _CALLS[event](record)
        assert record.callback_status is status
        assert list(record.pending_events) == []
    else:
        _CALLS[event](record)
        assert record.callback_status is dest
        assert len(record.pending_events) == 1
