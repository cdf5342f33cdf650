"""Survey campaigns (满意度调查): motive, targets, questionnaire, invitations by token.

A :class:`Campaign` is drafted with a motive, the target customers and a
questionnaire of :class:`Question` s (each on its own scale), opened, closed
and finally marked analysed (see :mod:`itsm_core.satisfaction.lifecycle`).
While it is open, respondents are invited: each :class:`Invitation` carries a
unique, unguessable token, an expiry and the reminders sent. A response is
submitted with the token; a used or expired token is refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.errors import ValidationError
from itsm_core.satisfaction._values import optional_text, require_text
from itsm_core.satisfaction.enums import (
    CampaignMotive,
    CampaignState,
    InvitationState,
    SurveyMethod,
)
from itsm_core.satisfaction.lifecycle import CAMPAIGN, INVITATION
from itsm_core.satisfaction.scales import get_scale

__all__ = [
    "Answer",
    "Campaign",
    "Invitation",
    "InvitationReport",
    "Question",
    "Respondent",
    "ResponseRate",
    "SkippedRespondent",
    "new_token",
    "questionnaire",
    "target_customer_ids",
]


def new_token() -> str:
    """Return a new unguessable invitation token (URL-safe, 128 bits of randomness)."""
    return secrets.token_urlsafe(16)


def _scale_code(value: object) -> str:
    return get_scale(value).code


def _code(value: object) -> str:
    return require_text(value, "question code")


def _text(value: object) -> str:
    return require_text(value, "question text")


def _service(value: object) -> str | None:
    return optional_text(value, "question service")


def _customer(value: object) -> str:
    return require_text(value, "customer")


def _person(value: object) -> str:
    return require_text(value, "respondent")


def _contact(value: object) -> str | None:
    return optional_text(value, "contact")


@attrs.frozen
class Question:
    """One question of a questionnaire.

    :param code: the question's code, unique in the questionnaire (``"q1"``, ``"overall"``).
    :param text: the question as shown to respondents.
    :param scale: the scale code (see :func:`~itsm_core.satisfaction.scales.get_scale`).
    :param required: the respondent must answer it.
    :param service: the service this question rates, if not the campaign's.
    """

    code: str = attrs.field(converter=_code)
    text: str = attrs.field(converter=_text)
    scale: str = attrs.field(default="five_level", converter=_scale_code)
    required: bool = True
    service: str | None = attrs.field(default=None, converter=_service)


def questionnaire(values: Iterable[Question]) -> tuple[Question, ...]:
    """Return the questionnaire ``values`` as a tuple, checked (codes unique)."""
    if not isinstance(values, Iterable) or isinstance(values, str | bytes | Question):
        raise ValidationError(
            f"questions must be a list of Question objects, got {values!r}", field="questions"
        )
    out = tuple(values)
    for q in out:
        if not isinstance(q, Question):
            raise ValidationError(
                f"questions must be Question objects, got {type(q).__name__}", field="questions"
            )
    codes = [q.code for q in out]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise ValidationError(
            f"question codes must be unique in a questionnaire; repeated: {', '.join(dupes)}",
            field="questions",
        )
    return out


def target_customer_ids(values: Iterable[str]) -> tuple[str, ...]:
    """Return the target customers ``values`` (one id, or several) without repeats."""
    if isinstance(values, str):
        values = [values]
    elif not isinstance(values, Iterable) or isinstance(values, bytes):
        raise ValidationError(
            f"target customers must be a customer id or a list of them, got {values!r}",
            field="target_customers",
        )
    seen: dict[str, None] = {}
    for v in values:
        seen[require_text(v, "target customer")] = None
    return tuple(seen)


@attrs.frozen
class Respondent:
    """A person to invite: who, for which customer, and how to reach them.

    :param customer: the customer (organisation) id; must be a campaign target.
    :param person: the respondent's id.
    :param contact: an e-mail address or phone number for the front end (optional).
    """

    customer: str = attrs.field(converter=_customer)
    person: str = attrs.field(converter=_person)
    contact: str | None = attrs.field(default=None, converter=_contact)


@attrs.frozen
class Answer:
    """One answer of a survey submission, when it carries its own comment.

    :param score: the value on the question's scale (see
        :meth:`~itsm_core.satisfaction.scales.Scale.level`).
    :param comment: the respondent's comment on this question.
    """

    score: object
    comment: str | None = None


@attrs.frozen
class ResponseRate:
    """How many of a campaign's invitations were answered.

    :param invited: invitations sent.
    :param responded: invitations answered.
    """

    invited: int
    responded: int

    @property
    def rate(self) -> float | None:
        """``responded / invited`` in ``0..1``; None when nobody was invited."""
        return self.responded / self.invited if self.invited else None


@attrs.frozen
class SkippedRespondent:
    """A respondent not invited, and why.

    :param respondent: who.
    :param reason: a sentence saying why.
    :param last_invited_at: their last invitation, when the anti-fatigue window applied.
    """

    respondent: Respondent
    reason: str
    last_invited_at: datetime | None = None


@attrs.frozen
class InvitationReport:
    """What an invitation round did.

    :param invited: the new invitations (their tokens are to be sent to the respondents).
    :param skipped: the respondents left out (anti-fatigue window, already invited).
    """

    invited: tuple[Invitation, ...] = ()
    skipped: tuple[SkippedRespondent, ...] = ()


@attrs.define(eq=False, kw_only=True)
class Campaign(Aggregate):
    """A satisfaction survey campaign.

    :param title: a short title.
    :param motive: why it is run (:class:`~itsm_core.satisfaction.enums.CampaignMotive`).
    :param method: how respondents are reached.
    :param service: the service surveyed (a questionnaire may rate others per question).
    :param target_customers: the customers surveyed.
    :param questions: the questionnaire.
    :param related_ref: what prompted it (an incident, a change, a review...), if any.
    :param state: the :class:`~itsm_core.satisfaction.enums.CampaignState`.
    """

    KIND = "survey_campaign"

    title: str
    motive: CampaignMotive
    method: SurveyMethod = SurveyMethod.WEB
    service: str
    target_customers: tuple[str, ...] = ()
    questions: tuple[Question, ...] = ()
    related_ref: str | None = None
    state: CampaignState = CampaignState.DRAFT
    created_by: str
    created_at: datetime
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    analysed_at: datetime | None = None
    analysis_summary: str | None = None

    def register(self, actor: Actor, at: datetime) -> None:
        """Record the ``created`` event of this new campaign."""
        self.questions = questionnaire(self.questions)
        self.target_customers = target_customer_ids(self.target_customers)
        self._record("created", actor, at, self._facts())

    def _facts(self) -> dict[str, object]:
        return {
            "title": self.title,
            "motive": self.motive.value,
            "method": self.method.value,
            "service": self.service,
            "target_customers": list(self.target_customers),
            "questions": [attrs.asdict(q) for q in self.questions],
            "related_ref": self.related_ref,
        }

    def question(self, code: str) -> Question:
        """Return the question ``code``.

        :raises ValidationError: naming the questionnaire's codes if there is none such.
        """
        for q in self.questions:
            if q.code == code:
                return q
        allowed = ", ".join(q.code for q in self.questions) or "none"
        raise ValidationError(
            f"campaign {self.id!r} has no question {code!r}; its questions: {allowed}",
            field="answers",
        )

    def revise(
        self,
        actor: Actor,
        at: datetime,
        *,
        title: str | None = None,
        target_customers: Iterable[str] | None = None,
        questions: Iterable[Question] | None = None,
    ) -> None:
        """Change the title, the targets or the questionnaire of a draft campaign."""
        CAMPAIGN.check(self, "revise")
        new_title = require_text(title, "title") if title is not None else self.title
        new_targets = (
            target_customer_ids(target_customers)
            if target_customers is not None
            else self.target_customers
        )
        new_questions = questionnaire(questions) if questions is not None else self.questions
        CAMPAIGN.fire(self, "revise")
        self.title, self.target_customers, self.questions = new_title, new_targets, new_questions
        self._record("revised", actor, at, self._facts())

    def open(self, actor: Actor, at: datetime) -> None:
        """Open the campaign: invitations and responses are accepted from now on."""
        CAMPAIGN.check(self, "open")
        if not self.questions:
            raise CAMPAIGN.refuse(self, "open", "the questionnaire has no question")
        if not self.target_customers:
            raise CAMPAIGN.refuse(self, "open", "the campaign has no target customer")
        CAMPAIGN.fire(self, "open")
        self.opened_at = at
        self._record("opened", actor, at)

    def close(self, actor: Actor, at: datetime) -> None:
        """Close the campaign: no more invitations or responses."""
        CAMPAIGN.check(self, "close")
        CAMPAIGN.fire(self, "close")
        self.closed_at = at
        self._record("closed", actor, at)

    def mark_analysed(self, actor: Actor, at: datetime, summary: str | None = None) -> None:
        """Mark the closed campaign analysed, with an optional summary of the findings."""
        CAMPAIGN.check(self, "mark_analysed")
        text = optional_text(summary, "summary")
        CAMPAIGN.fire(self, "mark_analysed")
        self.analysed_at = at
        self.analysis_summary = text
        self._record("analysed", actor, at, {"summary": text})


@attrs.define(eq=False, kw_only=True)
class Invitation(Aggregate):
    """One respondent's invitation to a survey campaign.

    The token is never put in an event (events reach every notifier); the
    front end takes it from the :class:`InvitationReport` or from
    :meth:`~itsm_core.satisfaction.surveys.SurveyService.get_invitation`.

    :param campaign_id: the campaign.
    :param customer: the respondent's customer (organisation).
    :param respondent: the person invited.
    :param contact: how to reach them (optional).
    :param token: the unique token that authorises one submission.
    :param state: the :class:`~itsm_core.satisfaction.enums.InvitationState`.
    :param invited_at: when invited.
    :param expires_at: after this instant the token is refused.
    :param reminders: when reminders were sent.
    :param responded_at: when the respondent submitted.
    """

    KIND = "survey_invitation"

    campaign_id: str
    customer: str
    respondent: str
    contact: str | None = None
    token: str
    state: InvitationState = InvitationState.INVITED
    invited_at: datetime
    expires_at: datetime
    reminders: tuple[datetime, ...] = ()
    responded_at: datetime | None = None
    invited_by: str

    @property
    def last_contact(self) -> datetime:
        """The last time the respondent was contacted (invitation or reminder)."""
        return self.reminders[-1] if self.reminders else self.invited_at

    def is_expired(self, now: datetime) -> bool:
        """True if the token is past its expiry at ``now`` (or the invitation expired)."""
        return self.state is InvitationState.EXPIRED or now >= self.expires_at

    def register(self, actor: Actor, at: datetime) -> None:
        """Record the ``invited`` event of this new invitation."""
        self._record(
            "invited",
            actor,
            at,
            {
                "campaign_id": self.campaign_id,
                "customer": self.customer,
                "respondent": self.respondent,
                "contact": self.contact,
                "expires_at": self.expires_at,
            },
        )

    def remind(self, actor: Actor, at: datetime) -> None:
        """Record a reminder sent at ``at``."""
        INVITATION.check(self, "remind")
        INVITATION.fire(self, "remind")
        self.reminders = (*self.reminders, at)
        self._record(
            "reminded",
            actor,
            at,
            {
                "campaign_id": self.campaign_id,
                "respondent": self.respondent,
                "contact": self.contact,
                "reminder": len(self.reminders),
                "expires_at": self.expires_at,
            },
        )

    def respond(self, actor: Actor, at: datetime) -> None:
        """Mark the invitation used; refused once used or past its expiry."""
        INVITATION.check(self, "respond")
        if at >= self.expires_at:
            raise INVITATION.refuse(
                self, "respond", f"the invitation expired at {self.expires_at.isoformat()}"
            )
        INVITATION.fire(self, "respond")
        self.responded_at = at
        self._record("responded", actor, at, {"campaign_id": self.campaign_id})

    def expire(self, actor: Actor, at: datetime) -> None:
        """Mark an unanswered invitation expired (past its expiry, or its campaign closed)."""
        INVITATION.check(self, "expire")
        INVITATION.fire(self, "expire")
        self._record("expired", actor, at, {"campaign_id": self.campaign_id})
