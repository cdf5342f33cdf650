"""The improvement item: one improvement requirement of the service improvement register.

Complaints, service reviews, satisfaction analysis and trend analysis all
raise improvement requirements (服务改进要求). An :class:`ImprovementItem` is
one such requirement as an aggregate of its own: where it came from
(``source_kind`` and ``source_ref``), what is to be done, the quality
indicators (质量指标) it is measured against, who carries it out (the
improvement owner, 改进负责人), when it is due, what the owner reported and
what the follow-ups found (improvement tracking, 改进质量跟踪).

Each method follows one order, so that a refused command changes nothing:
the state table (:data:`~itsm_core.improvements.lifecycle.LIFECYCLE`), then
the rule and the inputs, and only then the machine fires, the fields are set
and exactly one event is recorded. Roles are checked by the service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from itsm_core.improvements.enums import ImprovementSource, ImprovementState
from itsm_core.improvements.lifecycle import LIFECYCLE, OPEN_STATES, RECORDED, RULES
from itsm_core.improvements.values import (
    FollowUp,
    ProgressNote,
    QualityIndicator,
    quality_indicators,
)
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate, require_forward
from itsm_core.kernel.clock import aware_field, require_aware
from itsm_core.kernel.errors import ValidationError

__all__ = [
    "FollowUp",
    "ImprovementItem",
    "ProgressNote",
    "QualityIndicator",
    "quality_indicators",
]


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)
    return value.strip()


def _optional(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string or None, got {value!r}", field=field)
    return value.strip() or None


def _text_validator(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    _text(value, attribute.name)


def _state(value: object) -> ImprovementState:
    return ImprovementState.parse(value, "state")


def _source(value: object) -> ImprovementSource:
    return ImprovementSource.parse(value, "source_kind")


def _follow_ups(value: Iterable[FollowUp]) -> tuple[FollowUp, ...]:
    return tuple(value)


def _progress(value: Iterable[ProgressNote]) -> tuple[ProgressNote, ...]:
    return tuple(value)


def _due_after_issue(instance: ImprovementItem, _attribute: object, value: datetime) -> None:
    require_aware(value, "due_at")
    if value <= instance.issued_at:
        raise ValidationError(
            f"due_at ({value.isoformat()}) must be after issued_at, when the item is "
            f"raised ({instance.issued_at.isoformat()})",
            field="due_at",
        )


@attrs.define(eq=False, kw_only=True)
class ImprovementItem(Aggregate):
    """One improvement requirement and how it went.

    Build one with :meth:`raise_item`; every other change goes through a
    method named after its lifecycle event, which records one event
    ``improvement_item.<recorded>``.

    :param state: where it stands.
    :param source_kind: what raised it (complaint, service review...).
    :param source_ref: the id of the raising record (e.g. the complaint id).
    :param description: what is to be improved (改进要求).
    :param quality_indicators: the targets it is checked against (质量指标), at least one.
    :param owner: the improvement owner's actor id (改进负责人).
    :param issued_by: who raised it (actor id).
    :param issued_at: when it was raised.
    :param due_at: when it is due (the end of the improvement period in force).
    :param business_unit: the business unit it is issued to, if named.
    :param cause: the cause analysis it rests on.
    :param service: the service it concerns, if any.
    :param customer: the customer it concerns, if any.
    :param updated_at: the time of the latest change.
    :param extensions: how many times the period was extended (or granted anew).
    :param follow_ups: the follow-ups so far, oldest first.
    :param progress: the owner's progress reports, oldest first.
    :param decision: the decision of the general manager's office, when escalated.
    :param decided_by: who recorded the decision.
    :param concluded_at: when it was done, decided or cancelled.
    :param cancel_reason: why it was cancelled.
    """

    KIND: ClassVar[str] = "improvement_item"

    state: ImprovementState = attrs.field(default=ImprovementState.PROPOSED, converter=_state)
    source_kind: ImprovementSource = attrs.field(converter=_source)
    source_ref: str = attrs.field(validator=_text_validator)
    description: str = attrs.field(validator=_text_validator)
    quality_indicators: tuple[QualityIndicator, ...] = attrs.field(converter=quality_indicators)
    owner: str = attrs.field(validator=_text_validator)
    issued_by: str = attrs.field(validator=_text_validator)
    issued_at: datetime = attrs.field(validator=aware_field())
    due_at: datetime = attrs.field(validator=_due_after_issue)
    business_unit: str = ""
    cause: str = ""
    service: str | None = None
    customer: str | None = None
    updated_at: datetime = attrs.field(validator=aware_field())
    extensions: int = 0
    follow_ups: tuple[FollowUp, ...] = attrs.field(default=(), converter=_follow_ups)
    progress: tuple[ProgressNote, ...] = attrs.field(default=(), converter=_progress)
    decision: str | None = None
    decided_by: str | None = None
    concluded_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    cancel_reason: str | None = None

    # ------------------------------------------------------------------ reading

    @property
    def is_open(self) -> bool:
        """True while its owner works on it (in progress, verifying or extended)."""
        return self.state in OPEN_STATES

    def is_overdue(self, at: datetime) -> bool:
        """True if it is still open and its due instant lies before ``at``."""
        return self.is_open and self.due_at < require_aware(at, "at")

    # ------------------------------------------------------------------ helpers

    def _begin(self, event: str, at: datetime) -> None:
        LIFECYCLE.check(self, event)
        require_forward(at, self.updated_at, "the item")

    def _apply(self, event: str, actor: Actor, at: datetime, payload: Mapping[str, Any]) -> None:
        source = self.state
        LIFECYCLE.fire(self, event)
        self.updated_at = at
        self._record(
            RECORDED[event],
            actor,
            at,
            {
                "event": event,
                "from": source.value,
                "to": self.state.value,
                "source_kind": self.source_kind.value,
                "source_ref": self.source_ref,
                **payload,
            },
        )

    # ------------------------------------------------------------------ raising

    @classmethod
    def raise_item(
        cls,
        actor: Actor,
        at: datetime,
        *,
        item_id: str,
        source_kind: ImprovementSource | str,
        source_ref: str,
        description: str,
        quality_indicators: object,
        owner: str,
        due_at: datetime,
        issue: bool,
        business_unit: str | None = None,
        cause: str | None = None,
        service: str | None = None,
        customer: str | None = None,
    ) -> ImprovementItem:
        """Raise an item: proposed, or — with ``issue`` — issued to its owner at once.

        Its one event is ``improvement_item.proposed`` or ``improvement_item.issued``.

        :raises ValidationError: for a missing or malformed field, or a due
            instant not after ``at``.
        """
        require_aware(at, "at")
        entity = cls(
            id=_text(item_id, "item_id"),
            source_kind=source_kind,
            source_ref=_text(source_ref, "source_ref"),
            description=_text(description, "description"),
            quality_indicators=quality_indicators,
            owner=_text(owner, "owner"),
            issued_by=actor.id,
            issued_at=at,
            due_at=require_aware(due_at, "due_at"),
            business_unit=_optional(business_unit, "business_unit") or "",
            cause=_optional(cause, "cause") or "",
            service=_optional(service, "service"),
            customer=_optional(customer, "customer"),
            updated_at=at,
        )
        facts = entity.to_facts()
        if issue:
            entity._apply("issue", actor, at, facts)
        else:
            entity._record(
                "proposed",
                actor,
                at,
                {"event": "propose", "from": None, "to": entity.state.value, **facts},
            )
        return entity

    def to_facts(self) -> dict[str, Any]:
        """The requirement as JSON-able data (the payload of the raising event)."""
        return {
            "item_id": self.id,
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
            "service": self.service,
            "customer": self.customer,
            "notify": ["improvement_owner"],
        }

    # ------------------------------------------------------------------ the owner's steps

    def approve(self, actor: Actor, at: datetime, *, note: str | None = None) -> None:
        """Approve a proposed item; the owner may start it."""
        self._begin("approve", at)
        said = _optional(note, "note")
        self._apply("approve", actor, at, {"note": said})

    def start(self, actor: Actor, at: datetime) -> None:
        """Start an approved item (the owner takes it in hand)."""
        self._begin("start", at)
        if self.due_at <= at:
            raise LIFECYCLE.refuse(
                self,
                "start",
                f"its due instant ({self.due_at.isoformat()}) has passed; cancel it and "
                "propose it again with a new period",
            )
        self._apply("start", actor, at, {"due_at": self.due_at})

    def report_progress(self, actor: Actor, at: datetime, *, note: str) -> None:
        """Record the owner's progress report."""
        self._begin("report_progress", at)
        entry = ProgressNote(at, actor.id, _text(note, "note"))
        self._apply("report_progress", actor, at, {"note": entry.note})
        self.progress = (*self.progress, entry)

    def submit(self, actor: Actor, at: datetime, *, note: str) -> None:
        """The owner reports the work done: the item awaits the follow-up."""
        self._begin("submit", at)
        entry = ProgressNote(at, actor.id, _text(note, "note"))
        self._apply("submit", actor, at, {"note": entry.note})
        self.progress = (*self.progress, entry)

    # ------------------------------------------------------------------ tracking

    def follow_up_event(self, met: bool, extending: bool) -> str:
        """The lifecycle event a follow-up fires: ``meet``, ``extend`` or ``escalate``.

        By the rules of the item's source (:meth:`SourceRules.follow_up_event`).

        :raises ValidationError: if ``met`` is not a bool.
        """
        if not isinstance(met, bool):
            raise ValidationError("met must be True or False", field="met")
        return RULES[self.source_kind].follow_up_event(met, self.extensions, extending)

    def follow_up(
        self, actor: Actor, at: datetime, *, met: bool, note: str, extend_to: datetime | None
    ) -> None:
        """Follow the item up against its requirement and indicators (改进质量跟踪).

        Met: done. Not met at the first follow-up: the period is extended to
        ``extend_to`` (required). Not met again: it goes to the general
        manager's office (``extend_to`` must be None). A source's rules may
        allow more extensions, or an escalation at once
        (:class:`~itsm_core.improvements.lifecycle.SourceRules`).

        :raises InvalidTransition: unless the item is in progress, extended or verifying.
        :raises ValidationError: for a missing extension, or one where none is allowed.
        """
        event = self.follow_up_event(met, extend_to is not None)
        self._begin(event, at)
        said = _text(note, "note")
        if event == "extend" and extend_to is None:
            raise ValidationError(
                "the improvement is not met: give the extended period (new_period or new_due_at)",
                field="new_period",
            )
        if event != "extend" and extend_to is not None:
            reason = (
                "a met improvement is not extended"
                if met
                else "the period is extended once only; not met at the second "
                "follow-up, it goes to the general manager's office"
            )
            raise ValidationError(reason, field="new_period")
        if extend_to is not None and require_aware(extend_to, "extend_to") <= at:
            raise ValidationError(
                f"the extended due instant ({extend_to.isoformat()}) must be after the "
                f"follow-up ({at.isoformat()})",
                field="new_due_at",
            )
        entry = FollowUp(at, actor.id, met, said, self.due_at, extend_to)
        payload: dict[str, Any] = {
            "met": met,
            "note": said,
            "due_at": self.due_at,
            "extended_to": extend_to,
        }
        if event == "escalate":
            payload["notify"] = ["general_manager_office"]
        self._apply(event, actor, at, payload)
        self.follow_ups = (*self.follow_ups, entry)
        if event == "meet":
            self.concluded_at = at
        elif extend_to is not None:
            self.due_at = extend_to
            self.extensions += 1

    def decide(
        self, actor: Actor, at: datetime, *, decision: str, extend_to: datetime | None = None
    ) -> None:
        """Record the general manager's office's decision on the escalated item.

        Without ``extend_to`` the item is concluded (``decided``); with it, the
        office grants a new period and the item is extended again.

        :raises InvalidTransition: unless the item is escalated.
        :raises ValidationError: for an ``extend_to`` not after ``at``.
        """
        event = "decide" if extend_to is None else "grant_period"
        self._begin(event, at)
        said = _text(decision, "decision")
        if extend_to is not None and require_aware(extend_to, "extend_to") <= at:
            raise ValidationError(
                f"the new due instant ({extend_to.isoformat()}) must be after the decision "
                f"({at.isoformat()})",
                field="new_due_at",
            )
        payload = {"decision": said, "due_at": self.due_at, "extended_to": extend_to}
        self._apply(event, actor, at, payload)
        self.decision = said
        self.decided_by = actor.id
        if extend_to is None:
            self.concluded_at = at
        else:
            self.due_at = extend_to
            self.extensions += 1

    def cancel(self, actor: Actor, at: datetime, *, reason: str) -> None:
        """Cancel the item, with the reason.

        :raises InvalidTransition: once it is done, decided or cancelled.
        """
        self._begin("cancel", at)
        why = _text(reason, "reason")
        self._apply("cancel", actor, at, {"reason": why})
        self.cancel_reason = why
        self.concluded_at = at
