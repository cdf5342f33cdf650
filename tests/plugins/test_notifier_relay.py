"""Both notifiers behind the outbox relay: committed events, redaction, isolation, retries."""

from __future__ import annotations

import email
import email.policy
import json
from email.message import EmailMessage

from itsm_core import Actor
from itsm_core.kernel.events import REDACTED
from itsm_core.notifiers import EmailNotifier, WebhookNotifier, verify_signature

from .support import IDENTITY, SmtpServer, WebhookServer, make_core, receive_ticket

AUDITOR = Actor("qa", ["quality_specialist"], "质控专员")

SECRET = "relay-secret"


def email_notifier(server: SmtpServer) -> EmailNotifier:
    return EmailNotifier(
        host="127.0.0.1",
        port=server.port,
        sender="itsm@example.com",
        recipients={"nt_ticket.*": ["desk@example.com"]},
        timeout=5,
        local_hostname="localhost",
    )


def webhook_notifier(server: WebhookServer) -> WebhookNotifier:
    return WebhookNotifier(server.url, SECRET, timeout=5, proxies={})


def mail_text(server: SmtpServer) -> list[str]:
    texts = []
    for envelope in server.inbox.envelopes:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        texts.append(f"{msg['Subject']}\n{msg.get_content()}")
    return texts


def test_a_committed_event_reaches_both_notifiers_redacted(
    smtp: SmtpServer, webhook: WebhookServer
) -> None:
    core, clock = make_core(email_notifier(smtp), webhook_notifier(webhook))
    names = {impl.plugin_name for impl in core.plugins.hook.itsm_on_event.get_hookimpls()}
    assert names == {"itsm_core.email", "itsm_core.webhook"}

    receive_ticket(core)

    (text,) = mail_text(smtp)
    (req,) = webhook.requests
    assert "nt_ticket.received" in text and "打印机卡纸" in text
    assert IDENTITY not in text
    assert IDENTITY.encode() not in req.body
    data = json.loads(req.body)
    assert data["payload"]["title"] == "打印机卡纸" and data["aggregate_id"] == "t-1"
    assert verify_signature(SECRET, req.body, req.headers["X-Itsm-Signature"])
    # the store keeps the identity; only the notifiers' copies are redacted
    with core.storage.unit_of_work() as uow:
        (stored,) = uow.history("nt_ticket", "t-1")
    assert stored.payload["complainant"] == IDENTITY
    (shown,) = core.history(AUDITOR, "nt_ticket", "t-1")
    assert shown.payload["complainant"] == REDACTED
    assert req.headers["X-Itsm-Event-Id"] == stored.event_id
    assert core.storage.outbox_pending(clock.now()) == []


def test_a_failing_webhook_does_not_block_email_and_is_retried(
    smtp: SmtpServer, webhook: WebhookServer
) -> None:
    core, clock = make_core(email_notifier(smtp), webhook_notifier(webhook), auto_relay=False)
    receive_ticket(core)
    webhook.statuses = [503, 500]

    first = core.relay()
    assert first.delivered == 1
    (failure,) = first.failures
    assert failure.notifier == "itsm_core.webhook"
    assert "NotificationError" in failure.error and "HTTP 503" in failure.error
    policy = core.runtime.relay.backoff
    wait = failure.retry_at - clock.now()
    assert policy.delay(1) * (1 - policy.jitter) <= wait <= policy.delay(1)
    assert len(smtp.inbox.envelopes) == 1

    assert core.relay().claimed == 0  # not due yet: nothing is tried
    clock.advance(seconds=10)
    second = core.relay()
    assert len(second.failures) == 1 and "HTTP 500" in second.failures[0].error
    clock.advance(seconds=20)  # backoff doubled
    third = core.relay()
    assert third.delivered == 1 and third.failures == ()

    assert len(smtp.inbox.envelopes) == 1  # e-mail was not sent again
    ids = {r.headers["X-Itsm-Event-Id"] for r in webhook.requests}
    assert len(webhook.requests) == 3 and len(ids) == 1  # same idempotency key every time
    assert core.storage.outbox_pending(clock.now()) == []


def test_mail_server_down_then_back(smtp: SmtpServer, webhook: WebhookServer) -> None:
    core, clock = make_core(email_notifier(smtp), webhook_notifier(webhook))
    smtp.stop()
    receive_ticket(core)  # the relay runs after the commit; the e-mail fails
    assert len(webhook.requests) == 1
    (entry,) = core.storage.outbox_pending(clock.now())
    assert entry.delivered == {"itsm_core.webhook"}
    assert entry.attempts == {"itsm_core.email": 1}

    smtp.start()  # back, on the same port
    clock.advance(seconds=10)
    report = core.relay()
    assert report.delivered == 1 and report.failures == ()
    (text,) = mail_text(smtp)
    assert IDENTITY not in text
    assert len(webhook.requests) == 1
    assert core.storage.outbox_pending(clock.now()) == []


def test_each_event_is_sent_once_per_notifier(smtp: SmtpServer, webhook: WebhookServer) -> None:
    core, _ = make_core(email_notifier(smtp), webhook_notifier(webhook))
    for n in range(3):
        receive_ticket(core, f"t-{n}")
    assert core.relay().delivered == 0
    assert len(smtp.inbox.envelopes) == 3
    assert len({r.headers["X-Itsm-Event-Id"] for r in webhook.requests}) == 3
