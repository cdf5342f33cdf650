"""``itsm demo``: a realistic stretch of one provider's year, through the public API only.

:func:`play` drives an :class:`~itsm_core.ItsmCore` on a
:class:`~itsm_core.FrozenClock` day by day: each morning the worker's
:meth:`~itsm_core.ItsmCore.run_due` (callback sampling, monthly callbacks,
reminders, the SLA tick, the relay); during the working day the callback
register, incidents on SLA clocks, complaints along every path of the complaint process,
praise, survey campaigns; each evening the import of the day's service
records with their ticket scores; at each month's start the monthly scores, the
target evaluation and the improvement items it raises; each quarter a service
review with each key customer. Everything is drawn from
``random.Random(seed)``, so a seed always gives the same data.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from itsm_core import (
    BusinessCalendar,
    ComplaintPolicy,
    FrozenClock,
    ItsmCore,
    ItsmError,
    Question,
    SatisfactionPolicy,
)
from itsm_core.cli.demo_data import (
    CUSTOMERS,
    PATHS,
    SERVICES,
    Cast,
    Scenario,
    complaint_scenario,
    level_for,
)
from itsm_core.kernel.actors import Actor
from itsm_core.satisfaction import LevelRule
from itsm_core.sla import ServicePeriod, Target

__all__ = ["DemoResult", "make_core", "play"]

SH = ZoneInfo("Asia/Shanghai")
Progress = Callable[[int, int], None]


@attrs.define
class DemoResult:
    """What :func:`play` produced (counts by kind; failures: steps the library refused)."""

    start: date
    end: date
    counts: dict[str, int] = attrs.field(factory=dict)
    failures: list[str] = attrs.field(factory=list)
    complaint_ids: list[str] = attrs.field(factory=list)

    def add(self, kind: str, n: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n


def make_core(url: str, clock: FrozenClock | None = None) -> ItsmCore:
    """The demo's facade: the China calendar, callbacks sampled at 20 %, reopening allowed."""
    return ItsmCore(
        url,
        clock=clock,
        calendar=BusinessCalendar.china(),
        complaint_policy=ComplaintPolicy(reopen_on_dissatisfied=True),
        satisfaction_policy=SatisfactionPolicy(
            timezone="Asia/Shanghai", callback_sample_rate=0.2, survey_fatigue_days=30
        ),
        load_entrypoints=False,
        auto_relay=False,
    )


def _months_after(start: date, months: int) -> date:
    year, month = divmod(start.month - 1 + months, 12)  # months may be negative
    return date(start.year + year, month + 1, 1)


