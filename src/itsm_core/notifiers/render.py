"""The wording of a notification e-mail: subject and plain-text body, in Chinese and/or English."""

from __future__ import annotations

import json
from typing import Any, Literal, get_args

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import REDACTED, DomainEvent, jsonable

__all__ = ["MailLanguage", "parse_language", "render_body", "render_subject"]

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


def render_subject(
    event: DomainEvent, language: MailLanguage = "zh+en", prefix: str = "[ITSM]"
) -> str:
    """Return a one-line subject naming the event and the aggregate.

    :param event: the (redacted) event.
    :param language: the wording.
    :param prefix: put in front of the subject (empty for none).
    """
    text = f"{event.name} {_word('notice', language)} · {event.aggregate_kind} {event.aggregate_id}"
    return f"{prefix} {text}" if prefix else text


def render_body(event: DomainEvent, language: MailLanguage = "zh+en") -> str:
    """Return the plain-text body: what happened, to what, when, by whom, and the payload.

    Confidential payload values must already be redacted: this function
    prints what it is given (the notifiers redact before calling it).

    :param event: the (redacted) event.
    :param language: the wording.
    """
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
