"""The e-mail notifier: one plain-text message per event, sent over SMTP (standard library)."""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Callable, Iterable, Mapping, Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, parseaddr
from typing import TypeAlias

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.markers import hookimpl
from itsm_core.notifiers.base import (
    NotificationError,
    configured,
    env_flag,
    env_number,
    env_port,
    env_required,
    env_text,
    event_filter,
    matches,
)
from itsm_core.notifiers.render import MailLanguage, parse_language, render_body, render_subject

__all__ = ["EMAIL_PLUGIN_NAME", "EmailNotifier", "Recipients"]

log = logging.getLogger(__name__)

EMAIL_PLUGIN_NAME = "itsm_core.email"
"""The plug-in name of the e-mail notifier (its entry-point name, and the default ``name``)."""

Recipients: TypeAlias = (
    str | Sequence[str] | Mapping[str, Sequence[str]] | Callable[[DomainEvent], Iterable[str]]
)
"""Who receives an event: addresses (a list, or one comma-separated string), a mapping from
event-name patterns (``"complaint.*"``, ``"*"``) to addresses, or a function of the event."""


def _addresses(value: str | Iterable[str], field: str) -> list[str]:
    """Return addresses as header text (``a@x`` or ``张三 <a@x>``), each address once."""
    items = [value] if isinstance(value, str) else list(value)
    result: list[str] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise ValidationError(f"{field}: {item!r} is not an e-mail address", field=field)
        for name, addr in getaddresses([item]):
            try:
                if "@" not in addr:
                    raise ValueError(addr)
                text = str(Address(display_name=name, addr_spec=addr)) if name else addr
            except (ValueError, IndexError):
                raise ValidationError(
                    f"{field}: {item!r} is not an e-mail address", field=field
                ) from None
            if addr.lower() not in seen:
                seen.add(addr.lower())
                result.append(text)
    return result


def _envelope(addresses: Iterable[str]) -> list[str]:
    """The bare ``a@x`` of each address, for the SMTP envelope."""
    return [parseaddr(a)[1] for a in addresses]


