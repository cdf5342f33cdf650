"""CI is detected in one place (tests/ci.py), and nothing is skipped there for a missing package."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ci import in_ci

TESTS = Path(__file__).resolve().parents[1]


def test_only_tests_ci_reads_the_ci_variable_or_skips_a_missing_module() -> None:
    offenders = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if path.name != "ci.py"
        and path != Path(__file__).resolve()
        and any(
            needle in path.read_text(encoding="utf-8")
            for needle in ('environ.get("CI"', "environ['CI']", 'environ["CI"]', "importorskip(")
        )
    ]
    assert not offenders, f"use tests.ci.in_ci / require_module in: {', '.join(offenders)}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("1", True), ("YES", True), ("", False), ("false", False), ("0", False)],
)
def test_ci_values(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci() is expected
