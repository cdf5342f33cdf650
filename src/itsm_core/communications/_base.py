"""What the two communications services share: the clock, the store, loading and reading."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from itsm_core.communications._clocks import Clocks
from itsm_core.communications.lifecycle import READERS
from itsm_core.communications.values import text
from itsm_core.kernel.actors import Actor, Role, require_role
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import NotFound, ValidationError
from itsm_core.kernel.events import DomainEvent, visible_to
from itsm_core.runtime import Runtime
from itsm_core.satisfaction.model import CustomerProfile
from itsm_core.satisfaction.storage import CUSTOMER_SPEC
from itsm_core.storage.base import AggregateSpec, UnitOfWork

__all__ = ["Shared", "is_key_customer", "limit_of"]

E = TypeVar("E", bound=Aggregate)


def limit_of(value: object) -> int | None:
    """Return a ``limit`` argument: None or a non-negative int.

    :raises ValidationError: otherwise.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            f"limit must be a non-negative int or None, got {value!r}", field="limit"
        )
    return value


class Shared:
    """The runtime, the clocks and the helpers of both services.

    :param runtime: the facade's runtime.
    :param clocks: the communications' SLA clocks.
    """

    def __init__(self, runtime: Runtime, clocks: Clocks) -> None:
        self.runtime = runtime
        self.clocks = clocks

    def change(
        self,
        actor: Actor,
        spec: AggregateSpec[E],
        entity_id: str,
        roles: frozenset[Role],
        action: str,
        at: datetime | None,
        apply: Callable[[UnitOfWork, E, datetime], Any],
    ) -> E:
        """Check the role, load the entity, apply the change at ``at`` (default now), save."""
        require_role(actor, *sorted(roles), action=action)
        key = text(entity_id, "id")
        given = None if at is None else require_aware(at, "at")
        with self.runtime.transaction() as uow:
            entity = uow.get(spec, key)
            latest: datetime = getattr(entity, "updated_at")  # noqa: B009
            when = given if given is not None else max(self.runtime.clock.now(), latest)
            apply(uow, entity, when)
            uow.save(spec, entity)
        return entity

    def now(self, at: datetime | None) -> datetime:
        """``at`` if given (aware), else now."""
        return self.runtime.clock.now() if at is None else require_aware(at, "at")

    def get(self, actor: Actor, spec: AggregateSpec[E], entity_id: str, action: str) -> E:
        """Return one entity for a reader (the provider's staff)."""
        require_role(actor, *sorted(READERS), action=action)
        with self.runtime.storage.unit_of_work() as uow:
            return uow.get(spec, text(entity_id, "id"))

    def history(
        self, actor: Actor, spec: AggregateSpec[Any], entity_id: str, action: str
    ) -> list[DomainEvent]:
        """Return the events of one entity, redacted for the reader."""
        require_role(actor, *sorted(READERS), action=action)
        key = text(entity_id, "id")
        with self.runtime.storage.unit_of_work() as uow:
            events = uow.history(spec.kind, key)
        if not events:
            raise NotFound(spec.kind, key)
        return visible_to(actor, events)


def is_key_customer(uow: UnitOfWork, customer: str) -> bool:
    """True if the customer register holds ``customer`` as a key customer."""
    try:
        profile: CustomerProfile = uow.get(CUSTOMER_SPEC, customer)
    except NotFound:
        return False
    return profile.key
