"""The webhook notifier: POSTs each committed event as signed JSON (standard library)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from typing import IO, Any

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.markers import hookimpl
from itsm_core.notifiers.base import (
    NotificationError,
    configured,
    env_number,
    env_required,
    env_text,
    event_filter,
    matches,
)

__all__ = [
    "DEFAULT_TOLERANCE",
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
]

WEBHOOK_PLUGIN_NAME = "itsm_core.webhook"
"""The plug-in name of the webhook notifier (its entry-point name, and the default ``name``)."""

SIGNATURE_HEADER = "X-Itsm-Signature"
"""``t=<timestamp>,v1=<hex>``: HMAC-SHA256 of ``<timestamp>.<body>`` with the shared
secret (:func:`sign`); receivers check it with :func:`verify`."""
EVENT_ID_HEADER = "X-Itsm-Event-Id"
"""The event id: the idempotency key (a retried delivery carries the same one)."""
EVENT_HEADER = "X-Itsm-Event"
"""The event name, e.g. ``complaint.received``."""
TIMESTAMP_HEADER = "X-Itsm-Timestamp"
"""When this attempt was sent, in whole seconds since the Unix epoch."""


def _secret_bytes(secret: str | bytes) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, bytes) or not secret:
        raise ValidationError("secret must be a non-empty string or bytes", field="secret")
    return secret


def encode_event(event: DomainEvent) -> bytes:
    """Return the request body for ``event``: ``event.to_dict()`` as compact UTF-8 JSON.

    Keys are sorted, so the same event always gives the same bytes.
    """
    data = event.to_dict()
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """Return the :data:`SIGNATURE_HEADER` value: ``t=<timestamp>,v1=<hex digest>``.

    The digest is HMAC-SHA256 over ``b"<timestamp>." + body``: the timestamp is
    signed with the body, so a captured request cannot be replayed later with
    a fresh timestamp (see :func:`verify`).

    :param secret: the secret shared with the receiver.
    :param body: the exact bytes sent.
    :param timestamp: when the attempt is sent, in whole seconds since the Unix epoch.
    """
    signed = str(int(timestamp)).encode("ascii") + b"." + body
    digest = hmac.new(_secret_bytes(secret), signed, hashlib.sha256).hexdigest()
    return f"t={int(timestamp)},v1={digest}"


DEFAULT_TOLERANCE = 300
"""The replay window of :func:`verify`, in seconds: a signature older (or newer) is refused."""


def verify(
    secret: str | bytes,
    body: bytes,
    header: str | None,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """Return True if ``header`` signs ``body`` and was made within ``tolerance`` of ``now``.

    For receivers: pass the raw body exactly as received, before any JSON
    parsing, and the ``X-Itsm-Signature`` header. The digest is compared in
    constant time; a signature more than ``tolerance`` seconds from ``now``
    is refused, so a captured request cannot be replayed after the window
    (within it, ignore event ids you already have). A missing or malformed
    header is simply invalid.

    :param tolerance: the replay window in seconds (default :data:`DEFAULT_TOLERANCE`).
    :param now: the receiver's time in seconds since the epoch (default: now).
    """
    if not isinstance(header, str) or not isinstance(body, bytes):
        return False
    fields: dict[str, list[str]] = {}
    for part in header.strip().split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields.setdefault(key, []).append(value)
    stamps, digests = fields.get("t", []), fields.get("v1", [])
    if len(stamps) != 1 or not digests or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    moment = time.time() if now is None else now
    if abs(moment - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).rpartition("v1=")[2].encode()
    return any(hmac.compare_digest(d.encode(), expected) for d in digests)


def verify_signature(secret: str | bytes, body: bytes, header: str | None) -> bool:
    """:func:`verify` with the default replay window (the name of earlier releases)."""
    return verify(secret, body, header)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET without the body: treat it as a failure."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


class _Watch:
    """The sockets of one request, shut down when its deadline passes."""

    def __init__(self) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)  # a blocked read returns at once


class _WatchedHTTP(urllib.request.HTTPHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self._watch = watch

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        watch = self._watch

        class Connection(http.client.HTTPConnection):
            def connect(self) -> None:
                super().connect()
                watch.add(self.sock)

        return self.do_open(Connection, req)


class _WatchedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, watch: _Watch, context: ssl.SSLContext | None) -> None:
        super().__init__(context=context)
        self._watch = watch
        self._context = context

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        watch = self._watch

        class Connection(http.client.HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                watch.add(self.sock)

        return self.do_open(Connection, req, context=self._context)


def _shown(url: str) -> str:
    """The URL without user info and query (they may hold secrets); host and port as written."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return "<malformed URL>"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class WebhookNotifier:
    """POSTs each committed event to a URL as JSON signed with HMAC-SHA256.

    The body is :func:`encode_event` (``event.to_dict()`` as JSON). Headers:
    ``X-Itsm-Signature: t=<timestamp>,v1=<hex>``, HMAC-SHA256 over the
    timestamp and the exact body bytes (check it with :func:`verify`),
    ``X-Itsm-Event-Id`` (the idempotency key: a retry sends the same id, so
    the receiver should ignore an id it already has), ``X-Itsm-Event`` and
    ``X-Itsm-Timestamp``. Any answer other than 2xx — redirects included —
    raises :class:`~itsm_core.notifiers.base.NotificationError`, so the relay
    retries later.

    The notifier only ever sees redacted events and redacts once more itself.

    :param url: where to POST (``http`` or ``https``).
    :param secret: the secret shared with the receiver, for the signature.
    :param timeout: seconds to wait for the receiver.
    :param events: send only events whose name matches one of these patterns
        (``fnmatch`` style, e.g. ``"complaint.*"``); default: all.
    :param headers: extra request headers (e.g. an ``Authorization``).
    :param name: the plug-in name; deliveries are recorded per name, so keep it
        stable and give each of several webhooks its own.
    :param proxies: ``{"https": "http://proxy:3128"}``; ``{}`` for no proxy;
        default: the ``*_proxy`` environment variables.
    :param ssl_context: TLS settings for ``https`` (default: the system's).
    :raises ValidationError: if a setting is missing or malformed.
    """

    def __init__(
        self,
        url: str,
        secret: str | bytes,
        *,
        timeout: float = 10.0,
        events: Iterable[str] | str | None = None,
        headers: Mapping[str, str] | None = None,
        name: str = WEBHOOK_PLUGIN_NAME,
        proxies: Mapping[str, str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not isinstance(url, str):
            raise ValidationError(f"url must be a string, got {type(url).__name__}", field="url")
        try:
            parts = urllib.parse.urlsplit(url.strip())
            parts.port  # noqa: B018 (raises ValueError for a port that is not 0-65535)
        except ValueError as exc:
            raise ValidationError(
                f"url {_shown(url)!r} is malformed ({exc}); e.g. https://hooks.example.com/itsm",
                field="url",
            ) from None
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValidationError(
                f"url must be an http:// or https:// address, got {_shown(url)!r}", field="url"
            )
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise ValidationError(
                f"timeout must be positive seconds, got {timeout!r}", field="timeout"
            )
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("name must be a non-empty plug-in name", field="name")
        self.url = url.strip()
        self._secret = _secret_bytes(secret)
        self.timeout = float(timeout)
        self.events = event_filter(events)
        self.headers = dict(headers or {})
        for key, value in self.headers.items():
            if not all(
                isinstance(t, str) and "\r" not in t and "\n" not in t for t in (key, value)
            ):
                raise ValidationError(
                    f"headers must map header names to one-line strings, got {key!r}: {value!r}",
                    field="headers",
                )
        self.plugin_name = name
        self._handlers: list[urllib.request.BaseHandler] = [_NoRedirects()]
        if proxies is not None:
            self._handlers.append(urllib.request.ProxyHandler(dict(proxies)))
        self._ssl_context = ssl_context

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WebhookNotifier | None:
        """Build the notifier from ``ITSM_WEBHOOK_*`` environment variables.

        Returns None when ``ITSM_WEBHOOK_URL`` is unset (the notifier is off).
        ``ITSM_WEBHOOK_SECRET`` is then required; optional:
        ``ITSM_WEBHOOK_TIMEOUT`` (seconds), ``ITSM_WEBHOOK_EVENTS`` (comma-separated patterns).

        :param environ: where to read (default: :data:`os.environ`).
        :raises PluginError: naming the variable, when the settings are incomplete or malformed.
        """
        env = os.environ if environ is None else environ
        url = env_text(env, "ITSM_WEBHOOK_URL")
        if url is None:
            return None
        try:
            return cls(
                url,
                env_required(env, "ITSM_WEBHOOK_SECRET", "ITSM_WEBHOOK_URL"),
                timeout=env_number(env, "ITSM_WEBHOOK_TIMEOUT", 10.0),
                events=env_text(env, "ITSM_WEBHOOK_EVENTS"),
            )
        except ValidationError as exc:
            raise configured(exc, "ITSM_WEBHOOK_*") from exc

    def __repr__(self) -> str:
        return f"<WebhookNotifier {self.plugin_name!r} {_shown(self.url)}>"

    def request(self, event: DomainEvent) -> urllib.request.Request:
        """Return the signed POST request for ``event`` (redacted here once more)."""
        body = encode_event(event.redacted())
        now = int(time.time())
        headers = {
            **self.headers,
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "itsm_core-webhook",
            SIGNATURE_HEADER: sign(self._secret, body, now),
            EVENT_ID_HEADER: event.event_id,
            EVENT_HEADER: event.name,
            TIMESTAMP_HEADER: str(now),
        }
        return urllib.request.Request(self.url, data=body, headers=headers, method="POST")

    def send(self, event: DomainEvent) -> bool:
        """POST ``event`` now; return False if it is filtered out by ``events``.

        :raises NotificationError: on any answer other than 2xx, a timeout, or
            a receiver that cannot be reached.
        """
        if not matches(self.events, event.name):
            return False
        req = self.request(event)
        where = _shown(self.url)
        what = f"event {event.name} ({event.event_id})"
        watch = _Watch()
        opener = urllib.request.build_opener(
            *self._handlers, _WatchedHTTP(watch), _WatchedHTTPS(watch, self._ssl_context)
        )
        # the timeout bounds the whole request: at the deadline its socket is shut down
        timer = threading.Timer(self.timeout, watch.expire)
        timer.daemon = True
        timer.start()
        late = f"{where} did not answer {what} within {self.timeout:g} s (timed out)"
        try:
            with opener.open(req, timeout=self.timeout) as response:
                status: int = response.status
                response.read(65536)
        except urllib.error.HTTPError as exc:
            detail = _excerpt(exc)
            raise self._error(
                f"{where} answered HTTP {exc.code} {exc.reason} to {what}{detail}", event
            ) from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            if watch.expired:
                raise self._error(late, event) from exc
            reason: Any = getattr(exc, "reason", exc)
            raise self._error(f"could not POST {what} to {where}: {reason}", event) from exc
        finally:
            timer.cancel()
        if watch.expired:
            raise self._error(late, event)
        if not 200 <= status < 300:
            raise self._error(f"{where} answered HTTP {status} to {what}", event)
        return True

    def _error(self, text: str, event: DomainEvent) -> NotificationError:
        return NotificationError(
            f"{self.plugin_name}: {text}", notifier=self.plugin_name, event_id=event.event_id
        )

    @hookimpl
    def itsm_on_event(self, event: DomainEvent) -> None:
        """POST ``event`` (the ``itsm_on_event`` hook); a failure raises so the relay retries.

        :param event: the committed, redacted event.
        """
        self.send(event)


def _excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(300).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        return ""
    finally:
        exc.close()
    return f": {text[:200]}" if text else ""
