"""The outbox's value types, shared by the storage interface and the relay.

Re-exported by :mod:`itsm_core.storage.base` and :mod:`itsm_core.storage`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import attrs

from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent

__all__ = ["FailedDelivery", "OutboxEntry", "OutboxOutcome", "lease_end"]


@attrs.frozen
class OutboxEntry:
    """A committed event not yet delivered to every notifier.

    :param event: the event as stored (unredacted; the relay redacts it).
    :param delivered: names of the notifiers that have it.
    :param attempts: failed attempts so far, per notifier.
    :param next_attempt_at: earliest retry, per notifier that failed and does
        not have the event yet.
    :param claimed_until: when the current claim on the entry ends (its
        lease); None when nobody claims it. An entry returned by
        :meth:`~itsm_core.storage.StorageBackend.outbox_claim` carries the lease just taken.
    """

    event: DomainEvent
    delivered: frozenset[str] = frozenset()
    attempts: Mapping[str, int] = attrs.field(factory=dict)
    next_attempt_at: Mapping[str, datetime] = attrs.field(factory=dict)
    claimed_until: datetime | None = None


@attrs.frozen
class FailedDelivery:
    """One failed delivery of a relay pass: the notifier, what went wrong, when to retry."""

    notifier: str
    error: str
    retry_at: datetime


@attrs.frozen
class OutboxOutcome:
    """What a relay pass did with one entry it claimed.

    A backend records a pass's outcomes with
    :meth:`~itsm_core.storage.StorageBackend.outbox_settle`.

    :param event_id: the entry.
    :param claimed_until: the pass's claim on it, ended unless the entry is done
        (None: nothing to end).
    :param delivered: the notifiers that received the event in this pass.
    :param failed: the deliveries that failed in this pass.
    :param done: whether every notifier now has the event.
    """

    event_id: str
    claimed_until: datetime | None = None
    delivered: tuple[str, ...] = ()
    failed: tuple[FailedDelivery, ...] = ()
    done: bool = False


def lease_end(now: datetime, lease: timedelta) -> datetime:
    """Return when a claim taken at ``now`` for ``lease`` ends: ``now + lease``.

    For backends implementing :meth:`~itsm_core.storage.StorageBackend.outbox_claim`.

    :raises ValidationError: if ``now`` is naive or ``lease`` is not positive.
    """
    require_aware(now, "now")
    if not isinstance(lease, timedelta) or lease <= timedelta(0):
        raise ValidationError(
            f"the lease must be a positive timedelta, got {lease!r}", field="lease"
        )
    return now + lease
