"""Notifiers: plug-ins that pass committed events on to people and systems.

Two are shipped, both installed as entry points of the group ``itsm_core``
and both using only the standard library:

- :class:`EmailNotifier` sends each event as a plain-text e-mail over SMTP
  (wording in Chinese and/or English; a customer notice is sent as its
  letter, to the addresses :func:`notice_recipients` finds);
- :class:`WebhookNotifier` POSTs each event as JSON with an HMAC-SHA256
  signature header; receivers check it with :func:`verify`.

Configure one either by passing an instance to the facade,
``ItsmCore(plugins=[EmailNotifier(...)])``, or through environment variables
(``ITSM_SMTP_HOST``..., ``ITSM_WEBHOOK_URL``...) read when the facade loads the
installed plug-ins; unset, they do nothing. Both only ever see redacted
events, and a delivery that fails raises :class:`NotificationError` so the
outbox relay retries it with backoff.

The names below are loaded on first use: loading the installed plug-ins
(which reads this package) brings in SMTP, TLS and HTTP only for a notifier
the environment turns on.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itsm_core.notifiers.base import NotificationError, Unconfigured
    from itsm_core.notifiers.render import (
        NOTICE_EVENT,
        MailLanguage,
        notice_recipients,
        render_body,
        render_subject,
    )
    from itsm_core.notifiers.smtp import EMAIL_PLUGIN_NAME, EmailNotifier, Recipients
    from itsm_core.notifiers.webhook import (
        EVENT_HEADER,
        EVENT_ID_HEADER,
        SIGNATURE_HEADER,
        TIMESTAMP_HEADER,
        WEBHOOK_PLUGIN_NAME,
        WebhookNotifier,
        encode_event,
        sign,
        verify,
        verify_signature,
    )
else:
    from itsm_core.kernel.lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "itsm_core.notifiers.base": (
                "NotificationError",
                "Unconfigured",
            ),
            "itsm_core.notifiers.render": (
                "MailLanguage",
                "NOTICE_EVENT",
                "notice_recipients",
                "render_body",
                "render_subject",
            ),
            "itsm_core.notifiers.smtp": (
                "EMAIL_PLUGIN_NAME",
                "EmailNotifier",
                "Recipients",
            ),
            "itsm_core.notifiers.webhook": (
                "EVENT_HEADER",
                "EVENT_ID_HEADER",
                "SIGNATURE_HEADER",
                "TIMESTAMP_HEADER",
                "WEBHOOK_PLUGIN_NAME",
                "WebhookNotifier",
                "encode_event",
                "sign",
                "verify",
                "verify_signature",
            ),
        },
    )

__all__ = [
    "EMAIL_PLUGIN_NAME",
    "EVENT_HEADER",
    "EVENT_ID_HEADER",
    "NOTICE_EVENT",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WEBHOOK_PLUGIN_NAME",
    "EmailNotifier",
    "MailLanguage",
    "NotificationError",
    "Recipients",
    "Unconfigured",
    "WebhookNotifier",
    "encode_event",
    "notice_recipients",
    "render_body",
    "render_subject",
    "sign",
    "verify",
    "verify_signature",
]
