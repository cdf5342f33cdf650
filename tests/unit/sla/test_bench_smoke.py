"""The SLA benchmark script runs (smoke test: no timing assertions)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "sla.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_sla", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_calendar_bench_runs_and_returns_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench()
    result = bench.calendar_bench(repeats=2)
    figures = [*result.warm.values(), *result.cold.values(), *result.baseline.values()]
    assert len(figures) == 9
    assert all(isinstance(x, float) and x > 0 for x in figures)
    assert result.ratio_250d_4h > 0
    assert result.speedup_250d > 0
    assert any("250 working days" in line for line in bench.report_calendar(result))
    assert (
        bench.main(["--repeats", "1", "--clocks", "300", "--sql-clocks", "100", "--due", "10"]) == 0
    )
    assert "speed-up" in capsys.readouterr().out
