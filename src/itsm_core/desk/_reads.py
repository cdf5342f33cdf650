"""The desk's reads and reports: the customer's view, the chase list, article ranking.

:class:`~itsm_core.desk.service.DeskService` inherits them; see there for the commands.
"""

from __future__ import annotations

from datetime import datetime, time

from itsm_core.complaints.service import ComplaintService
from itsm_core.desk._contacts import DEFAULT_COUNTRY_CODE, normalise_email, normalise_phone
from itsm_core.desk.enums import FlagKind, FlagState
from itsm_core.desk.model import CustomerContact, KnowledgeFlag
from itsm_core.desk.storage import CONTACT_SPEC, FLAG_SPEC
from itsm_core.desk.views import ArticleEffectiveness, ChaseList, CustomerView, MemberChase
from itsm_core.improvements.enums import ImprovementState
from itsm_core.improvements.lifecycle import LIFECYCLE as IMPROVEMENT_LIFECYCLE
from itsm_core.improvements.service import ImprovementService
from itsm_core.kernel.actors import STAFF_ROLES, Actor, require_role
from itsm_core.kernel.api import read, report
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import NotFound, ValidationError
from itsm_core.kernel.events import DomainEvent, visible_to
from itsm_core.runtime import Runtime
from itsm_core.satisfaction._capture import READ_ROLES, load_or_none
from itsm_core.satisfaction._values import local_period, optional_text, require_text, zone
from itsm_core.satisfaction.analysis.service import READ_ROLES as WATCH_ROLES
from itsm_core.satisfaction.analysis.storage import STANDING_SPEC
from itsm_core.satisfaction.analysis.watchlists import WatchEntry
from itsm_core.satisfaction.enums import RequestKind, ServiceRecordState
from itsm_core.satisfaction.model import ServiceRecord
from itsm_core.satisfaction.service import SatisfactionService
from itsm_core.satisfaction.storage import CUSTOMER_SPEC, SERVICE_RECORD_SPEC
from itsm_core.storage.base import Measure, Query, Where

__all__ = ["DeskReads", "order_requests"]

_UNFINISHED = tuple(s.value for s in ImprovementState if s not in IMPROVEMENT_LIFECYCLE.terminal)
_OPEN_STATES = tuple(s.value for s in ServiceRecordState if s is not ServiceRecordState.CLOSED)


def order_requests(records: list[ServiceRecord]) -> tuple[ServiceRecord, ...]:
    """Open records first (newest opened first), then closed ones: failures (故障)
    before other requests, each newest closed first."""
    opened = sorted(
        (r for r in records if r.is_open), key=lambda r: (-r.opened_at.timestamp(), r.id)
    )
    closed = sorted(
        (r for r in records if not r.is_open),
        key=lambda r: (
            r.kind is not RequestKind.FAILURE,
            -(r.closed_at or r.opened_at).timestamp(),
            r.id,
        ),
    )
    return (*opened, *closed)


