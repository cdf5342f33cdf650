"""Watch lists for focused care, the desk KPIs, and the period helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core import AccessDenied, ValidationError
from itsm_core.satisfaction.analysis import (
    AlertLevel,
    DeskKpi,
    LevelRule,
    WatchReason,
    period_window,
    previous_period,
)
from itsm_core.satisfaction.analysis.periods import period_bounds, period_of

from .fakes import (
    CUSTOMERS,
    DIRECTOR,
    ENGINEER,
    MANAGER,
    QUALITY,
    RECORDS,
    make_analysis,
    make_runtime,
    many,
    responses,
    store,
)

LEVELS = (
    LevelRule("green", 90, "keep the routine"),
    LevelRule("yellow", 80, "weekly call by the relationship manager"),
    LevelRule("red", None, "operations manager visits"),
)


def watch_setup():  # type: ignore[no-untyped-def]
    runtime = make_runtime()
    sat = make_analysis(runtime)
    sat.targets.set_target(DIRECTOR, "desktop", target=90, levels=LEVELS)
    responses(
        runtime,
        # acme: fine in every month
        *many(20, 19, customer="acme", period="2026-03"),
        *many(20, 19, customer="acme", period="2026-04"),
        *many(20, 19, customer="acme", period="2026-05"),
        # globex: low in March and April, fine in May -> pooled 30+35+... below 80
        *many(20, 12, customer="globex", period="2026-03"),
        *many(20, 14, customer="globex", period="2026-04"),
        *many(20, 19, customer="globex", period="2026-05"),
        # initech: yellow over the window
        *many(30, 26, customer="initech", period="2026-05"),
        # old data outside the window
        *many(20, 0, customer="acme", period="2026-01"),
    )
    store(
        runtime,
        CUSTOMERS,
        [{"name": "acme", "key": 1}, {"name": "umbrella", "key": 1}, {"name": "globex", "key": 0}],
    )
    return runtime, sat


def test_low_satisfaction_customers_over_a_window() -> None:
    _runtime, sat = watch_setup()
    entries = sat.analysis.low_satisfaction_customers(QUALITY, "2026-05", window=3)
    assert [(e.customer, e.level) for e in entries] == [
        ("globex", AlertLevel.RED),
        ("initech", AlertLevel.YELLOW),
    ]
    globex = entries[0]
    assert globex.window == ("2026-03", "2026-04", "2026-05")
    assert globex.value == pytest.approx(100 * 45 / 60)
    assert globex.n == 60 and globex.reason is WatchReason.LOW_SATISFACTION
    assert [p.level for p in globex.by_period] == [AlertLevel.RED, AlertLevel.RED, AlertLevel.GREEN]
    assert globex.measures == "operations manager visits"
    assert globex.deviation is not None and globex.deviation.below_target
    assert "满意度低的客户" in globex.describe() and "low-satisfaction" in globex.describe("en")
    # only the worst level
    reds = sat.analysis.low_satisfaction_customers(QUALITY, "2026-05", at_or_worse="red")
    assert [e.customer for e in reds] == ["globex"]
    # a one-month window sees only May
    may = sat.analysis.low_satisfaction_customers(QUALITY, "2026-05", window=1)
    assert [e.customer for e in may] == ["initech"]
    # without targets: a plain threshold
    plain = sat.analysis.low_satisfaction_customers(QUALITY, "2026-05", threshold=95)
    assert {e.customer for e in plain} == {"globex", "initech"}
    assert all(e.level is None for e in plain)
    assert plain[0].to_dict()["window"] == ["2026-03", "2026-04", "2026-05"]


def test_watch_list_with_key_customers() -> None:
    _runtime, sat = watch_setup()
    watch = sat.analysis.watch_list(MANAGER, "2026-05")
    assert [e.customer for e in watch.low_satisfaction] == ["globex", "initech"]
    keys = {e.customer: e for e in watch.key_customers}
    assert set(keys) == {"acme", "umbrella"}
    assert keys["acme"].reason is WatchReason.KEY_CUSTOMER
    assert keys["acme"].value == pytest.approx(95.0) and keys["acme"].n == 60
    assert not keys["acme"].also_low
    assert keys["umbrella"].value is None and keys["umbrella"].n == 0
    assert watch.customers == ("acme", "globex", "initech", "umbrella")
    text = watch.describe()
    assert text.splitlines()[0].startswith("重点关怀名单")
    assert "重要客户" in text
    assert "Focused-care" in watch.describe("en")
    assert sat.analysis.key_customer_watch(MANAGER, "2026-05", window=1)[0].n == 20
    with pytest.raises(AccessDenied):
        sat.analysis.watch_list(ENGINEER, "2026-05")
    with pytest.raises(ValidationError, match="window"):
        sat.analysis.watch_list(MANAGER, "2026-05", window=0)


def test_desk_kpis_from_service_records() -> None:
    runtime = make_runtime()
    rows = []
    for i in range(40):
        rows.append(
            {
                "service": "desktop" if i < 30 else "network",
                "customer": "acme",
                "engineer": "e1" if i % 2 else "e2",
                "closed_period": "2026-05",
                "closed_at": datetime(2026, 5, 10, tzinfo=UTC),
                "first_contact": int(i % 4 != 0),  # 30 of 40
                "reopened": int(i % 10 == 0),  # 4 of 40
                "complete": int(i % 5 != 0),  # 32 of 40
            }
        )
    rows.append(
        {
            "service": "desktop",
            "customer": "acme",
            "closed_period": None,
            "first_contact": 1,
            "reopened": 0,
            "complete": 1,
        }
    )  # still open
    rows.append(
        {
            "service": "desktop",
            "customer": "acme",
            "closed_period": "2026-04",
            "first_contact": 0,
            "reopened": 1,
            "complete": 0,
        }
    )
    store(runtime, RECORDS, rows)
    sat = make_analysis(runtime)
    (may,) = sat.analysis.desk_kpis(QUALITY, "2026-05")
    assert may.closed == 40
    assert may.first_contact_resolution.value == 0.75
    assert may.one_time_fix.value == pytest.approx(36 / 40)
    assert may.record_completeness.value == pytest.approx(32 / 40)
    assert may.rate("one_time_fix") == may.one_time_fix
    assert "首问解决率" in may.describe() and "one-time fix rate" in may.describe("en")
    assert may.to_dict()[DeskKpi.RECORD_COMPLETENESS.value] == pytest.approx(0.8)
    by = {
        (k.key["service"], k.key["period"]): k
        for k in sat.analysis.desk_kpis(
            QUALITY, ["2026-04", "2026-05"], group_by=["service", "period"]
        )
    }
    assert by[("desktop", "2026-05")].closed == 30
    assert by[("desktop", "2026-04")].one_time_fix.value == 0.0
    assert by[("network", "2026-05")].small_sample
    total = by[("desktop", "2026-05")] + by[("network", "2026-05")]
    assert total.closed == 40 and dict(total.key) == {"period": "2026-05"}
    by_engineer = sat.analysis.desk_kpis(
        QUALITY, "2026-05", group_by=["engineer"], service="desktop"
    )
    assert sum(k.closed for k in by_engineer) == 30
    calls = runtime.storage.calls  # type: ignore[attr-defined]
    assert calls[("find", "service_record")] == 0 and calls[("get", "service_record")] == 0
    with pytest.raises(ValidationError, match="allowed"):
        sat.analysis.desk_kpis(QUALITY, "2026-05", group_by=["channel"])
    with pytest.raises(AccessDenied):
        sat.analysis.desk_kpis(ENGINEER, "2026-05")


def test_evaluation_and_watch_lists_never_load_responses() -> None:
    runtime, sat = watch_setup()
    sat.targets.evaluate(QUALITY, "2026-05")
    sat.analysis.watch_list(MANAGER, "2026-05")
    sat.analysis.changes(MANAGER, "2026-05", group_by=["customer"])
    calls = runtime.storage.calls  # type: ignore[attr-defined]
    assert calls[("find", "satisfaction_response")] == 0
    assert calls[("get", "satisfaction_response")] == 0
    assert calls[("aggregate", "satisfaction_response")] >= 3


def test_period_helpers() -> None:
    assert previous_period("2026-01") == "2025-12"
    assert previous_period("2026-05", 13) == "2025-04"
    assert period_window("2026-02", 3) == ("2025-12", "2026-01", "2026-02")
    shanghai = ZoneInfo("Asia/Shanghai")
    start, end = period_bounds("2026-12", shanghai)
    assert (start.year, start.month, end.year, end.month) == (2026, 12, 2027, 1)
    assert period_of(datetime(2026, 4, 30, 17, tzinfo=UTC), shanghai) == "2026-05"
    with pytest.raises(ValidationError, match="YYYY-MM"):
        previous_period("2026-5")
    with pytest.raises(ValidationError, match="steps"):
        previous_period("2026-05", -1)


@pytest.mark.parametrize(
    "bad", [202605, None, "2026-13", "2026-5", "0000-01", "9999-12", b"2026-05"]
)
def test_a_malformed_period_is_a_validation_error_everywhere(bad: object) -> None:
    runtime = make_runtime()
    sat = make_analysis(runtime)
    for call in (
        lambda: sat.analysis.figures(MANAGER, bad),  # type: ignore[arg-type]
        lambda: sat.analysis.figures(MANAGER, ["2026-05", bad]),  # type: ignore[list-item]
        lambda: sat.analysis.response_rates(MANAGER, bad),  # type: ignore[arg-type]
        lambda: sat.analysis.desk_kpis(QUALITY, bad),  # type: ignore[arg-type]
        lambda: sat.analysis.changes(MANAGER, bad),  # type: ignore[arg-type]
        lambda: sat.targets.evaluate(QUALITY, bad),  # type: ignore[arg-type]
        lambda: sat.analysis.watch_list(MANAGER, bad),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValidationError, match="YYYY-MM") as caught:
            call()
        assert caught.value.field in ("period", "periods")


def test_windows_and_steps_must_be_whole_numbers() -> None:
    sat = make_analysis(make_runtime())
    for window in ("3", 2.5, True, None):
        with pytest.raises(ValidationError, match="window must be a whole number"):
            sat.analysis.low_satisfaction_customers(MANAGER, "2026-05", window=window)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="window"):
            sat.analysis.watch_list(MANAGER, "2026-05", window=window)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="steps must be a whole number"):
        previous_period("2026-05", "1")  # type: ignore[arg-type]
    # the first month has no month before it: refused, not "0000-12"
    with pytest.raises(ValidationError, match="before 0001-01"):
        previous_period("0001-01")
    with pytest.raises(ValidationError, match="before 0001-01"):
        sat.analysis.changes(MANAGER, "0001-01")
    assert previous_period("9998-12", 0) == "9998-12"
    assert period_bounds("9998-12", ZoneInfo("Asia/Shanghai"))[1].year == 9999


@given(st.integers(1900, 2100), st.integers(1, 12), st.integers(0, 400))
def test_previous_period_walks_months(year: int, month: int, steps: int) -> None:
    period = f"{year:04d}-{month:02d}"
    back = previous_period(period, steps)
    y, m = (int(x) for x in back.split("-"))
    assert (year * 12 + month) - (y * 12 + m) == steps


def test_period_conditions_use_a_range_for_consecutive_months() -> None:
    from itsm_core.satisfaction.analysis.queries import period_conditions

    assert [w.op for w in period_conditions("period", ["2026-05"])] == ["eq"]
    consecutive = period_conditions("period", ["2026-01", "2025-12", "2025-11"])
    assert [(w.op, w.value) for w in consecutive] == [("ge", "2025-11"), ("le", "2026-01")]
    gaps = period_conditions("period", ["2026-01", "2026-03"])
    assert [(w.op, w.value) for w in gaps] == [("in", ("2026-01", "2026-03"))]
