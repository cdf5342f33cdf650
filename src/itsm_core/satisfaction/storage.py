"""Storage specs of satisfaction capture: records and the indexed fields.

The records are derived from the entities' attrs fields (see
:meth:`~itsm_core.storage.AggregateSpec.of`).

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
    ``callback_state`` str; since record version 2 (revision 0011) ``kind``
    str|None, ``desk_agent`` str|None and ``updated_at`` datetime (the
    latest change: what the desk's daily chase list sorts by).

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

from datetime import datetime
from typing import TYPE_CHECKING, Any

from itsm_core.storage.base import AggregateSpec, IndexField

if TYPE_CHECKING:
    from itsm_core.satisfaction.model import (
        Callback,
        Campaign,
        CustomerProfile,
        Invitation,
        Response,
        ServiceRecord,
    )

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


def _response_v1_to_v2(record: dict[str, Any]) -> dict[str, Any]:
    record.setdefault("confidential", False)  # responses before v2 were never about internal ones
    return record


RESPONSE_SPEC: AggregateSpec[Response] = AggregateSpec.of(
    "itsm_core.satisfaction.response:Response",
    confidential=lambda r: ("respondent",) if r.confidential else (),
    kind="satisfaction_response",
    record_version=2,
    upcasters={1: _response_v1_to_v2},
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
        # a confidential respondent (see Response.confidential) is in no index column
        IndexField("respondent", "str", lambda r: None if r.confidential else r.respondent),
        IndexField("submission_id", "str", lambda r: r.submission_id),
        IndexField("complaint_pending", "int", lambda r: _flag(r.complaint_pending)),
        IndexField("complaint_id", "str", lambda r: r.complaint_id),
    ),
)
"""Stores :class:`~itsm_core.satisfaction.response.Response` (kind ``satisfaction_response``)."""


# --- service records -----------------------------------------------------------


def latest_instant(record: dict[str, Any]) -> str | None:
    """The latest of a version-1 service record's opened, resolved and closed instants
    (its ``updated_at`` as far as the record tells), as stored."""
    found: tuple[datetime, str] | None = None
    for name in ("opened_at", "resolved_at", "closed_at"):
        value = record.get(name)
        if not isinstance(value, str):
            continue
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            continue
        if moment.tzinfo is not None and (found is None or moment > found[0]):
            found = (moment, value)
    return None if found is None else found[1]


def _service_record_v1_to_v2(record: dict[str, Any]) -> dict[str, Any]:
    # version 2 adds what the desk follows: the kind of request, the desk member,
    # the latest change and the last progress note
    record.setdefault("kind", None)
    record.setdefault("desk_agent", None)
    record.setdefault("progress_note", None)
    record.setdefault("updated_at", latest_instant(record))
    return record


SERVICE_RECORD_SPEC: AggregateSpec[ServiceRecord] = AggregateSpec.of(
    "itsm_core.satisfaction.service_record:ServiceRecord",
    kind="service_record",
    record_version=2,
    upcasters={1: _service_record_v1_to_v2},
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
        IndexField("kind", "str", lambda r: None if r.kind is None else r.kind.value),
        IndexField("desk_agent", "str", lambda r: r.desk_agent),
        IndexField("updated_at", "datetime", lambda r: r.updated_at),
    ),
)
"""Stores :class:`~itsm_core.satisfaction.service_record.ServiceRecord`
(kind ``service_record``)."""


# --- campaigns and invitations ---------------------------------------------------


CAMPAIGN_SPEC: AggregateSpec[Campaign] = AggregateSpec.of(
    "itsm_core.satisfaction.campaigns:Campaign",
    kind="survey_campaign",
    record_version=1,
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


_RESPONDED = "responded"  # the code of InvitationState.RESPONDED

INVITATION_SPEC: AggregateSpec[Invitation] = AggregateSpec.of(
    "itsm_core.satisfaction.campaigns:Invitation",
    kind="survey_invitation",
    record_version=1,
    index=(
        IndexField("campaign_id", "str", lambda i: i.campaign_id),
        IndexField("customer", "str", lambda i: i.customer),
        IndexField("respondent", "str", lambda i: i.respondent),
        IndexField("token", "str", lambda i: i.token),
        IndexField("state", "str", lambda i: i.state.value),
        IndexField("invited_at", "datetime", lambda i: i.invited_at),
        IndexField("expires_at", "datetime", lambda i: i.expires_at),
        IndexField("responded", "int", lambda i: _flag(i.state._value_ == _RESPONDED)),
        IndexField("reminders", "int", lambda i: len(i.reminders)),
    ),
)
"""Stores :class:`~itsm_core.satisfaction.campaigns.Invitation` (kind ``survey_invitation``)."""


# --- callbacks -------------------------------------------------------------------


CALLBACK_SPEC: AggregateSpec[Callback] = AggregateSpec.of(
    "itsm_core.satisfaction.callback:Callback",
    kind="service_callback",
    record_version=1,
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
"""Stores :class:`~itsm_core.satisfaction.callback.Callback` (kind ``service_callback``)."""


# --- customers -------------------------------------------------------------------


CUSTOMER_SPEC: AggregateSpec[CustomerProfile] = AggregateSpec.of(
    "itsm_core.satisfaction.customer_profile:CustomerProfile",
    kind="customer_profile",
    record_version=1,
    index=(
        IndexField("name", "str", lambda c: c.name),
        IndexField("key", "int", lambda c: _flag(c.key)),
        IndexField("key_since", "datetime", lambda c: c.key_since),
    ),
)
"""Stores :class:`~itsm_core.satisfaction.customer_profile.CustomerProfile`
(kind ``customer_profile``)."""


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
