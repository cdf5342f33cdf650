"""The checks every backend applies to what it stores and looks up, alike everywhere."""

from __future__ import annotations

import enum
from typing import Any, Literal

from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.text import check_text

__all__ = ["IndexType", "check_id", "check_value"]

IndexType = Literal["str", "int", "float", "bool", "datetime"]


def check_value(index_type: IndexType, value: Any, name: str) -> Any:
    """Return ``value`` if it fits an index field of ``index_type``, else raise.

    ``str`` takes strings (a string enumeration member is one), ``int`` whole
    numbers, ``float`` numbers, ``bool`` True or False (a bool is no number
    here), ``datetime`` timezone-aware datetimes; a whole number must fit in
    64 bits (what the databases store); None fits every type. An
    :class:`enum.Enum` member counts as its value. Every backend checks the
    values it stores and the values queries compare with, so a value that
    does not fit is refused the same way everywhere.

    :param index_type: the field's type.
    :param value: the value to check.
    :param name: the field, for the message (e.g. ``"complaint.state"``).
    :return: the value (an enumeration member's value for a non-string enum).
    :raises ValidationError: naming the field, its type and the value.
    """
    if isinstance(value, enum.Enum) and not isinstance(value, str | int):
        value = value.value
    if value is None:
        return None
    if index_type == "datetime":
        return require_aware(value, name)
    if index_type == "str":
        ok = isinstance(value, str)
        if ok:
            check_text(value, name)
    elif index_type == "bool":
        ok = isinstance(value, bool)
    elif index_type == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:  # float
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and index_type == "int" and not -(2**63) <= value < 2**63:
        raise ValidationError(
            f"{name} is an int field of 64 bits; {value!r} is out of its range "
            f"({-(2**63)} to {2**63 - 1})",
            field=name,
        )
    if not ok:
        raise ValidationError(
            f"{name} is a {index_type} field; {value!r} ({type(value).__name__}) does not fit",
            field=name,
        )
    return value


def check_id(entity_id: Any, name: str = "id") -> str:
    """Return ``entity_id`` if it can name a stored entity, else raise.

    Every backend checks the ids it looks up, so a bad id is refused the same
    way everywhere: an id is a string, and holds no NUL character or lone
    surrogate (:mod:`itsm_core.kernel.text`).

    :raises ValidationError: for anything else.
    """
    if not isinstance(entity_id, str):
        raise ValidationError(
            f"{name} must be a string, got {entity_id!r} ({type(entity_id).__name__})",
            field=name,
        )
    return check_text(entity_id, name)
