"""Written notices through the notifier plug-ins: the letter in Chinese and English, routed
to the recipients' addresses."""

from __future__ import annotations

from itsm_core import ItsmCore
from itsm_core.kernel.events import DomainEvent
from itsm_core.notifiers import EmailNotifier, notice_recipients, render_body, render_subject
from itsm_core.testing import RecordingNotifier

from .conftest import issued


def _issued_event(core: ItsmCore, recorder: RecordingNotifier) -> DomainEvent:
    issued(core)
    return recorder.of("customer_notice.issued")[-1]


def test_the_mail_of_a_notice_is_its_letter_in_both_languages(
    core: ItsmCore, recorder: RecordingNotifier
) -> None:
    event = _issued_event(core, recorder)
    subject = render_subject(event)
    assert subject == (
        "[ITSM] 【计划性停机公告】核心交换机升级停机 / "
        "[Planned outage announcement] 核心交换机升级停机"
    )
    body = render_body(event)
    assert body.index("开始时间：2026-06-06 22:00+08:00") < body.index("Starts: 2026-06-06")
    assert "变更编号：CHG-1024" in body and "Services affected: network" in body
    assert "payload" not in body.lower()


def test_one_language_gives_one_letter(core: ItsmCore, recorder: RecordingNotifier) -> None:
    event = _issued_event(core, recorder)
    assert "Starts:" not in render_body(event, "zh")
    assert "开始时间" not in render_body(event, "en")
    assert render_subject(event, "en", prefix="") == (
        "[Planned outage announcement] 核心交换机升级停机"
    )


def test_other_events_keep_the_usual_layout(core: ItsmCore, recorder: RecordingNotifier) -> None:
    issued(core)
    announced = recorder.of("customer_notice.announced")[-1]
    assert "customer_notice.announced" in render_subject(announced)
    assert notice_recipients(announced) == []


def test_the_e_mail_notifier_mails_each_notice_to_its_recipients(
    core: ItsmCore, recorder: RecordingNotifier
) -> None:
    event = _issued_event(core, recorder)
    mailer = EmailNotifier(
        host="smtp.example", sender="desk@provider.example", recipients=notice_recipients
    )
    assert mailer.recipients_for(event) == ["it@acme.example", "ops@beta.example"]
    message = mailer.message(event, mailer.recipients_for(event))
    assert "计划性停机公告" in str(message["Subject"])
    assert notice_recipients(event, "webhook") == ["https://gamma.example/hook"]
