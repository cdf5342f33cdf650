"""An internal complainant's identity reaches no one but the complaint specialist, anywhere.

A world is built with an internal complaint whose complainant's name and
contact are a distinctive marker, walked far through its process (improvement
item, SLA clocks), a "very dissatisfied" satisfaction response about it by the
same person (which opens a second internal complaint), and around them every
other kind of record (praise, desk contacts and knowledge flags, agreements,
reviews and plans, trend analyses and progress reports, customers, campaigns
and invitations, service records and callbacks, targets). Then the marker is
searched for in every output a role other than the specialist can get:

- every read and report of every service of the facade, enumerated as
  ``tests/meta/test_api_convention.py`` does (a new read is covered as soon as
  it exists: a read this test cannot call fails it, naming the parameter to
  supply), called by one actor of each other role, the result searched deeply
  (every string reachable from it, not only its ``repr``);
- the message of every error those calls raise;
- every event given to a hook (``itsm_on_event``), and the e-mail and webhook
  bodies rendered from them;
- every log record at DEBUG, of the library and of SQLAlchemy's engine
  (statements, parameters and rows), while the world is built and read.

The specialist's own reads must show the marker (so the search can find it), on
memory, SQLite and PostgreSQL.
"""

from __future__ import annotations

import inspect
import logging
import operator
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from itsm_core import Actor, FrozenClock, ItsmCore, ItsmError, Question, Role, SatisfactionPolicy
from itsm_core.complaints import RecordKind
from itsm_core.kernel.api import api_kind
from itsm_core.notifiers.render import render_body, render_subject
from itsm_core.notifiers.webhook import encode_event
from itsm_core.reviews import ReviewRecordKind
from itsm_core.satisfaction import ChannelWeights, LevelRule
from itsm_core.sla import Target
from itsm_core.testing import RecordingNotifier
from tests.meta.test_api_convention import SERVICES, _methods

from .stores import Stores, stores_fixture  # noqa: F401 (the fixture)

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 4, 1, 10, tzinfo=SH)
MARKER = "机密MKR7731"
NAME = f"{MARKER}-王小明"
CONTACT = f"{MARKER}-tel-13800001234"
CUSTOMER = "华东电网"
SERVICE = "desktop"
PERIODS = ["2026-04", "2026-05"]
PHONE = "13900001111"

SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER], "用户关系经理")
HANDLER = Actor("ih-1", [Role.INCIDENT_HANDLER], "事件处理人")
PM = Actor("pm-1", [Role.PROJECT_MANAGER], "项目经理")
OM = Actor("om-1", [Role.OPERATIONS_MANAGER], "运维经理")
DESK = Actor("desk-1", [Role.SERVICE_DESK], "服务台")
QS = Actor("qs-1", [Role.QUALITY_SPECIALIST], "质控专员")
OWNER = Actor("owner-1", [Role.IMPROVEMENT_OWNER], "改进负责人")
COORD = Actor("coord-1", [Role.COORDINATOR], "协调员")

READERS = [Actor(f"r-{r.value}", [r]) for r in Role if r is not Role.COMPLAINT_SPECIALIST]
"""One actor of every role that may not see the identity (the system included)."""
SQL_READERS = [RM, OM, Actor("r-customer", [Role.CUSTOMER]), Actor("r-system", [Role.SYSTEM])]
"""Fewer readers on a database: the rules are the same, the cost is not."""


@attrs.define
class World:
    """The ids of what was built, by the parameter names the reads use."""

    values: dict[str, list[Any]] = attrs.field(factory=dict)

    def add(self, name: str, *values: Any) -> None:
        self.values.setdefault(name, []).extend(values)


