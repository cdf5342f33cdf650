"""The complaint's data: its fields, their converters, and what can be read off them.

:class:`ComplaintFields` is the base of :class:`~itsm_core.complaints.Complaint`,
which adds the commands (:mod:`itsm_core.complaints.model`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar, Self

import attrs

from itsm_core.complaints.enums import (
    ComplaintChannel,
    ComplaintSource,
    ComplaintState,
    HandlingLevel,
    Origin,
    Severity,
    Verdict,
)
from itsm_core.complaints.values import (
    Complainant,
    ComplaintCallback,
    Escalation,
    Statement,
    text_validator,
)
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.clock import aware_field

__all__ = ["ComplaintFields"]


def _state(value: object) -> ComplaintState:
    if value.__class__ is ComplaintState:  # a member already (the commands set members)
        return value
    return ComplaintState.parse(value, "state")


def _origin(value: object) -> Origin:
    if value.__class__ is Origin:  # a member already (the commands set members)
        return value
    return Origin.parse(value, "origin")


def _channel(value: object) -> ComplaintChannel:
    if value.__class__ is ComplaintChannel:  # a member already (the commands set members)
        return value
    return ComplaintChannel.parse(value, "channel")


def _source(value: object) -> ComplaintSource:
    if value.__class__ is ComplaintSource:  # a member already (the commands set members)
        return value
    return ComplaintSource.parse(value, "source")


def _severity(value: object) -> Severity:
    if value.__class__ is Severity:  # a member already (the commands set members)
        return value
    return Severity.parse(value, "severity")


def _verdict(value: object) -> Verdict | None:
    if value is None or value.__class__ is Verdict:
        return value
    return Verdict.parse(value, "verdict")


def _handling(value: object) -> HandlingLevel | None:
    if value is None or value.__class__ is HandlingLevel:
        return value
    return HandlingLevel.parse(value, "handling_level")


def _complainant(value: object) -> Complainant:
    return Complainant.parse(value)


def _statements(value: Iterable[Statement]) -> tuple[Statement, ...]:
    return tuple(value)


def _escalations(value: Iterable[Escalation]) -> tuple[Escalation, ...]:
    return tuple(value)


def _callbacks(value: Iterable[ComplaintCallback]) -> tuple[ComplaintCallback, ...]:
    return tuple(value)


@attrs.define(eq=False, kw_only=True)
class ComplaintFields(Aggregate):
    """The fields of a complaint from receipt to closure (the complaint process).

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
    :param improvement_id: the id of its improvement item (``core.improvements``).
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
    customer: str = attrs.field(validator=text_validator)
    complainant: Complainant = attrs.field(converter=_complainant)
    party_complained_about: str = attrs.field(validator=text_validator)
    summary: str = attrs.field(validator=text_validator)
    received_at: datetime = attrs.field(validator=aware_field())
    received_by: str = attrs.field(validator=text_validator)
    updated_at: datetime = attrs.field(validator=aware_field())
    source_ref: str | None = None
    relationship_manager: str | None = None
    handling_level: HandlingLevel | None = attrs.field(default=None, converter=_handling)
    handler: str | None = None
    dispatched_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    dispatched_by: str | None = None
    findings: tuple[Statement, ...] = attrs.field(default=(), converter=_statements)
    verdict: Verdict | None = attrs.field(default=None, converter=_verdict)
    verdict_reason: str | None = None
    judged_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    judged_by: str | None = None
    apology: Statement | None = None
    explanation: Statement | None = None
    business_unit: str | None = None
    business_unit_result: Statement | None = None
    project_ref: str | None = None
    registered_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    resolution: Statement | None = None
    escalations: tuple[Escalation, ...] = attrs.field(default=(), converter=_escalations)
    improvement_id: str | None = None
    handled_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    callback_due_at: datetime | None = attrs.field(
        default=None, validator=aware_field(optional=True)
    )
    feedback: Statement | None = None
    callbacks: tuple[ComplaintCallback, ...] = attrs.field(default=(), converter=_callbacks)
    reopened: int = 0
    findings_at_reopen: int = 0
    closed_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
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

    def redacted(self) -> Self:
        """Return a detached copy with the complainant replaced by :data:`Complainant.REDACTED`.

        For an external complaint the copy shows the complainant (it is not
        confidential). Changing the copy changes nothing stored.
        """
        if not self.is_confidential:
            return attrs.evolve(self)
        return attrs.evolve(self, complainant=Complainant.REDACTED)

    def receipt_facts(self) -> dict[str, Any]:
        """The payload of the ``complaint.received`` event (the complainant unredacted)."""
        return {
            "event": "receive",
            "from": None,
            "to": self.state.value,
            "origin": self.origin,
            "channel": self.channel,
            "source": self.source,
            "severity": self.severity,
            "customer": self.customer,
            "complainant": self.complainant.to_dict(),
            "party_complained_about": self.party_complained_about,
            "summary": self.summary,
            "source_ref": self.source_ref,
            "relationship_manager": self.relationship_manager,
            "notify": ["relationship_manager"],
        }
