"""The webhook notifier against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from itsm_core import SYSTEM, DomainEvent, ValidationError
from itsm_core.kernel.events import REDACTED
from itsm_core.notifiers import (
    NotificationError,
    WebhookNotifier,
    encode_event,
    sign,
    verify,
    verify_signature,
)
from itsm_core.notifiers.webhook import DEFAULT_TOLERANCE

from .support import AT, IDENTITY, DrippingServer, WebhookServer, free_port, ticket_event

SECRET = "whsec-对接密钥"


def notifier(url: str, **options: object) -> WebhookNotifier:
    settings: dict[str, object] = {"timeout": 5, "proxies": {}, **options}
    return WebhookNotifier(url, SECRET, **settings)  # type: ignore[arg-type]


def test_posts_the_event_as_signed_json(webhook: WebhookServer) -> None:
    event = ticket_event()
    assert notifier(webhook.url, headers={"Authorization": "Bearer t"}).send(event) is True
    (req,) = webhook.requests
    assert req.path == "/hooks/itsm"
    assert req.headers["Content-Type"] == "application/json; charset=utf-8"
    assert req.headers["Authorization"] == "Bearer t"
    assert req.headers["X-Itsm-Event-Id"] == event.event_id
    assert req.headers["X-Itsm-Event"] == "nt_ticket.received"
    assert int(req.headers["X-Itsm-Timestamp"]) > 1_700_000_000
    assert req.body == encode_event(event.redacted())
    assert json.loads(req.body) == event.redacted().to_dict()
    assert DomainEvent.from_dict(json.loads(req.body)) == event.redacted()
    stamp = req.headers["X-Itsm-Timestamp"]
    signed = stamp.encode() + b"." + req.body
    expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert req.headers["X-Itsm-Signature"] == f"t={stamp},v1={expected}"
    assert verify(SECRET, req.body, req.headers["X-Itsm-Signature"])
    assert verify_signature(SECRET, req.body, req.headers["X-Itsm-Signature"])


def test_confidential_identity_never_reaches_the_receiver(webhook: WebhookServer) -> None:
    notifier(webhook.url).send(ticket_event())  # unredacted on purpose
    (req,) = webhook.requests
    assert IDENTITY.encode() not in req.body
    assert "emp-0042" not in req.body.decode()
    assert json.loads(req.body)["payload"]["complainant"] == REDACTED
    assert all(IDENTITY not in value for value in req.headers.values())


def test_verify_rejects_tampering_wrong_secret_and_garbage() -> None:
    body = encode_event(ticket_event())
    now = 1_777_890_600
    header = sign(SECRET, body, now)
    assert verify(SECRET, body, header, now=now)
    assert verify(SECRET.encode(), body, f"  {header}\n", now=now)
    assert not verify(SECRET, body + b" ", header, now=now)
    assert not verify("another secret", body, header, now=now)
    assert not verify(SECRET, body, header.replace("v1=", "v0="), now=now)
    assert not verify(SECRET, body, header[:-1], now=now)
    assert not verify(SECRET, body, None, now=now)
    assert not verify(SECRET, body, "", now=now)
    assert not verify(SECRET, body, "t=x,v1=00", now=now)
    assert not verify(SECRET, body.decode(), header, now=now)  # type: ignore[arg-type]


def test_the_timestamp_is_signed_and_old_signatures_are_replays() -> None:
    body = encode_event(ticket_event())
    now = 1_777_890_600
    header = sign(SECRET, body, now)
    digest = header.split("v1=")[1]
    assert not verify(SECRET, body, f"t={now + 60},v1={digest}", now=now + 60)  # re-stamped
    assert verify(SECRET, body, header, now=now + DEFAULT_TOLERANCE)
    assert not verify(SECRET, body, header, now=now + DEFAULT_TOLERANCE + 1)  # a replay
    assert not verify(SECRET, body, header, now=now - DEFAULT_TOLERANCE - 1)
    assert verify(SECRET, body, header, now=now + 3600, tolerance=3600)


def test_the_timeout_bounds_the_whole_request() -> None:
    # a receiver that sends one byte every 0.2 s never lets a socket read time out
    with DrippingServer(interval=0.2) as server:
        started = time.monotonic()
        with pytest.raises(NotificationError, match="within 1 s"):
            notifier(server.url, timeout=1).send(ticket_event())
        assert time.monotonic() - started < 2.5


def test_same_event_same_bytes() -> None:
    event = ticket_event()
    assert encode_event(event) == encode_event(DomainEvent.from_dict(event.to_dict()))


@pytest.mark.parametrize("status", [400, 410, 500, 503])
def test_an_error_answer_raises_so_the_relay_retries(webhook: WebhookServer, status: int) -> None:
    webhook.statuses = [status]
    event = ticket_event()
    with pytest.raises(NotificationError, match=f"HTTP {status}") as err:
        notifier(webhook.url).send(event)
    assert "receiver trouble" in str(err.value)
    assert err.value.event_id == event.event_id
    assert err.value.notifier == "itsm_core.webhook"


def test_a_redirect_is_not_followed(webhook: WebhookServer) -> None:
    webhook.statuses = [302]
    with pytest.raises(NotificationError, match="HTTP 302"):
        notifier(webhook.url).send(ticket_event())
    assert len(webhook.requests) == 1  # nothing was re-sent as a GET


def test_an_unreachable_receiver_raises() -> None:
    url = f"http://127.0.0.1:{free_port()}/hook"
    with pytest.raises(NotificationError, match=r"could not POST event nt_ticket\.received"):
        notifier(url).send(ticket_event())


def test_a_slow_receiver_times_out(webhook: WebhookServer) -> None:
    webhook.statuses = [0]  # the server hangs
    with pytest.raises(NotificationError, match="timed out"):
        notifier(webhook.url, timeout=0.2).send(ticket_event())


def test_a_malformed_port_is_refused_without_showing_credentials() -> None:
    with pytest.raises(ValidationError, match="malformed") as err:
        WebhookNotifier("http://user:pa55word@example.com:99999/x?token=t0ken", SECRET)
    assert "pa55word" not in str(err.value) and "t0ken" not in str(err.value)
    assert "example.com:99999" in str(err.value)
    ipv6 = WebhookNotifier("https://user:pa55word@[::1]:8443/x", SECRET)
    assert repr(ipv6) == "<WebhookNotifier 'itsm_core.webhook' https://[::1]:8443/x>"


def test_errors_do_not_show_credentials_or_query(webhook: WebhookServer) -> None:
    webhook.statuses = [500]
    url = f"http://user:pa55word@127.0.0.1:{webhook.port}/hooks/itsm?token=t0ken"
    with pytest.raises(NotificationError) as err:
        notifier(url).send(ticket_event())
    assert "pa55word" not in str(err.value) and "t0ken" not in str(err.value)
    assert "pa55word" not in repr(notifier(url))


def test_events_filter(webhook: WebhookServer) -> None:
    only = notifier(webhook.url, events="sla.*, complaint.closed")
    assert only.send(ticket_event()) is False
    assert only.send(ticket_event("sla.breached")) is True
    assert only.send(ticket_event("complaint.closed")) is True
    assert [r.headers["X-Itsm-Event"] for r in webhook.requests] == [
        "sla.breached",
        "complaint.closed",
    ]


def test_a_request_can_be_built_and_inspected() -> None:
    req = notifier("https://hooks.example.com/itsm").request(ticket_event())
    assert req.get_method() == "POST"
    assert req.full_url == "https://hooks.example.com/itsm"
    assert isinstance(req.data, bytes) and IDENTITY.encode() not in req.data


@pytest.mark.parametrize(
    ("url", "secret", "options", "field"),
    [
        ("ftp://example.com/x", SECRET, {}, "url"),
        ("file:///etc/passwd", SECRET, {}, "url"),
        ("http://", SECRET, {}, "url"),
        (42, SECRET, {}, "url"),
        ("http://example.com", "", {}, "secret"),
        ("http://example.com", b"", {}, "secret"),
        ("http://example.com", SECRET, {"timeout": -1}, "timeout"),
        ("http://example.com", SECRET, {"name": " "}, "name"),
        ("http://example.com", SECRET, {"events": []}, "events"),
        ("http://example.com:99999/x", SECRET, {}, "url"),
        ("http://example.com:abc/x", SECRET, {}, "url"),
        ("http://[::1/x", SECRET, {}, "url"),
        ("http://example.com", SECRET, {"timeout": True}, "timeout"),
        ("http://example.com", SECRET, {"headers": {"X-A": "1\r\nX-B: 2"}}, "headers"),
        ("http://example.com", SECRET, {"headers": {"X-A": 1}}, "headers"),
    ],
)
def test_bad_settings_are_refused(
    url: object, secret: object, options: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        WebhookNotifier(url, secret, **options)  # type: ignore[arg-type]
    assert err.value.field == field


def test_event_with_every_kind_of_payload_is_json() -> None:
    payload = {"score": 4.5, "ok": True, "none": None, "list": [1, "二"], "map": {"k": "值"}}
    event = DomainEvent.create(
        kind="nt_ticket",
        aggregate_id="t-1",
        version=2,
        name="nt_ticket.scored",
        at=AT,
        actor=SYSTEM,
        payload=payload,
    )
    body = encode_event(event)
    assert "值".encode() in body  # UTF-8, not \u escapes
    assert json.loads(body)["payload"] == payload
