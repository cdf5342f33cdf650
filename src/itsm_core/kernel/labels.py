"""Enumerations with Chinese and English display labels.

Every state, verdict, channel and level of the domain has an English name in
code and a Chinese label for display. A :class:`Labelled` member *is* its
code string (it subclasses :class:`str`), and carries ``zh`` and ``en``::

    class Origin(Labelled):
        EXTERNAL = "external", "外部投诉", "external complaint"

    Origin.EXTERNAL == "external"      # True
    Origin.EXTERNAL.zh                 # "外部投诉"
    Origin("external").label("en")     # "external complaint"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Literal, Self

from itsm_core.kernel.errors import ValidationError

__all__ = ["Labelled", "Language"]

Language = Literal["zh", "en"]


class Labelled(StrEnum):
    """A string enumeration whose members carry ``zh`` and ``en`` labels."""

    zh: str
    en: str

    def __new__(cls, value: str, zh: str = "", en: str = "") -> Self:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.zh = zh or value
        obj.en = en or value.replace("_", " ")
        return obj

    def label(self, lang: Language = "zh") -> str:
        """Return the display label in ``lang`` (``"zh"`` or ``"en"``)."""
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        raise ValidationError(f"unknown language {lang!r}; allowed: 'zh', 'en'", field="lang")

    @classmethod
    def parse(cls, value: object, field: str | None = None) -> Self:
        """Return the member for ``value`` (a member or its code string).

        :raises ValidationError: naming the allowed codes when ``value`` is not one.
        """
        if isinstance(value, cls):
            return value
        if value.__class__ is str:
            member = cls._value2member_map_.get(value)
            if member is not None:
                return member  # type: ignore[return-value]
        allowed = ", ".join(m.value for m in cls)
        name = field or cls.__name__
        if not isinstance(value, str):
            raise ValidationError(
                f"{name}: got {type(value).__name__} {value!r}, not a {cls.__name__} code; "
                f"allowed: {allowed}",
                field=field,
            )
        try:
            return cls(value)
        except ValueError:
            raise ValidationError(
                f"{name}: {value!r} is not a valid {cls.__name__}; allowed: {allowed}",
                field=field,
            ) from None

    @classmethod
    def codes(cls, value: object, field: str) -> tuple[str, ...] | None:
        """Return the codes of a filter: None (no filter), one member or code, or several.

        :raises ValidationError: for a value that is not a code, or an empty collection.
        """
        if value is None:
            return None
        if isinstance(value, str) or not isinstance(value, Iterable) or isinstance(value, Mapping):
            return (cls.parse(value, field).value,)
        codes = tuple(cls.parse(v, field).value for v in value)
        if not codes:
            allowed = ", ".join(m.value for m in cls)
            raise ValidationError(
                f"{field}: give one code or several, not an empty collection; allowed: {allowed}",
                field=field,
            )
        return codes
