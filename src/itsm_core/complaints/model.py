"""Complaints and praise: the entities and their value objects (DOMAIN §2).

A :class:`Complaint` is an aggregate: it checks every rule itself and records
exactly one :class:`~itsm_core.kernel.events.DomainEvent` per change. Its methods are
called by :class:`~itsm_core.complaints.ComplaintService`, which loads and
saves it; applications use the service, never the methods directly.

Each method follows one order, so that a refused command changes nothing:
the state table and the origin (:func:`~itsm_core.complaints.lifecycle.check`),
then the acting role, then the rule and the inputs, and only then the
machine fires, the fields are set and the event is recorded.

:class:`Praise` (表扬) is taken on the same hotline but is its own kind: it is
recorded and never enters the complaint lifecycle (004).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from itsm_core.complaints.enums import (
    ComplaintChannel,
    ComplaintSource,
    ComplaintState,
    EscalationLevel,
    EscalationStage,
    HandlingLevel,
    Origin,
    Severity,
    Verdict,
)
from itsm_core.complaints.lifecycle import LIFECYCLE, Transition, authorise, check, refuse
from itsm_core.improvements import ImprovementItem, ImprovementSource
from itsm_core.improvements import quality_indicators as parse_indicators
from itsm_core.kernel.actors import Actor, Role
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import AccessDenied, ValidationError
from itsm_core.kernel.events import REDACTED
from itsm_core.kernel.ids import new_id

__all__ = [
    "Callback",
    "Complainant",
    "Complaint",
    "Escalation",
    "Finding",
    "Praise",
    "Statement",
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


def _text_validator(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    text(value, attribute.name)


def _aware_validator(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    require_aware(value, attribute.name)


def _aware_or_none(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        require_aware(value, attribute.name)


def _identity_text(value: object, field: str) -> str:
    """Check one part of a complainant's identity without echoing it.

    An internal complainant's identity is for the complaint specialist alone
    (000 §7.2.3.1): an error message may be logged or shown to whoever typed
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

    at: datetime = attrs.field(validator=_aware_validator)
    by: str = attrs.field(validator=_text_validator)
    text: str = attrs.field(validator=_text_validator)


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
    at: datetime = attrs.field(validator=_aware_validator)
    by: str = attrs.field(validator=_text_validator)
    reason: str = attrs.field(validator=_text_validator)
    decision: str | None = None
    decided_at: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    decided_by: str | None = None

    @property
    def awaits_decision(self) -> bool:
        """True for an escalation to the general manager's office not yet decided."""
        return self.level is EscalationLevel.GENERAL_MANAGER_OFFICE and self.decision is None


@attrs.frozen
class Callback:
    """A callback (回访) verifying the result with the complainant (003 §3.3 c).

    :param at: when.
    :param by: who called (actor id).
    :param satisfied: whether the complainant is satisfied.
    :param reason: why not, when not satisfied.
    :param reopened: whether the complaint was reopened (the provider's policy).
    """

    at: datetime = attrs.field(validator=_aware_validator)
    by: str = attrs.field(validator=_text_validator)
    satisfied: bool
    reason: str | None = None
    reopened: bool = False


def _state(value: object) -> ComplaintState:
    return ComplaintState.parse(value, "state")


def _origin(value: object) -> Origin:
    return Origin.parse(value, "origin")


def _channel(value: object) -> ComplaintChannel:
    return ComplaintChannel.parse(value, "channel")


def _source(value: object) -> ComplaintSource:
    return ComplaintSource.parse(value, "source")


def _severity(value: object) -> Severity:
    return Severity.parse(value, "severity")


def _verdict(value: object) -> Verdict | None:
    return None if value is None else Verdict.parse(value, "verdict")


def _handling(value: object) -> HandlingLevel | None:
    return None if value is None else HandlingLevel.parse(value, "handling_level")


def _complainant(value: object) -> Complainant:
    return Complainant.parse(value)


