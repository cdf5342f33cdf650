"""What satisfaction capture sets off elsewhere: complaints and the "returned" hook.

**Complaints** (a source of complaints): a response rated very
dissatisfied (非常不满意) opens a complaint with source ``satisfaction``; a
callback scored dissatisfied or worse opens one with source ``callback`` when
the policy says so. The complaint is opened through a :class:`ComplaintOpener`
(the facade's complaint service) *after* the response is committed, with
``source_ref`` = the response's submission id: the opener returns the same
complaint for the same ``(source, source_ref)``, so recording a response
twice, retrying, or running
:meth:`~itsm_core.satisfaction.responses.ResponseService.open_pending_complaints`
after a crash opens exactly one complaint per submission.

**Returned records**: when a callback finds a problem not really solved, the
committed event ``service_record.returned`` reaches the notifiers
(``itsm_on_event``) and, through :func:`satisfaction_hook_calls` (an outbox
dispatcher), the dedicated hook ``itsm_service_record_returned``: after the
commit, at least once per implementation, each on its own; one that raises is
retried with backoff and never undoes the commit.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.events import DomainEvent
from itsm_core.outbox import HookCall
from itsm_core.satisfaction.enums import Channel
from itsm_core.satisfaction.model import Response
from itsm_core.satisfaction.scales import get_scale

__all__ = [
    "COMPLAINT_CHANNEL",
    "COMPLAINT_ORIGIN",
    "ComplaintOpener",
    "complaint_request",
    "satisfaction_hook_calls",
]

COMPLAINT_ORIGIN = "external"
"""The origin of a complaint a response opens: the customer (external), unless the
response is about an internal complaint (:attr:`Response.confidential
<itsm_core.satisfaction.response.Response.confidential>`): then it is internal,
and its complainant confidential as well."""

COMPLAINT_CHANNEL = "system"
"""The channel of a complaint a response opens: a system trigger."""


@runtime_checkable
class ComplaintOpener(Protocol):
    """Opens a complaint; the complaint service is one.

    ``receive`` must be idempotent on ``(source, source_ref)``: a second call
    with the same pair returns the complaint the first one opened.
    """

    def receive(
        self,
        actor: Actor,
        *,
        customer: Any,
        complainant: Any,
        origin: Any,
        channel: Any,
        source: Any,
        summary: Any,
        party_complained_about: Any,
        source_ref: Any,
        at: Any,
    ) -> Any:
        """Receive (or find) the complaint for ``(source, source_ref)``; return it (with ``id``)."""
        ...


def _level_label(response: Response) -> str:
    try:
        return get_scale(response.score.scale).level(response.score.raw).zh
    except ValueError:  # a scale no longer known: fall back to the stored key
        return response.score.level


def complaint_request(response: Response) -> dict[str, Any]:
    """Return the keyword arguments of ``ComplaintOpener.receive`` for ``response``."""
    source = response.complaint_source or "satisfaction"
    channel = response.channel
    summary = f"{channel.zh}评为“{_level_label(response)}”"
    if channel is Channel.SURVEY and response.campaign_id:
        summary += f"(调查 {response.campaign_id})"
    if response.subject.ref and channel is not Channel.SURVEY:
        summary += f",评价对象:{response.subject.kind.zh} {response.subject.ref}"
    if response.comment:
        summary += f"。客户意见:{response.comment}"
    return {
        "customer": response.customer,
        "complainant": response.respondent,
        "origin": "internal" if response.confidential else COMPLAINT_ORIGIN,
        "channel": COMPLAINT_CHANNEL,
        "source": source,
        "summary": summary,
        "party_complained_about": response.engineer or response.service,
        "source_ref": response.submission_id,
        "at": response.responded_at,
    }


def satisfaction_hook_calls(event: DomainEvent) -> list[HookCall]:
    """The outbox dispatcher of satisfaction capture: which dedicated hooks an event goes to.

    * ``service_record.returned`` → one
      ``itsm_service_record_returned(record_id, reason, customer, service,
      engineer, callback_id, returned_at)``.

    :param event: a committed (redacted) event.
    """
    if event.name != "service_record.returned":
        return []
    payload = event.payload
    return [
        HookCall(
            "itsm_service_record_returned",
            {
                "record_id": event.aggregate_id,
                "reason": payload.get("reason") or "",
                "customer": payload.get("customer") or "",
                "service": payload.get("service") or "",
                "engineer": payload.get("engineer"),
                "callback_id": payload.get("callback_id") or "",
                "returned_at": event.occurred_at,
            },
        )
    ]
