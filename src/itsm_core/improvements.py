"""Improvement items: the general unit of the service improvement register.

Complaints, service reviews, satisfaction analysis and trend analysis all
raise improvement requirements (服务改进要求). An :class:`ImprovementItem` is
one such requirement as a value: where it came from (``source_kind`` and
``source_ref``), what is to be done, the quality indicators (质量指标) it is
measured against, who carries it out (the improvement owner, 改进负责人),
when it is due, and what the follow-ups found. It is immutable: each change
returns a new item, which its owning aggregate stores and records an event for.

The complaint area holds one item per complaint (000 §7.2.3.5); a register
that lists items of every source can be built over the same type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.codec import instant, iso, optional_instant
from itsm_core.kernel.errors import InvalidTransition, ValidationError
from itsm_core.kernel.labels import Labelled

__all__ = [
    "FollowUp",
    "ImprovementItem",
    "ImprovementSource",
    "ImprovementStatus",
    "ProgressNote",
    "QualityIndicator",
    "quality_indicators",
]


class ImprovementSource(Labelled):
    """What raised an improvement item."""

    COMPLAINT = "complaint", "投诉", "complaint"
    SERVICE_REVIEW = "service_review", "服务回顾", "service review"
    SATISFACTION = "satisfaction", "满意度", "satisfaction"
    TREND_ANALYSIS = "trend_analysis", "趋势分析", "trend analysis"


class ImprovementStatus(Labelled):
    """Where an improvement item stands."""

    OPEN = "open", "改进中", "open"
    EXTENDED = "extended", "已延期", "extended"
    MET = "met", "已按质量指标完成", "met"
    ESCALATED = "escalated", "已递交总经理室", "escalated to the general manager's office"
    DECIDED = "decided", "总经理室已决定", "decided by the general manager's office"


OPEN_STATUSES: frozenset[ImprovementStatus] = frozenset(
    {ImprovementStatus.OPEN, ImprovementStatus.EXTENDED}
)


def _text(field: str) -> Any:
    def check(_instance: object, _attribute: object, value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)

    return check


def _aware(field: str) -> Any:
    def check(_instance: object, _attribute: object, value: object) -> None:
        require_aware(value, field)

    return check


def _aware_or_none(field: str) -> Any:
    def check(_instance: object, _attribute: object, value: object) -> None:
        if value is not None:
            require_aware(value, field)

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

    at: datetime = attrs.field(validator=_aware("at"))
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

    at: datetime = attrs.field(validator=_aware("at"))
    by: str = attrs.field(validator=_text("by"))
    met: bool
    note: str = attrs.field(validator=_text("note"))
    due_at: datetime = attrs.field(validator=_aware("due_at"))
    extended_to: datetime | None = attrs.field(
        default=None, validator=_aware_or_none("extended_to")
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


def _follow_ups(value: Iterable[FollowUp]) -> tuple[FollowUp, ...]:
    return tuple(value)


def _progress(value: Iterable[ProgressNote]) -> tuple[ProgressNote, ...]:
    return tuple(value)


def _status(value: object) -> ImprovementStatus:
    return ImprovementStatus.parse(value, "status")


def _source(value: object) -> ImprovementSource:
    return ImprovementSource.parse(value, "source_kind")


def _due_after_issue(instance: ImprovementItem, _attribute: object, value: datetime) -> None:
    require_aware(value, "due_at")
    if value <= instance.issued_at:
        raise ValidationError(
            f"due_at ({value.isoformat()}) must be after issued_at "
            f"({instance.issued_at.isoformat()})",
            field="due_at",
        )


@attrs.frozen
class ImprovementItem:
    """One improvement requirement and how it went.

    :param id: the item's id.
    :param source_kind: what raised it (complaint, service review...).
    :param source_ref: the id of the raising record (e.g. the complaint id).
    :param description: what is to be improved (改进要求).
    :param quality_indicators: the targets it is checked against (质量指标), at least one.
    :param owner: the improvement owner's actor id (改进负责人).
    :param issued_by: who issued it (actor id).
    :param issued_at: when it was issued.
    :param due_at: when it is due (the end of the improvement period).
    :param business_unit: the business unit it is issued to, if named.
    :param cause: the cause analysis it rests on.
    :param status: where it stands.
    :param extensions: how many times the period was extended.
    :param follow_ups: the follow-ups so far, oldest first.
    :param progress: the owner's progress reports, oldest first.
    :param decision: the decision of the general manager's office, when escalated.
    :param decided_by: who recorded the decision.
    :param concluded_at: when it was met or decided.
    """

    id: str = attrs.field(validator=_text("id"))
    source_kind: ImprovementSource = attrs.field(converter=_source)
    source_ref: str = attrs.field(validator=_text("source_ref"))
    description: str = attrs.field(validator=_text("description"))
    quality_indicators: tuple[QualityIndicator, ...] = attrs.field(converter=quality_indicators)
    owner: str = attrs.field(validator=_text("owner"))
    issued_by: str = attrs.field(validator=_text("issued_by"))
    issued_at: datetime = attrs.field(validator=_aware("issued_at"))
    due_at: datetime = attrs.field(validator=_due_after_issue)
    business_unit: str = ""
    cause: str = ""
    status: ImprovementStatus = attrs.field(default=ImprovementStatus.OPEN, converter=_status)
    extensions: int = 0
    follow_ups: tuple[FollowUp, ...] = attrs.field(default=(), converter=_follow_ups)
    progress: tuple[ProgressNote, ...] = attrs.field(default=(), converter=_progress)
    decision: str | None = None
    decided_by: str | None = None
    concluded_at: datetime | None = attrs.field(
        default=None, validator=_aware_or_none("concluded_at")
    )

    @property
    def is_open(self) -> bool:
        """True while the owner is still working on it (open or extended)."""
        return self.status in OPEN_STATUSES

    def is_overdue(self, at: datetime) -> bool:
        """True if it is still open and its due instant lies before ``at``."""
        return self.is_open and self.due_at < require_aware(at, "at")

    def _refuse(self, event: str, allowed: Iterable[str], reason: str) -> InvalidTransition:
        return InvalidTransition(
            entity="improvement item",
            state=self.status.value,
            event=event,
            allowed=allowed,
            reason=reason,
        )

    def _open_events(self) -> tuple[str, ...]:
        if self.is_open:
            return ("follow_up", "report_progress")
        if self.status is ImprovementStatus.ESCALATED:
            return ("decide",)
        return ()

    def with_progress(self, at: datetime, by: str, note: str) -> ImprovementItem:
        """Return the item with one more progress report.

        :raises InvalidTransition: if the item is not open.
        """
        if not self.is_open:
            raise self._refuse("report_progress", self._open_events(), "the item is not open")
        return attrs.evolve(self, progress=(*self.progress, ProgressNote(at, by, note)))

    def followed_up(
        self,
        at: datetime,
        by: str,
        *,
        met: bool,
        note: str,
        extend_to: datetime | None = None,
    ) -> ImprovementItem:
        """Return the item after one follow-up.

        Met: the item is concluded (``met``). Not met with ``extend_to``: the
        period is extended to that instant. Not met without: the item is
        escalated to the general manager's office.

        :raises InvalidTransition: if the item is not open.
        :raises ValidationError: if ``extend_to`` is given with ``met`` or is
            not after ``at``.
        """
        if not self.is_open:
            raise self._refuse("follow_up", self._open_events(), "the item is not open")
        if met and extend_to is not None:
            raise ValidationError("a met improvement is not extended", field="extend_to")
        if extend_to is not None and require_aware(extend_to, "extend_to") <= at:
            raise ValidationError(
                f"the extended due instant ({extend_to.isoformat()}) must be after the "
                f"follow-up ({at.isoformat()})",
                field="extend_to",
            )
        follow = FollowUp(at, by, met, note, self.due_at, extend_to)
        changes: dict[str, Any] = {"follow_ups": (*self.follow_ups, follow)}
        if met:
            changes.update(status=ImprovementStatus.MET, concluded_at=at)
        elif extend_to is not None:
            changes.update(
                status=ImprovementStatus.EXTENDED, due_at=extend_to, extensions=self.extensions + 1
            )
        else:
            changes.update(status=ImprovementStatus.ESCALATED)
        return attrs.evolve(self, **changes)

    def decided(self, at: datetime, by: str, decision: str) -> ImprovementItem:
        """Return the item concluded by the general manager's office's ``decision``.

        :raises InvalidTransition: unless the item is escalated.
        """
        if self.status is not ImprovementStatus.ESCALATED:
            raise self._refuse("decide", self._open_events(), "only an escalated item is decided")
        return attrs.evolve(
            self,
            status=ImprovementStatus.DECIDED,
            decision=decision,
            decided_by=by,
            concluded_at=require_aware(at, "at"),
        )

    def granted(self, at: datetime, by: str, decision: str, extend_to: datetime) -> ImprovementItem:
        """Return the item given a new period by the general manager's office's ``decision``.

        The item is open again (``extended``) until ``extend_to``; the decision is
        recorded and the extensions count one more.

        :raises InvalidTransition: unless the item is escalated.
        :raises ValidationError: if ``extend_to`` is not after ``at``.
        """
        if self.status is not ImprovementStatus.ESCALATED:
            raise self._refuse(
                "decide", self._open_events(), "only an escalated item is given a new period"
            )
        if require_aware(extend_to, "extend_to") <= require_aware(at, "at"):
            raise ValidationError(
                f"the new due instant ({extend_to.isoformat()}) must be after the decision "
                f"({at.isoformat()})",
                field="extend_to",
            )
        return attrs.evolve(
            self,
            status=ImprovementStatus.EXTENDED,
            due_at=extend_to,
            extensions=self.extensions + 1,
            decision=decision,
            decided_by=by,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the item as JSON-able data (the inverse of :meth:`from_dict`)."""
        return {
            "id": self.id,
            "source_kind": self.source_kind.value,
            "source_ref": self.source_ref,
            "description": self.description,
            "quality_indicators": [q.to_dict() for q in self.quality_indicators],
            "owner": self.owner,
            "issued_by": self.issued_by,
            "issued_at": self.issued_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "business_unit": self.business_unit,
            "cause": self.cause,
            "status": self.status.value,
            "extensions": self.extensions,
            "follow_ups": [f.to_dict() for f in self.follow_ups],
            "progress": [p.to_dict() for p in self.progress],
            "decision": self.decision,
            "decided_by": self.decided_by,
            "concluded_at": iso(self.concluded_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImprovementItem:
        """Rebuild an item from :meth:`to_dict` output."""
        return cls(
            id=data["id"],
            source_kind=data["source_kind"],
            source_ref=data["source_ref"],
            description=data["description"],
            quality_indicators=[QualityIndicator.from_dict(q) for q in data["quality_indicators"]],
            owner=data["owner"],
            issued_by=data["issued_by"],
            issued_at=instant(data["issued_at"]),
            due_at=instant(data["due_at"]),
            business_unit=data.get("business_unit", ""),
            cause=data.get("cause", ""),
            status=data.get("status", ImprovementStatus.OPEN.value),
            extensions=int(data.get("extensions", 0)),
            follow_ups=[FollowUp.from_dict(f) for f in data.get("follow_ups", ())],
            progress=[ProgressNote.from_dict(p) for p in data.get("progress", ())],
            decision=data.get("decision"),
            decided_by=data.get("decided_by"),
            concluded_at=optional_instant(data.get("concluded_at")),
        )
