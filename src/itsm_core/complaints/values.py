"""The complaint's value objects: the complainant, statements, escalations, callbacks.

Also the text checks every complaint module shares (:func:`text`,
:func:`optional_text`) and the attrs validators of the entities.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from itsm_core.complaints.enums import EscalationLevel, EscalationStage
from itsm_core.kernel.clock import aware_field
from itsm_core.kernel.codec import instant, iso, optional_instant
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import REDACTED

__all__ = [
    "Complainant",
    "ComplaintCallback",
    "Escalation",
    "Finding",
    "Statement",
    "optional_text",
    "text",
    "text_validator",
]


def text(value: object, field: str) -> str:
    """Return ``value`` stripped if it is a non-empty string, else raise ValidationError."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)
    return value.strip()


def optional_text(value: object, field: str) -> str | None:
    """Return ``value`` stripped, or None for None; raise ValidationError for a non-string."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string or None, got {value!r}", field=field)
    return value.strip() or None


def text_validator(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    text(value, attribute.name)


text_validator.__itsm_value_only__ = True  # type: ignore[attr-defined]  # checks the value alone


def _identity_text(value: object, field: str) -> str:
    """Check one part of a complainant's identity without echoing it.

    An internal complainant's identity is for the complaint specialist alone
    (the complaint process): an error message may be logged or shown to whoever typed
    the receipt, so it names the field and the type, never the value.
    """
    if not isinstance(value, str):
        raise ValidationError(
            f"{field} must be a string, got a value of type {type(value).__name__} "
            "(the value is not shown: a complainant's identity is confidential)",
            field=field,
        )
    return value.strip()


def _complainant_name(value: object) -> str:
    name = _identity_text(value, "complainant.name")
    if not name:
        raise ValidationError(
            "complainant.name must be a non-empty string (a name or a directory id)",
            field="complainant.name",
        )
    return name


def _complainant_contact(value: object) -> str:
    return "" if value is None else _identity_text(value, "complainant.contact")


def _complainant_organisation(value: object) -> str:
    return "" if value is None else _identity_text(value, "complainant.organisation")


@attrs.frozen
class Complainant:
    """Who complained. For an internal complaint, visible to the complaint specialist alone.

    Each part is a string (``contact`` and ``organisation`` may be empty or
    None); a wrong value is refused with a :class:`~itsm_core.kernel.errors.ValidationError`
    that names the field and the type but never shows the value.

    :param name: the complainant's name (or a directory id).
    :param contact: a phone number, e-mail address or similar.
    :param organisation: the complainant's organisation or department.
    """

    name: str = attrs.field(converter=_complainant_name)
    contact: str = attrs.field(default="", converter=_complainant_contact)
    organisation: str = attrs.field(default="", converter=_complainant_organisation)

    REDACTED: ClassVar[Complainant]  # set below: the placeholder of a hidden identity

    @property
    def is_redacted(self) -> bool:
        """True for the redacted placeholder shown to everyone but the specialist."""
        return self.name == REDACTED

    def to_dict(self) -> dict[str, str]:
        """Return the complainant as JSON-able data."""
        return {"name": self.name, "contact": self.contact, "organisation": self.organisation}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Complainant:
        """Rebuild a complainant from :meth:`to_dict` output."""
        return cls(
            name=data["name"],
            contact=data.get("contact", ""),
            organisation=data.get("organisation", ""),
        )

    @classmethod
    def parse(cls, value: object) -> Complainant:
        """Accept a :class:`Complainant`, a name, or a mapping with ``name``.

        The mapping may also give ``contact`` and ``organisation``; no other key.

        :raises ValidationError: for anything else; the message names what is
            allowed and never shows the value (it may be a confidential identity).
        """
        if isinstance(value, Complainant):
            return value
        if isinstance(value, str):
            if not value.strip():
                raise ValidationError("complainant must be a non-empty name", field="complainant")
            return cls(name=value)
        if isinstance(value, Mapping) and "name" in value:
            unknown = sorted(str(k) for k in value if k not in _COMPLAINANT_KEYS)
            if unknown:
                raise ValidationError(
                    f"complainant: unknown keys {', '.join(unknown)}; allowed: "
                    "name, contact, organisation",
                    field="complainant",
                )
            return cls.from_dict(value)
        what = "a mapping without 'name'" if isinstance(value, Mapping) else type(value).__name__
        raise ValidationError(
            "complainant must be a Complainant, a name (str) or a mapping with 'name' "
            f"(and optionally 'contact', 'organisation'); got {what} "
            "(the value is not shown: a complainant's identity is confidential)",
            field="complainant",
        )


_COMPLAINANT_KEYS = frozenset({"name", "contact", "organisation"})


Complainant.REDACTED = Complainant(name=REDACTED, contact=REDACTED, organisation=REDACTED)


@attrs.frozen
class Statement:
    """Something said or done on record: an apology, a resolution, a feedback.

    :param at: when.
    :param by: who (actor id).
    :param text: what.
    """

    at: datetime = attrs.field(validator=aware_field())
    by: str = attrs.field(validator=text_validator)
    text: str = attrs.field(validator=text_validator)

    def to_dict(self) -> dict[str, Any]:
        """Return the statement as JSON-able data."""
        return {"at": self.at.isoformat(), "by": self.by, "text": self.text}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Statement:
        """Rebuild a statement from :meth:`to_dict` output."""
        return cls(at=instant(data["at"]), by=data["by"], text=data["text"])


Finding = Statement
"""An investigation finding is a :class:`Statement` of the specialist."""


def _level(value: object) -> EscalationLevel:
    return EscalationLevel.parse(value, "level")


def _stage(value: object) -> EscalationStage:
    return EscalationStage.parse(value, "stage")


@attrs.frozen
class Escalation:
    """One escalation and, for the general manager's office, its decision.

    :param level: where it went.
    :param stage: at which point of the lifecycle.
    :param at: when.
    :param by: who escalated (actor id).
    :param reason: why.
    :param decision: what the general manager's office decided, once it has.
    :param decided_at: when.
    :param decided_by: who recorded the decision.
    """

    level: EscalationLevel = attrs.field(converter=_level)
    stage: EscalationStage = attrs.field(converter=_stage)
    at: datetime = attrs.field(validator=aware_field())
    by: str = attrs.field(validator=text_validator)
    reason: str = attrs.field(validator=text_validator)
    decision: str | None = None
    decided_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    decided_by: str | None = None

    @property
    def awaits_decision(self) -> bool:
        """True for an escalation to the general manager's office not yet decided."""
        return self.level is EscalationLevel.GENERAL_MANAGER_OFFICE and self.decision is None

    def to_dict(self) -> dict[str, Any]:
        """Return the escalation as JSON-able data."""
        return {
            "level": self.level.value,
            "stage": self.stage.value,
            "at": self.at.isoformat(),
            "by": self.by,
            "reason": self.reason,
            "decision": self.decision,
            "decided_at": iso(self.decided_at),
            "decided_by": self.decided_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Escalation:
        """Rebuild an escalation from :meth:`to_dict` output."""
        return cls(
            level=data["level"],
            stage=data["stage"],
            at=instant(data["at"]),
            by=data["by"],
            reason=data["reason"],
            decision=data.get("decision"),
            decided_at=optional_instant(data.get("decided_at")),
            decided_by=data.get("decided_by"),
        )


@attrs.frozen
class ComplaintCallback:
    """A callback (回访) verifying the result with the complainant (complaint process, step 9).

    :param at: when.
    :param by: who called (actor id).
    :param satisfied: whether the complainant is satisfied.
    :param reason: why not, when not satisfied.
    :param reopened: whether the complaint was reopened (the provider's policy).
    """

    at: datetime = attrs.field(validator=aware_field())
    by: str = attrs.field(validator=text_validator)
    satisfied: bool
    reason: str | None = None
    reopened: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the callback as JSON-able data."""
        return {
            "at": self.at.isoformat(),
            "by": self.by,
            "satisfied": self.satisfied,
            "reason": self.reason,
            "reopened": self.reopened,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ComplaintCallback:
        """Rebuild a callback from :meth:`to_dict` output."""
        return cls(
            at=instant(data["at"]),
            by=data["by"],
            satisfied=bool(data["satisfied"]),
            reason=data.get("reason"),
            reopened=bool(data.get("reopened", False)),
        )