def _statements(value: Iterable[Statement]) -> tuple[Statement, ...]:
    return tuple(value)


def _escalations(value: Iterable[Escalation]) -> tuple[Escalation, ...]:
    return tuple(value)


def _callbacks(value: Iterable[Callback]) -> tuple[Callback, ...]:
    return tuple(value)


@attrs.define(eq=False, kw_only=True)
class Complaint(Aggregate):
    """A complaint from receipt to closure (DOMAIN §2).

    Build one with :meth:`receive`. Every other change goes through a method
    named after its command, which fires one row of
    :data:`~itsm_core.complaints.lifecycle.TRANSITIONS` and records one event.

    :param state: where it stands.
    :param origin: external (a customer) or internal (staff).
    :param channel: how it arrived.
    :param source: what triggered it.
    :param severity: general or major.
    :param customer: the customer it concerns (id or name).
    :param complainant: who complained (confidential for internal complaints).
    :param party_complained_about: the person or team complained about.
    :param summary: what the complaint says.
    :param received_at: when it was received.
    :param received_by: who recorded it.
    :param updated_at: the time of the latest change.
    :param source_ref: the triggering record (e.g. a satisfaction response id).
    :param relationship_manager: the relationship manager notified (actor id).
    :param handling_level: service group, or the service team lead for a major complaint.
    :param handler: the incident handler (the direct superior of the party complained about).
    :param dispatched_at: when.
    :param dispatched_by: who dispatched it.
    :param findings: the investigation findings, oldest first.
    :param verdict: invalid, valid or transferred.
    :param verdict_reason: why.
    :param judged_at: when.
    :param judged_by: who judged.
    :param apology: the apology (external valid complaints; invalid complaints).
    :param explanation: why an invalid complaint is invalid.
    :param business_unit: the business unit a transferred complaint went to.
    :param business_unit_result: what the business unit reported.
    :param project_ref: the project (立项) reference of a valid complaint.
    :param registered_at: when it was registered.
    :param resolution: how the immediate problem was resolved.
    :param escalations: every escalation, oldest first.
    :param improvement: the improvement requirement and its tracking.
    :param handled_at: when handling finished (the callback clock starts).
    :param callback_due_at: when the callback is due.
    :param feedback: the result reported to the complainant.
    :param callbacks: the callbacks, oldest first.
    :param reopened: how many times it was reopened.
    :param findings_at_reopen: how many findings were recorded before the last
        reopening; the new investigation is judged by the findings recorded since.
    :param closed_at: when.
    :param closed_by: who closed it.
    """

    KIND: ClassVar[str] = "complaint"

    state: ComplaintState = attrs.field(default=ComplaintState.RECEIVED, converter=_state)
    origin: Origin = attrs.field(converter=_origin)
    channel: ComplaintChannel = attrs.field(converter=_channel)
    source: ComplaintSource = attrs.field(converter=_source)
    severity: Severity = attrs.field(default=Severity.GENERAL, converter=_severity)
    customer: str = attrs.field(validator=_text_validator)
    complainant: Complainant = attrs.field(converter=_complainant)
    party_complained_about: str = attrs.field(validator=_text_validator)
    summary: str = attrs.field(validator=_text_validator)
    received_at: datetime = attrs.field(validator=_aware_validator)
    received_by: str = attrs.field(validator=_text_validator)
    updated_at: datetime = attrs.field(validator=_aware_validator)
    source_ref: str | None = None
    relationship_manager: str | None = None
    handling_level: HandlingLevel | None = attrs.field(default=None, converter=_handling)
    handler: str | None = None
    dispatched_at: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    dispatched_by: str | None = None
    findings: tuple[Statement, ...] = attrs.field(default=(), converter=_statements)
    verdict: Verdict | None = attrs.field(default=None, converter=_verdict)
    verdict_reason: str | None = None
    judged_at: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    judged_by: str | None = None
    apology: Statement | None = None
    explanation: Statement | None = None
    business_unit: str | None = None
    business_unit_result: Statement | None = None
    project_ref: str | None = None
    registered_at: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    resolution: Statement | None = None
    escalations: tuple[Escalation, ...] = attrs.field(default=(), converter=_escalations)
    improvement: ImprovementItem | None = None
    handled_at: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    callback_due_at: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    feedback: Statement | None = None
    callbacks: tuple[Callback, ...] = attrs.field(default=(), converter=_callbacks)
    reopened: int = 0
    findings_at_reopen: int = 0
    closed_at: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    closed_by: str | None = None

    # ------------------------------------------------------------------ reading

    @property
    def is_closed(self) -> bool:
        """True once the complaint is closed (terminal)."""
        return self.state is ComplaintState.CLOSED

    @property
    def is_confidential(self) -> bool:
        """True if the complainant's identity is for the complaint specialist alone."""
        return self.origin is Origin.INTERNAL

    @property
    def pending_escalation(self) -> Escalation | None:
        """The escalation to the general manager's office awaiting its decision, if any."""
        for esc in reversed(self.escalations):
            if esc.awaits_decision:
                return esc
        return None

    def redacted(self) -> Complaint:
        """Return a detached copy with the complainant replaced by :data:`Complainant.REDACTED`.

        For an external complaint the copy shows the complainant (it is not
        confidential). Changing the copy changes nothing stored.
        """
        if not self.is_confidential:
            return attrs.evolve(self)
        return attrs.evolve(self, complainant=Complainant.REDACTED)

    # ------------------------------------------------------------------ helpers

    def _begin(self, event: str, actor: Actor, at: datetime) -> Transition:
        """Check state, origin and role, and that ``at`` does not go back in time."""
        row = check(self, event)
        authorise(row, self, actor)
        require_aware(at, "at")
        if at < self.updated_at:
            raise ValidationError(
                f"at ({at.isoformat()}) is before the complaint's latest change "
                f"({self.updated_at.isoformat()}); the history runs forwards",
                field="at",
            )
        return row

    def _apply(
        self,
        row: Transition,
        actor: Actor,
        at: datetime,
        payload: Mapping[str, Any],
        confidential: Iterable[str] = (),
    ) -> None:
        """Fire the machine and record the event (call after every check)."""
        source = self.state
        LIFECYCLE.fire(self, row.event)
        self.updated_at = at
        self._record(
            row.recorded,
            actor,
            at,
            {"event": row.event, "from": source.value, "to": self.state.value, **payload},
            confidential=confidential,
        )

    def _handled(self, at: datetime, callback_due_at: datetime) -> dict[str, Any]:
        require_aware(callback_due_at, "callback_due_at")
        if callback_due_at < at:
            raise ValidationError(
                "callback_due_at must not be before the handling time", field="callback_due_at"
            )
        return {"handled_at": at, "callback_due_at": callback_due_at}

    def _set(self, changes: Mapping[str, Any]) -> None:
        for name, value in changes.items():
            setattr(self, name, value)

    # ------------------------------------------------------------------ receipt

    @classmethod
    def receive(
        cls,
        actor: Actor,
        at: datetime,
        *,
        complaint_id: str,
        customer: str,
        complainant: Complainant | str | Mapping[str, Any],
        origin: Origin | str,
        channel: ComplaintChannel | str,
        source: ComplaintSource | str,
        summary: str,
        party_complained_about: str,
        severity: Severity | str = Severity.GENERAL,
        source_ref: str | None = None,
        relationship_manager: str | None = None,
    ) -> Complaint:
        """Record a new complaint (已受理); its event tells the relationship manager.

        :raises ValidationError: for a missing or malformed field.
        """
        require_aware(at, "at")
        entity = cls(
            id=text(complaint_id, "complaint_id"),
            origin=origin,
            channel=channel,
            source=source,
            severity=severity,
            customer=text(customer, "customer"),
            complainant=complainant,
            party_complained_about=text(party_complained_about, "party_complained_about"),
            summary=text(summary, "summary"),
            received_at=at,
            received_by=actor.id,
            updated_at=at,
            source_ref=optional_text(source_ref, "source_ref"),
            relationship_manager=optional_text(relationship_manager, "relationship_manager"),
        )
        entity._record(
            "received",
            actor,
            at,
            {
                "event": "receive",
                "from": None,
                "to": entity.state.value,
                "origin": entity.origin,
                "channel": entity.channel,
                "source": entity.source,
                "severity": entity.severity,
                "customer": entity.customer,
                "complainant": entity.complainant.to_dict(),
                "party_complained_about": entity.party_complained_about,
                "summary": entity.summary,
                "source_ref": entity.source_ref,
                "relationship_manager": entity.relationship_manager,
                "notify": ["relationship_manager"],
            },
            confidential=["complainant"] if entity.is_confidential else [],
        )
        return entity

    # ------------------------------------------------------------------ investigation

    def dispatch(
        self,
        actor: Actor,
        at: datetime,
        *,
        handler: str | None = None,
        severity: Severity | str | None = None,
    ) -> None:
        """Dispatch the complaint for handling (003 §3.3 b).

        A major complaint goes straight to the service team lead: the handling
        level is the service team lead and the escalation is recorded. A
        complaint received without a relationship manager is assigned to the
        one who dispatches it.

        :param handler: the incident handler (direct superior of the party complained about).
        :param severity: re-grade the severity at dispatch, if given.
        """
        row = self._begin("dispatch", actor, at)
        grade = self.severity if severity is None else Severity.parse(severity, "severity")
        who = optional_text(handler, "handler")
        manager = self.relationship_manager or actor.id
        major = grade is Severity.MAJOR
        level = HandlingLevel.SERVICE_TEAM_LEAD if major else HandlingLevel.SERVICE_GROUP
        escalations = self.escalations
        if major:
            escalations = (
                *escalations,
                Escalation(
                    level=EscalationLevel.SERVICE_TEAM_LEAD,
                    stage=EscalationStage.DISPATCH,
                    at=at,
                    by=actor.id,
                    reason="major complaint: escalated to the service team lead (003 §3.3 b)",
                ),
            )
        self._apply(
            row,
            actor,
            at,
            {
                "handler": who,
                "severity": grade,
                "handling_level": level,
                "escalated_to": EscalationLevel.SERVICE_TEAM_LEAD if major else None,
                "relationship_manager": manager,
                "notify": ["service_team_lead"] if major else [],
            },
        )
        self._set(
            {
                "relationship_manager": manager,
                "severity": grade,
                "handler": who,
                "handling_level": level,
                "dispatched_at": at,
                "dispatched_by": actor.id,
                "escalations": escalations,
            }
        )

    def record_finding(self, actor: Actor, at: datetime, *, finding: str) -> None:
        """Record one investigation finding (000 §7.2.3.2)."""
        row = self._begin("record_finding", actor, at)
        note = Statement(at, actor.id, text(finding, "finding"))
        self._apply(row, actor, at, {"finding": note.text})
        self.findings = (*self.findings, note)

    def judge(
        self,
        actor: Actor,
        at: datetime,
        *,
        verdict: Verdict | str,
        reason: str,
        business_unit: str | None = None,
    ) -> None:
        """Judge the complaint by the findings (000 §7.2.3.3).

        :param verdict: invalid, valid, or transferred (internal complaints only).
        :param reason: why.
        :param business_unit: the business unit a transferred complaint goes to
            (required for, and only for, ``transferred``).
        :raises InvalidTransition: in a state other than investigating, for
            ``transferred`` on an external complaint, or when no finding is
            recorded (after a reopening: no new finding).
        """
        chosen = Verdict.parse(verdict, "verdict")
        row = self._begin(f"judge_{chosen.value}", actor, at)
        if not self.findings:
            raise refuse(
                self,
                row.event,
                "a complaint is judged by the findings (000 §7.2.3.3); record at least one "
                "with 'record_finding' first",
            )
        if len(self.findings) <= self.findings_at_reopen:
            raise refuse(
                self,
                row.event,
                "the complaint was reopened for a new investigation: record at least one "
                "new finding with 'record_finding' before judging it again",
            )
        why = text(reason, "reason")
        unit = optional_text(business_unit, "business_unit")
        if chosen is Verdict.TRANSFERRED and unit is None:
            raise ValidationError(
                "a transferred complaint names the business unit it goes to", field="business_unit"
            )
        if chosen is not Verdict.TRANSFERRED and unit is not None:
            raise ValidationError(
                "business_unit is given only with the verdict 'transferred'", field="business_unit"
            )
        self._apply(row, actor, at, {"verdict": chosen, "reason": why, "business_unit": unit})
        self._set(
            {
                "verdict": chosen,
                "verdict_reason": why,
                "judged_at": at,
                "judged_by": actor.id,
                "business_unit": unit,
            }
        )

    # ------------------------------------------------------------------ invalid path

    def explain(self, actor: Actor, at: datetime, *, apology: str, explanation: str) -> None:
        """Record the apology and why the complaint is invalid (000 §7.2.3.4.1)."""
        row = self._begin("explain", actor, at)
        sorry = Statement(at, actor.id, text(apology, "apology"))
        why = Statement(at, actor.id, text(explanation, "explanation"))
        self._apply(row, actor, at, {"apology": sorry.text, "explanation": why.text})
        self._set({"apology": sorry, "explanation": why})

    def close(self, actor: Actor, at: datetime) -> None:
        """Close an invalid complaint once it is explained (000 §7.2.3.4.1)."""
        row = self._begin("close", actor, at)
        self._apply(row, actor, at, {"path": "invalid", "satisfied": None, "reason": None})
        self._set({"closed_at": at, "closed_by": actor.id})

    # ------------------------------------------------------------------ transferred path

    def record_business_unit_result(
        self,
        actor: Actor,
        at: datetime,
        *,
        resolved: bool,
        result: str,
        callback_due_at: datetime,
    ) -> None:
        """Record how the business unit handled a transferred complaint (000 §7.2.3.4.2).

        Unresolved after their handling, it escalates to the general manager's office.
        """
        if not isinstance(resolved, bool):
            raise ValidationError("resolved must be True or False", field="resolved")
        event = "business_unit_resolved" if resolved else "business_unit_unresolved"
        row = self._begin(event, actor, at)
        note = Statement(at, actor.id, text(result, "result"))
        changes: dict[str, Any] = {"business_unit_result": note}
        payload: dict[str, Any] = {"business_unit": self.business_unit, "result": note.text}
        if resolved:
            changes.update(self._handled(at, callback_due_at))
            payload.update(callback_due_at=callback_due_at)
        else:
            changes["escalations"] = (
                *self.escalations,
                Escalation(
                    level=EscalationLevel.GENERAL_MANAGER_OFFICE,
                    stage=EscalationStage.TRANSFER,
                    at=at,
                    by=actor.id,
                    reason=note.text,
                ),
            )
            payload.update(
                escalated_to=EscalationLevel.GENERAL_MANAGER_OFFICE,
                notify=["general_manager_office"],
            )
        self._apply(row, actor, at, payload)
        self._set(changes)

    # ------------------------------------------------------------------ valid path

    def register(self, actor: Actor, at: datetime, *, project_ref: str | None = None) -> None:
        """Register a valid complaint as a project (立项, 000 §7.2.3.4.3).

        :param project_ref: the project number; the complaint id when not given.
        """
        row = self._begin("register", actor, at)
        ref = optional_text(project_ref, "project_ref") or self.id
        self._apply(row, actor, at, {"project_ref": ref})
        self._set({"project_ref": ref, "registered_at": at})

    def apologise(self, actor: Actor, at: datetime, *, apology: str) -> None:
        """Record the apology to an external complainant (000 §7.2.3.4.3.1)."""
        row = self._begin("apologise", actor, at)
        sorry = Statement(at, actor.id, text(apology, "apology"))
        self._apply(row, actor, at, {"apology": sorry.text})
        self.apology = sorry

    def resolve(self, actor: Actor, at: datetime, *, resolution: str) -> None:
        """Record that the immediate problem is resolved."""
        row = self._begin("resolve", actor, at)
        note = Statement(at, actor.id, text(resolution, "resolution"))
        self._apply(row, actor, at, {"resolution": note.text})
        self.resolution = note

    def escalate(self, actor: Actor, at: datetime, *, reason: str) -> None:
        """Escalate an unresolved problem to the general manager's office."""
        row = self._begin("escalate", actor, at)
        esc = Escalation(
            level=EscalationLevel.GENERAL_MANAGER_OFFICE,
            stage=EscalationStage.RESOLUTION,
            at=at,
            by=actor.id,
            reason=text(reason, "reason"),
        )
        self._apply(
            row,
            actor,
            at,
            {
                "reason": esc.reason,
                "escalated_to": esc.level,
                "stage": esc.stage,
                "notify": ["general_manager_office"],
            },
        )
        self.escalations = (*self.escalations, esc)

    def decide(
        self,
        actor: Actor,
        at: datetime,
        *,
        decision: str,
        callback_due_at: datetime,
        extend_to: datetime | None = None,
    ) -> None:
        """Record the decision of the general manager's office on the pending escalation.

        After an unresolved problem the complaint counts as resolved and goes on
        to improvement; after a transfer or an improvement escalation it is handled.
        On an improvement not done at its second follow-up the office may instead
        grant a new period (``extend_to``): the improvement goes on, extended.
        """
        event = "decide" if extend_to is None else "grant_period"
        if extend_to is not None and self.state is not ComplaintState.IMPROVEMENT_ESCALATED:
            raise refuse(
                self,
                event,
                "the general manager's office grants a new period only to an improvement "
                "not done at its second follow-up; decide without one",
            )
        row = self._begin(event, actor, at)
        said = text(decision, "decision")
        pending = self.pending_escalation
        if pending is None:  # pragma: no cover - the escalated states always have one
            raise refuse(self, row.event, "no escalation awaits a decision")
        decided = attrs.evolve(pending, decision=said, decided_at=at, decided_by=actor.id)
        changes: dict[str, Any] = {
            "escalations": tuple(decided if e is pending else e for e in self.escalations)
        }
        payload: dict[str, Any] = {"decision": said, "stage": pending.stage}
        if row.dest is ComplaintState.HANDLED:
            changes.update(self._handled(at, callback_due_at))
            payload.update(callback_due_at=callback_due_at)
        if self.improvement is not None and row.source is ComplaintState.IMPROVEMENT_ESCALATED:
            if extend_to is None:
                changes["improvement"] = self.improvement.decided(at, actor.id, said)
            else:
                item = self.improvement.granted(at, actor.id, said, extend_to)
                changes["improvement"] = item
                payload.update(
                    improvement_id=item.id, due_at=self.improvement.due_at, extended_to=extend_to
                )
        self._apply(row, actor, at, payload)
        self._set(changes)

    # ------------------------------------------------------------------ improvement

    def require_improvement(
        self,
        actor: Actor,
        at: datetime,
        *,
        cause: str,
        description: str,
        quality_indicators: object,
        owner: str,
        due_at: datetime,
        business_unit: str | None = None,
        improvement_id: str | None = None,
    ) -> None:
        """Issue the improvement requirement after the cause analysis (000 §7.2.3.4.3, 7.2.3.5).

        :param cause: the cause analysis.
        :param description: what is to be improved.
        :param quality_indicators: the targets (质量指标), at least one.
        :param owner: the improvement owner's actor id (改进负责人).
        :param due_at: the end of the improvement period.
        :param business_unit: the business unit it is issued to.
        """
        row = self._begin("require_improvement", actor, at)
        item = ImprovementItem(
            id=improvement_id or new_id("imp-"),
            source_kind=ImprovementSource.COMPLAINT,
            source_ref=self.id,
            description=text(description, "description"),
            quality_indicators=parse_indicators(quality_indicators),
            owner=text(owner, "owner"),
            issued_by=actor.id,
            issued_at=at,
            due_at=require_aware(due_at, "due_at"),
            business_unit=optional_text(business_unit, "business_unit") or "",
            cause=text(cause, "cause"),
        )
        self._apply(
            row, actor, at, {"improvement": item.to_dict(), "notify": ["improvement_owner"]}
        )
        self.improvement = item

    def report_progress(self, actor: Actor, at: datetime, *, note: str) -> None:
        """Record the improvement owner's progress (only the named owner may)."""
        row = self._begin("report_progress", actor, at)
        item = self.improvement
        if item is None:  # pragma: no cover - the improving states always have one
            raise refuse(self, row.event, "no improvement requirement is issued")
        if actor.id != item.owner:
            raise AccessDenied(
                f"complaint: only the improvement owner named in the requirement "
                f"({item.owner!r}) reports its progress; actor {actor.id!r} is not",
                required=[Role.IMPROVEMENT_OWNER.value],
            )
        updated = item.with_progress(at, actor.id, text(note, "note"))
        self._apply(row, actor, at, {"improvement_id": item.id, "note": updated.progress[-1].note})
        self.improvement = updated

    def follow_up(
        self,
        actor: Actor,
        at: datetime,
        *,
        met: bool,
        note: str,
        extend_to: datetime | None,
        callback_due_at: datetime,
    ) -> None:
        """Follow the improvement up against the requirement (000 §7.2.3.5).

        Met: the complaint is handled. Not met at the first follow-up: the
        period is extended to ``extend_to`` (required). Not met at the second:
        it goes to the general manager's office (``extend_to`` must be None).
        """
        if not isinstance(met, bool):
            raise ValidationError("met must be True or False", field="met")
        if met:
            event = "improvement_met"
        elif self.state is ComplaintState.IMPROVEMENT_EXTENDED:
            event = "escalate_improvement"
        else:
            event = "extend_improvement"
        row = self._begin(event, actor, at)
        item = self.improvement
        if item is None:  # pragma: no cover - the improving states always have one
            raise refuse(self, row.event, "no improvement requirement is issued")
        said = text(note, "note")
        if event == "extend_improvement" and extend_to is None:
            raise ValidationError(
                "the improvement is not met: give the extended period (new_period or new_due_at)",
                field="new_period",
            )
        if event != "extend_improvement" and extend_to is not None:
            reason = (
                "a met improvement is not extended"
                if met
                else "the period is extended once only (000 §7.2.3.5); not met at the second "
                "follow-up, it goes to the general manager's office"
            )
            raise ValidationError(reason, field="new_period")
        updated = item.followed_up(at, actor.id, met=met, note=said, extend_to=extend_to)
        changes: dict[str, Any] = {"improvement": updated}
        payload: dict[str, Any] = {
            "improvement_id": item.id,
            "met": met,
            "note": said,
            "due_at": item.due_at,
            "extended_to": extend_to,
        }
        if met:
            changes.update(self._handled(at, callback_due_at))
            payload.update(callback_due_at=callback_due_at)
        elif event == "escalate_improvement":
            changes["escalations"] = (
                *self.escalations,
                Escalation(
                    level=EscalationLevel.GENERAL_MANAGER_OFFICE,
                    stage=EscalationStage.IMPROVEMENT,
                    at=at,
                    by=actor.id,
                    reason=said,
                ),
            )
            payload.update(
                escalated_to=EscalationLevel.GENERAL_MANAGER_OFFICE,
                notify=["general_manager_office"],
            )
        self._apply(row, actor, at, payload)
        self._set(changes)

    # ------------------------------------------------------------------ feedback and callback

    def give_feedback(self, actor: Actor, at: datetime, *, result: str) -> None:
        """Record the result reported to the complainant (003 §3.3 b-c)."""
        row = self._begin("give_feedback", actor, at)
        note = Statement(at, actor.id, text(result, "result"))
        self._apply(row, actor, at, {"result": note.text, "callback_due_at": self.callback_due_at})
        self.feedback = note

    def callback(
        self,
        actor: Actor,
        at: datetime,
        *,
        satisfied: bool,
        reason: str | None = None,
        reopen: bool = False,
    ) -> None:
        """Record the callback verifying the result (003 §3.3 c).

        Satisfied: closed. Not satisfied: the reason is recorded and the
        complaint closes, or — with ``reopen`` (the provider's policy) — it is
        reopened for a new investigation, judged by the findings recorded
        after the reopening.
        """
        if not isinstance(satisfied, bool):
            raise ValidationError("satisfied must be True or False", field="satisfied")
        event = "close_satisfied" if satisfied else "reopen" if reopen else "close_dissatisfied"
        row = self._begin(event, actor, at)
        why = optional_text(reason, "reason")
        if not satisfied and why is None:
            raise ValidationError(
                "the complainant is not satisfied: record the reason (003 §3.3 c)", field="reason"
            )
        call = Callback(at, actor.id, satisfied, why, reopened=event == "reopen")
        overdue = self.callback_due_at is not None and at > self.callback_due_at
        payload: dict[str, Any] = {
            "path": (self.verdict.value if self.verdict else None),
            "satisfied": satisfied,
            "reason": why,
            "callback_overdue": overdue,
        }
        changes: dict[str, Any] = {"callbacks": (*self.callbacks, call)}
        if event == "reopen":
            changes.update(
                reopened=self.reopened + 1,
                findings_at_reopen=len(self.findings),
                verdict=None,
                verdict_reason=None,
                judged_at=None,
                judged_by=None,
                business_unit=None,
                handled_at=None,
                callback_due_at=None,
            )
        else:
            changes.update(closed_at=at, closed_by=actor.id)
        self._apply(row, actor, at, payload)
        self._set(changes)