def _internal_complaint(core: ItsmCore, clock: FrozenClock) -> str:
    s = core.complaints
    c = s.receive(
        SPECIALIST,
        customer=CUSTOMER,
        complainant={"name": NAME, "contact": CONTACT, "organisation": f"{MARKER}-org"},
        origin="internal",
        channel="hotline",
        source="complaint_channel",
        summary="故障处理超时",
        party_complained_about="二线网络组",
        relationship_manager=RM.id,
    )
    steps: list[Callable[[], Any]] = [
        lambda: s.dispatch(RM, c.id, handler=HANDLER.id),
        lambda: s.record_finding(SPECIALIST, c.id, finding="工单记录显示超时"),
        lambda: s.judge(SPECIALIST, c.id, verdict="valid", reason="调查属实"),
        lambda: s.register_project(SPECIALIST, c.id, project_ref="TS-1"),
        lambda: s.resolve(HANDLER, c.id, resolution="已恢复"),
        lambda: s.require_improvement(
            SPECIALIST, c.id, cause="值班人手不足", description="增加夜间值班",
            quality_indicators=[("进展通报", "每2小时一次")], owner=OWNER.id,
            period=timedelta(days=14),
        ),
    ]  # fmt: skip
    for step in steps:
        clock.advance(hours=1)
        step()
    return str(c.id)


def build(core: ItsmCore, clock: FrozenClock) -> World:
    """Something of every kind, around an internal complaint and a response by its complainant."""
    w = World()
    sat = core.satisfaction
    sat.customers.register(RM, CUSTOMER, name=CUSTOMER, key=True)
    w.add("customer", CUSTOMER)
    first = _internal_complaint(core, clock)
    item = core.complaints.get(SPECIALIST, first).improvement_id
    core.improvements.report_progress(OWNER, item, note="已排班")
    external = core.complaints.receive(
        SPECIALIST, customer=CUSTOMER, complainant={"name": "客户李女士", "contact": "1390000"},
        origin="external", channel="email", source="complaint_channel", summary="响应慢",
        party_complained_about="一线", relationship_manager=RM.id,
    )  # fmt: skip
    response = sat.responses.record_response(
        QS, channel="callback", customer=CUSTOMER, service="complaint-handling",
        subject_kind="complaint", subject_ref=first, score="very_dissatisfied",
        respondent=NAME, comment="仍不满意",
    )  # fmt: skip
    assert response.complaint_id is not None
    w.add("complaint_id", first, str(external.id), response.complaint_id)
    w.add("response_id", str(response.id))
    w.add("kind", *RecordKind)
    w.add("item_id", item)
    praise = core.complaints.record_praise(
        DESK, customer=CUSTOMER, praised_party="一线", summary="响应快", praiser="赵先生"
    )
    w.add("praise_id", str(praise.id))
    agreement = core.sla.define_agreement(
        RM, name="服务协议", kind="sla", counterparty=CUSTOMER,
        targets=[Target(SERVICE, "P1", "resolution", timedelta(hours=4))],
    )  # fmt: skip
    w.add("agreement_id", str(agreement.id))
    ticket = core.sla.start(
        DESK, subject_kind="ticket", subject_id="INC-1",
        target=Target(SERVICE, "P1", "resolution", timedelta(hours=4)),
        handler="eng-1", customer=CUSTOMER,
    )  # fmt: skip
    w.add("clock_id", *(str(c.id) for c in core.sla.find(SPECIALIST)), str(ticket.id))
    w.add("service", SERVICE)
    w.add("priority", "P1")
    levels = [LevelRule("green", 85, "保持"), LevelRule("red", None, "整改")]
    sat.targets.set_target(OM, SERVICE, target=85, levels=levels)
    campaign = sat.surveys.create_campaign(
        OM, title="定期调查", motive="periodic", service=SERVICE, target_customers=[CUSTOMER],
        questions=[Question("overall", "总体满意度")],
    )  # fmt: skip
    sat.surveys.open_campaign(OM, campaign.id)
    sat.surveys.invite(OM, campaign.id, respondents=[(CUSTOMER, "alice"), (CUSTOMER, "bob")])
    w.add("campaign_id", str(campaign.id))
    invitations = sat.surveys.find_invitations(OM, campaign_id=campaign.id)
    w.add("invitation_id", *(str(i.id) for i in invitations))
    opened = clock.now()
    sat.service_records.register(
        DESK, "REQ-1", customer=CUSTOMER, service=SERVICE, engineer="eng-1", requester="alice",
        resolution="done", opened_at=opened, resolved_at=opened + timedelta(minutes=30),
        closed_at=opened + timedelta(minutes=40),
    )  # fmt: skip
    w.add("record_id", "REQ-1")
    contact = core.desk.add_contact(DESK, customer=CUSTOMER, name="赵先生", phone=PHONE)
    w.add("contact_id", str(contact.id))
    flag = core.desk.flag_case(DESK, "REQ-1", suggestion="补充知识库条目")
    w.add("flag_id", str(flag.id))
    clock.advance(days=2)
    core.run_due()
    w.add("callback_id", *(str(c.id) for c in sat.callbacks.find(OM)))
    review = core.reviews.plan(
        PM, customer=CUSTOMER, scheduled_at=clock.now() + timedelta(days=3),
        period_start=T0 - timedelta(days=30), period_end=T0 + timedelta(days=30),
    )  # fmt: skip
    w.add("review_id", str(review.id))
    plan = core.reviews.create_plan(
        PM, customer=CUSTOMER, cadence="quarterly", first_period_start=T0
    )
    w.add("plan_id", str(plan.id))
    ra = core.reviews.analysis
    analysis = ra.analyse(OM, periods=PERIODS, customer=CUSTOMER, min_complaints=1)
    w.add("analysis_id", str(analysis.id))
    report = ra.send_progress_report(OM, customer=CUSTOMER, periods=PERIODS, recipients="张三")
    w.add("report_id", str(report.id))
    comms = core.communications
    notice = comms.notices.announce(
        DESK, kind="planned_outage", title="核心交换机升级停机", body="网络将中断两小时。",
        starts_at=clock.now() + timedelta(days=5), ends_at=clock.now() + timedelta(days=5, hours=2),
        services=[SERVICE], change_id="CHG-1",
        recipients=[{"customer": CUSTOMER, "channels": ["email"], "contact": "it@grid.example"}],
        call_within=timedelta(hours=1),
    )  # fmt: skip
    comms.notices.issue(DESK, notice.id)
    w.add("notice_id", str(notice.id))
    feedback = comms.feedback.start(
        DESK, record_id="INC-9", customer=CUSTOMER, reason="urgent_incident",
        interval=timedelta(hours=2), handler=HANDLER.id, summary="邮件系统中断",
    )  # fmt: skip
    w.add("feedback_id", str(feedback.id))
    relationship = comms.relationships.analyse(
        RM, customer=CUSTOMER, period_start=T0 - timedelta(days=30), period_end=clock.now()
    )
    w.add("analysis_id", str(relationship.id))
    w.add("period", PERIODS[0])
    w.add("periods", PERIODS)
    return w


