"""The complaint use cases: what an application calls, as ``core.complaints.<command>``.

Every method takes the acting :class:`~itsm_core.kernel.actors.Actor` first; the
role is checked before anything is read. A command loads the complaint in a
unit of work (:mod:`itsm_core.complaints._unit`), lets the entity check the
state table and the rules, runs its promises on SLA clocks of ``core.sla``
(:mod:`itsm_core.complaints.promises`) and commits it all with its one event:
a refused command changes nothing. Every read (in
:class:`~itsm_core.complaints._reads.ComplaintReads`) is redacted for the
reader: an internal complainant's identity is shown to the complaint
specialist alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from itsm_core.calendars.working import WorkingCalendar
from itsm_core.complaints._items import ItemFollower, Requirement
from itsm_core.complaints._reads import ComplaintReads
from itsm_core.complaints._unit import ComplaintUnit
from itsm_core.complaints.access import RECEIVERS
from itsm_core.complaints.enums import (
    ComplaintChannel,
    ComplaintSource,
    Origin,
    Severity,
    Verdict,
)
from itsm_core.complaints.model import Complainant, Complaint, Praise
from itsm_core.complaints.policy import ComplaintPolicy
from itsm_core.complaints.promises import ComplaintPromises
from itsm_core.improvements import ImprovementService, ImprovementSource
from itsm_core.kernel.actors import Actor, require_role
from itsm_core.kernel.api import command
from itsm_core.runtime import Runtime
from itsm_core.sla.keeper import ClockKeeper

__all__ = ["ComplaintService"]


class ComplaintService(ComplaintReads):
    """Complaints from receipt to closure, and praise (the complaint process).

    Built by :class:`~itsm_core.ItsmCore` as ``core.complaints``.

    :param runtime: the facade's runtime (clock, store, plug-ins).
    :param policy: the provider's choices (reopen on a dissatisfied callback,
        the promises' calendar, thresholds or agreement...).
    :param calendar: without an SLA service, the calendar improvement periods
        and the callback due instant are computed on: any
        :class:`~itsm_core.sla.WorkingCalendar` such as
        :class:`itsm_core.sla.BusinessCalendar`. Default: 24×7 in UTC.
    :param sla: the SLA clock keeper (the facade passes the one of ``core.sla``): the periods
        are computed on its calendar named by
        :attr:`ComplaintPolicy.sla_calendar` and run on its clocks, each
        started, changed or stopped in the same unit of work as the complaint.
    :param improvements: the improvement register (the facade passes
        ``core.improvements``); a complaint's improvement requirement is an
        item of it. Default: a register of its own on the same store.
    :raises ValidationError: for a policy that is not a :class:`ComplaintPolicy`,
        both ``calendar`` and ``sla``, a calendar without the protocol's
        methods, or a policy naming an agreement or a calendar the SLA service
        cannot give.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        policy: ComplaintPolicy | None = None,
        calendar: WorkingCalendar | None = None,
        sla: ClockKeeper | None = None,
        improvements: ImprovementService | None = None,
    ) -> None:
        self.runtime = runtime
        self.policy = ComplaintUnit.checked(policy)
        self.sla = sla
        self.promises = ComplaintPromises(self.policy, calendar=calendar, sla=sla)
        """Computes the due instants and runs them on SLA clocks."""
        self.improvements = improvements or ImprovementService(
            runtime, sla=sla, calendar=None if sla is not None else self.promises.calendar
        )
        """The improvement register the complaints' items are kept in."""
        self._unit = ComplaintUnit(runtime, self.policy, self.promises)
        self._items = ItemFollower(self.promises, self.improvements.keeper)
        self.improvements.keeper.listen(ImprovementSource.COMPLAINT, self._items)

    @property
    def calendar(self) -> WorkingCalendar:
        """The calendar improvement periods and callbacks are computed on."""
        return self.promises.calendar

    # ------------------------------------------------------------------ receipt

    @command
    def receive(
        self,
        actor: Actor,
        *,
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
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Receive and record a complaint (已受理, complaint process, step 1).

        Its ``complaint.received`` event notifies the relationship manager.
        With ``source_ref`` (e.g. the id of a "very dissatisfied" satisfaction
        response) the complaint id is derived from ``(source, source_ref)``:
        receiving the same trigger again returns the existing complaint and
        creates nothing.

        :param actor: the receiver (complaint specialist, service desk or system).
        :param customer: the customer concerned.
        :param complainant: who complains (a name, a mapping or a :class:`Complainant`).
        :param origin: external or internal.
        :param channel: how it arrived.
        :param source: what triggered it.
        :param summary: what the complaint says.
        :param party_complained_about: the person or team complained about.
        :param severity: general (default) or major.
        :param source_ref: the triggering record's id, for idempotent receipt.
        :param relationship_manager: the relationship manager to notify (actor id).
        :param at: when it was received (default: now).
        :returns: the complaint as ``actor`` may see it.
        :raises AccessDenied: unless the actor is a receiver.
        :raises ValidationError: for a missing or malformed field.
        """
        require_role(actor, *sorted(RECEIVERS), action="complaint: receive")
        fields = {
            "customer": customer, "complainant": complainant, "origin": origin,
            "channel": channel, "summary": summary, "severity": severity,
            "party_complained_about": party_complained_about, "source_ref": source_ref,
            "relationship_manager": relationship_manager,
        }  # fmt: skip
        when = self._unit.now(at)
        return self._unit.receive(actor, when, ComplaintSource.parse(source, "source"), fields)

    # ------------------------------------------------------------------ investigation

    @command
    def dispatch(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        handler: str | None = None,
        severity: Severity | str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Dispatch the complaint for investigation and handling (step 2).

        A major complaint goes straight to the service team lead.

        :param handler: the incident handler (the direct superior of the party
            complained about).
        :param severity: re-grade the severity, if given.
        :raises AccessDenied: unless the actor is a relationship manager.
        :raises InvalidTransition: unless the complaint is received.
        """
        return self._unit.run(
            actor, complaint_id, at, "dispatch", handler=handler, severity=severity
        )

    @command
    def record_finding(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        finding: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Record an investigation finding (step 2).

        :raises AccessDenied: unless the actor is a complaint specialist.
        :raises InvalidTransition: unless the complaint is being investigated.
        """
        return self._unit.run(actor, complaint_id, at, "record_finding", finding=finding)

    @command
    def judge(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        verdict: Verdict | str,
        reason: str,
        business_unit: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Judge the complaint by the findings (step 3).

        :param verdict: invalid, valid, or transferred (internal complaints only).
        :param reason: why.
        :param business_unit: where a transferred complaint goes (required for it).
        :raises AccessDenied: unless the actor is a complaint specialist or
            relationship manager.
        :raises InvalidTransition: unless investigating with a finding recorded
            (after a reopening, a new one); for ``transferred`` on an external
            complaint.
        """
        return self._unit.run(
            actor,
            complaint_id,
            at,
            "judge",
            verdict=verdict,
            reason=reason,
            business_unit=business_unit,
        )

    # ------------------------------------------------------------------ invalid path

    @command
    def explain(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        apology: str,
        explanation: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Record the apology and the explanation of an invalid complaint (step 4).

        :raises AccessDenied: unless the actor is a complaint specialist.
        :raises InvalidTransition: unless the complaint is judged invalid.
        """
        return self._unit.run(
            actor, complaint_id, at, "explain", apology=apology, explanation=explanation
        )

    @command
    def close(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Close an invalid complaint after its explanation.

        Other complaints close at the callback (:meth:`callback`).

        :raises AccessDenied: unless the actor is a complaint specialist.
        :raises InvalidTransition: unless the invalid complaint is explained.
        """
        return self._unit.run(actor, complaint_id, at, "close")

    # ------------------------------------------------------------------ transferred path

    @command
    def record_business_unit_result(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        resolved: bool,
        result: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Record how the business unit handled a transferred complaint (step 5).

        Resolved: the complaint is handled (feedback and callback follow).
        Unresolved: it escalates to the general manager's office.

        :raises AccessDenied: unless the actor is a complaint specialist,
            incident handler or business unit.
        :raises InvalidTransition: unless the complaint is transferred.
        """

        event = "business_unit_resolved" if resolved is True else "business_unit_unresolved"
        why = "resolved by the business unit"
        return self._unit.handover(
            actor, complaint_id, at, "record_business_unit_result", why, event,
            resolved=resolved, result=result,
        )  # fmt: skip

    # ------------------------------------------------------------------ valid path

    @command
    def register_project(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        project_ref: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Register a valid complaint as a project (立项): the event ``complaint.registered``.

        :param project_ref: the project number (default: the complaint id).
        :raises AccessDenied: unless the actor is a complaint specialist.
        :raises InvalidTransition: unless the complaint is judged valid.
        """
        return self._unit.run(actor, complaint_id, at, "register_project", project_ref=project_ref)

    @command
    def apologise(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        apology: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Record the apology to an external complainant (step 6).

        :raises AccessDenied: unless the actor is a complaint specialist,
            incident handler or service team lead (a major complaint: the
            specialist or the service team lead).
        :raises InvalidTransition: unless registered; always for an internal complaint.
        """
        return self._unit.run(actor, complaint_id, at, "apologise", apology=apology)

    @command
    def resolve(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        resolution: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Record that the immediate problem is resolved.

        :raises AccessDenied: as for :meth:`apologise`.
        :raises InvalidTransition: unless registered (internal) or apologised (external).
        """
        return self._unit.run(actor, complaint_id, at, "resolve", resolution=resolution)

    @command
    def escalate(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        reason: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Escalate an unresolved problem to the general manager's office.

        :raises AccessDenied: as for :meth:`apologise`.
        :raises InvalidTransition: unless registered (internal) or apologised (external).
        """
        return self._unit.run(actor, complaint_id, at, "escalate", reason=reason)

    @command
    def decide(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        decision: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Record the decision of the general manager's office on the pending escalation.

        After an unresolved problem, the complaint goes on to improvement; after
        an unresolved transfer, it is handled. An improvement escalated to the
        office is decided on its item: ``core.improvements.decide(actor,
        complaint.improvement_id, ...)`` (which may also grant a new period).

        :raises AccessDenied: unless the actor is the general manager's office.
        :raises InvalidTransition: unless an escalation of the problem or the
            transfer awaits the decision.
        """

        why = f"decided by the general manager's office: {decision}"
        return self._unit.handover(
            actor, complaint_id, at, "decide", why, "decide", decision=decision
        )

    # ------------------------------------------------------------------ improvement

    @command
    def require_improvement(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        cause: str,
        description: str,
        quality_indicators: object,
        owner: str,
        period: timedelta | None = None,
        due_at: datetime | None = None,
        business_unit: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Issue the improvement requirement (step 7).

        The requirement is an improvement item (``core.improvements``) raised
        in the same unit of work; the complaint refers to it by
        ``improvement_id``. Its owner reports progress, and the specialist
        follows it up, on the item; the complaint moves on when the item is
        done or decided.

        :param cause: the cause analysis.
        :param description: what is to be improved.
        :param quality_indicators: the targets (质量指标), at least one:
            :class:`QualityIndicator` objects, ``(name, target)`` pairs,
            ``"name: target"`` strings, or one mapping of name to target.
        :param owner: the improvement owner's actor id (改进负责人).
        :param period: the improvement period as business time on the calendar…
        :param due_at: …or the due instant itself (exactly one of the two).
        :param business_unit: the business unit it is issued to.
        :raises AccessDenied: unless the actor is a complaint specialist.
        :raises InvalidTransition: unless the immediate problem is resolved.
        """
        req = Requirement(
            cause, description, quality_indicators, owner, period, due_at, business_unit
        )
        return self._unit.change(
            actor, complaint_id, "require_improvement", at,
            lambda uow, c, when: self._items.require(uow, actor, c, when, req),
        )  # fmt: skip

    # ------------------------------------------------------------------ feedback and callback

    @command
    def give_feedback(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        result: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Record the result reported to the complainant (step 9).

        :raises AccessDenied: unless the actor is a complaint specialist or
            relationship manager.
        :raises InvalidTransition: unless the complaint is handled.
        """
        return self._unit.run(actor, complaint_id, at, "give_feedback", result=result)

    @command
    def callback(
        self,
        actor: Actor,
        complaint_id: str,
        *,
        satisfied: bool,
        reason: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Complaint:
        """Record the callback verifying the result with the complainant (step 9).

        Satisfied → closed. Not satisfied → the reason (required) is recorded
        and the complaint closes, or is reopened for a new investigation when
        the policy says so (:attr:`ComplaintPolicy.reopen_on_dissatisfied`):
        it is judged again once a new finding is recorded.

        :raises AccessDenied: unless the actor is a complaint specialist or
            relationship manager.
        :raises InvalidTransition: unless feedback was given.
        """
        reopen = self.policy.reopen_on_dissatisfied
        why = "callback made (" + ("satisfied" if satisfied is True else f"not satisfied: {reason}")
        return self._unit.handover(
            actor, complaint_id, at, "callback", why + ")", "callback",
            satisfied=satisfied, reason=reason, reopen=reopen,
        )  # fmt: skip

    # ------------------------------------------------------------------ praise

    @command
    def record_praise(
        self,
        actor: Actor,
        *,
        customer: str,
        praised_party: str,
        summary: str,
        channel: ComplaintChannel | str = ComplaintChannel.HOTLINE,
        praiser: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Praise:
        """Record praise (表扬) taken on the complaint hotline; it never enters the lifecycle.

        :raises AccessDenied: unless the actor is a receiver.
        """
        require_role(actor, *sorted(RECEIVERS), action="praise: record")
        fields = {"customer": customer, "praised_party": praised_party, "summary": summary}
        return self._unit.record_praise(actor, at, channel=channel, praiser=praiser, **fields)
