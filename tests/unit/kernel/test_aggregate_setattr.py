"""An aggregate's fields set after construction are converted and validated as attrs would."""

from __future__ import annotations

import attrs
import pytest

from itsm_core.kernel.aggregate import Aggregate


def _positive(_entity: object, _field: attrs.Attribute[int], value: int) -> None:
    if value <= 0:
        raise ValueError(f"must be positive, got {value}")


@attrs.define(eq=False, kw_only=True)
class Counter(Aggregate):
    KIND = "counter"
    count: int = attrs.field(default=1, converter=int, validator=_positive)
    label: str = ""


@attrs.define(eq=False, kw_only=True)
class Hooked(Aggregate):
    KIND = "hooked"
    fixed: int = attrs.field(default=1, on_setattr=attrs.setters.frozen)


def test_a_set_field_is_converted_then_validated() -> None:
    c = Counter(id="c-1")
    c.count = "7"  # type: ignore[assignment]
    assert c.count == 7
    with pytest.raises(ValueError, match="must be positive, got 0"):
        c.count = 0
    assert c.count == 7  # refused: unchanged


def test_a_field_without_checks_is_set_as_it_is() -> None:
    c = Counter(id="c-1")
    c.label = "seven"
    c.version = 3
    assert (c.label, c.version) == ("seven", 3)


def test_validators_turned_off_are_skipped_as_attrs_skips_them() -> None:
    c = Counter(id="c-1")
    attrs.validators.set_disabled(True)
    try:
        c.count = 0
    finally:
        attrs.validators.set_disabled(False)
    assert c.count == 0


def _direct(cls: type) -> bool:
    return cls.__setattr__.__code__.co_filename.endswith("aggregate.py")  # type: ignore[attr-defined]


def test_the_class_gets_the_direct_setattr() -> None:
    assert _direct(Counter)


def test_a_class_with_hooks_of_its_own_keeps_attrs_setattr() -> None:
    h = Hooked(id="h-1")
    assert not _direct(Hooked)
    with pytest.raises(attrs.exceptions.FrozenAttributeError):
        h.fixed = 2
