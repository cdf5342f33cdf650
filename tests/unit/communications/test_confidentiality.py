"""Who reads customer communications: every read path is for the provider's staff.

A notice lists every customer it went to, with their contacts and calls, and
feedback names the customer of a request: a customer (or an actor without a
role) reads none of it, on any path. Nothing of a complaint enters these
records, so no payload is confidential and what a notifier receives is what
the staff read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from itsm_core import Actor, ItsmCore
from itsm_core.kernel.errors import AccessDenied
from itsm_core.testing import RecordingNotifier

from .conftest import CUSTOMER, DESK, NOBODY, SPECIALIST, issued


def _reads(core: ItsmCore) -> dict[str, Callable[[Actor], Any]]:
    notice = issued(core)
    feedback = core.communications.feedback.start(
        DESK, record_id="INC-1", customer="ACME", reason="key_customer", interval=timedelta(hours=2)
    )
    notices, fb = core.communications.notices, core.communications.feedback
    return {
        "notices.get": lambda a: notices.get(a, notice.id),
        "notices.find": lambda a: notices.find(a),
        "notices.history": lambda a: notices.history(a, notice.id),
        "feedback.get": lambda a: fb.get(a, feedback.id),
        "feedback.find": lambda a: fb.find(a, customer="ACME"),
        "feedback.history": lambda a: fb.history(a, feedback.id),
    }


@pytest.mark.parametrize("who", [CUSTOMER, NOBODY], ids=["customer", "no role"])
def test_no_read_path_is_open_to_a_customer_or_an_actor_without_a_role(
    core: ItsmCore, who: Actor
) -> None:
    for name, read in _reads(core).items():
        with pytest.raises(AccessDenied):
            read(who)
        assert read(DESK), name


def test_the_staff_read_every_path(core: ItsmCore) -> None:
    for read in _reads(core).values():
        assert read(SPECIALIST)


def test_no_event_of_communications_is_confidential_and_notifiers_get_what_staff_read(
    core: ItsmCore, recorder: RecordingNotifier
) -> None:
    reads = _reads(core)
    stored = [*reads["notices.history"](DESK), *reads["feedback.history"](DESK)]
    assert stored and all(e.confidential == frozenset() for e in stored)
    relayed = {
        e.event_id: e
        for e in recorder.events
        if e.aggregate_kind in {"customer_notice", "proactive_feedback"}
    }
    assert {e.event_id for e in stored} == set(relayed)
    assert all(relayed[e.event_id].payload == e.payload for e in stored)
