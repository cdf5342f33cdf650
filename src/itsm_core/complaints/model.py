"""The complaint aggregate (the complaint process).

A :class:`Complaint` checks every rule itself and records exactly one
:class:`~itsm_core.kernel.events.DomainEvent` per change. Its methods are
called by :class:`~itsm_core.complaints.ComplaintService`, which loads and
saves it; applications use the service, never the methods directly.

Each method follows one order, so that a refused command changes nothing:
the state table and the origin (:func:`~itsm_core.complaints.lifecycle.check`),
then the acting role, then the rule and the inputs, and only then the
machine fires, the fields are set and the event is recorded.

Its improvement requirement is an :class:`~itsm_core.improvements.ImprovementItem`
of its own, which the complaint refers to by id (``improvement_id``); the
complaint moves on when its item is done or decided
(:meth:`Complaint.follow_improvement`). Its value objects are in
:mod:`itsm_core.complaints.values`; :class:`~itsm_core.complaints.Praise`,
taken on the same hotline, is its own kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from itsm_core.complaints._fields import ComplaintFields
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
from itsm_core.complaints.praise import Praise
from itsm_core.complaints.values import (
    Complainant,
    ComplaintCallback,
    Escalation,
    Finding,
    Statement,
    optional_text,
    text,
)
from itsm_core.improvements import ImprovementItem
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import require_forward
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError

__all__ = [
    "ITEM_EVENTS",
    "Complainant",
    "Complaint",
    "ComplaintCallback",
    "Escalation",
    "Finding",
    "Praise",
    "Statement",
    "optional_text",
    "text",
]

ITEM_EVENTS: Mapping[str, str] = {
    "meet": "improvement_met",
    "extend": "extend_improvement",
    "escalate": "escalate_improvement",
    "decide": "improvement_decided",
    "grant_period": "grant_period",
}
"""An improvement item's lifecycle event → the complaint event it fires."""


