"""Fixtures for the plug-in tests: servers on 127.0.0.1, a clean environment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support import SmtpServer, WebhookServer

_SETTINGS = (
    "ITSM_SMTP_HOST",
    "ITSM_SMTP_PORT",
    "ITSM_SMTP_SENDER",
    "ITSM_SMTP_RECIPIENTS",
    "ITSM_SMTP_STARTTLS",
    "ITSM_SMTP_SSL",
    "ITSM_SMTP_USERNAME",
    "ITSM_SMTP_PASSWORD",
    "ITSM_SMTP_TIMEOUT",
    "ITSM_SMTP_LANGUAGE",
    "ITSM_SMTP_EVENTS",
    "ITSM_WEBHOOK_URL",
    "ITSM_WEBHOOK_SECRET",
    "ITSM_WEBHOOK_TIMEOUT",
    "ITSM_WEBHOOK_EVENTS",
)
_PROXIES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No notifier settings and no proxy leak in from the caller's environment."""
    for name in (*_SETTINGS, *_PROXIES):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    server = WebhookServer()
    server.start()
    yield server
    server.stop()
