"""Survey campaigns (满意度调查): campaigns, invitations by token, reminders, submissions.

``core.satisfaction.surveys`` is a :class:`SurveyService`. Its main aggregate is
the campaign (:meth:`~SurveyService.get`, :meth:`~SurveyService.find`,
:meth:`~SurveyService.history`); invitations are its second kind
(:meth:`~SurveyService.get_invitation`, :meth:`~SurveyService.find_invitations`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta

from itsm_core.kernel.actors import Actor, Role, require_role
from itsm_core.kernel.api import command, read, report
from itsm_core.kernel.errors import AccessDenied, ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.ids import new_id
from itsm_core.satisfaction._capture import (
    CAMPAIGN_ROLES,
    ON_BEHALF_ROLES,
    READ_ROLES,
    SCHEDULING_ROLES,
    SURVEY_ROLES,
    Capture,
    FatiguePolicy,
)
from itsm_core.satisfaction._invitations import as_respondent, invitation_by_token, unique_token
from itsm_core.satisfaction._values import optional_text, require_text
from itsm_core.satisfaction.campaigns import questionnaire, target_customer_ids
from itsm_core.satisfaction.enums import (
    CampaignMotive,
    CampaignState,
    Channel,
    InvitationState,
    Subject,
    SubjectKind,
    SurveyMethod,
)
from itsm_core.satisfaction.lifecycle import CAMPAIGN, INVITATION
from itsm_core.satisfaction.model import (
    Answer,
    Campaign,
    Invitation,
    InvitationReport,
    Question,
    Respondent,
    Response,
    ResponseRate,
    SkippedRespondent,
)
from itsm_core.satisfaction.storage import (
    CAMPAIGN_SPEC,
    CUSTOMER_SPEC,
    INVITATION_SPEC,
    RESPONSE_SPEC,
)
from itsm_core.storage.base import Query

__all__ = ["SurveyService"]


class SurveyService:
    """Survey campaigns, invitations and submissions: ``core.satisfaction.surveys``.

    :param capture: what the satisfaction sub-services share.
    """

    def __init__(self, capture: Capture) -> None:
        self._capture = capture

    @command
    def create_campaign(
        self,
        actor: Actor,
        *,
        title: str,
        motive: CampaignMotive | str,
        service: str,
        questions: Iterable[Question],
        target_customers: Iterable[str] | None = None,
        method: SurveyMethod | str = SurveyMethod.WEB,
        related_ref: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Campaign:
        """Draft a survey campaign.

        :param actor: operations manager, project manager, relationship manager
            or quality specialist.
        :param title: a short title.
        :param motive: why (:class:`~itsm_core.satisfaction.enums.CampaignMotive`).
        :param service: the service surveyed.
        :param questions: the questionnaire.
        :param target_customers: the customers surveyed (one id or several);
            for the annual key-customer survey the default is every key customer.
        :param method: interview, mail, phone or web.
        :param related_ref: the incident, change or review that prompted it.
        :param at: when (default now).
        """
        require_role(actor, *CAMPAIGN_ROLES, action="create a survey campaign")
        when = self._capture.now(at)
        why = CampaignMotive.parse(motive, "motive")
        how = SurveyMethod.parse(method, "method")
        targets: Iterable[str]
        if target_customers is None:
            if why is CampaignMotive.ANNUAL_KEY_CUSTOMERS:
                with self._capture.runtime.storage.unit_of_work() as uow:
                    targets = [c.id for c in uow.find(CUSTOMER_SPEC, Query.eq(key=1))]
            else:
                targets = ()
        else:
            targets = target_customers
        campaign = Campaign(
            id=new_id("campaign-"),
            title=require_text(title, "title"),
            motive=why,
            method=how,
            service=require_text(service, "service"),
            target_customers=target_customer_ids(targets),
            questions=questionnaire(questions),
            related_ref=optional_text(related_ref, "related_ref"),
            created_by=actor.id,
            created_at=when,
        )
        campaign.register(actor, when)
        with self._capture.runtime.transaction() as uow:
            uow.save(CAMPAIGN_SPEC, campaign)
        return campaign

    @command
    def revise_campaign(
        self,
        actor: Actor,
        campaign_id: str,
        *,
        title: str | None = None,
        target_customers: Iterable[str] | None = None,
        questions: Iterable[Question] | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Campaign:
        """Change a draft campaign's title, targets or questionnaire.

        :param at: when (default now).
        """
        require_role(actor, *CAMPAIGN_ROLES, action="revise a survey campaign")
        when = self._capture.now(at)
        with self._capture.runtime.transaction() as uow:
            campaign = self._capture.get(uow, CAMPAIGN_SPEC, campaign_id)
            campaign.revise(
                actor, when, title=title, target_customers=target_customers, questions=questions
            )
            uow.save(CAMPAIGN_SPEC, campaign)
        return campaign

    @command
    def open_campaign(
        self,
        actor: Actor,
        campaign_id: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Campaign:
        """Open a draft campaign (it needs a question and a target customer).

        :param at: when (default now).
        """
        require_role(actor, *CAMPAIGN_ROLES, action="open a survey campaign")
        when = self._capture.now(at)
        with self._capture.runtime.transaction() as uow:
            campaign = self._capture.get(uow, CAMPAIGN_SPEC, campaign_id)
            campaign.open(actor, when)
            uow.save(CAMPAIGN_SPEC, campaign)
        return campaign

    @command
    def close_campaign(
        self,
        actor: Actor,
        campaign_id: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Campaign:
        """Close an open campaign; its unanswered invitations expire.

        :param at: when (default now).
        """
        require_role(actor, *CAMPAIGN_ROLES, action="close a survey campaign")
        when = self._capture.now(at)
        with self._capture.runtime.transaction() as uow:
            campaign = self._capture.get(uow, CAMPAIGN_SPEC, campaign_id)
            campaign.close(actor, when)
            uow.save(CAMPAIGN_SPEC, campaign)
            query = Query.eq(campaign_id=campaign.id, state=InvitationState.INVITED.value)
            for invitation in uow.find(INVITATION_SPEC, query):
                invitation.expire(actor, when)
                uow.save(INVITATION_SPEC, invitation)
        return campaign

    @command
    def mark_campaign_analysed(
        self,
        actor: Actor,
        campaign_id: str,
        *,
        summary: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Campaign:
        """Mark a closed campaign analysed, with a summary of the findings.

        :param at: when (default now).
        """
        require_role(actor, *CAMPAIGN_ROLES, action="mark a survey campaign analysed")
        when = self._capture.now(at)
        with self._capture.runtime.transaction() as uow:
            campaign = self._capture.get(uow, CAMPAIGN_SPEC, campaign_id)
            campaign.mark_analysed(actor, when, summary)
            uow.save(CAMPAIGN_SPEC, campaign)
        return campaign

    @read
    def get(self, actor: Actor, campaign_id: str) -> Campaign:
        """Return one campaign.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a survey campaign")
        with self._capture.runtime.storage.unit_of_work() as uow:
            return self._capture.get(uow, CAMPAIGN_SPEC, campaign_id)

    @read
    def find(
        self,
        actor: Actor,
        *,
        state: CampaignState | str | None = None,
        motive: CampaignMotive | str | None = None,
        service: str | None = None,
    ) -> list[Campaign]:
        """Return the campaigns matching every filter given, newest first."""
        require_role(actor, *READ_ROLES, action="list survey campaigns")
        query = Query.eq(
            state=CampaignState.parse(state, "state").value if state is not None else None,
            motive=CampaignMotive.parse(motive, "motive").value if motive is not None else None,
            service=service,
        )
        with self._capture.runtime.storage.unit_of_work() as uow:
            return uow.find(CAMPAIGN_SPEC, Query(query.where, ("-created_at",)))

    @read
    def history(self, actor: Actor, campaign_id: str) -> list[DomainEvent]:
        """Return the events of one campaign, oldest first.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a survey campaign's history")
        return self._capture.history(actor, CAMPAIGN_SPEC, campaign_id)

    @command
    def invite(
        self,
        actor: Actor,
        campaign_id: str,
        *,
        respondents: Iterable[Respondent | tuple[str, str]],
        on_fatigue: FatiguePolicy = "skip",
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> InvitationReport:
        """Invite respondents to an open campaign, each with a unique token.

        Anti-fatigue: nobody is surveyed twice within the policy's
        ``survey_fatigue_days`` (any campaign). With ``on_fatigue="skip"`` such
        respondents are left out and listed in the report; with ``"refuse"``
        nobody is invited and a :class:`~itsm_core.kernel.errors.ValidationError`
        names them. Someone already invited to this campaign is skipped.

        :param actor: operations manager, project manager, relationship manager
            or quality specialist.
        :param respondents: :class:`Respondent` s or ``(customer, person)`` pairs;
            every customer must be a campaign target.
        :param at: when (default now).
        :raises ValidationError: for a customer not targeted, or fatigue with ``"refuse"``.
        :raises InvalidTransition: unless the campaign is open.
        """
        require_role(actor, *CAMPAIGN_ROLES, action="invite survey respondents")
        if on_fatigue not in ("skip", "refuse"):
            raise ValidationError(
                f"on_fatigue must be 'skip' or 'refuse', got {on_fatigue!r}", field="on_fatigue"
            )
        if isinstance(respondents, str | bytes | Mapping | Respondent) or not isinstance(
            respondents, Iterable
        ):
            raise ValidationError(
                "respondents must be a list of Respondent objects or (customer, person) "
                f"pairs, got {type(respondents).__name__}",
                field="respondents",
            )
        people = [as_respondent(r) for r in respondents]
        fatigue_days = self._capture.policy.survey_fatigue_days
        now = self._capture.now(at)
        window = timedelta(days=self._capture.policy.survey_fatigue_days)
        invited: list[Invitation] = []
        skipped: list[SkippedRespondent] = []
        with self._capture.runtime.transaction() as uow:
            campaign = self._capture.get(uow, CAMPAIGN_SPEC, campaign_id)
            CAMPAIGN.check(campaign, "invite")
            strangers = sorted({p.customer for p in people} - set(campaign.target_customers))
            if strangers:
                raise ValidationError(
                    f"customers not targeted by campaign {campaign.id!r}: "
                    f"{', '.join(strangers)}; its targets: {', '.join(campaign.target_customers)}",
                    field="respondents",
                )
            seen: set[str] = set()
            tokens: set[str] = set()
            for person in people:
                if person.person in seen:
                    skipped.append(SkippedRespondent(person, "listed twice in this round"))
                    continue
                seen.add(person.person)
                before = uow.find(
                    INVITATION_SPEC,
                    Query(Query.eq(respondent=person.person).where, ("-invited_at",)),
                )
                if any(i.campaign_id == campaign.id for i in before):
                    skipped.append(SkippedRespondent(person, "already invited to this campaign"))
                    continue
                recent = [
                    i
                    for i in before
                    if self._capture.policy.survey_fatigue_days and i.invited_at > now - window
                ]
                if recent:
                    last = recent[0].invited_at
                    skipped.append(
                        SkippedRespondent(
                            person,
                            f"surveyed within the last {fatigue_days} days "
                            f"(invited {last.isoformat()} to campaign {recent[0].campaign_id})",
                            last,
                        )
                    )
                    continue
                invitation = Invitation(
                    id=new_id("invitation-"),
                    campaign_id=campaign.id,
                    customer=person.customer,
                    respondent=person.person,
                    contact=person.contact,
                    token=unique_token(uow, tokens),
                    invited_at=now,
                    expires_at=now + self._capture.policy.invitation_valid_for,
                    invited_by=actor.id,
                )
                invitation.register(actor, now)
                invited.append(invitation)
            fatigued = [s for s in skipped if s.last_invited_at is not None]
            if fatigued and on_fatigue == "refuse":
                names = ", ".join(f"{s.respondent.person} ({s.reason})" for s in fatigued)
                raise ValidationError(
                    f"anti-fatigue window of {fatigue_days} days: {names}; "
                    "nobody was invited (use on_fatigue='skip' to invite the others)",
                    field="respondents",
                )
            for invitation in invited:
                uow.save(INVITATION_SPEC, invitation)
        return InvitationReport(invited=tuple(invited), skipped=tuple(skipped))

    @command
    def remind(
        self,
        actor: Actor,
        campaign_id: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> list[Invitation]:
        """Record a reminder for every unanswered, unexpired invitation that may get one.

        An invitation gets at most the policy's ``max_reminders``, and only when
        its last contact is at least ``reminder_gap`` ago. The system actor may
        run it (a scheduled job, see :meth:`itsm_core.ItsmCore.run_due`). The front end sends
        the reminders returned (each carries its token).

        :param at: when (default now).
        :returns: the invitations reminded now.
        :raises InvalidTransition: unless the campaign is open.
        """
        require_role(actor, *CAMPAIGN_ROLES, Role.SYSTEM, action="remind survey respondents")
        now = self._capture.now(at)
        reminded: list[Invitation] = []
        with self._capture.runtime.transaction() as uow:
            campaign = self._capture.get(uow, CAMPAIGN_SPEC, campaign_id)
            CAMPAIGN.check(campaign, "invite")
            query = Query.eq(campaign_id=campaign.id, state=InvitationState.INVITED.value)
            for invitation in uow.find(INVITATION_SPEC, query):
                if invitation.is_expired(now):
                    continue
                if len(invitation.reminders) >= self._capture.policy.max_reminders:
                    continue
                if now - invitation.last_contact < self._capture.policy.reminder_gap:
                    continue
                invitation.remind(actor, now)
                uow.save(INVITATION_SPEC, invitation)
                reminded.append(invitation)
        return reminded

    @command
    def expire_invitations(
        self,
        actor: Actor,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> list[Invitation]:
        """Mark every unanswered invitation past its expiry as expired.

        :param at: when (default now): invitations expired by then are marked.
        :returns: the invitations expired now.
        """
        require_role(actor, *SCHEDULING_ROLES, *CAMPAIGN_ROLES, action="expire invitations")
        now = self._capture.now(at)
        with self._capture.runtime.transaction() as uow:
            query = Query.eq(state=InvitationState.INVITED.value).filter("expires_at", "le", now)
            expired = uow.find(INVITATION_SPEC, query)
            for invitation in expired:
                invitation.expire(actor, now)
                uow.save(INVITATION_SPEC, invitation)
        return expired

    @read
    def get_invitation(self, actor: Actor, invitation_id: str) -> Invitation:
        """Return one invitation (with its token, for the front end).

        :raises NotFound: if there is none such.
        """
        require_role(actor, *CAMPAIGN_ROLES, Role.SYSTEM, action="read a survey invitation")
        with self._capture.runtime.storage.unit_of_work() as uow:
            return self._capture.get(uow, INVITATION_SPEC, invitation_id)

    @read
    def find_invitations(self, actor: Actor, *, campaign_id: str) -> list[Invitation]:
        """Return a campaign's invitations, by invitation time."""
        require_role(actor, *CAMPAIGN_ROLES, Role.SYSTEM, action="list survey invitations")
        with self._capture.runtime.storage.unit_of_work() as uow:
            query = Query(Query.eq(campaign_id=campaign_id).where, ("invited_at",))
            return uow.find(INVITATION_SPEC, query)

    @report
    def response_rate(self, actor: Actor, campaign_id: str) -> ResponseRate:
        """Return how many of the campaign's invitations were answered."""
        require_role(actor, *READ_ROLES, action="read a campaign's response rate")
        with self._capture.runtime.storage.unit_of_work() as uow:
            self._capture.get(uow, CAMPAIGN_SPEC, campaign_id)
            invited = uow.count(INVITATION_SPEC, Query.eq(campaign_id=campaign_id))
            responded = uow.count(INVITATION_SPEC, Query.eq(campaign_id=campaign_id, responded=1))
        return ResponseRate(invited=invited, responded=responded)

    @command
    def submit_survey(
        self,
        actor: Actor,
        token: str,
        *,
        answers: Mapping[str, object],
        comment: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> list[Response]:
        """Submit a survey with an invitation's token: one response per answered question.

        :param actor: the invited customer (as themselves), or staff entering
            an interview or phone survey on their behalf.
        :param token: the invitation's token.
        :param answers: question code → value on the question's scale (or an
            :class:`~itsm_core.satisfaction.campaigns.Answer` with its own comment).
        :param comment: a comment on the whole survey (it also satisfies a
            required comment).
        :param at: when answered (default now).
        :raises ValidationError: for an unknown token or question, a required
            question unanswered, a score not on its scale, a missing comment.
        :raises InvalidTransition: for a used or expired token, or a campaign not open.
        :raises AccessDenied: for a customer using someone else's token.
        """
        require_role(actor, *SURVEY_ROLES, action="submit a survey")
        when = self._capture.now(at)
        if not isinstance(answers, Mapping) or not answers:
            raise ValidationError("answers must map question codes to scores", field="answers")
        with self._capture.runtime.transaction() as uow:
            invitation = invitation_by_token(uow, token)
            on_behalf = actor.has(*ON_BEHALF_ROLES)
            if not on_behalf and invitation.respondent != actor.id:
                raise AccessDenied(
                    f"this invitation is {invitation.respondent!r}'s; actor {actor.id!r} "
                    "may not answer it",
                    required=[r.value for r in ON_BEHALF_ROLES],
                )
            if invitation.state is InvitationState.RESPONDED:
                raise INVITATION.refuse(
                    invitation,
                    "respond",
                    "this invitation was used already "
                    f"({invitation.responded_at.isoformat() if invitation.responded_at else ''})",
                )
            campaign = self._capture.get(uow, CAMPAIGN_SPEC, invitation.campaign_id)
            CAMPAIGN.check(campaign, "respond")
            if invitation.state is InvitationState.INVITED and when >= invitation.expires_at:
                raise INVITATION.refuse(
                    invitation,
                    "respond",
                    f"the invitation expired at {invitation.expires_at.isoformat()}",
                )
            responses = list(
                self._survey_responses(actor, campaign, invitation, answers, comment, when)
            )
            invitation.respond(actor, when)
            uow.save(INVITATION_SPEC, invitation)
            for response in responses:
                response.register(actor, when)
                uow.save(RESPONSE_SPEC, response)
        return self._capture.trigger(responses)

    def _survey_responses(
        self,
        actor: Actor,
        campaign: Campaign,
        invitation: Invitation,
        answers: Mapping[str, object],
        comment: str | None,
        at: datetime,
    ) -> Iterator[Response]:
        for code in answers:
            campaign.question(code)
        missing = [q.code for q in campaign.questions if q.required and answers.get(q.code) is None]
        if missing:
            raise ValidationError(
                f"required questions not answered: {', '.join(missing)}", field="answers"
            )
        overall = optional_text(comment, "comment")
        for question in campaign.questions:
            value = answers.get(question.code)
            if value is None:
                continue
            own = None
            if isinstance(value, Answer):
                own = optional_text(value.comment, "comment")
                value = value.score
            try:
                response = self._capture.build_response(
                    actor,
                    response_id=f"response-{invitation.id}-{question.code}",
                    channel=Channel.SURVEY,
                    customer=invitation.customer,
                    service=question.service or campaign.service,
                    subject=Subject(SubjectKind.CAMPAIGN, campaign.id),
                    respondent=invitation.respondent,
                    scale=self._capture.policy.scale(question.scale),
                    score=value,
                    comment=own or overall,
                    responded_at=at,
                    campaign_id=campaign.id,
                    question=question.code,
                    submission_id=invitation.id,
                )
            except ValidationError as exc:
                raise ValidationError(
                    f"question {question.code!r}: {exc}", field=exc.field
                ) from None
            yield response
