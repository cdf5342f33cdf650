"""The wording of a written customer notice, in Chinese and English.

:func:`notice_message` turns a notice into the letter the customers read:
the kind, the title, the window, the services affected, the text and the
change's id. The ``customer_notice.issued`` event carries both wordings
(``message``: ``{"zh": …, "en": …}``), so every notifier plug-in sends the
same letter: the e-mail notifier as the mail's subject and body
(:func:`itsm_core.notifiers.render.render_body`), the webhook notifier in the
event's JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from itsm_core.kernel.labels import Language

if TYPE_CHECKING:
    from itsm_core.communications.notice import CustomerNotice

__all__ = ["notice_message", "notice_messages", "notice_subject"]


def _when(value: datetime) -> str:
    return value.isoformat(sep=" ", timespec="minutes")


def notice_subject(notice: CustomerNotice, lang: Language = "zh") -> str:
    """A one-line subject, e.g. ``【计划性停机公告】<title>``.

    :param lang: ``"zh"`` (default) or ``"en"``.
    """
    if lang == "en":
        return f"[{notice.kind.en.capitalize()}] {notice.title}"
    return f"【{notice.kind.zh}】{notice.title}"


def notice_message(notice: CustomerNotice, lang: Language = "zh") -> str:
    """The letter of ``notice`` in one language, as plain text.

    :param lang: ``"zh"`` (default) or ``"en"``.
    """
    services = ", ".join(notice.services)
    if lang == "en":
        lines = [
            notice_subject(notice, "en"),
            "",
            f"Starts: {_when(notice.starts_at)}",
        ]
        if notice.ends_at is not None:
            lines.append(f"Ends: {_when(notice.ends_at)}")
        if services:
            lines.append(f"Services affected: {services}")
        if notice.change_id:
            lines.append(f"Change: {notice.change_id}")
        lines += ["", notice.body, "", "Please confirm that you have received this notice."]
        return "\n".join(lines)
    lines = [notice_subject(notice, "zh"), "", f"开始时间：{_when(notice.starts_at)}"]
    if notice.ends_at is not None:
        lines.append(f"结束时间：{_when(notice.ends_at)}")
    if services:
        lines.append(f"影响的服务：{services}")
    if notice.change_id:
        lines.append(f"变更编号：{notice.change_id}")
    lines += ["", notice.body, "", "请确认已收到本通告。"]
    return "\n".join(lines)


def notice_messages(notice: CustomerNotice) -> dict[str, dict[str, str]]:
    """Both wordings, as the issued event carries them: ``{"zh": {"subject", "text"}, "en": …}``."""
    return {
        lang: {"subject": notice_subject(notice, lang), "text": notice_message(notice, lang)}
        for lang in ("zh", "en")
    }