EXTRA: dict[str, dict[str, Any]] = {
    "desk.customer_view": {"phone": PHONE},
    "reviews.analysis.pack": {"customer": CUSTOMER, "periods": PERIODS},
    "satisfaction.analysis.combined": {
        "weights": ChannelWeights({"survey": 4, "monthly": 3, "ticket": 2, "callback": 1})
    },
    "reviews.analysis.progress_report": {"customer": CUSTOMER, "periods": PERIODS},
    "sla.get_target": {"service": SERVICE, "priority": "P1", "kind": "resolution"},
}
"""Keyword arguments a read needs to answer anything, by read."""


def calls(world: World, path: str, name: str, method: Any) -> Iterator[dict[str, Any]]:
    """Every combination of the world's values for the read's positional parameters."""
    params = list(inspect.signature(method).parameters.values())[1:]
    extra = EXTRA.get(f"{path}.{name}", {})
    needed = [
        p.name
        for p in params
        if p.name not in extra
        and (p.kind is p.POSITIONAL_OR_KEYWORD or p.default is p.empty)
    ]
    values = world.values
    if path == "reviews" and name in ("record", "records"):
        values = {**values, "kind": list(ReviewRecordKind)}
    missing = [n for n in needed if n not in values]
    assert not missing, f"{path}.{name}: give the world values for {missing}"
    combos: list[dict[str, Any]] = [dict(extra)]
    for n in needed:
        combos = [{**c, n: v} for c in combos for v in values[n]]
    yield from combos


def reads(core: ItsmCore) -> Iterator[tuple[str, str, Any]]:
    for path in SERVICES:
        service = operator.attrgetter(path)(core)
        for name, method in _methods(service):
            if api_kind(method) in ("read", "report"):
                yield path, name, method


