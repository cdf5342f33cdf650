"""The checks every backend applies to index values and ids, through their functions.

An index value must fit its field's type (a whole number in 64 bits, a bool
that is no number, a timezone-aware datetime, text every backend stores);
None fits every type; an enumeration member counts as its value. An id is a
string of storable text. What does not fit is refused naming the field.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import pytest

from itsm_core.kernel.errors import ValidationError
from itsm_core.storage.checks import IndexType, check_id, check_value

LOWEST, HIGHEST = -(2**63), 2**63 - 1
AT = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


class Level(enum.Enum):
    LOW = 1
    HIGH = "high"


class Colour(enum.StrEnum):
    RED = "red"


class Rank(enum.IntEnum):
    FIRST = 1


@pytest.mark.parametrize(
    ("index_type", "value"),
    [
        ("str", "open"),
        ("str", ""),
        ("str", "投诉"),
        ("int", 0),
        ("int", -5),
        ("int", LOWEST),
        ("int", HIGHEST),
        ("float", 0.5),
        ("float", 3),
        ("float", 2.0**70),
        ("float", -(2**70)),
        ("bool", True),
        ("bool", False),
        ("datetime", AT),
    ],
)
def test_a_value_that_fits_its_type_is_returned_as_it_is(index_type: IndexType, value: Any) -> None:
    result = check_value(index_type, value, "thing.field")
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize("index_type", ["str", "int", "float", "bool", "datetime"])
def test_none_fits_every_type(index_type: IndexType) -> None:
    assert check_value(index_type, None, "thing.field") is None


def test_an_enumeration_member_counts_as_its_value() -> None:
    assert check_value("int", Level.LOW, "thing.level") == 1
    assert type(check_value("int", Level.LOW, "thing.level")) is int
    assert check_value("str", Level.HIGH, "thing.level") == "high"
    assert check_value("str", Colour.RED, "thing.colour") is Colour.RED  # a string already
    assert check_value("int", Rank.FIRST, "thing.rank") is Rank.FIRST  # a whole number already
    with pytest.raises(ValidationError, match=r"^thing\.level is a str field; 1 \(int\)"):
        check_value("str", Level.LOW, "thing.level")


@pytest.mark.parametrize(
    ("index_type", "value", "shown"),
    [
        ("str", 5, "5 (int)"),
        ("str", b"open", "b'open' (bytes)"),
        ("int", "5", "'5' (str)"),
        ("int", 5.0, "5.0 (float)"),
        ("int", True, "True (bool)"),
        ("float", "0.5", "'0.5' (str)"),
        ("float", False, "False (bool)"),
        ("bool", 1, "1 (int)"),
        ("bool", "true", "'true' (str)"),
    ],
)
def test_a_value_of_another_type_is_refused_naming_the_field(
    index_type: IndexType, value: Any, shown: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        check_value(index_type, value, "thing.field")
    assert str(caught.value) == f"thing.field is a {index_type} field; {shown} does not fit"
    assert caught.value.field == "thing.field"


@pytest.mark.parametrize("value", [LOWEST - 1, HIGHEST + 1, 2**64, -(2**64)])
def test_a_whole_number_beyond_64_bits_is_refused(value: int) -> None:
    with pytest.raises(ValidationError) as caught:
        check_value("int", value, "thing.count")
    assert str(caught.value) == (
        f"thing.count is an int field of 64 bits; {value!r} is out of its range "
        f"({LOWEST} to {HIGHEST})"
    )
    assert caught.value.field == "thing.count"


def test_text_no_backend_stores_alike_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"^thing\.note .*NUL") as caught:
        check_value("str", "a\x00b", "thing.note")
    assert caught.value.field == "thing.note"


def test_a_datetime_field_takes_aware_datetimes_only() -> None:
    assert check_value("datetime", AT, "thing.at") is AT
    with pytest.raises(ValidationError, match=r"^thing\.at must be timezone-aware") as caught:
        check_value("datetime", datetime(2025, 1, 6, 9, 0), "thing.at")
    assert caught.value.field == "thing.at"
    with pytest.raises(ValidationError, match=r"^thing\.at must be a timezone-aware datetime"):
        check_value("datetime", "2025-01-06T09:00:00+00:00", "thing.at")


def test_an_id_is_storable_text() -> None:
    assert check_id("C-1") == "C-1"
    assert check_id("投诉-1", "complaint_id") == "投诉-1"
    with pytest.raises(ValidationError) as caught:
        check_id(5)
    assert str(caught.value) == "id must be a string, got 5 (int)"
    assert caught.value.field == "id"
    with pytest.raises(ValidationError) as caught:
        check_id(None, "complaint_id")
    assert str(caught.value) == "complaint_id must be a string, got None (NoneType)"
    assert caught.value.field == "complaint_id"
    with pytest.raises(ValidationError, match=r"^complaint_id .*NUL") as caught:
        check_id("C\x00", "complaint_id")
    assert caught.value.field == "complaint_id"
