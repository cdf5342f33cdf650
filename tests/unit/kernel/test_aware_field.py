"""The one validator of timezone-aware datetime fields: kernel.clock.aware_field."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest

from itsm_core.communications.values import ProgressUpdate
from itsm_core.kernel.clock import aware_field
from itsm_core.kernel.errors import ValidationError
from itsm_core.reviews.values import ReviewAction

SRC = Path(__file__).resolve().parents[3] / "src" / "itsm_core"
SHANGHAI = datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


@attrs.frozen
class Stamp:
    at: datetime = attrs.field(validator=aware_field())
    closed_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    due: datetime = attrs.field(default=SHANGHAI, validator=aware_field("action due_at"))


def test_an_aware_datetime_is_accepted_as_given() -> None:
    stamp = Stamp(SHANGHAI, closed_at=datetime(2026, 6, 2, tzinfo=UTC))
    assert stamp.at is SHANGHAI
    assert Stamp(SHANGHAI).closed_at is None


def test_a_naive_datetime_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as refused:
        Stamp(datetime(2026, 6, 1, 9))
    assert refused.value.field == "at"
    assert str(refused.value) == (
        "at must be timezone-aware (got naive 2026-06-01T09:00:00); "
        "attach a zone, e.g. datetime(..., tzinfo=ZoneInfo('Asia/Shanghai'))"
    )
    with pytest.raises(ValidationError, match=r"^closed_at must be timezone-aware") as refused:
        Stamp(SHANGHAI, closed_at=datetime(2026, 6, 2))
    assert refused.value.field == "closed_at"


def test_a_value_that_is_no_datetime_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"^at must be a timezone-aware datetime, got str"):
        Stamp("2026-06-01T09:00:00+08:00")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="got NoneType") as refused:
        Stamp(None)  # type: ignore[arg-type]
    assert refused.value.field == "at"


def test_an_instant_outside_the_years_in_utc_is_refused() -> None:
    with pytest.raises(ValidationError, match="outside the years 1 to 9999 in UTC"):
        Stamp(datetime(1, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")))


def test_a_name_given_is_the_fields_name_in_the_error() -> None:
    with pytest.raises(ValidationError, match=r"^action due_at must be timezone-aware") as refused:
        Stamp(SHANGHAI, due=datetime(2026, 6, 3))
    assert refused.value.field == "action due_at"


def test_the_areas_value_objects_refuse_naive_datetimes_alike() -> None:
    with pytest.raises(ValidationError, match=r"^at must be timezone-aware") as refused:
        ProgressUpdate(
            at=datetime(2026, 6, 1), by="desk-1", channel="phone", summary="处理中", on_time=True
        )
    assert refused.value.field == "at"
    with pytest.raises(ValidationError, match=r"^action due_at must be timezone-aware"):
        ReviewAction(
            description="复核",
            owner="pm-1",
            due_at=datetime(2026, 6, 1),
            quality_indicators=["按时完成: 100%"],
        )


def _own_aware_validators(path: Path) -> list[str]:
    """The functions of ``path`` shaped as attrs validators that call require_aware."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.Lambda) or len(node.args.args) != 3:
            continue
        if not node.args.args[0].arg.startswith("_"):  # (_instance, attribute, value)
            continue
        calls = {
            n.func.id
            for n in ast.walk(node)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        if "require_aware" in calls:
            name = node.name if isinstance(node, ast.FunctionDef) else "lambda"
            found.append(f"{path.relative_to(SRC)}:{node.lineno} {name}")
    return found


def test_no_area_keeps_a_copy_of_the_validator() -> None:
    copies = [
        found
        for path in sorted(SRC.rglob("*.py"))
        if path != SRC / "kernel" / "clock.py"
        for found in _own_aware_validators(path)
    ]
    assert copies == [], "use itsm_core.kernel.clock.aware_field instead"
    assert _own_aware_validators(SRC / "kernel" / "clock.py")  # the check finds the one
