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

from itsm_core.notifiers.base import Unconfigured
from itsm_core.notifiers.smtp import EMAIL_PLUGIN_NAME, EmailNotifier
from itsm_core.notifiers.webhook import WEBHOOK_PLUGIN_NAME, WebhookNotifier

__all__ = ["email_from_env", "webhook_from_env"]


def email_from_env() -> EmailNotifier | Unconfigured:
    """Return the e-mail notifier the environment configures, or a stand-in when it is off."""
    notifier = EmailNotifier.from_env()
    if notifier is None:
        return Unconfigured(EMAIL_PLUGIN_NAME, "set ITSM_SMTP_HOST to turn it on")
    return notifier


def webhook_from_env() -> WebhookNotifier | Unconfigured:
    """Return the webhook notifier the environment configures, or a stand-in when it is off."""
    notifier = WebhookNotifier.from_env()
    if notifier is None:
        return Unconfigured(WEBHOOK_PLUGIN_NAME, "set ITSM_WEBHOOK_URL to turn it on")
    return notifier


def __getattr__(name: str) -> object:
    # ``module:email`` in an entry point is looked up afresh on every load.
    if name == "email":
        return email_from_env()
    if name == "webhook":
        return webhook_from_env()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
