"""The review lifecycle against an independent model of the allowed transitions.

The oracle below is written from the service review process and the area's documentation,
not from ``itsm_core.reviews.lifecycle``: a machine fires every command in
every state and checks that the allowed ones move the review where the
model says, and that the refused ones change nothing.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from itsm_core import FrozenClock, ItsmCore
from itsm_core.kernel.errors import AttendanceIncomplete, InvalidTransition
from itsm_core.satisfaction.model import Question

from .conftest import COORD, OM, PARTICIPANTS, PM, T0, TZ, action

# the model: command -> {state it is allowed in: state it leads to}
WAITING = {"planned", "prepared"}
MODEL: dict[str, dict[str, str]] = {
    "prepare": {"planned": "prepared", "prepared": "prepared"},
    "reschedule": {"planned": "planned", "prepared": "prepared"},
    "hold": {"prepared": "held"},
    "minute": {"held": "minuted"},
    "report": {"minuted": "reported"},
    "close": {"reported": "closed"},
    "cancel": {"planned": "cancelled", "prepared": "cancelled"},
    "open_campaign": {"held": "held", "minuted": "minuted", "reported": "reported"},
}
QUESTIONS = [Question("overall", "总体满意度", "score_1_5")]


class ReviewLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(T0)
        self.core = ItsmCore("memory://", clock=self.clock, load_entrypoints=False)
        self.state = "planned"
        self.review_id = ""
        self.campaigns = 0

    @initialize()
    def plan(self) -> None:
        review = self.core.reviews.plan(
            PM, customer="ACME", scheduled_at=T0 + timedelta(days=2),
            period_start=T0 - timedelta(days=90), period_end=T0,
        )  # fmt: skip
        self.review_id = review.id

    def _fire(self, command: str, call: object) -> None:
        self.clock.advance(timedelta(minutes=5))
        before = self.core.reviews.get(PM, self.review_id)
        allowed = MODEL[command]
        if self.state in allowed:
            assert callable(call)
            after = call()
            self.state = allowed[self.state]
            assert after.state.value == self.state
            assert after.version == before.version + 1
        else:
            try:
                assert callable(call)
                call()
            except InvalidTransition:
                pass
            else:  # pragma: no cover - the oracle's point
                raise AssertionError(f"{command} was allowed in {self.state}")
            again = self.core.reviews.get(PM, self.review_id)
            assert again.version == before.version and again.state.value == self.state

    @rule()
    def prepare(self) -> None:
        self._fire("prepare", lambda: self.core.reviews.prepare(
            COORD, self.review_id, scope="s", topics=["t"], agenda=["a"],
            participants=PARTICIPANTS,
        ))  # fmt: skip

    @rule(days=st.integers(min_value=1, max_value=30))
    def reschedule(self, days: int) -> None:
        new = self.clock.now().astimezone(TZ) + timedelta(days=days)
        self._fire("reschedule", lambda: self.core.reviews.reschedule(
            PM, self.review_id, scheduled_at=new, reason="moved",
        ))  # fmt: skip

    @rule()
    def hold(self) -> None:
        self._fire("hold", lambda: self.core.reviews.hold(
            PM, self.review_id, attended=["zhao", "pm-1", "im-1"], record="r",
        ))  # fmt: skip

    @rule(missing=st.sampled_from(["zhao", "pm-1", "om-1"]))
    def hold_incomplete(self, missing: str) -> None:
        self.clock.advance(timedelta(minutes=5))
        before = self.core.reviews.get(PM, self.review_id)
        attended = [p for p in ("zhao", "pm-1", "om-1") if p != missing]
        expected = AttendanceIncomplete if self.state == "prepared" else InvalidTransition
        try:
            self.core.reviews.hold(PM, self.review_id, attended=attended, record="r")
        except expected:
            pass
        else:  # pragma: no cover
            raise AssertionError("an incomplete attendance was accepted")
        assert self.core.reviews.get(PM, self.review_id).version == before.version

    @rule()
    def minute(self) -> None:
        self._fire("minute", lambda: self.core.reviews.minute(COORD, self.review_id, minutes="m"))

    @rule()
    def report(self) -> None:
        due = self.clock.now() + timedelta(days=30)
        self._fire("report", lambda: self.core.reviews.report(
            PM, self.review_id, summary="s", actions=[action(due_at=due)],
        ))  # fmt: skip

    @rule()
    def close(self) -> None:
        self._fire("close", lambda: self.core.reviews.close(PM, self.review_id))

    @rule()
    def cancel(self) -> None:
        self._fire("cancel", lambda: self.core.reviews.cancel(PM, self.review_id, reason="x"))

    @rule()
    def open_campaign(self) -> None:
        if self.state in MODEL["open_campaign"]:
            self.campaigns += 1
        self._fire("open_campaign", lambda: self.core.reviews.open_campaign(
            OM, self.review_id, title="t", service="desk", questions=QUESTIONS,
        ))  # fmt: skip

    @invariant()
    def the_stored_review_agrees_with_the_model(self) -> None:
        if not self.review_id:
            return
        review = self.core.reviews.get(PM, self.review_id)
        assert review.state.value == self.state
        assert review.is_open == (self.state not in {"closed", "cancelled"})
        assert len(review.campaign_ids) == self.campaigns
        clocks = self.core.sla.find(PM, subject_id=self.review_id)
        running = [c for c in clocks if c.state.value == "running"]
        assert len(running) == (1 if self.state in WAITING else 0)

    def teardown(self) -> None:
        self.core.close()


TestReviewLifecycle = ReviewLifecycle.TestCase
