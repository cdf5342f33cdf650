"""How phone numbers and e-mail addresses are normalised, so that one indexed
lookup finds a caller however the number or address was written.

**Phone numbers** become international form, ``+`` and digits only
(E.164 style):

- blanks, hyphens, dots, slashes and parentheses are dropped;
- a leading ``00`` (the international prefix) becomes ``+``;
- a number without ``+`` is national: a leading ``0`` (the trunk prefix of
  a landline's area code) is dropped and the country code put in front,
  ``86`` (China) unless another is given.

So ``138 0013 8000``, ``+86 138-0013-8000`` and ``008613800138000`` are all
``+8613800138000``, and ``010-6552 9988`` is ``+861065529988``. A number
must then have 7 to 15 digits.

**E-mail addresses** are trimmed and lower-cased as a whole (mail systems
treat the local part without regard to case in practice), and must be
``local@domain`` with a dot in the domain and no blanks.
"""

from __future__ import annotations

import re

from itsm_core.kernel.errors import ValidationError

__all__ = ["DEFAULT_COUNTRY_CODE", "normalise_email", "normalise_phone"]

DEFAULT_COUNTRY_CODE = "86"
"""The country code put in front of a national number (China)."""

_SEPARATORS = re.compile(r"[\s\-./()]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_phone(
    value: object, field: str = "phone", country_code: str = DEFAULT_COUNTRY_CODE
) -> str:
    """Return the phone number ``value`` in international form (``+8613800138000``).

    :raises ValidationError: for anything but a string of digits with the
        separators above, or fewer than 7 or more than 15 digits.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)
    number = _SEPARATORS.sub("", value)
    if number.startswith("00"):
        number = "+" + number[2:]
    if not number.startswith("+"):
        number = "+" + country_code + (number[1:] if number.startswith("0") else number)
    digits = number[1:]
    if not digits.isascii() or not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise ValidationError(
            f"{field} {value!r} is not a phone number: give digits (7 to 15 with the country "
            "code), optionally with a leading + or 00 and blanks, hyphens, dots or parentheses",
            field=field,
        )
    return number


def normalise_email(value: object, field: str = "email") -> str:
    """Return the e-mail address ``value`` trimmed and lower-cased.

    :raises ValidationError: unless it is ``local@domain.tld`` without blanks.
    """
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string, got {value!r}", field=field)
    address = value.strip().lower()
    if not _EMAIL.match(address):
        raise ValidationError(
            f"{field} {value!r} is not an e-mail address: give local@domain.tld, no blanks",
            field=field,
        )
    return address
