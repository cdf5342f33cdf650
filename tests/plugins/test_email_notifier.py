"""The e-mail notifier against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from itsm_core import SYSTEM, DomainEvent, ValidationError
from itsm_core.kernel.events import REDACTED
from itsm_core.notifiers import EmailNotifier, NotificationError, render_body, render_subject

from .support import AT, IDENTITY, SmtpServer, ticket_event


def notifier(server: SmtpServer, **options: object) -> EmailNotifier:
    settings: dict[str, object] = {
        "host": "127.0.0.1",
        "port": server.port,
        "sender": "itsm@example.com",
        "recipients": ["desk@example.com"],
        "timeout": 5,
        "local_hostname": "localhost",
        **options,
    }
    return EmailNotifier(**settings)  # type: ignore[arg-type]


def parsed(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_sends_one_plain_text_message_per_event(smtp: SmtpServer) -> None:
    event = ticket_event()
    assert notifier(smtp, recipients="desk@example.com, lead@example.com").send(event) is True
    (envelope,) = smtp.inbox.envelopes
    assert envelope.mail_from == "itsm@example.com"
    assert envelope.rcpt_tos == ["desk@example.com", "lead@example.com"]
    msg = parsed(envelope.content)
    assert msg["X-Itsm-Event-Id"] == event.event_id
    assert msg["X-Itsm-Event"] == "nt_ticket.received"
    assert event.event_id in msg["Message-ID"]
    assert msg.get_content_type() == "text/plain"
    assert "nt_ticket.received" in msg["Subject"] and "事件通知" in msg["Subject"]
    body = msg.get_content()
    assert "网络中断" in body and "事件 / Event: nt_ticket.received" in body
    assert "u-desk-7 (complaint_specialist)" in body and event.event_id in body


def test_confidential_identity_never_reaches_the_mailbox(smtp: SmtpServer) -> None:
    # given an unredacted event directly: the notifier redacts it itself
    notifier(smtp).send(ticket_event())
    (envelope,) = smtp.inbox.envelopes
    msg = parsed(envelope.content)
    text = msg["Subject"] + msg.get_content()
    assert IDENTITY not in text
    assert f"complainant: {REDACTED}" in text
    assert IDENTITY.encode() not in envelope.content
    assert "emp-0042" not in envelope.content.decode("ascii")


@pytest.mark.parametrize(
    ("language", "present", "absent"),
    [
        ("zh", ["事件:", "发生时间", "事件通知"], ["Occurred at", "Event:"]),
        ("en", ["Event:", "Occurred at", "event ·"], ["发生时间", "事件通知"]),
        ("zh+en", ["事件 / Event:", "发生时间 / Occurred at", "事件通知 / event"], []),
    ],
)
def test_wording_in_chinese_english_or_both(
    language: str, present: list[str], absent: list[str]
) -> None:
    event = ticket_event().redacted()
    text = render_subject(event, language) + "\n" + render_body(event, language)  # type: ignore[arg-type]
    for word in present:
        assert word in text
    for word in absent:
        assert word not in text


def test_body_lists_payload_and_says_what_redacted_means() -> None:
    body = render_body(ticket_event(count=3, tags=["a", "b"]).redacted(), "en")
    assert "  count: 3\n" in body and '  tags: ["a", "b"]\n' in body
    assert "confidential" in body
    bare = DomainEvent.create(
        kind="x", aggregate_id="1", version=1, name="x.y", at=AT, actor=SYSTEM
    )
    empty = render_body(bare, "zh")
    assert "（无）" in empty and "保密" not in empty


def test_recipients_by_event_name_pattern(smtp: SmtpServer) -> None:
    routed = notifier(
        smtp,
        recipients={"nt_ticket.*": ["desk@example.com"], "*": ["audit@example.com"]},
    )
    assert routed.recipients_for(ticket_event()) == ["desk@example.com", "audit@example.com"]
    assert routed.recipients_for(ticket_event("sla.breached")) == ["audit@example.com"]
    only = notifier(smtp, recipients={"sla.*": ["ops@example.com"]})
    assert only.send(ticket_event()) is False
    assert smtp.inbox.envelopes == []


def test_recipients_from_a_routing_function(smtp: SmtpServer) -> None:
    def route(event: object) -> list[str]:
        return ["vip@example.com"] if "紧急" in str(getattr(event, "payload", {})) else []

    routed = notifier(smtp, recipients=route)
    assert routed.send(ticket_event()) is False
    assert routed.send(ticket_event(level="紧急")) is True
    assert [e.rcpt_tos for e in smtp.inbox.envelopes] == [["vip@example.com"]]


def test_events_filter(smtp: SmtpServer) -> None:
    only = notifier(smtp, events=["sla.*"])
    assert only.send(ticket_event()) is False
    assert only.send(ticket_event("sla.breached")) is True
    assert len(smtp.inbox.envelopes) == 1


def test_login_with_credentials() -> None:
    server = SmtpServer(credentials={"itsm": "s3cret"})
    server.start()
    try:
        notifier(server, username="itsm", password="s3cret").send(ticket_event())
        assert len(server.inbox.envelopes) == 1
        with pytest.raises(NotificationError, match="SMTPAuthenticationError"):
            notifier(server, username="itsm", password="wrong").send(ticket_event())
    finally:
        server.stop()


def test_starttls_refused_by_a_plain_server_is_a_notification_error(smtp: SmtpServer) -> None:
    with pytest.raises(NotificationError, match="STARTTLS"):
        notifier(smtp, starttls=True).send(ticket_event())
    assert smtp.inbox.envelopes == []


def test_server_down_or_refusing_raises_a_notification_error(smtp: SmtpServer) -> None:
    event = ticket_event()
    smtp.inbox.refuse = 1
    with pytest.raises(NotificationError, match="451") as refused:
        notifier(smtp).send(event)
    assert refused.value.event_id == event.event_id
    assert refused.value.notifier == "itsm_core.email"
    smtp.stop()
    with pytest.raises(NotificationError, match=rf"smtp://127.0.0.1:{smtp.port}") as down:
        notifier(smtp).send(event)
    assert isinstance(down.value, RuntimeError)
    assert "nt_ticket.received" in str(down.value)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"host": ""}, "host"),
        ({"port": 0}, "port"),
        ({"port": True}, "port"),
        ({"starttls": True, "use_ssl": True}, "starttls"),
        ({"username": "u"}, "username"),
        ({"timeout": 0}, "timeout"),
        ({"language": "fr"}, "language"),
        ({"recipients": []}, "recipients"),
        ({"recipients": ["not-an-address"]}, "recipients"),
        ({"sender": "nobody"}, "sender"),
        ({"events": ["", "x"]}, "events"),
        ({"name": ""}, "name"),
        ({"timeout": True}, "timeout"),
        ({"subject_prefix": "[ITSM]\nBcc: x@example.com"}, "subject_prefix"),
        ({"local_hostname": "a\r\nb"}, "local_hostname"),
    ],
)
def test_bad_settings_are_refused(smtp: SmtpServer, options: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        notifier(smtp, **options)
    assert err.value.field == field


def test_repr_names_the_server(smtp: SmtpServer) -> None:
    assert f"smtp://127.0.0.1:{smtp.port}" in repr(notifier(smtp))
    assert "password" not in repr(notifier(smtp, username="u", password="p"))


def test_addresses_with_display_names(smtp: SmtpServer) -> None:
    mailer = notifier(
        smtp,
        sender="ITSM 服务台 <itsm@example.com>",
        recipients='"Zhang, San" <zs@example.com>, 李四 <ls@example.com>, zs@example.com',
    )
    mailer.send(ticket_event())
    (envelope,) = smtp.inbox.envelopes
    assert envelope.mail_from == "itsm@example.com"
    assert envelope.rcpt_tos == ["zs@example.com", "ls@example.com"]  # each address once
    msg = parsed(envelope.content)
    assert [a.addr_spec for a in msg["To"].addresses] == envelope.rcpt_tos
    assert msg["To"].addresses[1].display_name == "李四"
    assert msg["From"].addresses[0].display_name == "ITSM 服务台"
    assert msg["Message-ID"].endswith("@example.com>")
