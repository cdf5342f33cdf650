"""Every hook of ``itsm_core``, in one place.

Plug-ins implement these with :data:`itsm_core.hookimpl` and are found
through the entry-point group ``itsm_core`` (or passed to the facade as
``plugins=[...]``). Hook names start with ``itsm_``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pluggy

from itsm_core.events import DomainEvent
from itsm_core.storage.base import BackendFactory

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "itsm_core"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def itsm_register_storage(register: Callable[[str, BackendFactory], None]) -> None:
    """Register storage backends by URL scheme.

    Called once when a facade opens its store. Call ``register(scheme, factory)``
    for each scheme the plug-in handles (e.g. ``"sqlite"``,
    ``"postgresql+psycopg"``); ``factory(url, specs)`` returns a
    :class:`~itsm_core.storage.StorageBackend`. Two plug-ins claiming one
    scheme is a :class:`~itsm_core.errors.PluginError`.

    :param register: the registration callback.
    """


@hookspec
def itsm_on_event(event: DomainEvent) -> None:
    """Receive one committed domain event (a notifier).

    Called by the outbox relay after the change is committed, at least once
    per event and notifier: use ``event.event_id`` as the idempotency key.
    The event is redacted (an internal complainant's identity never reaches
    a notifier). Each implementation is called on its own: one that raises is
    retried later with backoff and does not stop the others; it never undoes
    the committed change.

    :param event: the committed, redacted event.
    """


@hookspec
def itsm_service_record_returned(
    record_id: str,
    reason: str,
    customer: str,
    service: str,
    engineer: str | None,
    callback_id: str,
    returned_at: datetime,
) -> None:
    """A callback found a service record's problem not really solved (004): the
    front end sends the request back to the engineer in the ticketing tool.

    Called after the return is committed, each implementation on its own; one
    that raises is logged and never undoes the commit. The same fact reaches
    notifiers as the domain event ``service_record.returned`` (at least once,
    with retries). A second callback is due once the engineer resolves it again.

    :param record_id: the service record's id (the ticket id in the provider's tool).
    :param reason: why the customer says it is not solved.
    :param customer: the customer's id.
    :param service: the service of the record.
    :param engineer: the engineer who handled it (None if unknown).
    :param callback_id: the callback that found it not solved.
    :param returned_at: when it was returned (timezone-aware).
    """