class _Player:
    def __init__(self, core: ItsmCore, clock: FrozenClock, rng: Random, result: DemoResult) -> None:
        self.core, self.clock, self.rng, self.result = core, clock, rng, result
        self.sat = core.satisfaction
        self.agenda: list[tuple[date, int, Scenario]] = []
        self.seq = 0
        self.paths = 0
        self.agreements: dict[str, str] = {}
        self.calendar = core.calendars.get()
        self.records = 0

    # -- time and steps -------------------------------------------------------

    def at(self, day: date, hour: int, minute: int = 0) -> None:
        when = datetime.combine(day, time(hour, minute), SH)
        if when > self.clock.now():
            self.clock.set(when)

    def tick(self, minutes: int = 4) -> None:
        self.clock.advance(minutes=minutes)

    def step(self, what: str, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return action(*args, **kwargs)
        except ItsmError as exc:
            self.result.failures.append(f"{self.clock.now():%Y-%m-%d %H:%M} {what}: {exc}")
            return None

    def schedule(self, day: date, scenario: Scenario) -> None:
        self.seq += 1
        heapq.heappush(self.agenda, (day, self.seq, scenario))

    def run_agenda(self, day: date) -> None:
        while self.agenda and self.agenda[0][0] <= day:
            _, _, scenario = heapq.heappop(self.agenda)
            self.tick(7)
            try:
                wait = next(scenario)
            except StopIteration:
                continue
            except ItsmError as exc:
                self.result.failures.append(f"{self.clock.now():%Y-%m-%d %H:%M} {exc}")
                continue
            self.schedule(day + timedelta(days=wait), scenario)

    def quality(self, customer: str, day: date) -> float:
        for cid, _name, _key, base, drift in CUSTOMERS:
            if cid == customer:
                return max(0.05, min(0.98, base + drift * (day - self.result.start).days / 365))
        return 0.8

    # -- set-up ---------------------------------------------------------------

    def setup(self, start: date, end: date) -> None:
        core, cast = self.core, Cast
        for cid, name, key, _base, _drift in CUSTOMERS:
            self.sat.customers.register(cast.manager, cid, name=name, key=key)
            targets = [
                Target(service, priority, "resolution", timedelta(hours=hours))
                for service, _team, _h in SERVICES
                for priority, hours in (("P1", 4), ("P2", 8))
            ]
            agreement = core.sla.define_agreement(
                cast.manager,
                name=f"{start.year} 年度运维服务协议（{name}）",
                kind="sla",
                counterparty=name,
                targets=targets,
                period=ServicePeriod(
                    datetime.combine(start, time(0), SH),
                    datetime.combine(end, time(0), SH) - timedelta(minutes=1),
                    notice_days_before_end=30,
                ),
            )
            self.agreements[cid] = agreement.id
        for service, _team, _h in SERVICES:
            self.sat.targets.set_target(
                cast.ops_manager,
                service,
                target=85,
                owner=cast.ops_manager.id,
                levels=[
                    LevelRule("green", 85, "保持：重点客户按月回访"),
                    LevelRule("yellow", 75, "预警：协调员回访每条不满意评价，周报运维经理"),
                    LevelRule("red", None, "告警：运维经理一周内拜访客户并制定改进计划"),
                ],
            )

    # -- the working day ------------------------------------------------------

    def callbacks(self, day: date) -> None:
        for callback in self.sat.callbacks.find(Cast.coordinator, state="due"):
            if self.rng.random() < 0.12:
                continue  # left for another day: its clock warns, then breaches
            self.tick(3)
            customer = callback.customer
            level = level_for(self.rng, self.quality(customer, day))
            draw = self.rng.random()
            outcome = "unreachable" if draw < 0.05 else "not_solved" if draw < 0.12 else "solved"
            if callback.kind == "monthly":
                outcome = "unreachable" if draw < 0.05 else "solved"
            kwargs: dict[str, object] = {"outcome": outcome}
            if outcome == "not_solved":
                kwargs.update(reason="问题仍然存在", score=level, comment="问题仍然存在")
            elif outcome == "solved":
                kwargs.update(score=level, respondent=f"{customer}-contact", comment="回访记录")
                if callback.kind == "monthly":
                    kwargs.update(service="desktop")
            else:
                kwargs.update(reason="无人接听")
            result = self.step(
                "callback",
                self.sat.callbacks.record_outcome,
                Cast.coordinator,
                callback.id,
                **kwargs,
            )
            if result is None:
                continue
            self.result.add(f"callback_{outcome}")
            if result.response is not None and result.response.complaint_id:
                self.start_complaint(day, existing=result.response.complaint_id)
            if result.returned and callback.service_record_id:
                self.schedule(day + timedelta(days=1), self.fix_again(callback.service_record_id))
            elif callback.kind == "recheck" and outcome == "solved" and callback.service_record_id:
                rid = callback.service_record_id
                self.step("close record", self.sat.service_records.close, Cast.desk, rid)

    def fix_again(self, record_id: str) -> Scenario:
        self.sat.service_records.resolve(Cast.desk, record_id, resolution="更换部件后复测正常")
        yield 0

    def incident(self, day: date, n: int) -> Scenario:
        customer = self.rng.choice(CUSTOMERS)[0]
        service, _team, handler = self.rng.choice(SERVICES)
        priority = "P1" if self.rng.random() < 0.4 else "P2"
        clock = self.core.sla.start(
            Cast.desk,
            subject_kind="ticket",
            subject_id=f"INC-{day:%Y%m%d}-{n}",
            target="resolution",
            agreement_id=self.agreements[customer],
            service=service,
            priority=priority,
            handler=handler,
            customer=customer,
        )
        self.result.add("sla_clocks")
        late = self.rng.random() < 0.15
        yield (1 if priority == "P1" else 2) if late else 0
        self.core.sla.stop(Cast.desk, clock.id, reason="已解决")

    def import_records(self, day: date) -> None:
        self.at(day, 18, 30)
        for _ in range(self.rng.randint(2, 3)):
            self.records += 1
            customer = self.rng.choice(CUSTOMERS)[0]
            service, _team, _handler = self.rng.choice(SERVICES)
            opened = datetime.combine(
                day, time(self.rng.randint(9, 14), self.rng.randint(0, 59)), SH
            )
            resolved = opened + timedelta(minutes=self.rng.randint(20, 180))
            record_id = f"REQ-{self.records:05d}"
            done = self.step(
                "service record",
                self.sat.service_records.register,
                Cast.desk,
                record_id,
                customer=customer,
                service=service,
                engineer=f"eng-{self.rng.randint(1, 8)}",
                requester=f"{customer}-user-{self.rng.randint(1, 20)}",
                resolution=None if self.rng.random() < 0.05 else "已处理",
                opened_at=opened,
                resolved_at=resolved,
                closed_at=resolved + timedelta(minutes=30),
                first_contact=self.rng.random() < 0.6,
            )
            if done is None:
                continue
            self.result.add("service_records")
            if self.rng.random() < 0.4:
                level = level_for(self.rng, self.quality(customer, day))
                response = self.step(
                    "ticket score",
                    self.sat.responses.record_ticket_score,
                    Cast.desk,
                    record_id,
                    score=level,
                    respondent=f"{customer}-user",
                    comment="服务单评价",
                )
                if response is not None:
                    self.result.add("ticket_scores")
                    complaint_id = getattr(response, "complaint_id", None)
                    if complaint_id:
                        self.start_complaint(day, existing=complaint_id)

    def start_complaint(self, day: date, existing: str | None = None) -> None:
        customer = self.rng.choice(CUSTOMERS)[0]
        service, team, handler = self.rng.choice(SERVICES)
        if existing is not None:
            self.schedule(day + timedelta(days=1), self.follow_existing(existing, team, handler))
            return
        path = PATHS[self.paths % len(PATHS)]
        self.paths += 1
        self.result.add(f"complaint_{path}")
        scenario = complaint_scenario(self.core, self.rng, path, customer, service, team, handler)
        self.schedule(day, scenario)

    def follow_existing(self, complaint_id: str, team: str, handler: str) -> Scenario:
        """A complaint a score opened: dispatched, judged valid, resolved, verified."""
        c, cs = self.core.complaints, Cast.specialist
        self.result.complaint_ids.append(complaint_id)
        self.result.add("complaint_from_score")
        c.dispatch(Cast.manager, complaint_id, handler=handler)
        c.record_finding(cs, complaint_id, finding=f"回看{team}的服务单与回访记录")
        yield 2
        c.judge(cs, complaint_id, verdict="invalid", reason="已在回访中解释并获得客户理解")
        c.explain(cs, complaint_id, apology="致歉", explanation="说明处理过程")
        c.close(cs, complaint_id)

    # -- months ---------------------------------------------------------------

    def month_start(self, day: date) -> None:
        previous = (day.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        if day.replace(day=1) <= self.result.start:
            return
        for customer, _name, _key, _b, _d in CUSTOMERS:
            level = level_for(self.rng, self.quality(customer, day))
            self.step(
                "monthly score",
                self.sat.responses.record_monthly_score,
                Cast.project_manager,
                customer=customer,
                service="desktop",
                month=previous,
                score=level,
                respondent=f"{customer}-manager",
                comment="月度评分",
            )
            self.result.add("monthly_scores")
        self.tick()
        evaluation = self.step("evaluate", self.sat.targets.evaluate, Cast.quality, previous)
        if evaluation is not None:
            self.result.add("evaluations")
        for item in self.core.improvements.find(
            Cast.quality, source_kind="satisfaction", is_open=True
        ):
            if item.state == "in_progress" and not item.progress:
                self.schedule(day, self.improve(item.id))

    def improve(self, item_id: str) -> Scenario:
        items = self.core.improvements
        items.report_progress(Cast.ops_manager, item_id, note="已拜访客户并制定改进计划")
        yield self.rng.randint(10, 25)
        items.follow_up(Cast.quality, item_id, met=True, note="回访显示满意度回升")
        self.result.add("improvements_done")

    def review(self, day: date, customer: str) -> Scenario:
        """A key customer's quarterly service review, from plan to close."""
        reviews, pm, coord = self.core.reviews, Cast.project_manager, Cast.coordinator
        end = day.replace(day=1)
        start = _months_after(end, -3)
        scheduled = datetime.combine(day + timedelta(days=7), time(14, 0), SH)
        review = reviews.plan(
            pm,
            customer=customer,
            scheduled_at=scheduled,
            period_start=datetime.combine(start, time(0), SH),
            period_end=datetime.combine(end, time(0), SH),
        )
        reviews.prepare(
            coord,
            review.id,
            scope="季度服务回顾",
            topics=["业务需求", "SLA 完成情况", "工作量和服务范围"],
            agenda=["SLA 报告", "投诉与满意度", "改进计划"],
            participants=[
                (f"{customer}-rep", "customer_representative"),
                (pm.id, "project_manager"),
                (Cast.ops_manager.id, "operations_manager"),
                (coord.id, "coordinator"),
            ],
        )
        yield 7
        self.clock.set(max(self.clock.now(), scheduled + timedelta(minutes=5)))
        reviews.hold(
            pm,
            review.id,
            attended=[f"{customer}-rep", pm.id, Cast.ops_manager.id],
            record="SLA 基本达成；客户希望每周通报网络运行情况",
            opinions=[(f"{customer}-rep", "suggestion", "每周网络运行周报")],
        )
        self.result.add("reviews_held")
        yield 2
        reviews.minute(coord, review.id, minutes="回顾活动纪要")
        yield 1
        reviews.report(
            pm,
            review.id,
            summary="服务回顾报告",
            problems=["网络故障通报不及时"],
            actions=[
                {
                    "description": "每周发送网络运行周报",
                    "owner": Cast.owner.id,
                    "due_at": self.clock.now() + timedelta(days=30),
                    "quality_indicators": {"周报及时率": "100%"},
                    "service": "network",
                }
            ],
        )
        yield 1
        reviews.close(pm, review.id)

    def survey(self, day: date, motive: str, title: str) -> Scenario:
        sat, om = self.sat, Cast.ops_manager
        key_only = motive == "annual_key_customers"
        customers = [c for c, _n, key, _b, _d in CUSTOMERS if key or not key_only]
        campaign = sat.surveys.create_campaign(
            om,
            title=title,
            motive=motive,
            service="desktop",
            target_customers=customers,
            questions=[Question("overall", "您对我们的服务总体是否满意?", "five_level")],
        )
        sat.surveys.open_campaign(om, campaign.id)
        invited = sat.surveys.invite(
            om,
            campaign.id,
            respondents=[(c, f"{c}-survey-{n}") for c in customers for n in (1, 2)],
        )
        self.result.add("surveys")
        for invitation in invited.invited:
            if self.rng.random() < 0.8:
                self.schedule(
                    day + timedelta(days=self.rng.randint(0, 8)),
                    self.answer(invitation.customer, invitation.respondent, invitation.token),
                )
        yield 14
        sat.surveys.close_campaign(om, campaign.id)
        yield 3
        sat.surveys.mark_campaign_analysed(om, campaign.id, summary="已形成分析报告")

    def answer(self, customer: str, respondent: str, token: str) -> Scenario:
        level = level_for(self.rng, self.quality(customer, self.clock.now().date()))
        who = Actor(respondent, ["customer"])
        answers = self.sat.surveys.submit_survey(
            who, token, answers={"overall": level}, comment="问卷意见"
        )
        self.result.add("survey_answers")
        for response in answers:
            if response.complaint_id:
                self.start_complaint(self.clock.now().date(), existing=response.complaint_id)
        yield 0


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


def play(
    core: ItsmCore,
    clock: FrozenClock,
    *,
    start: date,
    months: int,
    seed: int,
    progress: Progress | None = None,
) -> DemoResult:
    """Play ``months`` months of the provider's work from ``start`` (the 1st of a month).

    :param core: a facade made with :func:`make_core` on ``clock``.
    :param progress: called with (days done, days in all) after each day.
    """
    end = _months_after(start, months)
    result = DemoResult(start, end)
    player = _Player(core, clock, Random(seed), result)
    rng = player.rng
    clock.set(datetime.combine(start, time(8, 0), SH))
    player.setup(start, _months_after(start, 12))
    days = list(_days(start, end))
    first_working_seen: set[str] = set()
    incidents = 0
    for n, day in enumerate(days, 1):
        if player.calendar.day(day).is_working:
            player.at(day, 8, 30)  # the worker's morning pass (weekends are caught up Monday)
            player.step("run_due", core.run_due)
            month = day.strftime("%Y-%m")
            player.at(day, 9, 0)
            if month not in first_working_seen:
                first_working_seen.add(month)
                player.month_start(day)
                if day.month in (1, 4, 7, 10) and day.replace(day=1) > result.start:
                    for customer, _n, key, _b, _d in CUSTOMERS:
                        if key:
                            player.schedule(day, player.review(day, customer))
                if day.month in (3, 6, 12):
                    motive, title = {
                        3: ("after_major_change", "机房搬迁后满意度调查"),
                        6: ("periodic", "上半年定期满意度调查"),
                        12: ("annual_key_customers", "重要客户年度满意度调查"),
                    }[day.month]
                    player.schedule(day + timedelta(days=2), player.survey(day, motive, title))
            player.at(day, 9, 30)
            player.callbacks(day)
            player.at(day, 10, 0)
            for _ in range(rng.choice((0, 1, 1))):
                incidents += 1
                player.schedule(day, player.incident(day, incidents))
            if rng.random() < 0.28:
                player.start_complaint(day)
            if rng.random() < 0.07:
                player.step(
                    "praise",
                    core.complaints.record_praise,
                    Cast.specialist,
                    customer=rng.choice(CUSTOMERS)[0],
                    praised_party=rng.choice(SERVICES)[1],
                    summary="感谢工程师周末加班恢复业务",
                )
                result.add("praise")
            player.run_agenda(day)
            player.import_records(day)
        if progress is not None:
            progress(n, len(days))
    player.at(end, 8, 30)
    player.step("run_due", core.run_due)
    return result