@attrs.define(eq=False, kw_only=True)
class Complaint(ComplaintFields):
    """A complaint from receipt to closure; its fields are :class:`ComplaintFields`.

    Build one with :meth:`receive`. Every other change goes through a method
    named after its command, which fires one row of
    :data:`~itsm_core.complaints.lifecycle.TRANSITIONS` and records one event.
    """

    # ------------------------------------------------------------------ helpers

    def _begin(self, event: str, actor: Actor, at: datetime) -> Transition:
        """Check state, origin and role, and that ``at`` does not go back in time."""
        row = check(self, event)
        authorise(row, self, actor)
        require_forward(at, self.updated_at, "the complaint")
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
            entity.receipt_facts(),
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
        """Dispatch the complaint for handling (complaint process, step 2).

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
                    reason="major complaint: escalated to the service team lead",
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
        """Record one investigation finding (complaint process, step 2)."""
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
        """Judge the complaint by the findings (complaint process, step 3).

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
                "a complaint is judged by the findings; record at least one "
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
        """Record the apology and why the complaint is invalid (step 4)."""
        row = self._begin("explain", actor, at)
        sorry = Statement(at, actor.id, text(apology, "apology"))
        why = Statement(at, actor.id, text(explanation, "explanation"))
        self._apply(row, actor, at, {"apology": sorry.text, "explanation": why.text})
        self._set({"apology": sorry, "explanation": why})

    def close(self, actor: Actor, at: datetime) -> None:
        """Close an invalid complaint once it is explained (step 4)."""
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
        """Record how the business unit handled a transferred complaint (step 5).

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

    def register_project(
        self, actor: Actor, at: datetime, *, project_ref: str | None = None
    ) -> None:
        """Register a valid complaint as a project (立项, step 6).

        :param project_ref: the project number; the complaint id when not given.
        """
        row = self._begin("register", actor, at)
        ref = optional_text(project_ref, "project_ref") or self.id
        self._apply(row, actor, at, {"project_ref": ref})
        self._set({"project_ref": ref, "registered_at": at})

    def apologise(self, actor: Actor, at: datetime, *, apology: str) -> None:
        """Record the apology to an external complainant (step 6)."""
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
        self, actor: Actor, at: datetime, *, decision: str, callback_due_at: datetime
    ) -> None:
        """Record the decision of the general manager's office on the pending escalation.

        After an unresolved problem the complaint counts as resolved and goes on
        to improvement; after an unresolved transfer it is handled. An
        escalated improvement is decided on its item
        (``core.improvements.decide``), not here.
        """
        if self.state is ComplaintState.IMPROVEMENT_ESCALATED:
            raise refuse(
                self,
                "decide",
                "the office decides an escalated improvement on its item: "
                f"core.improvements.decide(actor, {self.improvement_id!r}, decision=...)",
            )
        row = self._begin("decide", actor, at)
        said = text(decision, "decision")
        changes = self._decided(at, actor, said)
        payload: dict[str, Any] = {"decision": said, "stage": self._awaiting().stage}
        if row.dest is ComplaintState.HANDLED:
            changes.update(self._handled(at, callback_due_at))
            payload.update(callback_due_at=callback_due_at)
        self._apply(row, actor, at, payload)
        self._set(changes)

    def _awaiting(self) -> Escalation:
        pending = self.pending_escalation
        if pending is None:  # pragma: no cover - the escalated states always have one
            raise refuse(self, "decide", "no escalation awaits a decision")
        return pending

    def _decided(self, at: datetime, actor: Actor, decision: str) -> dict[str, Any]:
        pending = self._awaiting()
        decided = attrs.evolve(pending, decision=decision, decided_at=at, decided_by=actor.id)
        return {"escalations": tuple(decided if e is pending else e for e in self.escalations)}

    # ------------------------------------------------------------------ improvement

    def require_improvement(self, actor: Actor, at: datetime, *, item: ImprovementItem) -> None:
        """Record the improvement requirement issued as ``item`` (step 7).

        The item is raised in the same unit of work; the complaint refers to it by id.
        """
        row = self._begin("require_improvement", actor, at)
        if item.source_ref != self.id:
            raise ValidationError(
                f"improvement item {item.id!r} was raised for {item.source_ref!r}, "
                f"not for complaint {self.id!r}",
                field="item",
            )
        payload = {
            "improvement_id": item.id,
            "owner": item.owner,
            "due_at": item.due_at,
            "notify": ["improvement_owner"],
        }
        self._apply(row, actor, at, payload)
        self.improvement_id = item.id

    def follow_improvement(
        self,
        actor: Actor,
        at: datetime,
        *,
        item: ImprovementItem,
        event: str,
        callback_due_at: datetime,
    ) -> None:
        """Move on with the improvement item's change (its lifecycle ``event``).

        Met or decided: the complaint is handled (feedback and callback
        follow). Extended (or a new period granted): the improvement goes on,
        extended. Not met again: it goes to the general manager's office.

        :raises InvalidTransition: if the complaint's state does not allow it.
        :raises ValidationError: for an item that is not the complaint's.
        """
        if item.id != self.improvement_id:
            raise ValidationError(
                f"improvement item {item.id!r} is not complaint {self.id!r}'s "
                f"({self.improvement_id!r})",
                field="item",
            )
        row = self._begin(ITEM_EVENTS[event], actor, at)
        last = item.follow_ups[-1] if item.follow_ups else None
        payload: dict[str, Any] = {"improvement_id": item.id}
        changes: dict[str, Any] = {}
        if event in ("decide", "grant_period"):
            changes = self._decided(at, actor, item.decision or "")
            payload.update(decision=item.decision, stage=EscalationStage.IMPROVEMENT)
            if event == "grant_period":
                payload.update(due_at=last.due_at if last else None, extended_to=item.due_at)
        elif last is not None:
            payload.update(
                met=last.met, note=last.note, due_at=last.due_at, extended_to=last.extended_to
            )
        if row.dest is ComplaintState.HANDLED:
            changes.update(self._handled(at, callback_due_at))
            payload.update(callback_due_at=callback_due_at)
        if event == "escalate":
            changes["escalations"] = (
                *self.escalations,
                Escalation(
                    level=EscalationLevel.GENERAL_MANAGER_OFFICE,
                    stage=EscalationStage.IMPROVEMENT,
                    at=at,
                    by=actor.id,
                    reason=last.note if last else "not met",
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
        """Record the result reported to the complainant (step 9)."""
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
        """Record the callback verifying the result (step 9).

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
                "the complainant is not satisfied: record the reason", field="reason"
            )
        call = ComplaintCallback(at, actor.id, satisfied, why, reopened=event == "reopen")
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
