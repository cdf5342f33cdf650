"""Praise (表扬) taken on the complaint hotline: recorded, never processed as a complaint."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import attrs

from itsm_core.complaints.enums import ComplaintChannel
from itsm_core.complaints.values import optional_text, text, text_validator
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.clock import aware_field, require_aware

__all__ = ["Praise"]


def _channel(value: object) -> ComplaintChannel:
    return ComplaintChannel.parse(value, "channel")


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

    customer: str = attrs.field(validator=text_validator)
    praised_party: str = attrs.field(validator=text_validator)
    summary: str = attrs.field(validator=text_validator)
    channel: ComplaintChannel = attrs.field(converter=_channel)
    praiser: str = ""
    received_at: datetime = attrs.field(validator=aware_field())
    received_by: str = attrs.field(validator=text_validator)

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
