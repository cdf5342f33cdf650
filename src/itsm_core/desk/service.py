"""The service desk's use cases, as ``core.desk.<command>``.

The desk identifies a caller's customer and shows its requests (the
customer's view), chases the open requests every day (the chase list and
:meth:`DeskService.note_progress`), keeps the customers' contacts, and flags
the knowledge base: an article that helped or is flawed, a closed request
worth a knowledge entry. A flag is routed to the article's author or the
request's last handler (the hook ``itsm_knowledge_flag_raised``), who
accepts or rejects it. The reads and reports are in
:class:`~itsm_core.desk._reads.DeskReads`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from itsm_core.complaints.service import ComplaintService
from itsm_core.desk._contacts import DEFAULT_COUNTRY_CODE, normalise_email, normalise_phone
from itsm_core.desk._reads import DeskReads
from itsm_core.desk.enums import FlagKind
from itsm_core.desk.lifecycle import CONTACT_ROLES, FLAG_ROLES, PROGRESS_ROLES
from itsm_core.desk.model import CustomerContact, KnowledgeFlag
from itsm_core.desk.notices import flag_hook_calls
from itsm_core.desk.storage import CONTACT_SPEC, FLAG_SPEC
from itsm_core.improvements.service import ImprovementService
from itsm_core.kernel.actors import STAFF_ROLES, Actor, require_role
from itsm_core.kernel.api import command
from itsm_core.kernel.errors import ConflictError, ValidationError
from itsm_core.kernel.ids import new_id
from itsm_core.runtime import Runtime
from itsm_core.satisfaction._capture import load_or_none
from itsm_core.satisfaction._values import optional_text, require_text
from itsm_core.satisfaction.lifecycle import SERVICE_RECORD
from itsm_core.satisfaction.model import ServiceRecord
from itsm_core.satisfaction.service import SatisfactionService
from itsm_core.satisfaction.storage import SERVICE_RECORD_SPEC
from itsm_core.storage.base import Query, UnitOfWork, Where

__all__ = ["DeskService", "flag_id_for"]

_NAMESPACE = uuid.UUID("0f1e2d3c-4b5a-4697-8877-665544332211")


def flag_id_for(kind: FlagKind, record_id: str, article: str | None) -> str:
    """The id of the flag of ``kind`` on a record (and article): one verdict per
    article and request, one case flag per request."""
    subject = "case" if kind is FlagKind.REPRESENTATIVE_CASE else f"article\x1f{article}"
    return "kf-" + uuid.uuid5(_NAMESPACE, f"{subject}\x1f{record_id}").hex


class DeskService(DeskReads):
    """The service desk: customer's view, daily chase, contacts, knowledge flags.

    Built by :class:`~itsm_core.ItsmCore` as ``core.desk``.

    :param runtime: the facade's runtime (clock, store, plug-ins).
    :param satisfaction: the satisfaction service (service records, the customer
        register, watch lists).
    :param complaints: the complaint service whose open complaints the customer's
        view lists (redacted for the reader); None: none are listed.
    :param improvements: the improvement register whose open items it lists.
    :param country_code: the country code put in front of national phone numbers.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        satisfaction: SatisfactionService,
        complaints: ComplaintService | None = None,
        improvements: ImprovementService | None = None,
        country_code: str = DEFAULT_COUNTRY_CODE,
    ) -> None:
        super().__init__(
            runtime,
            satisfaction=satisfaction,
            complaints=complaints,
            improvements=improvements,
            country_code=country_code,
        )
        runtime.relay.add_dispatcher(flag_hook_calls)

    # ------------------------------------------------------------ the daily chase

    @command
    def note_progress(
        self,
        actor: Actor,
        record_id: str,
        *,
        note: str,
        desk_agent: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceRecord:
        """Record what the desk learned when it chased an open request today.

        The record's state does not change; its ``updated_at`` moves on, so the
        request leaves the day's "not updated" list.

        :param note: the progress (e.g. "方案待审批").
        :param desk_agent: the desk member who follows the request from now on.
        :raises InvalidTransition: for a closed record.
        :raises NotFound: if there is no such record.
        """
        require_role(actor, *PROGRESS_ROLES, action="note the progress of a request")
        when = self._now(at)
        with self.runtime.transaction() as uow:
            record = uow.get(SERVICE_RECORD_SPEC, require_text(record_id, "record_id"))
            record.note_progress(actor, when, note=note, desk_agent=desk_agent)
            uow.save(SERVICE_RECORD_SPEC, record)
        return record

    # ------------------------------------------------------------ knowledge flags

    def _raise(self, uow: UnitOfWork, actor: Actor, flag: KnowledgeFlag) -> KnowledgeFlag:
        if load_or_none(uow, FLAG_SPEC, flag.id) is not None:
            what = "this request" if flag.article is None else f"article {flag.article!r} on it"
            raise ConflictError(
                f"the desk flagged {what} already (flag {flag.id!r}); see core.desk.get",
                kind=KnowledgeFlag.KIND,
                entity_id=flag.id,
            )
        flag.raise_flag(actor)
        uow.save(FLAG_SPEC, flag)
        return flag

    @command
    def flag_article(
        self,
        actor: Actor,
        *,
        article: str,
        record_id: str,
        helped: bool,
        author: str,
        suggestion: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> KnowledgeFlag:
        """Flag a knowledge article used on a request: it helped, or it is flawed.

        Each flag is one use of the article; "it helped" counts as the article
        resolving the request (:meth:`article_effectiveness`). One verdict per
        article and request. The flag is routed to ``author``.

        :param article: the article's reference in the provider's knowledge base.
        :param record_id: the service record it was used on.
        :param helped: True: it resolved the request; False: it is flawed.
        :param author: who wrote the article (decides on the flag).
        :param suggestion: what to improve (required when flawed).
        :raises NotFound: if there is no such service record.
        :raises ConflictError: if the article was flagged on that request already.
        """
        require_role(actor, *FLAG_ROLES, action="flag a knowledge article")
        if not isinstance(helped, bool):
            raise ValidationError(f"helped must be True or False, got {helped!r}", field="helped")
        kind = FlagKind.ARTICLE_HELPED if helped else FlagKind.ARTICLE_FLAWED
        ref = require_text(article, "article")
        when = self._now(at)
        with self.runtime.transaction() as uow:
            record = uow.get(SERVICE_RECORD_SPEC, require_text(record_id, "record_id"))
            flag = KnowledgeFlag(
                id=flag_id_for(kind, record.id, ref),
                kind=kind,
                record_id=record.id,
                customer=record.customer,
                article=ref,
                suggestion=suggestion,
                route_to=author,
                raised_by=actor.id,
                raised_at=when,
            )
            return self._raise(uow, actor, flag)

    @command
    def flag_case(
        self,
        actor: Actor,
        record_id: str,
        *,
        suggestion: str,
        handler: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> KnowledgeFlag:
        """Flag a closed request as a representative case worth a knowledge entry.

        Routed to the request's last handler (its engineer), who writes it up
        for the knowledge base or the case library.

        :param suggestion: why it is representative, what to write up.
        :param handler: who gets it instead of the record's engineer.
        :raises InvalidTransition: unless the record is closed.
        :raises ValidationError: if the record names no engineer and no handler is given.
        :raises ConflictError: if the request was flagged already.
        """
        require_role(actor, *FLAG_ROLES, action="flag a representative case")
        when = self._now(at)
        with self.runtime.transaction() as uow:
            record = uow.get(SERVICE_RECORD_SPEC, require_text(record_id, "record_id"))
            if record.is_open:
                raise SERVICE_RECORD.refuse(
                    record, "flag_case", "only a closed request is flagged as a case"
                )
            route_to = optional_text(handler, "handler") or record.engineer
            if route_to is None:
                    raise ValidationError(
                    f"service record {record.id!r} names no engineer: give handler=",
                    field="handler",
                )
            flag = KnowledgeFlag(
                id=flag_id_for(FlagKind.REPRESENTATIVE_CASE, record.id, None),
                kind=FlagKind.REPRESENTATIVE_CASE,
                record_id=record.id,
                customer=record.customer,
                suggestion=suggestion,
                route_to=route_to,
                raised_by=actor.id,
                raised_at=when,
            )
            return self._raise(uow, actor, flag)

    def _decide(
        self, actor: Actor, flag_id: str, accept: bool, note: str | None, at: datetime | None
    ) -> KnowledgeFlag:
        verb = "accept" if accept else "reject"
        require_role(actor, *sorted(STAFF_ROLES), action=f"{verb} a knowledge flag")
        when = self._now(at)
        with self.runtime.transaction() as uow:
            flag = uow.get(FLAG_SPEC, require_text(flag_id, "flag_id"))
            flag.decide(actor, when, accept=accept, note=note)
            uow.save(FLAG_SPEC, flag)
        return flag

    @command
    def accept(
        self,
        actor: Actor,
        flag_id: str,
        *,
        note: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> KnowledgeFlag:
        """The person the flag was routed to accepts it (and acts on it).

        :raises AccessDenied: for anyone else.
        :raises InvalidTransition: unless the flag is raised.
        """
        return self._decide(actor, flag_id, True, note, at)

    @command
    def reject(
        self,
        actor: Actor,
        flag_id: str,
        *,
        reason: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> KnowledgeFlag:
        """The person the flag was routed to rejects it, saying why.

        A rejected article flag no longer counts as a use of the article.

        :raises AccessDenied: for anyone else.
        :raises InvalidTransition: unless the flag is raised.
        """
        return self._decide(actor, flag_id, False, reason, at)

    # ------------------------------------------------------------ contacts

    def _unique(self, uow: UnitOfWork, field: str, value: str | None, own: str | None) -> None:
        if value is None:
            return
        for other in uow.find(CONTACT_SPEC, Query((Where(field, "eq", value),))):
            if other.id != own:
                raise ConflictError(
                    f"the {field} {value!r} belongs to contact {other.id!r} of customer "
                    f"{other.customer!r} already; change that contact instead",
                    kind=CustomerContact.KIND,
                    entity_id=other.id,
                )

    def _phone(self, value: str | None) -> str | None:
        return None if value is None else normalise_phone(value, "phone", self._country_code)

    @command
    def add_contact(
        self,
        actor: Actor,
        *,
        customer: str,
        name: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CustomerContact:
        """Record a person of a customer with their phone number and/or e-mail address.

        Both are normalised (:mod:`itsm_core.desk._contacts`); a number or an
        address belongs to one contact only.

        :raises ValidationError: without a phone number and an e-mail address,
            or for one that is not one.
        :raises ConflictError: if another contact has the number or address.
        """
        require_role(actor, *CONTACT_ROLES, action="add a customer contact")
        contact = CustomerContact(
            id=new_id("contact-"),
            customer=require_text(customer, "customer"),
            name=optional_text(name, "name"),
            phone=self._phone(phone),
            email=None if email is None else normalise_email(email),
        )
        when = self._now(at)
        contact.register(actor, when)
        with self.runtime.transaction() as uow:
            self._unique(uow, "phone", contact.phone, None)
            self._unique(uow, "email", contact.email, None)
            uow.save(CONTACT_SPEC, contact)
        return contact

    @command
    def change_contact(
        self,
        actor: Actor,
        contact_id: str,
        *,
        name: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CustomerContact:
        """Change a contact's name, phone number or e-mail address (those given).

        :raises NotFound: if there is no such contact.
        :raises ConflictError: if another contact has the number or address.
        """
        require_role(actor, *CONTACT_ROLES, action="change a customer contact")
        new_phone = self._phone(phone)
        new_email = None if email is None else normalise_email(email)
        new_name = optional_text(name, "name")
        when = self._now(at)
        with self.runtime.transaction() as uow:
            contact = uow.get(CONTACT_SPEC, require_text(contact_id, "contact_id"))
            self._unique(uow, "phone", new_phone, contact.id)
            self._unique(uow, "email", new_email, contact.id)
            if contact.change(actor, when, name=new_name, phone=new_phone, email=new_email):
                uow.save(CONTACT_SPEC, contact)
        return contact
