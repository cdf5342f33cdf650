"""The notice and feedback lifecycles against independent models of what is allowed.

The oracles below are written from the rules of customer notices and proactive
feedback, not from ``itsm_core.communications.lifecycle``: a machine fires
every command in every state and checks that the allowed ones move the
notice (or the feedback) where the model says, with the calls, acknowledgements
and clocks the model expects, and that the refused ones change nothing.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from itsm_core import FrozenClock, ItsmCore
from itsm_core.calendars import BusinessCalendar
from itsm_core.kernel.errors import InvalidTransition, ValidationError

from .conftest import DESK, RECIPIENTS, RM, T0

CALLED = ("ACME", "BETA")  # ACME is a key customer, BETA a main affected one
WRITTEN = ("GAMMA",)  # acknowledges in writing, by webhook


def _core(clock: FrozenClock) -> ItsmCore:
    core = ItsmCore(
        "memory://", clock=clock, load_entrypoints=False, calendar=BusinessCalendar.always_open()
    )
    core.satisfaction.customers.register(RM, "ACME", name="ACME", key=True)
    return core


class NoticeLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(T0)
        self.core = _core(self.clock)
        self.notices = self.core.communications.notices
        self.state = "draft"
        self.acknowledged: set[str] = set()
        self.calls = 0
        self.notice_id = ""

    @initialize()
    def announce(self) -> None:
        notice = self.notices.announce(
            DESK, kind="change", title="t", body="b", starts_at=T0 + timedelta(days=3),
            recipients=RECIPIENTS,
        )  # fmt: skip
        self.notice_id = notice.id

    def _try(self, allowed: bool, refusal: type[Exception], call: object) -> bool:
        self.clock.advance(timedelta(minutes=5))
        before = self.notices.get(DESK, self.notice_id).version
        assert callable(call)
        if allowed:
            call()
            assert self.notices.get(DESK, self.notice_id).version == before + 1
            return True
        try:
            call()
        except refusal:
            pass
        else:  # pragma: no cover - the oracle's point
            raise AssertionError(f"allowed in {self.state}")
        assert self.notices.get(DESK, self.notice_id).version == before
        return False

    @rule()
    def issue(self) -> None:
        if self._try(self.state == "draft", InvalidTransition,
                     lambda: self.notices.issue(DESK, self.notice_id)):  # fmt: skip
            self.state = "issued"

    @rule(customer=st.sampled_from(CALLED + WRITTEN), reached=st.booleans())
    def record_call(self, customer: str, reached: bool) -> None:
        issued = self.state == "issued"
        ok = issued and customer in CALLED and customer not in self.acknowledged
        refusal = ValidationError if issued else InvalidTransition
        if self._try(ok, refusal, lambda: self.notices.record_call(
            DESK, self.notice_id, customer=customer, reached=reached,
        )):  # fmt: skip
            self.calls += 1
            if reached:
                self.acknowledged.add(customer)

    @rule(customer=st.sampled_from(CALLED + WRITTEN))
    def acknowledge(self, customer: str) -> None:
        issued = self.state == "issued"
        ok = issued and customer in WRITTEN and customer not in self.acknowledged
        refusal = ValidationError if issued else InvalidTransition
        if self._try(ok, refusal, lambda: self.notices.acknowledge(
            DESK, self.notice_id, customer=customer, channel="webhook",
        )):  # fmt: skip
            self.acknowledged.add(customer)

    @rule(with_reason=st.booleans())
    def close(self, with_reason: bool) -> None:
        issued = self.state == "issued"
        all_called = set(CALLED) <= self.acknowledged
        refusal = ValidationError if issued else InvalidTransition
        reason = "could not reach them" if with_reason else None
        if self._try(issued and (all_called or with_reason), refusal,
                     lambda: self.notices.close(DESK, self.notice_id, reason=reason)):  # fmt: skip
            self.state = "closed"

    @rule()
    def cancel(self) -> None:
        if self._try(self.state in {"draft", "issued"}, InvalidTransition,
                     lambda: self.notices.cancel(DESK, self.notice_id, reason="x")):  # fmt: skip
            self.state = "cancelled"

    @invariant()
    def the_stored_notice_agrees_with_the_model(self) -> None:
        if not self.notice_id:
            return
        notice = self.notices.get(DESK, self.notice_id)
        assert notice.state.value == self.state
        assert {r.customer for r in notice.recipients if r.acknowledged} == self.acknowledged
        assert sum(len(r.calls) for r in notice.recipients) == self.calls
        running = [
            c for c in self.core.sla.find(DESK, subject_kind="customer_notice_call")
            if c.state.value == "running"
        ]  # fmt: skip
        key_waiting = self.state == "issued" and "ACME" not in self.acknowledged
        assert len(running) == (1 if key_waiting else 0)

    def teardown(self) -> None:
        self.core.close()


class FeedbackLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(T0)
        self.core = _core(self.clock)
        self.feedback = self.core.communications.feedback
        self.active = True
        self.request_closed = False
        self.updates = 0
        self.feedback_id = ""
        self.due = T0

    @initialize()
    def start(self) -> None:
        self.core.satisfaction.service_records.register(
            DESK, "INC-1", customer="ACME", service="email", opened_at=T0
        )
        started = self.feedback.start(
            DESK, record_id="INC-1", customer="ACME", reason="key_customer",
            interval=timedelta(hours=1),
        )  # fmt: skip
        self.feedback_id = started.id
        self.due = T0 + timedelta(hours=1)

    @rule(minutes=st.integers(min_value=1, max_value=120))
    def update(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))
        if self.active and not self.request_closed:
            after = self.feedback.update(DESK, self.feedback_id, summary="progress")
            assert after.updates[-1].on_time == (self.clock.now() <= self.due)
            self.updates += 1
            self.due = self.clock.now() + timedelta(hours=1)
        else:
            try:
                self.feedback.update(DESK, self.feedback_id, summary="progress")
            except InvalidTransition:
                pass
            else:  # pragma: no cover
                raise AssertionError("an update after closing was accepted")

    @rule()
    def close_request(self) -> None:
        if self.request_closed:
            return
        self.clock.advance(timedelta(minutes=1))
        self.core.satisfaction.service_records.resolve(DESK, "INC-1")
        self.core.satisfaction.service_records.close(DESK, "INC-1")
        self.request_closed = True

    @rule()
    def sweep(self) -> None:
        self.clock.advance(timedelta(minutes=1))
        ended = self.feedback.close_for_closed_requests(DESK)
        expected = [self.feedback_id] if self.active and self.request_closed else []
        assert [f.id for f in ended] == expected
        if expected:
            self.active = False

    @rule()
    def close(self) -> None:
        self.clock.advance(timedelta(minutes=1))
        if self.active:
            self.feedback.close(DESK, self.feedback_id)
            self.active = False
        else:
            try:
                self.feedback.close(DESK, self.feedback_id)
            except InvalidTransition:
                pass
            else:  # pragma: no cover
                raise AssertionError("closed twice")

    @invariant()
    def the_stored_feedback_agrees_with_the_model(self) -> None:
        if not self.feedback_id:
            return
        stored = self.feedback.get(DESK, self.feedback_id)
        assert stored.is_active == self.active
        assert len(stored.updates) == self.updates
        assert stored.next_due_at == (self.due if self.active else None)
        clocks = self.core.sla.find(DESK, subject_id=self.feedback_id)
        assert len(clocks) == self.updates + 1
        running = [c for c in clocks if c.state.value == "running"]
        assert len(running) == (1 if self.active else 0)

    def teardown(self) -> None:
        self.core.close()


# Few, short runs: the machines are small, and the suite's CI cost stays low.
TestNoticeLifecycle = NoticeLifecycle.TestCase
TestNoticeLifecycle.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
TestFeedbackLifecycle = FeedbackLifecycle.TestCase
TestFeedbackLifecycle.settings = settings(max_examples=15, stateful_step_count=15, deadline=None)