def strings(value: Any, seen: set[int] | None = None) -> Iterator[str]:
    """Every string reachable from ``value``: attributes, items, keys, reprs of the rest."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        yield value.decode("utf-8", "replace")
    elif isinstance(value, (int, float, bool, date, timedelta)) or value is None:
        return
    elif isinstance(value, dict) or (hasattr(value, "items") and callable(value.items)):
        for k, v in value.items():
            yield from strings(k, seen)
            yield from strings(v, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from strings(v, seen)
    else:
        yield repr(value)
        if attrs.has(type(value)):
            for field in attrs.fields(type(value)):
                yield from strings(getattr(value, field.name), seen)
        elif hasattr(value, "__dict__"):
            yield from strings(vars(value), seen)


class Captured(logging.Handler):
    """Every log record, formatted with its arguments."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")
        if record.exc_info and record.exc_info[1] is not None:
            self.lines.append(str(record.exc_info[1]))


@pytest.fixture
def captured() -> Iterator[Captured]:
    handler = Captured()
    root = logging.getLogger()
    names = ["itsm_core", "sqlalchemy.engine", "sqlalchemy.pool", "alembic"]
    levels = {n: logging.getLogger(n).level for n in names}
    old_root = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for n in names:
        logging.getLogger(n).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_root)
    for n, level in levels.items():
        logging.getLogger(n).setLevel(level)


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgresql"])
def test_no_read_path_shows_the_identity(
    stores: Stores, backend: str, captured: Captured
) -> None:
    stores.require(backend)
    url = stores.lease(backend)
    clock = FrozenClock(T0)
    recorder = RecordingNotifier()
    policy = SatisfactionPolicy(timezone="Asia/Shanghai", callback_sample_rate=1.0)
    try:
        with ItsmCore(
            url, clock=clock, plugins=[recorder], load_entrypoints=False,
            satisfaction_policy=policy,
        ) as core:  # fmt: skip
            world = build(core, clock)
            leaks, called, checked = check_reads(
                core, world, READERS if backend == "memory" else SQL_READERS
            )
            # the search finds the marker where the specialist may see it
            first = world.values["complaint_id"][0]
            assert MARKER in core.complaints.get(SPECIALIST, first).complainant.name
            response = core.satisfaction.responses.get(SPECIALIST, world.values["response_id"][0])
            assert MARKER in response.respondent
    finally:
        stores.give_back(backend, url)
    events = recorder.events
    assert len(events) > 20
    for event in events:
        outputs = [repr(event), render_subject(event), render_body(event), encode_event(event)]
        for text in strings(outputs):
            if MARKER in text:
                leaks.append(f"hook / notifier body of {event.name}")
    assert captured.lines, "the DEBUG log was not captured"
    if backend != "memory":
        assert any(line.startswith("sqlalchemy.engine") for line in captured.lines)
    leaks += [f"log: {line[:300]}" for line in captured.lines if MARKER in line]
    assert leaks == [], "\n".join(leaks[:20])
    unread = sorted(f"{p}.{n}" for p, n, _ in reads(core) if f"{p}.{n}" not in called)
    assert unread == [], f"these reads were never answered in the world: {unread}"
    assert checked > 200


def check_reads(
    core: ItsmCore, world: World, readers: list[Actor]
) -> tuple[list[str], set[str], int]:
    """Call every read as every reader: the leaks, the reads answered, the outputs searched."""
    leaks: list[str] = []
    called: set[str] = set()
    checked = 0
    for path, name, method in reads(core):
        for kwargs in calls(world, path, name, method):
            for actor in readers:
                try:
                    result = method(actor, **kwargs)
                except ItsmError as exc:
                    result = f"{type(exc).__name__}: {exc}"
                else:
                    called.add(f"{path}.{name}")
                checked += 1
                if any(MARKER in text for text in strings(result)):
                    leaks.append(f"{path}.{name}({kwargs}) as {sorted(actor.roles)}")
    # the facade's own history read
    for kind, key in (("complaint", "complaint_id"), ("satisfaction.response", "response_id")):
        for aggregate in world.values[key]:
            for actor in readers:
                try:
                    history: Any = core.history(actor, kind, aggregate)
                except ItsmError as exc:
                    history = str(exc)
                checked += 1
                if any(MARKER in text for text in strings(history)):
                    leaks.append(f"core.history({kind}, {aggregate}) as {sorted(actor.roles)}")
    return leaks, called, checked
