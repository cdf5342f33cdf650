"""The state tables of satisfaction capture: campaigns, invitations, service records, callbacks.

Survey campaign::

    draft --open--> open --close--> closed --mark_analysed--> analysed
    draft/open --revise--> (same state: targets and questionnaire, draft only)

Survey invitation::

    invited --respond--> responded
    invited --expire--> expired
    invited --remind--> invited

Service record (服务单)::

    open --register_resolved--> resolved          (registered handled already)
    open --register_closed--> closed              (registered closed already)
    open --resolve--> resolved --close--> closed
    resolved/closed --reopen--> open             (reopened in the ticketing tool)
    resolved/closed --return--> returned          (callback: not really solved)
    returned --resolve--> resolved                (a second callback is then due)

Where a service record stands with callbacks (its ``callback_status``, a second
state field of the record)::

    none/confirmed/returned --schedule--> due
    returned --schedule_recheck--> recheck_due    (the record resolved again)
    due/recheck_due --confirm--> confirmed        (the callback found it solved)
    due/recheck_due --return--> returned          (not really solved)
    due/recheck_due --cancel--> none              (the due callback was cancelled)

Callback::

    due --complete--> done
    due --attempt--> due                          (customer not reached)
    due --cancel--> cancelled
"""

from __future__ import annotations

from itsm_core.kernel.lifecycle import Lifecycle
from itsm_core.satisfaction.enums import (
    CallbackState,
    CallbackStatus,
    CampaignState,
    InvitationState,
    ServiceRecordState,
)

__all__ = ["CALLBACK", "CALLBACK_STATUS", "CAMPAIGN", "INVITATION", "SERVICE_RECORD"]

CAMPAIGN: Lifecycle[CampaignState] = Lifecycle(
    "survey campaign",
    CampaignState,
    CampaignState.DRAFT,
    [
        ("revise", CampaignState.DRAFT, CampaignState.DRAFT),
        ("open", CampaignState.DRAFT, CampaignState.OPEN),
        ("invite", CampaignState.OPEN, CampaignState.OPEN),
        ("respond", CampaignState.OPEN, CampaignState.OPEN),
        ("close", CampaignState.OPEN, CampaignState.CLOSED),
        ("mark_analysed", CampaignState.CLOSED, CampaignState.ANALYSED),
    ],
)

INVITATION: Lifecycle[InvitationState] = Lifecycle(
    "survey invitation",
    InvitationState,
    InvitationState.INVITED,
    [
        ("remind", InvitationState.INVITED, InvitationState.INVITED),
        ("respond", InvitationState.INVITED, InvitationState.RESPONDED),
        ("expire", InvitationState.INVITED, InvitationState.EXPIRED),
    ],
)

SERVICE_RECORD: Lifecycle[ServiceRecordState] = Lifecycle(
    "service record",
    ServiceRecordState,
    ServiceRecordState.OPEN,
    [
        ("register_resolved", ServiceRecordState.OPEN, ServiceRecordState.RESOLVED),
        ("register_closed", ServiceRecordState.OPEN, ServiceRecordState.CLOSED),
        (
            "resolve",
            [ServiceRecordState.OPEN, ServiceRecordState.RETURNED],
            ServiceRecordState.RESOLVED,
        ),
        ("close", ServiceRecordState.RESOLVED, ServiceRecordState.CLOSED),
        (
            "reopen",
            [ServiceRecordState.RESOLVED, ServiceRecordState.CLOSED],
            ServiceRecordState.OPEN,
        ),
        (
            "return",
            [ServiceRecordState.RESOLVED, ServiceRecordState.CLOSED],
            ServiceRecordState.RETURNED,
        ),
    ],
)

_PENDING_CALLBACK = [CallbackStatus.DUE, CallbackStatus.RECHECK_DUE]

CALLBACK_STATUS: Lifecycle[CallbackStatus] = Lifecycle(
    "service record callback status",
    CallbackStatus,
    CallbackStatus.NONE,
    [
        (
            "schedule",
            [CallbackStatus.NONE, CallbackStatus.CONFIRMED, CallbackStatus.RETURNED],
            CallbackStatus.DUE,
        ),
        ("schedule_recheck", CallbackStatus.RETURNED, CallbackStatus.RECHECK_DUE),
        ("confirm", _PENDING_CALLBACK, CallbackStatus.CONFIRMED),
        ("return", _PENDING_CALLBACK, CallbackStatus.RETURNED),
        ("cancel", _PENDING_CALLBACK, CallbackStatus.NONE),
    ],
    field="callback_status",
)

CALLBACK: Lifecycle[CallbackState] = Lifecycle(
    "callback",
    CallbackState,
    CallbackState.DUE,
    [
        ("attempt", CallbackState.DUE, CallbackState.DUE),
        ("complete", CallbackState.DUE, CallbackState.DONE),
        ("cancel", CallbackState.DUE, CallbackState.CANCELLED),
    ],
)
