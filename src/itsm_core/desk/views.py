"""What the desk's reports return: the customer's view, the chase list, article ranking."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from itsm_core.complaints.model import Complaint
from itsm_core.desk.model import CustomerContact
from itsm_core.improvements.model import ImprovementItem
from itsm_core.kernel.labels import Language
from itsm_core.satisfaction.analysis.model import SatisfactionStanding
from itsm_core.satisfaction.analysis.statistics import Rate
from itsm_core.satisfaction.analysis.watchlists import WatchEntry, WatchReason
from itsm_core.satisfaction.model import ServiceRecord

__all__ = ["ArticleEffectiveness", "ChaseList", "CustomerView", "MemberChase"]


@attrs.frozen
class CustomerView:
    """A customer as the desk sees it when they call or write.

    :param customer: the customer (organisation) id.
    :param name: its display name in the customer register (None if not registered).
    :param key: a key customer (重要客户).
    :param contact: the contact the phone number or e-mail address belongs to.
    :param requests: the customer's service records: open ones first (newest
        first), then closed ones, failures (故障) before other requests, each
        newest first.
    :param open_complaints: the customer's complaints not closed, redacted
        for the reader (an internal complainant's identity shows to the
        complaint specialist alone).
    :param open_improvements: the improvement items about the customer not
        finished (neither done, decided nor cancelled).
    :param standings: the customer's satisfaction standings (the last
        evaluation against each target).
    :param watch: the customer's entries on the watch lists of the period
        (low satisfaction, key customer).
    :param period: the period of the watch lists.
    """

    customer: str
    name: str | None
    key: bool
    contact: CustomerContact
    requests: tuple[ServiceRecord, ...]
    open_complaints: tuple[Complaint, ...]
    open_improvements: tuple[ImprovementItem, ...]
    standings: tuple[SatisfactionStanding, ...]
    watch: tuple[WatchEntry, ...]
    period: str

    @property
    def open_requests(self) -> tuple[ServiceRecord, ...]:
        """The requests not closed."""
        return tuple(r for r in self.requests if r.is_open)

    @property
    def low_satisfaction(self) -> bool:
        """True if the customer is on the low-satisfaction watch list."""
        return any(e.reason is WatchReason.LOW_SATISFACTION for e in self.watch)

    def describe(self, lang: Language = "zh") -> str:
        """Return display lines in ``lang``: the customer, then one line per request."""
        zh = lang == "zh"
        head = f"{self.name or self.customer} ({self.customer})"
        marks = []
        if self.key:
            marks.append("重要客户" if zh else "key customer")
        if self.low_satisfaction:
            marks.append("满意度低" if zh else "low satisfaction")
        if self.open_complaints:
            n = len(self.open_complaints)
            marks.append(f"未关闭投诉 {n}" if zh else f"{n} open complaint(s)")
        if self.open_improvements:
            n = len(self.open_improvements)
            marks.append(f"未完成改进 {n}" if zh else f"{n} open improvement(s)")
        lines = [head + (": " + ", ".join(marks) if marks else "")]
        for r in self.requests:
            kind = "" if r.kind is None else r.kind.label(lang) + " "
            lines.append(f"  {r.id} {kind}{r.state.label(lang)} {r.summary or ''}".rstrip())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the view as JSON-able data (ids and states; complaints redacted)."""
        return {
            "customer": self.customer,
            "name": self.name,
            "key": self.key,
            "low_satisfaction": self.low_satisfaction,
            "contact": self.contact.id,
            "requests": [
                {
                    "id": r.id,
                    "state": r.state.value,
                    "kind": None if r.kind is None else r.kind.value,
                    "opened_at": r.opened_at.isoformat(),
                    "closed_at": None if r.closed_at is None else r.closed_at.isoformat(),
                }
                for r in self.requests
            ],
            "open_complaints": [
                {"id": c.id, "state": c.state.value, "origin": c.origin.value}
                for c in self.open_complaints
            ],
            "open_improvements": [
                {"id": i.id, "state": i.state.value} for i in self.open_improvements
            ],
            "period": self.period,
        }


@attrs.frozen
class MemberChase:
    """One desk member's open requests to chase today.

    :param desk_agent: the desk member (None: requests no desk member follows).
    :param records: their open service records, least recently updated first.
    :param day_start: the start of the day (local) the list is for.
    """

    desk_agent: str | None
    records: tuple[ServiceRecord, ...]
    day_start: datetime

    @property
    def not_updated_today(self) -> tuple[ServiceRecord, ...]:
        """The records with no change since the day started: chase these first."""
        return tuple(
            r for r in self.records if r.updated_at is None or r.updated_at < self.day_start
        )


@attrs.frozen
class ChaseList:
    """The desk's daily list of open requests to chase, per desk member.

    :param at: when the list was made.
    :param members: one entry per desk member, by id (requests no one follows last).
    """

    at: datetime
    members: tuple[MemberChase, ...]

    def describe(self, lang: Language = "zh") -> str:
        """Return one line per record: member, record, state and when it last changed."""
        lines = []
        for member in self.members:
            who = member.desk_agent or ("未分配" if lang == "zh" else "unassigned")
            for r in member.records:
                when = "-" if r.updated_at is None else r.updated_at.isoformat(timespec="minutes")
                lines.append(f"{who}: {r.id} {r.state.label(lang)} {when}")
        return "\n".join(lines)


@attrs.frozen
class ArticleEffectiveness:
    """How effective one knowledge article has been, from the desk's flags.

    :param article: the article's reference.
    :param uses: the requests it was used on (article flags not rejected).
    :param resolved: of them, the requests it resolved (flagged "it helped").
    """

    article: str
    uses: int
    resolved: int

    @property
    def rate(self) -> Rate:
        """Resolved over uses, with its 95 % Wilson interval."""
        return Rate(self.resolved, self.uses)

    @property
    def flawed(self) -> int:
        """The uses flagged flawed."""
        return self.uses - self.resolved
