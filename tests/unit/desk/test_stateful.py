"""Knowledge flags against an independent model of their lifecycle and of who decides.

The oracle below is written from the knowledge feedback process (the desk
flags, the article's author or the request's last handler accepts or
rejects, once), not from ``itsm_core.desk.lifecycle``: a machine raises
flags and fires every decision, by the addressee and by others, and checks
that the allowed ones move the flag where the model says, that the refused
ones change nothing, and that the ranking counts the uses the model counts.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from itsm_core import FrozenClock, ItsmCore
from itsm_core.kernel.errors import AccessDenied, ConflictError, InvalidTransition

from .conftest import AUTHOR, DESK, ENGINEER, RM, T0

# the model: decision -> {state it is allowed in: state it leads to}
MODEL: dict[str, dict[str, str]] = {
    "accept": {"raised": "accepted"},
    "reject": {"raised": "rejected"},
}
ARTICLES = ("KB-1", "KB-2")
RECORDS = ("R-1", "R-2", "R-3")


class FlagLifecycle(RuleBasedStateMachine):
    flags = Bundle("flags")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(T0)
        self.core = ItsmCore("memory://", clock=self.clock, load_entrypoints=False)
        for record_id in RECORDS:
            self.core.satisfaction.service_records.register(
                DESK, record_id, customer="ACME", service="desktop",
                opened_at=T0 - timedelta(days=1), engineer=ENGINEER.id,
            )  # fmt: skip
        self.state: dict[str, str] = {}
        # (article, record) -> (flag id, helped)
        self.flagged: dict[tuple[str, str], tuple[str, bool]] = {}

    @rule(target=flags, article=st.sampled_from(ARTICLES), record_id=st.sampled_from(RECORDS),
          helped=st.booleans())  # fmt: skip
    def flag(self, article: str, record_id: str, helped: bool) -> str:
        self.clock.advance(timedelta(minutes=1))
        try:
            flag = self.core.desk.flag_article(
                DESK, article=article, record_id=record_id, helped=helped, author=AUTHOR.id,
                suggestion=None if helped else "改进",
            )  # fmt: skip
        except ConflictError:
            assert (article, record_id) in self.flagged  # one verdict per article and request
            return self.flagged[(article, record_id)][0]
        assert (article, record_id) not in self.flagged
        self.flagged[(article, record_id)] = (flag.id, helped)
        self.state[flag.id] = "raised"
        return flag.id

    @rule(flag_id=flags, decision=st.sampled_from(sorted(MODEL)), by_addressee=st.booleans())
    def decide(self, flag_id: str, decision: str, by_addressee: bool) -> None:
        self.clock.advance(timedelta(minutes=1))
        actor = AUTHOR if by_addressee else RM
        before = self.core.desk.get(RM, flag_id)
        allowed = MODEL[decision]
        call = self.core.desk.accept if decision == "accept" else self.core.desk.reject
        kwargs = {"note": "好"} if decision == "accept" else {"reason": "不对"}
        if by_addressee and self.state[flag_id] in allowed:
            after = call(actor, flag_id, **kwargs)
            self.state[flag_id] = allowed[self.state[flag_id]]
            assert after.state.value == self.state[flag_id]
            assert after.version == before.version + 1
            return
        # a decision in a final state is refused as such, whoever gives it
        final = self.state[flag_id] not in allowed
        with pytest.raises(InvalidTransition if final else AccessDenied):
            call(actor, flag_id, **kwargs)
        again = self.core.desk.get(RM, flag_id)
        assert again.version == before.version and again.state.value == self.state[flag_id]

    @invariant()
    def the_ranking_counts_what_the_model_counts(self) -> None:
        expected: dict[str, tuple[int, int]] = {}
        for (article, _), (flag_id, helped) in self.flagged.items():
            if self.state[flag_id] == "rejected":
                continue
            uses, resolved = expected.get(article, (0, 0))
            expected[article] = (uses + 1, resolved + int(helped))
        ranking = self.core.desk.article_effectiveness(RM)
        assert {a.article: (a.uses, a.resolved) for a in ranking} == expected

    def teardown(self) -> None:
        self.core.close()


FlagLifecycle.TestCase.settings = settings(
    FlagLifecycle.TestCase.settings, max_examples=20, stateful_step_count=12
)
TestFlagLifecycle = FlagLifecycle.TestCase