class EmailNotifier:
    """Sends each committed event as a plain-text e-mail over SMTP.

    Use it as a plug-in: ``ItsmCore(plugins=[EmailNotifier(host=..., sender=...,
    recipients=[...])])``, or install nothing and set the ``ITSM_SMTP_*``
    environment variables (see :meth:`from_env`). Each message has the event
    id in its ``Message-ID`` and ``X-Itsm-Event-Id`` headers, so a message sent
    again after a retry can be recognised as the same one.

    The notifier only ever sees redacted events and redacts once more itself:
    a confidential payload value never reaches a mailbox.

    :param host: the SMTP server.
    :param sender: the ``From`` address (also the envelope sender).
    :param recipients: who receives which event (see :data:`Recipients`); an
        event nobody should receive is skipped.
    :param port: the server's port (25; 587 is usual with ``starttls``, 465 with ``use_ssl``).
    :param starttls: upgrade the connection with ``STARTTLS`` before logging in.
    :param use_ssl: connect with TLS from the start (SMTPS).
    :param username: log in with this user (needs ``password``).
    :param password: the password for ``username``.
    :param timeout: seconds to wait for the server on each step.
    :param language: ``"zh"``, ``"en"`` or ``"zh+en"`` (both, Chinese first).
    :param events: send only events whose name matches one of these patterns
        (``fnmatch`` style, e.g. ``"complaint.*"``); default: all.
    :param subject_prefix: put in front of every subject.
    :param name: the plug-in name; deliveries are recorded per name, so keep it stable
        and give each of several e-mail notifiers its own.
    :param ssl_context: TLS settings for ``starttls``/``use_ssl`` (default: the system's).
    :param local_hostname: the name to greet the server with (default: this host's FQDN).
    :raises ValidationError: if a setting is missing or malformed.
    """

    def __init__(
        self,
        *,
        host: str,
        sender: str,
        recipients: Recipients,
        port: int = 25,
        starttls: bool = False,
        use_ssl: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        language: MailLanguage = "zh+en",
        events: Iterable[str] | str | None = None,
        subject_prefix: str = "[ITSM]",
        name: str = EMAIL_PLUGIN_NAME,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        if not isinstance(host, str) or not host.strip():
            raise ValidationError("host must name the SMTP server", field="host")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValidationError(f"port must be between 1 and 65535, got {port!r}", field="port")
        if starttls and use_ssl:
            raise ValidationError(
                "choose one of starttls (upgrade a plain connection) and use_ssl (SMTPS)",
                field="starttls",
            )
        if (username is None) != (password is None):
            raise ValidationError("username and password go together", field="username")
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise ValidationError(
                f"timeout must be positive seconds, got {timeout!r}", field="timeout"
            )
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("name must be a non-empty plug-in name", field="name")
        for field, text in (("subject_prefix", subject_prefix), ("local_hostname", local_hostname)):
            if text is not None and (not isinstance(text, str) or "\r" in text or "\n" in text):
                raise ValidationError(
                    f"{field} must be one line of text, got {text!r}", field=field
                )
        senders = _addresses([sender], "sender")
        if len(senders) != 1:
            raise ValidationError(f"sender must be one address, got {sender!r}", field="sender")
        self.sender = senders[0]
        self.host = host.strip()
        self.port = port
        self.starttls = starttls
        self.use_ssl = use_ssl
        self.username = username
        self._password = password
        self.timeout = float(timeout)
        self.language = parse_language(language)
        self.events = event_filter(events)
        self.subject_prefix = subject_prefix
        self.plugin_name = name
        self.ssl_context = ssl_context
        self.local_hostname = local_hostname
        self._route = self._router(recipients)

    @staticmethod
    def _router(recipients: Recipients) -> Callable[[DomainEvent], list[str]]:
        if callable(recipients):
            function = recipients
            return lambda event: _addresses(function(event), "recipients")
        if isinstance(recipients, Mapping):
            table = {
                str(pattern): _addresses(addresses, f"recipients[{pattern!r}]")
                for pattern, addresses in recipients.items()
            }

            def route(event: DomainEvent) -> list[str]:
                found = [
                    a
                    for p, addresses in table.items()
                    if matches([p], event.name)
                    for a in addresses
                ]
                return _addresses(found, "recipients")

            return route
        fixed = _addresses(recipients, "recipients")
        if not fixed:
            raise ValidationError("recipients must name at least one address", field="recipients")
        return lambda event: list(fixed)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EmailNotifier | None:
        """Build the notifier from ``ITSM_SMTP_*`` environment variables.

        Returns None when ``ITSM_SMTP_HOST`` is unset (the notifier is off).
        ``ITSM_SMTP_SENDER`` and ``ITSM_SMTP_RECIPIENTS`` (comma-separated)
        are then required; optional: ``ITSM_SMTP_PORT``, ``ITSM_SMTP_STARTTLS``,
        ``ITSM_SMTP_SSL``, ``ITSM_SMTP_USERNAME``, ``ITSM_SMTP_PASSWORD``,
        ``ITSM_SMTP_TIMEOUT``, ``ITSM_SMTP_LANGUAGE``, ``ITSM_SMTP_EVENTS``.

        :param environ: where to read (default: :data:`os.environ`).
        :raises PluginError: naming the variable, when the settings are incomplete or malformed.
        """
        env = os.environ if environ is None else environ
        host = env_text(env, "ITSM_SMTP_HOST")
        if host is None:
            return None
        because = "ITSM_SMTP_HOST"
        try:
            return cls(
                host=host,
                sender=env_required(env, "ITSM_SMTP_SENDER", because),
                recipients=env_required(env, "ITSM_SMTP_RECIPIENTS", because),
                port=env_port(env, "ITSM_SMTP_PORT", 25),
                starttls=env_flag(env, "ITSM_SMTP_STARTTLS"),
                use_ssl=env_flag(env, "ITSM_SMTP_SSL"),
                username=env_text(env, "ITSM_SMTP_USERNAME"),
                password=env_text(env, "ITSM_SMTP_PASSWORD"),
                timeout=env_number(env, "ITSM_SMTP_TIMEOUT", 10.0),
                language=parse_language(
                    env_text(env, "ITSM_SMTP_LANGUAGE") or "zh+en", "ITSM_SMTP_LANGUAGE"
                ),
                events=env_text(env, "ITSM_SMTP_EVENTS"),
            )
        except ValidationError as exc:
            raise configured(exc, "ITSM_SMTP_*") from exc

    def __repr__(self) -> str:
        return f"<EmailNotifier {self.plugin_name!r} smtp://{self.host}:{self.port}>"

    def recipients_for(self, event: DomainEvent) -> list[str]:
        """Return who receives ``event`` (empty when it is filtered out or routed to nobody)."""
        if not matches(self.events, event.name):
            return []
        return self._route(event)

    def message(self, event: DomainEvent, recipients: Sequence[str]) -> EmailMessage:
        """Return the e-mail for ``event`` (redacted once more), addressed to ``recipients``."""
        event = event.redacted()
        msg = EmailMessage()
        msg["Subject"] = render_subject(event, self.language, self.subject_prefix)
        msg["From"] = self.sender
        msg["To"] = ", ".join(recipients)
        msg["Date"] = formatdate(usegmt=True)
        domain = _envelope([self.sender])[0].rsplit("@", 1)[1]
        msg["Message-ID"] = f"<{event.event_id}@{domain}>"
        msg["X-Itsm-Event-Id"] = event.event_id
        msg["X-Itsm-Event"] = event.name
        msg.set_content(render_body(event, self.language), charset="utf-8", cte="base64")
        return msg

    def send(self, event: DomainEvent) -> bool:
        """Send ``event`` now; return False if nobody is to receive it.

        :raises NotificationError: if the server cannot be reached, refuses
            the message or every recipient, or times out.
        """
        recipients = self.recipients_for(event)
        if not recipients:
            return False
        msg = self.message(event, recipients)
        where = f"smtp://{self.host}:{self.port}"
        try:
            refused = self._deliver(msg, recipients)
        except (smtplib.SMTPException, OSError) as exc:
            raise NotificationError(
                f"{self.plugin_name}: could not send event {event.name} ({event.event_id}) "
                f"via {where}: {type(exc).__name__}: {exc}",
                notifier=self.plugin_name,
                event_id=event.event_id,
            ) from exc
        if refused:
            log.warning(
                "%s: %s refused recipients %s of event %s (%s)",
                self.plugin_name,
                where,
                ", ".join(sorted(refused)),
                event.name,
                event.event_id,
            )
        return True

    def _deliver(
        self, msg: EmailMessage, recipients: Sequence[str]
    ) -> dict[str, tuple[int, bytes]]:
        smtp: smtplib.SMTP
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
                context=self.ssl_context or ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(
                self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
            )
        with smtp:
            if self.starttls:
                smtp.starttls(context=self.ssl_context or ssl.create_default_context())
            if self.username is not None and self._password is not None:
                smtp.login(self.username, self._password)
            return smtp.send_message(
                msg, from_addr=_envelope([self.sender])[0], to_addrs=_envelope(recipients)
            )

    @hookimpl
    def itsm_on_event(self, event: DomainEvent) -> None:
        """Send ``event`` (the ``itsm_on_event`` hook); a failure raises so the relay retries.

        :param event: the committed, redacted event.
        """
        self.send(event)
