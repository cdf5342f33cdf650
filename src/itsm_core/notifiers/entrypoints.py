"""Targets of the ``itsm_core`` entry points ``itsm_core.email`` and ``itsm_core.webhook``.

An entry point is loaded without arguments, so these notifiers take their
settings from environment variables. Each time a facade loads its plug-ins,
reading ``email`` or ``webhook`` from this module builds the notifier from
the environment *as it is then*: a configured
:class:`~itsm_core.notifiers.smtp.EmailNotifier` /
:class:`~itsm_core.notifiers.webhook.WebhookNotifier`, or, when its variables are
not set, an :class:`~itsm_core.notifiers.base.Unconfigured` stand-in that
implements no hook (so nothing is sent and nothing fails). Incomplete or
malformed settings raise :class:`~itsm_core.kernel.errors.PluginError` naming the
variable, when the facade is created.

A notifier passed explicitly, ``ItsmCore(plugins=[EmailNotifier(...)])``,
replaces the one from the environment when it has the same plug-in name (the
default names are the same).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from itsm_core.notifiers.base import Unconfigured, env_text

if TYPE_CHECKING:
    from itsm_core.notifiers.smtp import EmailNotifier
    from itsm_core.notifiers.webhook import WebhookNotifier

__all__ = ["email_from_env", "webhook_from_env"]

# The plug-in names of the notifiers (EMAIL_PLUGIN_NAME, WEBHOOK_PLUGIN_NAME), here too:
# a notifier the environment leaves off is answered without loading SMTP, TLS or HTTP.
_EMAIL = "itsm_core.email"
_WEBHOOK = "itsm_core.webhook"


def email_from_env() -> EmailNotifier | Unconfigured:
    """Return the e-mail notifier the environment configures, or a stand-in when it is off."""
    if env_text(os.environ, "ITSM_SMTP_HOST") is None:  # what EmailNotifier.from_env reads first
        return Unconfigured(_EMAIL, "set ITSM_SMTP_HOST to turn it on")
    from itsm_core.notifiers.smtp import EmailNotifier

    notifier = EmailNotifier.from_env()
    if notifier is None:
        return Unconfigured(_EMAIL, "set ITSM_SMTP_HOST to turn it on")
    return notifier


def webhook_from_env() -> WebhookNotifier | Unconfigured:
    """Return the webhook notifier the environment configures, or a stand-in when it is off."""
    if env_text(os.environ, "ITSM_WEBHOOK_URL") is None:  # what WebhookNotifier.from_env reads
        return Unconfigured(_WEBHOOK, "set ITSM_WEBHOOK_URL to turn it on")
    from itsm_core.notifiers.webhook import WebhookNotifier

    notifier = WebhookNotifier.from_env()
    if notifier is None:
        return Unconfigured(_WEBHOOK, "set ITSM_WEBHOOK_URL to turn it on")
    return notifier


def __getattr__(name: str) -> object:
    # ``module:email`` in an entry point is looked up afresh on every load.
    if name == "email":
        return email_from_env()
    if name == "webhook":
        return webhook_from_env()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
