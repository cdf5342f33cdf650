"""The wording of a notification e-mail: subject and plain-text body, in Chinese and/or English.

Every event gets the same layout (what happened, to what, when, by whom, the
payload), except a written customer notice (``customer_notice.issued``), which
is the letter itself: the subject and text its event carries in both
languages (:mod:`itsm_core.communications.templates`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, get_args

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import REDACTED, DomainEvent, jsonable

__all__ = [
    "NOTICE_EVENT",
    "MailLanguage",
    "notice_recipients",
    "parse_language",
    "render_body",
    "render_subject",
]

NOTICE_EVENT = "customer_notice.issued"
"""The event of a written customer notice: its mail is the notice's letter."""

MailLanguage = Literal["zh", "en", "zh+en"]
"""``"zh"`` Chinese only, ``"en"`` English only, ``"zh+en"`` both (Chinese first)."""

_LANGUAGES: tuple[str, ...] = get_args(MailLanguage)

_WORDS: dict[str, tuple[str, str]] = {
    "notice": ("事件通知", "event"),
    "event": ("事件", "Event"),
    "aggregate": ("对象", "Aggregate"),
    "version": ("版本", "version"),
    "occurred_at": ("发生时间", "Occurred at"),
    "actor": ("操作人", "Actor"),
    "event_id": ("事件编号", "Event id"),
    "payload": ("内容", "Details"),
    "empty": ("（无）", "(none)"),
    "redacted": (
        f"标记为 {REDACTED} 的内容为保密信息，仅授权人员可在系统中查看。",
        f"Values shown as {REDACTED} are confidential; authorised readers see them in the system.",
    ),
    "footer": (
        "此邮件由 itsm_core 自动发送，请勿直接回复。",
        "This message was sent automatically by itsm_core; please do not reply to it.",
    ),
}


def parse_language(value: object, field: str = "language") -> MailLanguage:
    """Return ``value`` as a :data:`MailLanguage`.

    :raises ValidationError: naming the allowed values.
    """
    if isinstance(value, str) and value in _LANGUAGES:
        return value  # type: ignore[return-value]
    raise ValidationError(
        f"{field} must be one of {', '.join(_LANGUAGES)}, got {value!r}", field=field
    )


def _word(key: str, language: MailLanguage, joiner: str = " / ") -> str:
    zh, en = _WORDS[key]
    if language == "zh":
        return zh
    if language == "en":
        return en
    return f"{zh}{joiner}{en}"


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(jsonable(value), ensure_ascii=False, sort_keys=True)


def _letter(event: DomainEvent, language: MailLanguage) -> list[tuple[str, str]] | None:
    """The (subject, text) of a customer notice in ``language``'s order, or None."""
    if event.name != NOTICE_EVENT:
        return None
    message = event.payload.get("message")
    if not isinstance(message, Mapping):
        return None
    langs = ("zh", "en") if language == "zh+en" else (language,)
    found: list[tuple[str, str]] = []
    for lang in langs:
        part = message.get(lang)
        if isinstance(part, Mapping):
            found.append((str(part.get("subject", "")), str(part.get("text", ""))))
    return found or None


def notice_recipients(event: DomainEvent, channel: str = "email") -> list[str]:
    """The contacts a customer notice is written to on ``channel`` (for a notifier's routing).

    E.g. ``EmailNotifier(..., recipients=notice_recipients)`` mails each
    notice to the e-mail addresses of its recipients (and nothing else, since
    other events have none).

    :param event: a committed event; only ``customer_notice.issued`` has contacts.
    :param channel: ``"email"`` (default) or ``"webhook"``.
    """
    if event.name != NOTICE_EVENT:
        return []
    written = event.payload.get("written") or ()
    return [
        str(w["contact"])
        for w in written
        if isinstance(w, Mapping) and w.get("channel") == channel and w.get("contact")
    ]


def render_subject(
    event: DomainEvent, language: MailLanguage = "zh+en", prefix: str = "[ITSM]"
) -> str:
    """Return a one-line subject naming the event and the aggregate.

    :param event: the (redacted) event.
    :param language: the wording.
    :param prefix: put in front of the subject (empty for none).
    """
    letter = _letter(event, language)
    if letter is not None:
        text = " / ".join(subject for subject, _ in letter)
        return f"{prefix} {text}" if prefix else text
    text = f"{event.name} {_word('notice', language)} · {event.aggregate_kind} {event.aggregate_id}"
    return f"{prefix} {text}" if prefix else text


def render_body(event: DomainEvent, language: MailLanguage = "zh+en") -> str:
    """Return the plain-text body: what happened, to what, when, by whom, and the payload.

    Confidential payload values must already be redacted: this function
    prints what it is given (the notifiers redact before calling it).

    :param event: the (redacted) event.
    :param language: the wording.
    """
    letter = _letter(event, language)
    if letter is not None:
        parts = [text for _, text in letter]
        return "\n\n----------------------------------------\n\n".join(parts) + "\n\n" + (
            _word("footer", language, "\n") + "\n"
        )
    roles = f" ({', '.join(event.actor_roles)})" if event.actor_roles else ""
    lines = [
        f"{_word('event', language)}: {event.name}",
        f"{_word('aggregate', language)}: {event.aggregate_kind} {event.aggregate_id} "
        f"({_word('version', language)} {event.aggregate_version})",
        f"{_word('occurred_at', language)}: {event.occurred_at.isoformat()}",
        f"{_word('actor', language)}: {event.actor_id}{roles}",
        f"{_word('event_id', language)}: {event.event_id}",
        "",
        f"{_word('payload', language)}:",
    ]
    if event.payload:
        lines.extend(f"  {key}: {_value(value)}" for key, value in sorted(event.payload.items()))
    else:
        lines.append(f"  {_word('empty', language)}")
    lines.append("")
    if any(event.payload.get(key) == REDACTED for key in event.confidential):
        lines.extend(_word("redacted", language, "\n").split("\n"))
    lines.extend(_word("footer", language, "\n").split("\n"))
    return "\n".join(lines) + "\n"