class DeskReads:
    """The desk's reads and reports (who may read: the satisfaction readers)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        satisfaction: SatisfactionService,
        complaints: ComplaintService | None = None,
        improvements: ImprovementService | None = None,
        country_code: str = DEFAULT_COUNTRY_CODE,
    ) -> None:
        self.runtime = runtime
        self._satisfaction = satisfaction
        self._complaints = complaints
        self._improvements = improvements
        self._country_code = country_code

    def _now(self, at: datetime | None) -> datetime:
        return self.runtime.clock.now() if at is None else require_aware(at, "at")

    # ------------------------------------------------------------ the customer's view

    def _contact_for(self, phone: str | None, email: str | None) -> CustomerContact:
        if (phone is None) == (email is None):
            raise ValidationError(
                "give the caller's phone number or e-mail address: exactly one of phone, email",
                field="phone",
            )
        if phone is not None:
            field, value = "phone", normalise_phone(phone, "phone", self._country_code)
        else:
            field, value = "email", normalise_email(email)
        with self.runtime.storage.unit_of_work() as uow:
            found = uow.find(CONTACT_SPEC, Query((Where(field, "eq", value),), ("id",), 1))
        if not found:
            missing = NotFound(CustomerContact.KIND, value)
            missing.args = (
                f"no customer contact has the {field} {value!r} (normalised); record it "
                "with core.desk.add_contact",
            )
            raise missing
        return found[0]

    @report
    def customer_view(
        self,
        actor: Actor,
        *,
        phone: str | None = None,
        email: str | None = None,
        period: str | None = None,
    ) -> CustomerView:
        """Identify the customer from a caller's phone number or e-mail address and
        return everything the desk needs on the call.

        The number or address is normalised (:mod:`itsm_core.desk._contacts`)
        and looked up in one indexed query over the customer contacts. The
        view lists every service record of the customer (open ones first,
        then closed ones with failures first), its open complaints (redacted
        for ``actor``), its improvement items not finished (neither done,
        decided nor cancelled), its satisfaction standings and its entries on
        the watch lists of ``period`` (for those who may read the watch lists:
        none for an engineer or the complaint specialist).

        :param phone: the caller's phone number, in any usual form.
        :param email: or the sender's e-mail address.
        :param period: the month of the watch lists, ``"YYYY-MM"`` (default:
            the current month in the satisfaction policy's zone).
        :raises ValidationError: unless exactly one of ``phone``, ``email`` is
            given, or for a number or address that is not one.
        :raises NotFound: if no contact has that number or address.
        :raises AccessDenied: for an actor who may not read service records.
        """
        require_role(actor, *READ_ROLES, action="read the customer's view")
        contact = self._contact_for(phone, email)
        customer = contact.customer
        month = period or local_period(self._now(None), self._satisfaction.policy.timezone)
        with self.runtime.storage.unit_of_work() as uow:
            records = uow.find(SERVICE_RECORD_SPEC, Query.eq(customer=customer))
            standings = uow.find(
                STANDING_SPEC, Query((Where("customer", "eq", customer),), ("service", "id"))
            )
            profile = load_or_none(uow, CUSTOMER_SPEC, customer)
        complaints = (
            ()
            if self._complaints is None
            else tuple(self._complaints.find(actor, customer=customer, closed=False))
        )
        improvements = (
            ()
            if self._improvements is None
            else tuple(self._improvements.find(actor, customer=customer, state=_UNFINISHED))
        )
        entries: tuple[WatchEntry, ...] = ()
        if actor.has(*WATCH_ROLES):  # who may read the watch lists; the others see none
            watch = self._satisfaction.analysis.watch_list(actor, month)
            entries = tuple(
                e for e in (*watch.low_satisfaction, *watch.key_customers) if e.customer == customer
            )
        return CustomerView(
            customer=customer,
            name=None if profile is None else profile.name,
            key=profile is not None and profile.key,
            contact=contact,
            requests=order_requests(records),
            open_complaints=complaints,
            open_improvements=improvements,
            standings=tuple(standings),
            watch=entries,
            period=month,
        )

    # ------------------------------------------------------------ the daily chase

    @report
    def chase_list(
        self, actor: Actor, *, desk_agent: str | None = None, at: datetime | None = None
    ) -> ChaseList:
        """Return the open service records to chase today, per desk member.

        Every record not closed (open, resolved, returned), grouped by the desk
        member who follows it (requests nobody follows last), least recently
        updated first; :attr:`MemberChase.not_updated_today` are those with no
        change since the local day began (the satisfaction policy's zone).

        :param desk_agent: only this desk member's records.
        :param at: the instant the list is for (default now).
        """
        require_role(actor, *READ_ROLES, action="read the chase list")
        when = self._now(at)
        who = optional_text(desk_agent, "desk_agent")
        local = when.astimezone(zone(self._satisfaction.policy.timezone))
        day_start = datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)
        where = [Where("state", "in", _OPEN_STATES)]
        if who is not None:
            where.append(Where("desk_agent", "eq", who))
        with self.runtime.storage.unit_of_work() as uow:
            records = uow.find(SERVICE_RECORD_SPEC, Query(tuple(where), ("updated_at", "id")))
        groups: dict[str | None, list[ServiceRecord]] = {}
        for record in records:
            groups.setdefault(record.desk_agent, []).append(record)
        members = tuple(
            MemberChase(agent, tuple(groups[agent]), day_start)
            for agent in sorted(groups, key=lambda a: (a is None, a or ""))
        )
        return ChaseList(when, members)

    # ------------------------------------------------------------ knowledge flags

    @report
    def article_effectiveness(
        self, actor: Actor, *, min_uses: int = 1, limit: int | None = None
    ) -> tuple[ArticleEffectiveness, ...]:
        """Rank the knowledge articles by how often they resolved the request they were used on.

        Counted in the database (one ``aggregate`` over the flags' index
        fields): an article's *uses* are its effectiveness flags not rejected
        by its author, *resolved* those flagged "it helped". Ranked by rate,
        then by uses (more evidence first), then by reference.

        :param min_uses: only articles used at least this often.
        :param limit: at most this many articles.
        """
        require_role(actor, *READ_ROLES, action="rank knowledge articles")
        for name, value in (("min_uses", min_uses), ("limit", limit)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise ValidationError(
                    f"{name} must be a non-negative integer, got {value!r}", field=name
                )
        query = Query((Where("uses", "eq", 1),))
        measures = [Measure("n", "count"), Measure("helped", "sum", "resolved")]
        with self.runtime.storage.unit_of_work() as uow:
            rows = uow.aggregate(FLAG_SPEC, query, ["article"], measures)
        found = [
            ArticleEffectiveness(str(r["article"]), int(r["n"] or 0), int(r["helped"] or 0))
            for r in rows
            if int(r["n"] or 0) >= min_uses
        ]
        found.sort(key=lambda a: (-(a.rate.value or 0.0), -a.uses, a.article))
        return tuple(found if limit is None else found[:limit])

    @read
    def get(self, actor: Actor, flag_id: str) -> KnowledgeFlag:
        """Return one knowledge flag.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *sorted(STAFF_ROLES), action="read a knowledge flag")
        with self.runtime.storage.unit_of_work() as uow:
            return uow.get(FLAG_SPEC, require_text(flag_id, "flag_id"))

    @read
    def find(
        self,
        actor: Actor,
        *,
        kind: FlagKind | str | None = None,
        state: FlagState | str | None = None,
        article: str | None = None,
        record_id: str | None = None,
        customer: str | None = None,
        route_to: str | None = None,
        limit: int | None = None,
    ) -> list[KnowledgeFlag]:
        """Return the knowledge flags matching every filter given, oldest first
        (then by record and article).

        ``route_to`` with ``state="raised"`` is one person's flags to decide on.
        """
        require_role(actor, *sorted(STAFF_ROLES), action="list knowledge flags")
        where: list[Where] = []
        for field, codes in (
            ("kind", FlagKind.codes(kind, "kind")),
            ("state", FlagState.codes(state, "state")),
        ):
            if codes is not None:
                where.append(Where(field, "in", codes))
        for field, value in (
            ("article", article),
            ("record_id", record_id),
            ("customer", customer),
            ("route_to", route_to),
        ):
            if value is not None:
                where.append(Where(field, "eq", require_text(value, field)))
        with self.runtime.storage.unit_of_work() as uow:
            order = ("raised_at", "record_id", "article", "id")
            return uow.find(FLAG_SPEC, Query(tuple(where), order, limit))

    @read
    def history(self, actor: Actor, flag_id: str) -> list[DomainEvent]:
        """Return the events of one knowledge flag, oldest first.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *sorted(STAFF_ROLES), action="read a knowledge flag's history")
        key = require_text(flag_id, "flag_id")
        with self.runtime.storage.unit_of_work() as uow:
            uow.get(FLAG_SPEC, key)
            return visible_to(actor, uow.history(FLAG_SPEC.kind, key))

    # ------------------------------------------------------------ contacts

    @read
    def get_contact(self, actor: Actor, contact_id: str) -> CustomerContact:
        """Return one customer contact.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a customer contact")
        with self.runtime.storage.unit_of_work() as uow:
            return uow.get(CONTACT_SPEC, require_text(contact_id, "contact_id"))

    @read
    def find_contacts(self, actor: Actor, *, customer: str | None = None) -> list[CustomerContact]:
        """Return the contacts of one customer (or of all), by id."""
        require_role(actor, *READ_ROLES, action="list customer contacts")
        query = Query.eq(customer=optional_text(customer, "customer"))
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(CONTACT_SPEC, Query(query.where, ("id",)))