@attrs.define(eq=False, kw_only=True)
class Praise(Aggregate):
    """Praise (表扬) taken on the complaint hotline: recorded, never processed as a complaint.

    :param customer: the customer it comes from.
    :param praised_party: the person or team praised.
    :param summary: what was said.
    :param channel: how it arrived.
    :param praiser: who praised (name or id), if given.
    :param received_at: when.
    :param received_by: who recorded it.
    """

    KIND: ClassVar[str] = "praise"

    customer: str = attrs.field(validator=_text_validator)
    praised_party: str = attrs.field(validator=_text_validator)
    summary: str = attrs.field(validator=_text_validator)
    channel: ComplaintChannel = attrs.field(converter=_channel)
    praiser: str = ""
    received_at: datetime = attrs.field(validator=_aware_validator)
    received_by: str = attrs.field(validator=_text_validator)

    @classmethod
    def record(
        cls,
        actor: Actor,
        at: datetime,
        *,
        praise_id: str,
        customer: str,
        praised_party: str,
        summary: str,
        channel: ComplaintChannel | str,
        praiser: str | None = None,
    ) -> Praise:
        """Record praise; its one event is ``praise.recorded``."""
        require_aware(at, "at")
        entity = cls(
            id=praise_id,
            customer=text(customer, "customer"),
            praised_party=text(praised_party, "praised_party"),
            summary=text(summary, "summary"),
            channel=channel,
            praiser=optional_text(praiser, "praiser") or "",
            received_at=at,
            received_by=actor.id,
        )
        entity._record(
            "recorded",
            actor,
            at,
            {
                "customer": entity.customer,
                "praised_party": entity.praised_party,
                "summary": entity.summary,
                "channel": entity.channel,
                "praiser": entity.praiser,
            },
        )
        return entity
