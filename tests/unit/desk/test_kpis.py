"""The desk's one-time fix rate: closed records never reopened nor returned, over records closed."""

from __future__ import annotations

from datetime import timedelta

from itsm_core import ItsmCore

from .conftest import DESK, RM, T0, closed, record


def test_a_reopened_record_counts_against_the_one_time_fix_rate(core: ItsmCore) -> None:
    closed(core, "C-1")
    closed(core, "C-2")
    record(core, "C-3", opened_at=T0 - timedelta(hours=3))
    core.satisfaction.service_records.resolve(DESK, "C-3", resolution="重启",
                                              at=T0 - timedelta(hours=2))  # fmt: skip
    core.satisfaction.service_records.reopen(DESK, "C-3", reason="又坏了",
                                             at=T0 - timedelta(hours=1))  # fmt: skip
    core.satisfaction.service_records.resolve(DESK, "C-3", resolution="换硬盘", at=T0)
    core.satisfaction.service_records.close(DESK, "C-3", at=T0)
    [kpis] = core.satisfaction.analysis.desk_kpis(RM, ["2026-05", "2026-06"])
    assert (kpis.closed, kpis.reopened) == (3, 1)
    assert kpis.one_time_fix.value == 2 / 3
    assert kpis.rate("one_time_fix") == kpis.one_time_fix
