"""The complaint service's reads and reports: what ``core.complaints`` shows.

:class:`ComplaintReads` is the part of
:class:`~itsm_core.complaints.ComplaintService` that changes nothing: the
complaint and its history, the seed records, the search, the commands an
actor may give, and praise. Every read is redacted for the reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from itsm_core.complaints._unit import ComplaintUnit
from itsm_core.complaints.enums import (
    ComplaintChannel,
    ComplaintSource,
    ComplaintState,
    Origin,
    Severity,
    Verdict,
)
from itsm_core.complaints.model import Complaint, Praise, text
from itsm_core.complaints.queries import complaints_query, praise_query
from itsm_core.complaints.records import RecordKind, SeedRecord, build_record, build_records
from itsm_core.complaints.storage import COMPLAINT_SPEC, PRAISE_SPEC
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.api import read, report
from itsm_core.kernel.events import DomainEvent

__all__ = ["ComplaintReads"]


class ComplaintReads:
    """The reads and reports of the complaint service (its base class)."""

    _unit: ComplaintUnit

    @read
    def get(self, actor: Actor, complaint_id: str) -> Complaint:
        """Return the complaint as ``actor`` may see it (a detached copy).

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is no such complaint.
        """
        self._unit.read(actor, "complaint: read")
        entity = self._unit.load(COMPLAINT_SPEC, text(complaint_id, "complaint_id"))
        return self._unit.view(actor, entity)

    @read
    def history(self, actor: Actor, complaint_id: str) -> list[DomainEvent]:
        """Return the complaint's events, oldest first, redacted for ``actor``.

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is no such complaint.
        """
        self._unit.read(actor, "complaint: read the history")
        return self._unit.history(actor, complaint_id)

    @report
    def record(self, actor: Actor, complaint_id: str, kind: RecordKind | str) -> SeedRecord:
        """Return one seed record of the complaint, rebuilt from its history.

        The history read is the complaint's and its improvement items'.

        :param kind: registration form, handling report, improvement tracking
            sheet or supervision record (:class:`RecordKind`).
        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is no such complaint.
        """
        self._unit.read(actor, "complaint: read a seed record")
        return build_record(kind, self._unit.record_events(actor, complaint_id))

    @report
    def records(self, actor: Actor, complaint_id: str) -> dict[RecordKind, SeedRecord]:
        """Return all four seed records of the complaint, rebuilt from its history."""
        self._unit.read(actor, "complaint: read the seed records")
        return build_records(self._unit.record_events(actor, complaint_id))

    @read
    def find(
        self,
        actor: Actor,
        *,
        state: ComplaintState | str | Iterable[ComplaintState | str] | None = None,
        customer: str | None = None,
        party_complained_about: str | None = None,
        source: ComplaintSource | str | Iterable[ComplaintSource | str] | None = None,
        origin: Origin | str | None = None,
        severity: Severity | str | None = None,
        channel: ComplaintChannel | str | None = None,
        verdict: Verdict | str | None = None,
        relationship_manager: str | None = None,
        improvement_id: str | None = None,
        closed: bool | None = None,
        callback_due_before: datetime | None = None,
        received_from: datetime | None = None,
        received_before: datetime | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Complaint]:
        """Return the complaints matching every criterion given, oldest first.

        Each is redacted for ``actor``. ``state`` and ``source`` take one code
        or several (any of them matches); ``improvement_id`` finds the
        complaint of an improvement item; ``callback_due_before`` the handled
        complaints whose callback was due before that instant and is not made
        (overdue callbacks); ``limit`` and ``offset`` page through the result.
        An owner's improvements, or the overdue ones, are found on the items:
        ``core.improvements.find(actor, source_kind="complaint", ...)``.

        :raises AccessDenied: for a customer or an actor without a role.
        :raises ValidationError: for an unknown code, a name filter that is not
            a non-empty string, a ``closed`` that is not a bool, a ``limit`` or
            ``offset`` that is not a non-negative int, or a naive datetime.
        """
        self._unit.read(actor, "complaint: find")
        query = complaints_query(
            state=state, customer=customer, party_complained_about=party_complained_about,
            source=source, origin=origin, severity=severity, channel=channel, verdict=verdict,
            relationship_manager=relationship_manager, improvement_id=improvement_id,
            closed=closed, callback_due_before=callback_due_before, received_from=received_from,
            received_before=received_before, limit=limit, offset=offset,
        )  # fmt: skip
        return [self._unit.view(actor, c) for c in self._unit.search(COMPLAINT_SPEC, query)]

    @report
    def allowed_commands(self, actor: Actor, complaint_id: str) -> tuple[str, ...]:
        """Return the service commands ``actor`` may give on the complaint now (for a UI).

        A command is listed when some event it fires is allowed in the
        complaint's state and origin, the actor holds a role for it (for a
        major complaint, the service team lead's roles), and the rules that
        depend on who acts or what is recorded let it through (a complaint is
        judged once a finding is recorded; a relationship manager acts on
        their own complaints only with
        :attr:`ComplaintPolicy.assigned_relationship_manager_only`). It may
        still be refused for its inputs. ``improvements.follow_up`` and
        ``improvements.decide`` are given on the complaint's item
        (``core.improvements``), whose ``allowed_commands`` lists the owner's.

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is no such complaint.
        """
        return self._unit.allowed(actor, self.get(actor, complaint_id))

    @read
    def get_praise(self, actor: Actor, praise_id: str) -> Praise:
        """Return one praise record.

        :raises NotFound: if there is none such.
        """
        self._unit.read(actor, "praise: read")
        return self._unit.load(PRAISE_SPEC, text(praise_id, "praise_id"))

    @read
    def find_praise(
        self, actor: Actor, *, customer: str | None = None, praised_party: str | None = None
    ) -> list[Praise]:
        """Return the praise of ``customer`` and/or about ``praised_party``, oldest first.

        :raises AccessDenied: for a customer or an actor without a role.
        :raises ValidationError: for a filter that is not a non-empty string or None.
        """
        self._unit.read(actor, "praise: find")
        query = praise_query(customer=customer, praised_party=praised_party)
        return self._unit.search(PRAISE_SPEC, query)
