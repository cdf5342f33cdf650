"""Fixtures of the review analysis tests: a facade on memory with a frozen clock."""

from __future__ import annotations

import pytest

from itsm_core import FrozenClock, ItsmCore
from itsm_core.reviews.analysis import ReviewAnalysis
from itsm_core.testing import RecordingNotifier
from tests.unit.review_analysis.support import analysis_of, at


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(at(4, 1))


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def core(clock: FrozenClock, recorder: RecordingNotifier) -> ItsmCore:
    return ItsmCore("memory://", clock=clock, plugins=[recorder], load_entrypoints=False)


@pytest.fixture
def ra(core: ItsmCore) -> ReviewAnalysis:
    return analysis_of(core)
