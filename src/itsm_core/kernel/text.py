"""The one rule for text that enters the library, on every backend.

A string may hold any Unicode character except two kinds, which no backend
can store alike: the NUL character (``"\\x00"``, refused by PostgreSQL) and
lone surrogates (``"\\ud800"``: no character at all, which cannot be encoded
in UTF-8, so SQLite and PostgreSQL cannot store or even compare them). Both
are refused with a :class:`~itsm_core.kernel.errors.ValidationError` at the
boundary, so the memory store refuses what a database would refuse:

- every string compared with or stored in an index field
  (:func:`itsm_core.storage.base.check_value`), every id looked up;
- every string of a record when it is saved (free text included);
- every string of an event's payload when the event is built.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from itsm_core.kernel.errors import ValidationError

__all__ = ["check_text", "check_texts", "text_problem"]

_BAD = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def text_problem(value: str) -> str | None:
    """Return what is wrong with ``value`` (a string), or None if it may be stored."""
    if "\x00" not in value and (value.isascii() or value.isprintable()):
        return None  # (a lone surrogate is neither ASCII nor printable)
    found = _BAD.search(value)
    if found is None:
        return None
    char = found.group()
    position = found.start()
    if char == "\x00":
        return f"holds a NUL character (\\x00) at position {position}"
    return f"holds a lone surrogate (\\u{ord(char):04x}) at position {position}"


def check_text(value: str, name: str) -> str:
    """Return ``value`` if it may be stored, else raise :class:`ValidationError`.

    :param value: a string (other values are returned as they are).
    :param name: the field, for the message.
    """
    if isinstance(value, str):
        problem = text_problem(value)
        if problem is not None:
            raise ValidationError(
                f"{name} {problem}; text may hold any character but NUL and lone "
                "surrogates",
                field=name,
            )
    return value


def check_texts(value: Any, name: str) -> None:
    """Check every string in ``value`` (nested mappings, lists and tuples included, keys too).

    :raises ValidationError: naming the path of the first string refused.
    """
    if _all_fine(value):
        return
    _check_each(value, name)


def _all_fine(value: Any) -> bool:
    """True if ``value`` surely holds no refused string (False: look closer).

    One JSON encoding of the whole value, in C, instead of a test per string: a
    NUL shows as ``\\u0000`` in it (also what an escaped backslash followed
    by ``u0000`` looks like: then the closer look decides), a lone surrogate as
    itself. Values JSON cannot encode get the closer look.
    """
    try:
        text = _ENCODE(value)
    except (TypeError, ValueError):
        return False
    return "\\u0000" not in text and _SURROGATE.search(text) is None


def _check_each(value: Any, name: str) -> None:
    if isinstance(value, str):
        check_text(value, name)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                check_text(key, name)
            _check_each(item, f"{name}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_each(item, f"{name}[{i}]")
