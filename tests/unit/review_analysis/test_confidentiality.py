"""An internal complainant's identity is in no pack, trend analysis or progress report."""

from __future__ import annotations

import json
from datetime import timedelta

from itsm_core import FrozenClock, ItsmCore
from itsm_core.reviews.analysis import ReviewAnalysis
from tests.unit.review_analysis.support import (
    CUSTOMER,
    IDENTITY,
    OM,
    OWNER,
    PM,
    SPECIALIST,
    at,
    complaint,
)

STEPS = ("dispatch", "finding", "valid", "project", "resolve", "improve")


def test_the_identity_appears_nowhere(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    first = complaint(core, clock, at(4, 3), origin="internal", steps=STEPS)
    complaint(core, clock, at(5, 3), origin="internal", steps=("dispatch", "finding"))
    assert core.complaints.get(SPECIALIST, first).complainant.name == IDENTITY  # it is stored
    item = core.complaints.get(SPECIALIST, first).improvement_id
    assert item is not None
    clock.set(at(5, 10))
    core.improvements.report_progress(OWNER, item, note="已排班")
    clock.set(at(7, 1))
    periods = ["2026-04", "2026-05", "2026-06"]
    pack = ra.pack(PM, customer=CUSTOMER, periods=periods)
    analysis = ra.analyse(OM, periods=periods, customer=CUSTOMER)
    analysis = ra.propose_improvement(
        OM, analysis.id, finding="party:二线网络组", owner=OWNER.id,
        quality_indicators=[("同类投诉", "0")], period=timedelta(days=30),
    )  # fmt: skip
    report = ra.send_progress_report(OM, customer=CUSTOMER, periods=periods, recipients="张三")
    assert pack.complaints.received == 2 and analysis.parties[0].complaints == 2
    texts = [
        json.dumps(pack.as_dict(), ensure_ascii=False),
        pack.markdown("zh"),
        pack.markdown("en"),
        json.dumps(analysis.as_dict(), ensure_ascii=False),
        analysis.markdown("zh"),
        analysis.markdown("en"),
        json.dumps(report.content.as_dict(), ensure_ascii=False),
        report.content.markdown("zh"),
        report.content.markdown("en"),
        *(json.dumps(dict(e.payload), ensure_ascii=False) for e in ra.history(OM, analysis.id)),
        *(json.dumps(dict(e.payload), ensure_ascii=False)
          for e in ra.history_progress_report(OM, report.id)),
    ]  # fmt: skip
    for text in texts:
        assert IDENTITY not in text
        assert "13800001234" not in text  # nor the contact
