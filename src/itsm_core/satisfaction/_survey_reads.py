"""The survey service's reads and reports: campaigns, invitations, response rates.

:class:`SurveyReads` is the part of
:class:`~itsm_core.satisfaction.surveys.SurveyService` that changes nothing.
"""

from __future__ import annotations

from itsm_core.kernel.actors import Actor, Role, require_role
from itsm_core.kernel.api import read, report
from itsm_core.kernel.events import DomainEvent
from itsm_core.satisfaction._capture import CAMPAIGN_ROLES, READ_ROLES, Capture
from itsm_core.satisfaction.enums import CampaignMotive, CampaignState
from itsm_core.satisfaction.model import Campaign, Invitation, ResponseRate
from itsm_core.satisfaction.storage import CAMPAIGN_SPEC, INVITATION_SPEC
from itsm_core.storage.base import Query

__all__ = ["SurveyReads"]


class SurveyReads:
    """The reads and reports of the survey service (its base class)."""

    _capture: Capture

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
