"""Routing knowledge flags: the ``itsm_knowledge_flag_raised`` hook's notice and dispatcher.

When a knowledge flag is raised, the front end hands it to the person who
decides: an article's author (who improves the article) or a representative
request's last handler (who writes it up for the knowledge base or the case
library). The library does not know how to reach them; a plug-in does,
through :func:`~itsm_core.hookspecs.itsm_knowledge_flag_raised`, delivered
through the outbox after the flag is committed.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from itsm_core.desk.enums import FlagKind
from itsm_core.kernel.events import DomainEvent
from itsm_core.outbox import HookCall

__all__ = ["FlagNotice", "flag_hook_calls"]


@attrs.frozen
class FlagNotice:
    """A knowledge flag for the person who decides on it.

    :param key: the idempotency key (the event id of ``knowledge_flag.raised``).
    :param flag_id: the flag's id (to accept or reject it with).
    :param kind: what is flagged.
    :param route_to: who decides: the article's author or the request's last handler.
    :param record_id: the service record the flag was raised on.
    :param customer: its customer.
    :param article: the article's reference (article flags).
    :param suggestion: the desk's suggestion.
    :param raised_by: the desk member.
    :param raised_at: when (timezone-aware).
    """

    key: str
    flag_id: str
    kind: FlagKind
    route_to: str
    record_id: str
    customer: str
    article: str | None
    suggestion: str | None
    raised_by: str
    raised_at: datetime

    @classmethod
    def from_event(cls, event: DomainEvent) -> FlagNotice:
        """Build the notice from a committed ``knowledge_flag.raised`` event."""
        p = event.payload
        return cls(
            key=event.event_id,
            flag_id=event.aggregate_id,
            kind=FlagKind.parse(p.get("kind"), "kind"),
            route_to=str(p.get("route_to") or ""),
            record_id=str(p.get("record_id") or ""),
            customer=str(p.get("customer") or ""),
            article=p.get("article"),
            suggestion=p.get("suggestion"),
            raised_by=event.actor_id,
            raised_at=event.occurred_at,
        )


def flag_hook_calls(event: DomainEvent) -> list[HookCall]:
    """The outbox dispatcher of the desk: ``knowledge_flag.raised`` → one
    ``itsm_knowledge_flag_raised(notice)``.

    :param event: a committed (redacted) event.
    """
    if event.name != "knowledge_flag.raised":
        return []
    return [HookCall("itsm_knowledge_flag_raised", {"notice": FlagNotice.from_event(event)})]
