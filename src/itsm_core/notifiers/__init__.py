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

import importlib
from typing import TYPE_CHECKING, Any

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

_EXPORTS: dict[str, str] = {
    "EMAIL_PLUGIN_NAME": "itsm_core.notifiers.smtp",
    "EVENT_HEADER": "itsm_core.notifiers.webhook",
    "EVENT_ID_HEADER": "itsm_core.notifiers.webhook",
    "NOTICE_EVENT": "itsm_core.notifiers.render",
    "SIGNATURE_HEADER": "itsm_core.notifiers.webhook",
    "TIMESTAMP_HEADER": "itsm_core.notifiers.webhook",
    "WEBHOOK_PLUGIN_NAME": "itsm_core.notifiers.webhook",
    "EmailNotifier": "itsm_core.notifiers.smtp",
    "MailLanguage": "itsm_core.notifiers.render",
    "NotificationError": "itsm_core.notifiers.base",
    "Recipients": "itsm_core.notifiers.smtp",
    "Unconfigured": "itsm_core.notifiers.base",
    "WebhookNotifier": "itsm_core.notifiers.webhook",
    "encode_event": "itsm_core.notifiers.webhook",
    "notice_recipients": "itsm_core.notifiers.render",
    "render_body": "itsm_core.notifiers.render",
    "render_subject": "itsm_core.notifiers.render",
    "sign": "itsm_core.notifiers.webhook",
    "verify": "itsm_core.notifiers.webhook",
    "verify_signature": "itsm_core.notifiers.webhook",
}
"""Each public name and the module that defines it, loaded on first use."""


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
