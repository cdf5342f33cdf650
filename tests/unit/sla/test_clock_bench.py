"""The "SLA clock" section of the benchmark runs (smoke test: no timing assertions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_bench_smoke import load_bench


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_clock_bench_runs_and_both_ticks_agree(store: str, tmp_path: Path) -> None:
    bench = load_bench()
    url = "memory://" if store == "memory" else f"sqlite:///{tmp_path}/bench.db"
    result = bench.clock_bench(open_clocks=120, due=6, storage_url=url, idle_repeats=1)
    assert result.fired == result.scan_fired == 24  # 3 warnings and a breach each
    assert result.tick > 0 and result.scan > 0 and result.idle_tick > 0
    lines = bench.report_clock(result)
    assert any("ratio scan / tick" in line for line in lines)
    assert result.storage == store
