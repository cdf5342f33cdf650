"""retry_on_conflict runs a command again after a ConflictError, a bounded number of times."""

from __future__ import annotations

import pytest

from itsm_core import ConflictError, ValidationError, retry_on_conflict


def _flaky(conflicts: int) -> tuple[list[int], object]:
    calls: list[int] = []

    def command() -> str:
        calls.append(1)
        if len(calls) <= conflicts:
            raise ConflictError("changed meanwhile", kind="x", entity_id="1")
        return "done"

    return calls, command


def test_a_conflict_is_retried_with_growing_waits() -> None:
    calls, command = _flaky(2)
    waits: list[float] = []
    assert retry_on_conflict(command, attempts=3, backoff=0.1, sleep=waits.append) == "done"  # type: ignore[arg-type]
    assert len(calls) == 3
    assert 0.05 <= waits[0] <= 0.1 and 0.1 <= waits[1] <= 0.2


def test_the_last_conflict_is_raised() -> None:
    calls, command = _flaky(5)
    with pytest.raises(ConflictError):
        retry_on_conflict(command, attempts=2, sleep=lambda _: None)  # type: ignore[arg-type]
    assert len(calls) == 2


def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    def command() -> None:
        calls.append(1)
        raise ValidationError("bad")

    with pytest.raises(ValidationError):
        retry_on_conflict(command, sleep=lambda _: None)
    assert calls == [1]


@pytest.mark.parametrize("options", [{"attempts": 0}, {"attempts": True}, {"backoff": -1}])
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        retry_on_conflict(lambda: None, **options)  # type: ignore[arg-type]
