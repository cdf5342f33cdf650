"""The customer register (重要客户/关键客户): ``core.satisfaction.customers``.

Key customers get a monthly callback and the annual survey, and have a
watch list of their own. A
:class:`~itsm_core.satisfaction.customer_profile.CustomerProfile` records the flag and
since when it holds; every change is an event, so the history of the flag is kept.
"""

from __future__ import annotations

from datetime import datetime

from itsm_core.kernel.actors import Actor, require_role
from itsm_core.kernel.api import command, read
from itsm_core.kernel.errors import ConflictError
from itsm_core.kernel.events import DomainEvent
from itsm_core.satisfaction._capture import CUSTOMER_ROLES, READ_ROLES, Capture, load_or_none
from itsm_core.satisfaction._values import optional_text, require_text
from itsm_core.satisfaction.model import CustomerProfile
from itsm_core.satisfaction.storage import CUSTOMER_SPEC
from itsm_core.storage.base import Query

__all__ = ["CustomerService"]


class CustomerService:
    """The customer register: ``core.satisfaction.customers``.

    :param capture: what the satisfaction sub-services share.
    """

    def __init__(self, capture: Capture) -> None:
        self._capture = capture

    @command
    def register(
        self,
        actor: Actor,
        customer: str,
        *,
        name: str,
        key: bool = False,
        note: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CustomerProfile:
        """Add a customer to the register (key customers get monthly callbacks).

        :param actor: relationship manager, operations manager, project manager or system.
        :param customer: the customer id used in responses and service records.
        :param name: the display name.
        :param key: a key customer (重要客户).
        :param note: why.
        :param at: when (default now).
        :raises ConflictError: if the customer is registered already.
        """
        require_role(actor, *CUSTOMER_ROLES, action="register a customer")
        when = self._capture.now(at)
        profile = CustomerProfile(
            id=require_text(customer, "customer"),
            name=require_text(name, "name"),
            key=bool(key),
            note=optional_text(note, "note"),
        )
        with self._capture.runtime.transaction() as uow:
            if load_or_none(uow, CUSTOMER_SPEC, profile.id) is not None:
                raise ConflictError(
                    f"customer {profile.id!r} is registered already; use set_key",
                    kind=CustomerProfile.KIND,
                    entity_id=profile.id,
                )
            profile.register(actor, when)
            uow.save(CUSTOMER_SPEC, profile)
        return profile

    @command
    def set_key(
        self,
        actor: Actor,
        customer: str,
        *,
        key: bool = True,
        note: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CustomerProfile:
        """Set (or clear, with ``key=False``) a customer's key-customer flag.

        :raises NotFound: if the customer is not registered.
        """
        require_role(actor, *CUSTOMER_ROLES, action="set a key customer")
        when = self._capture.now(at)
        with self._capture.runtime.transaction() as uow:
            profile = self._capture.get(uow, CUSTOMER_SPEC, customer)
            if profile.set_key(actor, when, key=key, note=note):
                uow.save(CUSTOMER_SPEC, profile)
        return profile

    @read
    def get(self, actor: Actor, customer: str) -> CustomerProfile:
        """Return a registered customer.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a customer")
        with self._capture.runtime.storage.unit_of_work() as uow:
            return self._capture.get(uow, CUSTOMER_SPEC, customer)

    @read
    def find(self, actor: Actor, *, key: bool | None = None) -> list[CustomerProfile]:
        """Return the registered customers, by id; ``key=True``: the key customers.

        :param key: only key customers (True) or only the others (False).
        """
        require_role(actor, *READ_ROLES, action="list customers")
        query = Query.eq(key=None if key is None else int(bool(key)))
        with self._capture.runtime.storage.unit_of_work() as uow:
            return uow.find(CUSTOMER_SPEC, Query(query.where, ("id",)))

    @read
    def history(self, actor: Actor, customer: str) -> list[DomainEvent]:
        """Return the events of one customer's profile, oldest first (the key flag's history).

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a customer's history")
        return self._capture.history(actor, CUSTOMER_SPEC, customer)
