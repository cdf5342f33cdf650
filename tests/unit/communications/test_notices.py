"""Customer notices: one test per rule (recipients, channels, calls, acknowledgements, clocks)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsm_core import FrozenClock, ItsmCore
from itsm_core.communications import ContactChannel, NoticeState, Recipient
from itsm_core.kernel.errors import AccessDenied, InvalidTransition, NotFound, ValidationError
from itsm_core.sla import TargetKind
from itsm_core.testing import RecordingNotifier

from .conftest import DESK, ENGINEER, RECIPIENTS, RM, T0, announced, issued


def _clocks(core: ItsmCore) -> list[tuple[str, str]]:
    return [
        (c.subject_id.rsplit("/", 1)[1], c.state.value)
        for c in core.sla.find(DESK, subject_kind="customer_notice_call")
    ]


def test_a_notice_records_each_recipient_with_its_channels(core: ItsmCore) -> None:
    notice = announced(core)
    assert notice.state is NoticeState.DRAFT
    by = {r.customer: r for r in notice.recipients}
    assert by["GAMMA"].channels == (ContactChannel.WEBHOOK,)
    assert by["GAMMA"].contact == "https://gamma.example/hook"
    assert not any(r.acknowledged for r in notice.recipients)


def test_a_key_customer_of_the_register_is_called(core: ItsmCore) -> None:
    acme = announced(core).recipient("ACME")
    assert acme.key and acme.needs_call
    assert acme.channels == (ContactChannel.PHONE, ContactChannel.EMAIL)


def test_a_main_affected_customer_is_called(core: ItsmCore) -> None:
    beta = announced(core).recipient("BETA")
    assert not beta.key and beta.main_affected and ContactChannel.PHONE in beta.channels


def test_another_customer_gets_only_the_written_notice(core: ItsmCore) -> None:
    gamma = announced(core).recipient("GAMMA")
    assert not gamma.needs_call and ContactChannel.PHONE not in gamma.channels


def test_a_recipient_built_by_hand_that_must_be_called_needs_the_phone() -> None:
    with pytest.raises(ValidationError, match="must be reached by phone"):
        Recipient("ACME", ["email"], key=True)


@pytest.mark.parametrize(
    ("recipients", "message"),
    [
        ([], "at least one recipient"),
        ([{"customer": "A", "channels": []}], "at least one channel"),
        ([{"customer": "A", "channels": ["fax"]}], "channels"),
        ([{"customer": "A", "channels": ["email"]}, {"customer": "A", "channels": ["phone"]}],
         "listed twice"),
        ([{"customer": "A", "channels": ["email"], "colour": "red"}], "unknown"),
        ("ACME", "sequence of recipients"),
    ],
)  # fmt: skip
def test_bad_recipients_are_refused_and_nothing_is_stored(
    core: ItsmCore, recipients: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        announced(core, recipients=recipients)
    assert core.communications.notices.find(DESK) == []


def test_an_end_before_the_start_is_refused(core: ItsmCore) -> None:
    with pytest.raises(ValidationError, match="ends_at"):
        announced(core, ends_at=T0)


def test_a_naive_instant_is_refused(core: ItsmCore) -> None:
    with pytest.raises(ValidationError, match="timezone"):
        announced(core, starts_at=T0.replace(tzinfo=None))


def test_an_unknown_calendar_is_refused(core: ItsmCore) -> None:
    with pytest.raises(ValidationError, match="calendar"):
        announced(core, calendar="mars")


def test_issuing_sends_the_written_notices_to_the_notifiers(
    core: ItsmCore, recorder: RecordingNotifier
) -> None:
    notice = issued(core)
    assert notice.state is NoticeState.ISSUED and notice.issued_at == T0
    event = [e for e in recorder.events if e.name == "customer_notice.issued"][-1]
    assert [dict(w) for w in event.payload["written"]] == [
        {"customer": "ACME", "channel": "email", "contact": "it@acme.example"},
        {"customer": "BETA", "channel": "email", "contact": "ops@beta.example"},
        {"customer": "GAMMA", "channel": "webhook", "contact": "https://gamma.example/hook"},
    ]
    assert list(event.payload["calls"]) == ["ACME", "BETA"]
    assert "请确认已收到本通告" in event.payload["message"]["zh"]["text"]
    assert "Please confirm" in event.payload["message"]["en"]["text"]


def test_a_key_customers_call_is_due_on_an_sla_clock(core: ItsmCore) -> None:
    issued(core, call_within=timedelta(hours=1))
    clocks = core.sla.find(DESK, subject_kind="customer_notice_call")
    assert [(c.target, c.customer, c.budget) for c in clocks] == [
        (TargetKind.NOTICE_CALL, "ACME", timedelta(hours=1))
    ]


def test_an_unanswered_call_to_a_key_customer_warns_and_breaches(
    core: ItsmCore, clock: FrozenClock, recorder: RecordingNotifier
) -> None:
    issued(core, call_within=timedelta(hours=1))
    clock.advance(timedelta(hours=2))
    core.sla.tick(DESK)
    calls = TargetKind.NOTICE_CALL
    warnings = [n for n in recorder.calls_of("itsm_sla_warning") if n.target is calls]
    breaches = [n for n in recorder.calls_of("itsm_sla_breach") if n.target is calls]
    assert [w.percent for w in warnings] == [50, 75, 90]
    assert {b.step.value for b in breaches} == {"service_desk", "superior", "customer"}
    assert breaches[0].customer == "ACME"


def test_a_call_that_reaches_the_key_customer_acknowledges_and_stops_its_clock(
    core: ItsmCore,
) -> None:
    notice = issued(core)
    after = core.communications.notices.record_call(
        DESK, notice.id, customer="ACME", reached=True, person="赵经理"
    )
    acme = after.recipient("ACME")
    assert acme.acknowledged and acme.acknowledged_channel is ContactChannel.PHONE
    assert acme.acknowledged_by == "赵经理" and acme.calls[0].reached
    assert _clocks(core) == [("ACME", "stopped")]


def test_an_unanswered_call_is_recorded_and_the_clock_runs_on(core: ItsmCore) -> None:
    notice = issued(core)
    after = core.communications.notices.record_call(
        DESK, notice.id, customer="ACME", reached=False, note="无人接听"
    )
    assert not after.recipient("ACME").acknowledged
    assert after.recipient("ACME").calls[0].note == "无人接听"
    assert _clocks(core) == [("ACME", "running")]


def test_a_customer_not_to_be_called_is_not_called(core: ItsmCore) -> None:
    notice = issued(core)
    with pytest.raises(ValidationError, match="not to be called"):
        core.communications.notices.record_call(DESK, notice.id, customer="GAMMA", reached=True)


def test_a_customer_that_is_not_a_recipient_is_refused(core: ItsmCore) -> None:
    notice = issued(core)
    with pytest.raises(ValidationError, match="not a recipient"):
        core.communications.notices.record_call(DESK, notice.id, customer="DELTA", reached=True)


def test_a_customer_acknowledges_once(core: ItsmCore) -> None:
    notice = issued(core)
    notices = core.communications.notices
    notices.record_call(DESK, notice.id, customer="ACME", reached=True)
    with pytest.raises(ValidationError, match="already"):
        notices.record_call(DESK, notice.id, customer="ACME", reached=True)


def test_a_written_acknowledgement_is_recorded(core: ItsmCore) -> None:
    notice = issued(core)
    after = core.communications.notices.acknowledge(
        DESK, notice.id, customer="GAMMA", channel="webhook", person="system"
    )
    assert after.recipient("GAMMA").acknowledged_channel is ContactChannel.WEBHOOK


def test_a_customer_that_must_be_called_is_not_acknowledged_in_writing(core: ItsmCore) -> None:
    notice = issued(core)
    with pytest.raises(ValidationError, match="reached by phone"):
        core.communications.notices.acknowledge(DESK, notice.id, customer="BETA", channel="email")


@pytest.mark.parametrize(("channel", "message"), [("phone", "record_call"), ("email", "not sent")])
def test_a_written_acknowledgement_names_a_channel_the_notice_went_on(
    core: ItsmCore, channel: str, message: str
) -> None:
    notice = issued(core)
    with pytest.raises(ValidationError, match=message):
        core.communications.notices.acknowledge(
            DESK, notice.id, customer="GAMMA", channel=channel
        )


def test_nothing_is_recorded_on_a_draft(core: ItsmCore) -> None:
    notice = announced(core)
    with pytest.raises(InvalidTransition):
        core.communications.notices.record_call(DESK, notice.id, customer="ACME", reached=True)
    assert core.communications.notices.get(DESK, notice.id).version == 1


def test_a_notice_closes_once_every_call_reached_the_customer(core: ItsmCore) -> None:
    notice = issued(core)
    notices = core.communications.notices
    with pytest.raises(ValidationError, match="BETA"):
        notices.close(DESK, notice.id)
    notices.record_call(DESK, notice.id, customer="ACME", reached=True)
    notices.record_call(DESK, notice.id, customer="BETA", reached=True)
    closed = notices.close(DESK, notice.id)
    assert closed.state is NoticeState.CLOSED and closed.close_reason is None


def test_a_notice_closes_with_the_reason_a_customer_was_not_reached(core: ItsmCore) -> None:
    notice = issued(core)
    closed = core.communications.notices.close(DESK, notice.id, reason="停机已完成，客户未接听")
    assert closed.state is NoticeState.CLOSED
    assert _clocks(core) == [("ACME", "stopped")]
    event = core.communications.notices.history(DESK, notice.id)[-1]
    assert list(event.payload["not_reached"]) == ["ACME", "BETA"]


def test_a_cancelled_notice_stops_its_clocks(core: ItsmCore) -> None:
    notice = issued(core)
    cancelled = core.communications.notices.cancel(DESK, notice.id, reason="变更推迟")
    assert cancelled.state is NoticeState.CANCELLED
    assert _clocks(core) == [("ACME", "stopped")]


def test_a_closed_notice_is_not_cancelled(core: ItsmCore) -> None:
    notice = issued(core)
    core.communications.notices.close(DESK, notice.id, reason="done")
    with pytest.raises(InvalidTransition):
        core.communications.notices.cancel(DESK, notice.id, reason="late")


def test_a_cancellation_needs_a_reason(core: ItsmCore) -> None:
    notice = announced(core)
    with pytest.raises(ValidationError, match="reason"):
        core.communications.notices.cancel(DESK, notice.id, reason=" ")


def test_the_history_runs_forwards(core: ItsmCore) -> None:
    notice = announced(core)
    with pytest.raises(ValidationError, match="forwards"):
        core.communications.notices.issue(DESK, notice.id, at=T0 - timedelta(minutes=1))


def test_only_the_desk_and_managers_write_notices(core: ItsmCore) -> None:
    with pytest.raises(AccessDenied):
        core.communications.notices.announce(
            ENGINEER, kind="change", title="t", body="b", starts_at=T0, recipients=RECIPIENTS
        )
    assert announced(core).created_by == DESK.id
    notice = core.communications.notices.announce(
        RM, kind="change", title="t", body="b", starts_at=T0, recipients=RECIPIENTS
    )
    assert notice.created_by == RM.id


def test_find_filters_by_state_kind_change_and_missing_calls(core: ItsmCore) -> None:
    notices = core.communications.notices
    first = issued(core)
    second = announced(
        core, kind="change", change_id="CHG-2", starts_at=T0 + timedelta(days=9), ends_at=None
    )
    assert [n.id for n in notices.find(DESK)] == [first.id, second.id]
    assert [n.id for n in notices.find(DESK, kind="change")] == [second.id]
    assert [n.id for n in notices.find(DESK, state="issued")] == [first.id]
    assert [n.id for n in notices.find(DESK, change_id="CHG-2")] == [second.id]
    assert [n.id for n in notices.find(DESK, starts_from=T0 + timedelta(days=7))] == [second.id]
    notices.record_call(DESK, first.id, customer="ACME", reached=True)
    notices.record_call(DESK, first.id, customer="BETA", reached=True)
    assert [n.id for n in notices.find(DESK, calls_missing=True)] == [second.id]
    with pytest.raises(ValidationError, match="limit"):
        notices.find(DESK, limit=-1)


def test_an_unknown_notice_is_not_found(core: ItsmCore) -> None:
    with pytest.raises(NotFound):
        core.communications.notices.get(DESK, "ntc-none")
    with pytest.raises(NotFound):
        core.communications.notices.history(DESK, "ntc-none")
