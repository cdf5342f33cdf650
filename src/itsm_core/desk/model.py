"""The service desk's aggregates: knowledge flags and customer contacts.

A :class:`KnowledgeFlag` is the desk's mark on the knowledge base (评价知识、
案例库): an article that helped resolve a request, an article found flawed
(with a suggestion), or a closed request worth a knowledge entry (with a
suggestion). The library keeps the article's reference, never the article.

A :class:`CustomerContact` is one person of a customer, with the phone
number and e-mail address a call or mail comes from, normalised
(:mod:`itsm_core.desk._contacts`) so that one indexed lookup identifies the
customer.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import attrs

from itsm_core.desk.enums import FlagKind, FlagState
from itsm_core.desk.lifecycle import LIFECYCLE
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate, require_forward
from itsm_core.kernel.errors import AccessDenied, ValidationError
from itsm_core.satisfaction._values import optional_text, require_text

__all__ = ["ARTICLE_KINDS", "CustomerContact", "KnowledgeFlag"]

ARTICLE_KINDS: frozenset[FlagKind] = frozenset({FlagKind.ARTICLE_HELPED, FlagKind.ARTICLE_FLAWED})
"""The kinds of flag that judge an article's effectiveness (a use of the article)."""


@attrs.define(eq=False, kw_only=True)
class KnowledgeFlag(Aggregate):
    """The desk's flag on a knowledge article or a representative request.

    :param kind: what is flagged (:class:`~itsm_core.desk.enums.FlagKind`).
    :param record_id: the service record the flag was raised on.
    :param customer: that record's customer.
    :param article: the knowledge article's reference (article flags only).
    :param suggestion: the desk's suggestion (required but for "it helped").
    :param route_to: who decides: the article's author, or the request's last handler.
    :param raised_by: the desk member who raised it.
    :param raised_at: when.
    :param state: raised, accepted or rejected.
    :param decided_by: who accepted or rejected it.
    :param decided_at: when.
    :param decision_note: why (the reason of a rejection).
    """

    KIND: ClassVar[str] = "knowledge_flag"

    kind: FlagKind
    record_id: str
    customer: str
    article: str | None = None
    suggestion: str | None = None
    route_to: str
    raised_by: str
    raised_at: datetime
    state: FlagState = FlagState.RAISED
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None

    @property
    def counts_as_use(self) -> bool:
        """True for an article flag its author has not rejected: one use of the article."""
        return self.kind in ARTICLE_KINDS and self.state is not FlagState.REJECTED

    @property
    def resolved(self) -> bool:
        """True if the article resolved the request (a use flagged "it helped")."""
        return self.counts_as_use and self.kind is FlagKind.ARTICLE_HELPED

    def raise_flag(self, actor: Actor) -> None:
        """Check a new flag and record ``knowledge_flag.raised``."""
        if self.kind in ARTICLE_KINDS:
            self.article = require_text(self.article, "article")
        elif self.article is not None:
            raise ValidationError(
                "a representative case names no article; flag an article with flag_article",
                field="article",
            )
        if self.kind is FlagKind.ARTICLE_HELPED:
            self.suggestion = optional_text(self.suggestion, "suggestion")
        else:
            self.suggestion = require_text(self.suggestion, "suggestion")
        self.route_to = require_text(self.route_to, "route_to")
        self._record(
            "raised",
            actor,
            self.raised_at,
            {
                "kind": self.kind.value,
                "record_id": self.record_id,
                "customer": self.customer,
                "article": self.article,
                "suggestion": self.suggestion,
                "route_to": self.route_to,
            },
        )

    def check_addressee(self, actor: Actor, command: str) -> None:
        """Refuse anyone but the person the flag was routed to.

        :raises AccessDenied: naming the addressee.
        """
        if actor.id != self.route_to:
            raise AccessDenied(
                f"knowledge flag {self.id!r}: {command!r} is for the person it was routed to "
                f"({self.route_to!r}: the article's author or the request's last handler), "
                f"not {actor.id!r}"
            )

    def decide(self, actor: Actor, at: datetime, *, accept: bool, note: str | None) -> None:
        """Accept or reject the flag (a rejection needs a reason)."""
        event = "accept" if accept else "reject"
        LIFECYCLE.check(self, event)
        self.check_addressee(actor, event)
        when = require_forward(at, self.raised_at, "the flag")
        text = optional_text(note, "note") if accept else require_text(note, "reason")
        LIFECYCLE.fire(self, event)
        self.decided_by = actor.id
        self.decided_at = when
        self.decision_note = text
        self._record("accepted" if accept else "rejected", actor, when, {"note": text})


@attrs.define(eq=False, kw_only=True)
class CustomerContact(Aggregate):
    """One person of a customer and how they call or write (normalised).

    :param customer: the customer (organisation) id.
    :param name: the person's name, if known.
    :param phone: the phone number in international form (``+8613800138000``).
    :param email: the e-mail address, lower case.
    """

    KIND: ClassVar[str] = "customer_contact"

    customer: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None

    def register(self, actor: Actor, at: datetime) -> None:
        """Check a new contact (a phone number or an e-mail address) and record it."""
        if self.phone is None and self.email is None:
            raise ValidationError(
                "a contact needs a phone number or an e-mail address (or both)", field="phone"
            )
        self._record("registered", actor, at, self._facts())

    def change(
        self,
        actor: Actor,
        at: datetime,
        *,
        name: str | None,
        phone: str | None,
        email: str | None,
    ) -> bool:
        """Replace the fields given (already normalised); return False if nothing changed."""
        new = (
            name if name is not None else self.name,
            phone if phone is not None else self.phone,
            email if email is not None else self.email,
        )
        if new == (self.name, self.phone, self.email):
            return False
        self.name, self.phone, self.email = new
        self._record("changed", actor, at, self._facts())
        return True

    def _facts(self) -> dict[str, object]:
        return {
            "customer": self.customer,
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
        }
