"""The rule for ids: the one character set of every entity id, chosen or derived.

:func:`own_id` checks an id a caller chooses (a ticket number, a clock id, a
response id); every backend applies the same rule to the id of each new
entity it stores, so an id derived from caller data (a complaint's
``source_ref``) cannot slip through either.
"""

from __future__ import annotations

import unicodedata

from itsm_core.kernel.errors import ValidationError

__all__ = ["MAX_ID_LENGTH", "own_id"]


MAX_ID_LENGTH = 200
"""The longest id a caller may choose, in characters."""

# control and format characters, surrogates, private-use and unassigned code
# points, line and paragraph separators: nothing an e-mail header, a log line
# or a URL should ever carry unescaped
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def own_id(value: object, field: str) -> str:
    """Return ``value`` if it may be the id of a new entity, else raise :class:`ValidationError`.

    The one character set of ids everywhere (a ticket number, a clock id, a
    response id the caller chooses, and every id the library derives): 1 to
    :data:`MAX_ID_LENGTH` characters of letters (Chinese included), marks,
    digits, punctuation, symbols and the plain space, not starting or ending
    with a space. No control characters (CR, LF, tab, NUL…), no other
    whitespace, no line or paragraph separators, no surrogates or unassigned
    code points: an id goes into e-mail subjects, webhook bodies and logs as
    it is.

    :param value: the id.
    :param field: the argument's name, for the message.
    """
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)
    if len(value) > MAX_ID_LENGTH:
        raise ValidationError(
            f"{field} is {len(value)} characters long; an id has at most {MAX_ID_LENGTH}",
            field=field,
        )
    if value != value.strip(" "):
        raise ValidationError(f"{field} {value!r} starts or ends with a space", field=field)
    for position, char in enumerate(value):
        category = unicodedata.category(char)
        if category in _REFUSED_CATEGORIES or (category == "Zs" and char != " "):
            raise ValidationError(
                f"{field} holds {unicodedata.name(char, f'U+{ord(char):04X}')} "
                f"(U+{ord(char):04X}) at position {position}; an id holds letters, digits, "
                "punctuation, symbols and plain spaces only (no control characters such as "
                "CR or LF)",
                field=field,
            )
    return value
