"""Configuring the notifiers: explicitly, or from the environment through the entry points."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from itsm_core import ItsmCore, PluginError, hookimpl
from itsm_core.kernel.events import DomainEvent
from itsm_core.notifiers import (
    EMAIL_PLUGIN_NAME,
    WEBHOOK_PLUGIN_NAME,
    EmailNotifier,
    Unconfigured,
    WebhookNotifier,
)
from itsm_core.notifiers import entrypoints as targets

from .support import SmtpServer, WebhookServer, make_core, receive_ticket

EMAIL_ENV = {
    "ITSM_SMTP_HOST": "mail.example.com",
    "ITSM_SMTP_SENDER": "itsm@example.com",
    "ITSM_SMTP_RECIPIENTS": "desk@example.com, lead@example.com",
}


def notifier_names(core: ItsmCore) -> set[str]:
    return {impl.plugin_name for impl in core.plugins.hook.itsm_on_event.get_hookimpls()}


# --- from the environment ------------------------------------------------------------------


def test_email_is_off_without_a_host() -> None:
    assert EmailNotifier.from_env({}) is None
    assert EmailNotifier.from_env({"ITSM_SMTP_HOST": "  "}) is None


def test_email_from_a_full_environment() -> None:
    env = {
        **EMAIL_ENV,
        "ITSM_SMTP_PORT": "587",
        "ITSM_SMTP_STARTTLS": "yes",
        "ITSM_SMTP_USERNAME": "itsm",
        "ITSM_SMTP_PASSWORD": "pw",
        "ITSM_SMTP_TIMEOUT": "2.5",
        "ITSM_SMTP_LANGUAGE": "en",
        "ITSM_SMTP_EVENTS": "complaint.*,sla.breached",
    }
    mailer = EmailNotifier.from_env(env)
    assert mailer is not None
    assert (mailer.host, mailer.port, mailer.starttls, mailer.use_ssl) == (
        "mail.example.com",
        587,
        True,
        False,
    )
    assert (mailer.username, mailer.timeout, mailer.language) == ("itsm", 2.5, "en")
    assert mailer.events == ("complaint.*", "sla.breached")
    assert mailer.plugin_name == EMAIL_PLUGIN_NAME
    event = DomainEvent.from_dict(
        {
            "event_id": "evt-1",
            "aggregate_kind": "complaint",
            "aggregate_id": "c-1",
            "aggregate_version": 1,
            "name": "complaint.received",
            "occurred_at": "2026-05-04T10:00:00+08:00",
            "actor_id": "u-1",
        }
    )
    assert mailer.recipients_for(event) == ["desk@example.com", "lead@example.com"]


@pytest.mark.parametrize(
    ("extra", "missing", "named"),
    [
        ({}, "ITSM_SMTP_SENDER", "ITSM_SMTP_SENDER"),
        ({}, "ITSM_SMTP_RECIPIENTS", "ITSM_SMTP_RECIPIENTS"),
        ({"ITSM_SMTP_PORT": "smtp"}, None, "ITSM_SMTP_PORT"),
        ({"ITSM_SMTP_PORT": "70000"}, None, "ITSM_SMTP_PORT"),
        ({"ITSM_SMTP_STARTTLS": "maybe"}, None, "ITSM_SMTP_STARTTLS"),
        ({"ITSM_SMTP_TIMEOUT": "soon"}, None, "ITSM_SMTP_TIMEOUT"),
        ({"ITSM_SMTP_TIMEOUT": "0"}, None, "ITSM_SMTP_TIMEOUT"),
        ({"ITSM_SMTP_LANGUAGE": "fr"}, None, "ITSM_SMTP_LANGUAGE"),
        ({"ITSM_SMTP_STARTTLS": "1", "ITSM_SMTP_SSL": "1"}, None, "ITSM_SMTP_"),
        ({"ITSM_SMTP_USERNAME": "itsm"}, None, "ITSM_SMTP_"),
        ({"ITSM_SMTP_RECIPIENTS": "nobody"}, None, "ITSM_SMTP_"),
    ],
)
def test_incomplete_or_malformed_email_settings_name_the_variable(
    extra: dict[str, str], missing: str | None, named: str
) -> None:
    env = {**EMAIL_ENV, **extra}
    if missing:
        del env[missing]
    with pytest.raises(PluginError, match=named):
        EmailNotifier.from_env(env)


def test_webhook_from_the_environment() -> None:
    assert WebhookNotifier.from_env({}) is None
    hook = WebhookNotifier.from_env(
        {
            "ITSM_WEBHOOK_URL": "https://crm.example.com/itsm",
            "ITSM_WEBHOOK_SECRET": "s",
            "ITSM_WEBHOOK_TIMEOUT": "3",
            "ITSM_WEBHOOK_EVENTS": "complaint.*",
        }
    )
    assert hook is not None
    assert (hook.url, hook.timeout, hook.events) == (
        "https://crm.example.com/itsm",
        3.0,
        ("complaint.*",),
    )
    assert hook.plugin_name == WEBHOOK_PLUGIN_NAME
    with pytest.raises(PluginError, match="ITSM_WEBHOOK_SECRET"):
        WebhookNotifier.from_env({"ITSM_WEBHOOK_URL": "https://crm.example.com/itsm"})
    with pytest.raises(PluginError, match="http:// or https://"):
        WebhookNotifier.from_env(
            {"ITSM_WEBHOOK_URL": "crm.example.com", "ITSM_WEBHOOK_SECRET": "s"}
        )


def test_entry_point_targets_read_the_environment_at_each_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    off = targets.email
    assert isinstance(off, Unconfigured) and off.plugin_name == EMAIL_PLUGIN_NAME
    assert "ITSM_SMTP_HOST" in repr(off) and not hasattr(off, "itsm_on_event")
    assert isinstance(targets.webhook, Unconfigured)
    for key, value in EMAIL_ENV.items():
        monkeypatch.setenv(key, value)
    assert isinstance(targets.email, EmailNotifier)
    assert targets.email is not targets.email  # built afresh
    with pytest.raises(AttributeError):
        _ = targets.nothing_here


# --- through the installed entry points ----------------------------------------------------


def test_both_notifiers_are_installed_entry_points() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="itsm_core")}
    assert found.get(EMAIL_PLUGIN_NAME) == "itsm_core.notifiers.entrypoints:email", (
        "the itsm_core entry points are missing: reinstall the package (pip install -e .)"
    )
    assert found.get(WEBHOOK_PLUGIN_NAME) == "itsm_core.notifiers.entrypoints:webhook"


def test_unconfigured_entry_points_do_nothing() -> None:
    core, _ = make_core(load_entrypoints=True)
    assert isinstance(core.plugins.get_plugin(EMAIL_PLUGIN_NAME), Unconfigured)
    assert isinstance(core.plugins.get_plugin(WEBHOOK_PLUGIN_NAME), Unconfigured)
    assert not notifier_names(core) & {EMAIL_PLUGIN_NAME, WEBHOOK_PLUGIN_NAME}
    receive_ticket(core)  # nothing to deliver to, nothing fails


def test_environment_configured_entry_points_deliver(
    monkeypatch: pytest.MonkeyPatch, smtp: SmtpServer, webhook: WebhookServer
) -> None:
    monkeypatch.setenv("ITSM_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("ITSM_WEBHOOK_SECRET", "env-secret")
    monkeypatch.setenv("ITSM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ITSM_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("ITSM_SMTP_SENDER", "itsm@example.com")
    monkeypatch.setenv("ITSM_SMTP_RECIPIENTS", "desk@example.com")
    core, _ = make_core(load_entrypoints=True)
    assert {EMAIL_PLUGIN_NAME, WEBHOOK_PLUGIN_NAME} <= notifier_names(core)
    receive_ticket(core)
    assert len(webhook.requests) == 1 and len(smtp.inbox.envelopes) == 1


def test_malformed_environment_fails_when_the_facade_is_created(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ITSM_WEBHOOK_URL", "https://crm.example.com/itsm")
    with pytest.raises(PluginError, match="ITSM_WEBHOOK_SECRET"):
        ItsmCore()
    assert ItsmCore(load_entrypoints=False).plugins is not None


def test_a_malformed_webhook_port_fails_when_the_facade_is_created(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ITSM_WEBHOOK_URL", "https://crm.example.com:99999/itsm")
    monkeypatch.setenv("ITSM_WEBHOOK_SECRET", "s3cret")
    with pytest.raises(PluginError, match=r"ITSM_WEBHOOK_\*.*malformed.*out of range"):
        ItsmCore()


def test_an_explicit_notifier_replaces_the_environment_one_of_the_same_name(
    monkeypatch: pytest.MonkeyPatch, webhook: WebhookServer
) -> None:
    other = WebhookServer()
    other.start()
    try:
        monkeypatch.setenv("ITSM_WEBHOOK_URL", other.url)
        monkeypatch.setenv("ITSM_WEBHOOK_SECRET", "env-secret")
        explicit = WebhookNotifier(webhook.url, "explicit", proxies={})
        core, _ = make_core(explicit, load_entrypoints=True)
        assert core.plugins.get_plugin(WEBHOOK_PLUGIN_NAME) is explicit
        receive_ticket(core)
        assert len(webhook.requests) == 1 and other.requests == []
    finally:
        other.stop()


# --- plug-in names -------------------------------------------------------------------------


def test_notifiers_are_registered_under_their_plugin_name(webhook: WebhookServer) -> None:
    crm = WebhookNotifier(webhook.url, "a", name="crm", proxies={})
    bi = WebhookNotifier(webhook.url, "b", name="bi", proxies={})
    core, _ = make_core(crm, bi)
    assert notifier_names(core) == {"crm", "bi"}
    assert core.plugins.get_name(crm) == "crm"
    receive_ticket(core)
    assert len(webhook.requests) == 2


def test_two_plugins_with_one_name_are_refused(webhook: WebhookServer) -> None:
    with pytest.raises(PluginError, match=r"'itsm_core\.webhook'"):
        make_core(WebhookNotifier(webhook.url, "a"), WebhookNotifier(webhook.url, "b"))


def test_a_plugin_without_a_name_keeps_pluggys_default() -> None:
    class Anonymous:
        @hookimpl
        def itsm_on_event(self, event: DomainEvent) -> None:
            pass

    plugin = Anonymous()
    core, _ = make_core(plugin)
    assert core.plugins.get_name(plugin) == str(id(plugin))
    core_again, _ = make_core(plugin, plugin)  # the same object twice is registered once
    assert len(core_again.plugins.hook.itsm_on_event.get_hookimpls()) == 1
