"""Storage specs of satisfaction capture: records and the indexed fields.

The indexed fields are what queries and in-database statistics may use
(``uow.aggregate(spec, query, group_by, measures)``); flags are ``int`` 0/1
so that ``sum`` counts them.

``satisfaction_response`` (:data:`RESPONSE_SPEC`)
    ``channel`` str, ``customer`` str, ``service`` str, ``engineer`` str|None,
    ``period`` str (``"YYYY-MM"`` of ``responded_at`` in the provider's zone),
    ``responded_at`` datetime, ``scale`` str, ``raw`` int, ``normalised`` float,
    ``top_box`` int, ``dissatisfied`` int, ``very_dissatisfied`` int,
    ``promoter`` int, ``detractor`` int, ``nps_eligible`` int,
    ``campaign_id`` str|None, ``question`` str|None, ``subject_kind`` str,
    ``subject_ref`` str|None, ``respondent`` str, ``submission_id`` str,
    ``complaint_pending`` int, ``complaint_id`` str|None.

``service_record`` (:data:`SERVICE_RECORD_SPEC`)
    ``customer``, ``service``, ``engineer`` (str|None), ``state`` str,
    ``opened_at``, ``resolved_at``, ``closed_at`` (datetime|None),
    ``closed_day`` str|None (``"YYYY-MM-DD"`` local), ``closed_period``
    str|None (``"YYYY-MM"`` local), ``first_contact`` int, ``reopened`` int
    (reopened count > 0), ``reopened_count`` int, ``complete`` int,
    ``callback_state`` str.

``survey_invitation`` (:data:`INVITATION_SPEC`)
    ``campaign_id``, ``customer``, ``respondent``, ``token``, ``state`` (str),
    ``invited_at``, ``expires_at`` (datetime), ``responded`` int,
    ``reminders`` int.

``survey_campaign`` (:data:`CAMPAIGN_SPEC`)
    ``state``, ``motive``, ``service`` (str), ``created_at``, ``opened_at``,
    ``closed_at`` (datetime|None).

``service_callback`` (:data:`CALLBACK_SPEC`)
    ``kind``, ``customer``, ``state`` (str), ``service``,
    ``service_record_id``, ``engineer``, ``sample_day``, ``period``,
    ``outcome`` (str|None), ``due_at`` datetime, ``done_at`` datetime|None.

``customer_profile`` (:data:`CUSTOMER_SPEC`)
    ``name`` str, ``key`` int, ``key_since`` datetime|None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from itsm_core.kernel.codec import instant, iso, optional_instant
from itsm_core.satisfaction.campaigns import Campaign, Invitation, Question
from itsm_core.satisfaction.enums import (
    CallbackKind,
    CallbackOutcome,
    CallbackState,
    CallbackStatus,
    CampaignMotive,
    CampaignState,
    Channel,
    InvitationState,
    ServiceRecordState,
    Subject,
    SubjectKind,
    SurveyMethod,
)
from itsm_core.satisfaction.model import (
    Callback,
    CallbackAttempt,
    CustomerProfile,
    Response,
    ServiceRecord,
)
from itsm_core.satisfaction.scales import Score
from itsm_core.storage.base import AggregateSpec, IndexField

__all__ = [
    "CALLBACK_SPEC",
    "CAMPAIGN_SPEC",
    "CUSTOMER_SPEC",
    "INVITATION_SPEC",
    "RESPONSE_SPEC",
    "SERVICE_RECORD_SPEC",
    "satisfaction_specs",
]


def _flag(value: bool) -> int:
    return 1 if value else 0


# --- responses ---------------------------------------------------------------


def _response_to(r: Response) -> dict[str, Any]:
    return {
        "id": r.id,
        "version": r.version,
        "channel": r.channel.value,
        "customer": r.customer,
        "service": r.service,
        "subject": {"kind": r.subject.kind.value, "ref": r.subject.ref},
        "respondent": r.respondent,
        "score": r.score.to_dict(),
        "comment": r.comment,
        "responded_at": iso(r.responded_at),
        "timezone": r.timezone,
        "engineer": r.engineer,
        "campaign_id": r.campaign_id,
        "question": r.question,
        "submission_id": r.submission_id,
        "recorded_by": r.recorded_by,
        "complaint_source": r.complaint_source,
        "complaint_id": r.complaint_id,
    }


def _response_from(d: Mapping[str, Any]) -> Response:
    return Response(
        id=d["id"],
        version=d["version"],
        channel=Channel(d["channel"]),
        customer=d["customer"],
        service=d["service"],
        subject=Subject(SubjectKind(d["subject"]["kind"]), d["subject"]["ref"]),
        respondent=d["respondent"],
        score=Score.from_dict(d["score"]),
        comment=d["comment"],
        responded_at=instant(d["responded_at"]),
        timezone=d["timezone"],
        engineer=d["engineer"],
        campaign_id=d["campaign_id"],
        question=d["question"],
        submission_id=d["submission_id"],
        recorded_by=d["recorded_by"],
        complaint_source=d["complaint_source"],
        complaint_id=d["complaint_id"],
    )


RESPONSE_SPEC: AggregateSpec[Response] = AggregateSpec(
    kind=Response.KIND,
    entity_type=Response,
    to_record=_response_to,
    from_record=_response_from,
    index=(
        IndexField("channel", "str", lambda r: r.channel.value),
        IndexField("customer", "str", lambda r: r.customer),
        IndexField("service", "str", lambda r: r.service),
        IndexField("engineer", "str", lambda r: r.engineer),
        IndexField("period", "str", lambda r: r.period),
        IndexField("responded_at", "datetime", lambda r: r.responded_at),
        IndexField("scale", "str", lambda r: r.score.scale),
        IndexField("raw", "int", lambda r: r.score.raw),
        IndexField("normalised", "float", lambda r: r.score.normalised),
        IndexField("top_box", "int", lambda r: _flag(r.score.top_box)),
        IndexField("dissatisfied", "int", lambda r: _flag(r.score.dissatisfied)),
        IndexField("very_dissatisfied", "int", lambda r: _flag(r.score.very_dissatisfied)),
        IndexField("promoter", "int", lambda r: _flag(r.score.promoter)),
        IndexField("detractor", "int", lambda r: _flag(r.score.detractor)),
        IndexField("nps_eligible", "int", lambda r: _flag(r.score.nps_eligible)),
        IndexField("campaign_id", "str", lambda r: r.campaign_id),
        IndexField("question", "str", lambda r: r.question),
        IndexField("subject_kind", "str", lambda r: r.subject.kind.value),
        IndexField("subject_ref", "str", lambda r: r.subject.ref),
        IndexField("respondent", "str", lambda r: r.respondent),
        IndexField("submission_id", "str", lambda r: r.submission_id),
        IndexField("complaint_pending", "int", lambda r: _flag(r.complaint_pending)),
        IndexField("complaint_id", "str", lambda r: r.complaint_id),
    ),
)
"""Stores :class:`~itsm_core.satisfaction.model.Response` (kind ``satisfaction_response``)."""


# --- service records -----------------------------------------------------------


def _record_to(r: ServiceRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "version": r.version,
        "customer": r.customer,
        "service": r.service,
        "engineer": r.engineer,
        "requester": r.requester,
        "summary": r.summary,
        "resolution": r.resolution,
        "opened_at": iso(r.opened_at),
        "resolved_at": iso(r.resolved_at),
        "closed_at": iso(r.closed_at),
        "first_contact": r.first_contact,
        "reopened_count": r.reopened_count,
        "state": r.state.value,
        "callback_status": r.callback_status.value,
        "last_callback_id": r.last_callback_id,
        "last_return_reason": r.last_return_reason,
        "timezone": r.timezone,
    }


def _record_from(d: Mapping[str, Any]) -> ServiceRecord:
    return ServiceRecord(
        id=d["id"],
        version=d["version"],
        customer=d["customer"],
        service=d["service"],
        engineer=d["engineer"],
        requester=d["requester"],
        summary=d["summary"],
        resolution=d["resolution"],
        opened_at=instant(d["opened_at"]),
        resolved_at=optional_instant(d["resolved_at"]),
        closed_at=optional_instant(d["closed_at"]),
        first_contact=d["first_contact"],
        reopened_count=d["reopened_count"],
        state=ServiceRecordState(d["state"]),
        callback_status=CallbackStatus(d["callback_status"]),
        last_callback_id=d["last_callback_id"],
        last_return_reason=d["last_return_reason"],
        timezone=d["timezone"],
    )


SERVICE_RECORD_SPEC: AggregateSpec[ServiceRecord] = AggregateSpec(
    kind=ServiceRecord.KIND,
    entity_type=ServiceRecord,
    to_record=_record_to,
    from_record=_record_from,
    index=(
        IndexField("customer", "str", lambda r: r.customer),
        IndexField("service", "str", lambda r: r.service),
        IndexField("engineer", "str", lambda r: r.engineer),
        IndexField("state", "str", lambda r: r.state.value),
        IndexField("opened_at", "datetime", lambda r: r.opened_at),
        IndexField("resolved_at", "datetime", lambda r: r.resolved_at),
        IndexField("closed_at", "datetime", lambda r: r.closed_at),
        IndexField("closed_day", "str", lambda r: r.closed_day),
        IndexField("closed_period", "str", lambda r: r.closed_period),
        IndexField("first_contact", "int", lambda r: _flag(r.first_contact)),
        IndexField("reopened", "int", lambda r: _flag(r.reopened_count > 0)),
        IndexField("reopened_count", "int", lambda r: r.reopened_count),
        IndexField("complete", "int", lambda r: _flag(r.complete)),
        IndexField("callback_state", "str", lambda r: r.callback_status.value),
    ),
)
"""Stores :class:`~itsm_core.satisfaction.model.ServiceRecord`
(kind ``service_record``)."""


# --- campaigns and invitations ---------------------------------------------------


def _campaign_to(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.id,
        "version": c.version,
        "title": c.title,
        "motive": c.motive.value,
        "method": c.method.value,
        "service": c.service,
        "target_customers": list(c.target_customers),
        "questions": [
            {
                "code": q.code,
                "text": q.text,
                "scale": q.scale,
                "required": q.required,
                "service": q.service,
            }
            for q in c.questions
        ],
        "related_ref": c.related_ref,
        "state": c.state.value,
        "created_by": c.created_by,
        "created_at": iso(c.created_at),
        "opened_at": iso(c.opened_at),
        "closed_at": iso(c.closed_at),
        "analysed_at": iso(c.analysed_at),
        "analysis_summary": c.analysis_summary,
    }


def _campaign_from(d: Mapping[str, Any]) -> Campaign:
    return Campaign(
        id=d["id"],
        version=d["version"],
        title=d["title"],
        motive=CampaignMotive(d["motive"]),
        method=SurveyMethod(d["method"]),
        service=d["service"],
        target_customers=tuple(d["target_customers"]),
        questions=tuple(Question(**q) for q in d["questions"]),
        related_ref=d["related_ref"],
        state=CampaignState(d["state"]),
        created_by=d["created_by"],
        created_at=instant(d["created_at"]),
        opened_at=optional_instant(d["opened_at"]),
        closed_at=optional_instant(d["closed_at"]),
        analysed_at=optional_instant(d["analysed_at"]),
        analysis_summary=d["analysis_summary"],
    )


CAMPAIGN_SPEC: AggregateSpec[Campaign] = AggregateSpec(
    kind=Campaign.KIND,
    entity_type=Campaign,
    to_record=_campaign_to,
    from_record=_campaign_from,
    index=(
        IndexField("state", "str", lambda c: c.state.value),
        IndexField("motive", "str", lambda c: c.motive.value),
        IndexField("service", "str", lambda c: c.service),
        IndexField("created_at", "datetime", lambda c: c.created_at),
        IndexField("opened_at", "datetime", lambda c: c.opened_at),
        IndexField("closed_at", "datetime", lambda c: c.closed_at),
    ),
)
"""Stores :class:`~itsm_core.satisfaction.campaigns.Campaign` (kind ``survey_campaign``)."""


def _invitation_to(i: Invitation) -> dict[str, Any]:
    return {
        "id": i.id,
        "version": i.version,
        "campaign_id": i.campaign_id,
        "customer": i.customer,
        "respondent": i.respondent,
        "contact": i.contact,
        "token": i.token,
        "state": i.state.value,
        "invited_at": iso(i.invited_at),
        "expires_at": iso(i.expires_at),
        "reminders": [iso(t) for t in i.reminders],
        "responded_at": iso(i.responded_at),
        "invited_by": i.invited_by,
    }


def _invitation_from(d: Mapping[str, Any]) -> Invitation:
    return Invitation(
        id=d["id"],
        version=d["version"],
        campaign_id=d["campaign_id"],
        customer=d["customer"],
        respondent=d["respondent"],
        contact=d["contact"],
        token=d["token"],
        state=InvitationState(d["state"]),
        invited_at=instant(d["invited_at"]),
        expires_at=instant(d["expires_at"]),
        reminders=tuple(instant(t) for t in d["reminders"]),
        responded_at=optional_instant(d["responded_at"]),
        invited_by=d["invited_by"],
    )


INVITATION_SPEC: AggregateSpec[Invitation] = AggregateSpec(
    kind=Invitation.KIND,
    entity_type=Invitation,
    to_record=_invitation_to,
    from_record=_invitation_from,
    index=(
        IndexField("campaign_id", "str", lambda i: i.campaign_id),
        IndexField("customer", "str", lambda i: i.customer),
        IndexField("respondent", "str", lambda i: i.respondent),
        IndexField("token", "str", lambda i: i.token),
        IndexField("state", "str", lambda i: i.state.value),
        IndexField("invited_at", "datetime", lambda i: i.invited_at),
        IndexField("expires_at", "datetime", lambda i: i.expires_at),
        IndexField("responded", "int", lambda i: _flag(i.state is InvitationState.RESPONDED)),
        IndexField("reminders", "int", lambda i: len(i.reminders)),
    ),
)
"""Stores :class:`~itsm_core.satisfaction.campaigns.Invitation` (kind ``survey_invitation``)."""


# --- callbacks -------------------------------------------------------------------


def _callback_to(c: Callback) -> dict[str, Any]:
    return {
        "id": c.id,
        "version": c.version,
        "kind": c.kind.value,
        "customer": c.customer,
        "service": c.service,
        "service_record_id": c.service_record_id,
        "engineer": c.engineer,
        "contact": c.contact,
        "sample_day": c.sample_day,
        "period": c.period,
        "due_at": iso(c.due_at),
        "state": c.state.value,
        "attempts": [{"at": iso(a.at), "by": a.by, "note": a.note} for a in c.attempts],
        "outcome": c.outcome.value if c.outcome else None,
        "reason": c.reason,
        "response_id": c.response_id,
        "done_at": iso(c.done_at),
        "done_by": c.done_by,
        "scheduled_at": iso(c.scheduled_at),
    }


def _callback_from(d: Mapping[str, Any]) -> Callback:
    return Callback(
        id=d["id"],
        version=d["version"],
        kind=CallbackKind(d["kind"]),
        customer=d["customer"],
        service=d["service"],
        service_record_id=d["service_record_id"],
        engineer=d["engineer"],
        contact=d["contact"],
        sample_day=d["sample_day"],
        period=d["period"],
        due_at=instant(d["due_at"]),
        state=CallbackState(d["state"]),
        attempts=tuple(
            CallbackAttempt(instant(a["at"]), a["by"], a["note"]) for a in d["attempts"]
        ),
        outcome=CallbackOutcome(d["outcome"]) if d["outcome"] else None,
        reason=d["reason"],
        response_id=d["response_id"],
        done_at=optional_instant(d["done_at"]),
        done_by=d["done_by"],
        scheduled_at=instant(d["scheduled_at"]),
    )


CALLBACK_SPEC: AggregateSpec[Callback] = AggregateSpec(
    kind=Callback.KIND,
    entity_type=Callback,
    to_record=_callback_to,
    from_record=_callback_from,
    index=(
        IndexField("kind", "str", lambda c: c.kind.value),
        IndexField("customer", "str", lambda c: c.customer),
        IndexField("service", "str", lambda c: c.service),
        IndexField("service_record_id", "str", lambda c: c.service_record_id),
        IndexField("engineer", "str", lambda c: c.engineer),
        IndexField("state", "str", lambda c: c.state.value),
        IndexField("sample_day", "str", lambda c: c.sample_day),
        IndexField("period", "str", lambda c: c.period),
        IndexField("outcome", "str", lambda c: c.outcome.value if c.outcome else None),
        IndexField("due_at", "datetime", lambda c: c.due_at),
        IndexField("done_at", "datetime", lambda c: c.done_at),
    ),
)
"""Stores :class:`~itsm_core.satisfaction.model.Callback` (kind ``service_callback``)."""


# --- customers -------------------------------------------------------------------


def _customer_to(c: CustomerProfile) -> dict[str, Any]:
    return {
        "id": c.id,
        "version": c.version,
        "name": c.name,
        "key": c.key,
        "key_since": iso(c.key_since),
        "note": c.note,
    }


def _customer_from(d: Mapping[str, Any]) -> CustomerProfile:
    return CustomerProfile(
        id=d["id"],
        version=d["version"],
        name=d["name"],
        key=d["key"],
        key_since=optional_instant(d["key_since"]),
        note=d["note"],
    )


CUSTOMER_SPEC: AggregateSpec[CustomerProfile] = AggregateSpec(
    kind=CustomerProfile.KIND,
    entity_type=CustomerProfile,
    to_record=_customer_to,
    from_record=_customer_from,
    index=(
        IndexField("name", "str", lambda c: c.name),
        IndexField("key", "int", lambda c: _flag(c.key)),
        IndexField("key_since", "datetime", lambda c: c.key_since),
    ),
)
"""Stores :class:`~itsm_core.satisfaction.model.CustomerProfile` (kind ``customer_profile``)."""


def satisfaction_specs() -> list[AggregateSpec[Any]]:
    """Return the storage specs of satisfaction capture."""
    return [
        RESPONSE_SPEC,
        SERVICE_RECORD_SPEC,
        CAMPAIGN_SPEC,
        INVITATION_SPEC,
        CALLBACK_SPEC,
        CUSTOMER_SPEC,
    ]
