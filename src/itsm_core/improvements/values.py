"""The value objects of an improvement item: quality indicators, progress notes, follow-ups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from itsm_core.kernel.clock import aware_field
from itsm_core.kernel.codec import instant, iso, optional_instant
from itsm_core.kernel.errors import ValidationError

__all__ = ["FollowUp", "ProgressNote", "QualityIndicator", "quality_indicators"]


def _text(field: str) -> Any:
    def check(_instance: object, _attribute: object, value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)

    return check


@attrs.frozen
class QualityIndicator:
    """A measurable target an improvement is checked against (质量指标).

    :param name: what is measured, e.g. ``"首次响应时间"``.
    :param target: the level to reach, e.g. ``"≤ 15 分钟"``.
    """

    name: str = attrs.field(validator=_text("quality indicator name"))
    target: str = attrs.field(validator=_text("quality indicator target"))

    def to_dict(self) -> dict[str, str]:
        """Return the indicator as JSON-able data."""
        return {"name": self.name, "target": self.target}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QualityIndicator:
        """Rebuild an indicator from :meth:`to_dict` output."""
        return cls(name=data["name"], target=data["target"])

    @classmethod
    def parse(cls, value: object) -> QualityIndicator:
        """Accept an indicator, a ``(name, target)`` pair, a mapping, or ``"name: target"``.

        :raises ValidationError: for anything else.
        """
        if isinstance(value, QualityIndicator):
            return value
        if isinstance(value, Mapping):
            return cls(name=value.get("name"), target=value.get("target"))  # type: ignore[arg-type]
        if isinstance(value, tuple) and len(value) == 2:
            return cls(name=value[0], target=value[1])
        if isinstance(value, str):
            for sep in (":", "："):
                if sep in value:
                    name, target = value.split(sep, 1)
                    return cls(name=name.strip(), target=target.strip())
        raise ValidationError(
            f"a quality indicator is a QualityIndicator, a (name, target) pair, a mapping "
            f"with 'name' and 'target', or 'name: target'; got {value!r}",
            field="quality_indicators",
        )


def quality_indicators(values: object) -> tuple[QualityIndicator, ...]:
    """Return ``values`` as a non-empty tuple of :class:`QualityIndicator`.

    ``values`` is one indicator in any form :meth:`QualityIndicator.parse`
    accepts, an iterable of them, or a mapping of name to target such as
    ``{"首次响应时间": "≤ 15 分钟", "超时率": "≤ 2%"}`` (a mapping with a
    ``"name"`` key is one indicator).

    :raises ValidationError: when there is none, or one is malformed.
    """
    if isinstance(values, Mapping) and "name" not in values and "target" not in values:
        values = list(values.items())
    elif isinstance(values, str | QualityIndicator | Mapping) or not isinstance(values, Iterable):
        values = [values]
    items = tuple(QualityIndicator.parse(v) for v in values)
    if not items:
        raise ValidationError(
            "an improvement requirement needs at least one quality indicator (质量指标)",
            field="quality_indicators",
        )
    return items


@attrs.frozen
class ProgressNote:
    """What the improvement owner reported on the way.

    :param at: when.
    :param by: the owner's actor id.
    :param note: the report.
    """

    at: datetime = attrs.field(validator=aware_field())
    by: str = attrs.field(validator=_text("by"))
    note: str = attrs.field(validator=_text("note"))

    def to_dict(self) -> dict[str, Any]:
        """Return the note as JSON-able data."""
        return {"at": self.at.isoformat(), "by": self.by, "note": self.note}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProgressNote:
        """Rebuild a note from :meth:`to_dict` output."""
        return cls(at=instant(data["at"]), by=data["by"], note=data["note"])


@attrs.frozen
class FollowUp:
    """One follow-up against the requirement and its indicators (改进质量跟踪).

    :param at: when.
    :param by: who followed up (actor id).
    :param met: whether the improvement was done in time and to the indicators.
    :param note: what was found.
    :param due_at: the due instant in force at the follow-up.
    :param extended_to: the new due instant, when the period was extended.
    """

    at: datetime = attrs.field(validator=aware_field())
    by: str = attrs.field(validator=_text("by"))
    met: bool
    note: str = attrs.field(validator=_text("note"))
    due_at: datetime = attrs.field(validator=aware_field())
    extended_to: datetime | None = attrs.field(
        default=None, validator=aware_field(optional=True)
    )

    def to_dict(self) -> dict[str, Any]:
        """Return the follow-up as JSON-able data."""
        return {
            "at": self.at.isoformat(),
            "by": self.by,
            "met": self.met,
            "note": self.note,
            "due_at": self.due_at.isoformat(),
            "extended_to": iso(self.extended_to),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FollowUp:
        """Rebuild a follow-up from :meth:`to_dict` output."""
        return cls(
            at=instant(data["at"]),
            by=data["by"],
            met=bool(data["met"]),
            note=data["note"],
            due_at=instant(data["due_at"]),
            extended_to=optional_instant(data.get("extended_to")),
        )
