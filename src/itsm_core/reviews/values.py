"""The value objects of a service review: participants, opinions, problems, actions, reschedules.

Each is an attrs frozen class that checks its fields when built, and has a
``parse`` accepting the instance itself or a plain mapping (and, where
natural, a short form), so that a caller may pass plain data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from itsm_core.improvements.values import QualityIndicator, quality_indicators
from itsm_core.kernel.clock import aware_field
from itsm_core.kernel.errors import ValidationError
from itsm_core.reviews.enums import OpinionKind, ParticipantRole

__all__ = [
    "Opinion",
    "Participant",
    "Reschedule",
    "ReviewAction",
    "ReviewProblem",
    "optional_text",
    "text",
]


def text(value: object, field: str) -> str:
    """Return ``value`` stripped if it is a non-empty string.

    :raises ValidationError: naming ``field`` otherwise.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)
    return value.strip()


def optional_text(value: object, field: str) -> str | None:
    """Return ``value`` stripped, or None for None or a blank string.

    :raises ValidationError: for something that is not a string.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string or None, got {value!r}", field=field)
    return value.strip() or None


def _text(field: str) -> Any:
    def check(_instance: object, _attribute: object, value: object) -> None:
        text(value, field)

    return check


def _optional(field: str) -> Any:
    def check(_instance: object, _attribute: object, value: object) -> None:
        if value is not None:
            text(value, field)

    return check


def _participant_role(value: object) -> ParticipantRole:
    return ParticipantRole.parse(value, "role")


def _opinion_kind(value: object) -> OpinionKind:
    return OpinionKind.parse(value, "opinion kind")


def _mapping(value: object, what: str, forms: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"{what} is {forms}; got {value!r}", field=what.replace(" ", "_"))
    return value


@attrs.frozen
class Participant:
    """One person invited to (or taking part in) a review, with their part in it.

    :param person: who (an actor id, or a name for someone outside the directory).
    :param role: their part (:class:`~itsm_core.reviews.enums.ParticipantRole`).
    :param organisation: the customer's or provider's unit they speak for, if named.
    """

    person: str = attrs.field(validator=_text("person"))
    role: ParticipantRole = attrs.field(converter=_participant_role)
    organisation: str | None = attrs.field(default=None, validator=_optional("organisation"))

    @classmethod
    def parse(cls, value: object) -> Participant:
        """Accept a participant, a ``(person, role)`` pair or a mapping of those keys.

        :raises ValidationError: for anything else.
        """
        if isinstance(value, Participant):
            return value
        if isinstance(value, tuple) and len(value) == 2:
            return cls(person=value[0], role=value[1])
        data = _mapping(
            value, "participant", "a Participant, a (person, role) pair or a mapping"
        )
        return cls(
            person=data.get("person"),  # type: ignore[arg-type]
            role=data.get("role"),
            organisation=data.get("organisation"),
        )


@attrs.frozen
class Opinion:
    """What a participant reported, thought or suggested in the review.

    :param by: the participant (their ``person``).
    :param kind: a situation reported, an opinion or a suggestion.
    :param text: what was said.
    """

    by: str = attrs.field(validator=_text("opinion by"))
    kind: OpinionKind = attrs.field(converter=_opinion_kind)
    text: str = attrs.field(validator=_text("opinion text"))

    @classmethod
    def parse(cls, value: object) -> Opinion:
        """Accept an opinion, a ``(by, kind, text)`` triple or a mapping of those keys.

        :raises ValidationError: for anything else.
        """
        if isinstance(value, Opinion):
            return value
        if isinstance(value, tuple) and len(value) == 3:
            return cls(by=value[0], kind=value[1], text=value[2])
        data = _mapping(value, "opinion", "an Opinion, a (by, kind, text) triple or a mapping")
        return cls(by=data.get("by"), kind=data.get("kind"), text=data.get("text"))  # type: ignore[arg-type]


@attrs.frozen
class ReviewProblem:
    """A problem the review found (服务回顾报告: 发现的问题).

    :param description: what is wrong.
    :param service: the service it concerns, if one.
    """

    description: str = attrs.field(validator=_text("problem description"))
    service: str | None = attrs.field(default=None, validator=_optional("problem service"))

    @classmethod
    def parse(cls, value: object) -> ReviewProblem:
        """Accept a problem, its description alone, or a mapping with ``description``.

        :raises ValidationError: for anything else.
        """
        if isinstance(value, ReviewProblem):
            return value
        if isinstance(value, str):
            return cls(description=value)
        data = _mapping(value, "problem", "a ReviewProblem, a description or a mapping")
        return cls(description=data.get("description"), service=data.get("service"))  # type: ignore[arg-type]


def _indicators(value: object) -> tuple[QualityIndicator, ...]:
    return quality_indicators(value)


@attrs.frozen
class ReviewAction:
    """An action the review plans (服务改进行动计划); raised as an improvement item on report.

    :param description: what is to be improved.
    :param owner: the improvement owner's actor id (改进负责人).
    :param due_at: when it is due.
    :param quality_indicators: the targets it is checked against, at least one.
    :param service: the service it concerns, if one.
    :param improvement_id: the improvement item raised for it (set on report).
    """

    description: str = attrs.field(validator=_text("action description"))
    owner: str = attrs.field(validator=_text("action owner"))
    due_at: datetime = attrs.field(validator=aware_field("action due_at"))
    quality_indicators: tuple[QualityIndicator, ...] = attrs.field(converter=_indicators)
    service: str | None = attrs.field(default=None, validator=_optional("action service"))
    improvement_id: str | None = attrs.field(default=None, validator=_optional("improvement_id"))

    @classmethod
    def parse(cls, value: object) -> ReviewAction:
        """Accept an action or a mapping of its fields.

        :raises ValidationError: for anything else, or a missing field.
        """
        if isinstance(value, ReviewAction):
            return value
        data = _mapping(value, "action", "a ReviewAction or a mapping of its fields")
        missing = [
            k for k in ("description", "owner", "due_at", "quality_indicators") if k not in data
        ]
        if missing:
            raise ValidationError(
                f"an action needs description, owner, due_at and quality_indicators; "
                f"missing: {', '.join(missing)}",
                field="actions",
            )
        unknown = sorted(set(data) - {f.name for f in attrs.fields(cls)} - {"improvement_id"})
        if unknown:
            raise ValidationError(
                f"an action has no field {', '.join(unknown)}; fields: description, owner, "
                "due_at, quality_indicators, service",
                field="actions",
            )
        return cls(
            description=data["description"],
            owner=data["owner"],
            due_at=data["due_at"],
            quality_indicators=data["quality_indicators"],
            service=data.get("service"),
        )


@attrs.frozen
class Reschedule:
    """One move of a review to another time (改期).

    :param at: when it was moved.
    :param by: who moved it.
    :param previous: the time it was scheduled for.
    :param scheduled_at: the new time.
    :param reason: why.
    """

    at: datetime = attrs.field(validator=aware_field())
    by: str = attrs.field(validator=_text("by"))
    previous: datetime = attrs.field(validator=aware_field())
    scheduled_at: datetime = attrs.field(validator=aware_field())
    reason: str = attrs.field(validator=_text("reason"))


def parse_all(values: object, parse: Any, field: str) -> tuple[Any, ...]:
    """Return ``tuple(parse(v) for v in values)``; ``values`` must be an iterable (no string).

    :raises ValidationError: naming ``field`` for something that is not.
    """
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise ValidationError(
            f"{field} must be a list (or other iterable) of items, got {values!r}", field=field
        )
    return tuple(parse(v) for v in values)
