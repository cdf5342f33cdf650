"""A response: one score one respondent gave on one channel."""

from __future__ import annotations

from datetime import datetime

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ConflictError
from itsm_core.kernel.events import REDACTED
from itsm_core.satisfaction._values import DEFAULT_TIMEZONE, local_period
from itsm_core.satisfaction.enums import Channel, Subject
from itsm_core.satisfaction.scales import Score

__all__ = ["Response"]


@attrs.define(eq=False, kw_only=True)
class Response(Aggregate):
    """A score one respondent gave on one channel, with what it rates.

    A survey submission with several questions gives one response per answered
    question; they share a ``submission_id`` (the invitation's id). Responses
    are never edited: a second score for the same thing is a new response.

    :param channel: the :class:`~itsm_core.satisfaction.enums.Channel`.
    :param customer: the customer (organisation) id.
    :param service: the service rated.
    :param subject: what is rated (a service record, complaint, review, month, campaign).
    :param respondent: the person who answered.
    :param score: the :class:`~itsm_core.satisfaction.scales.Score` (raw and normalised).
    :param comment: the respondent's comment.
    :param responded_at: when the respondent answered.
    :param timezone: the provider's zone, in which :attr:`period` is counted.
    :param engineer: the engineer who did the work rated, where known.
    :param campaign_id: the survey campaign (survey channel only).
    :param question: the questionnaire question's code (survey channel only).
    :param submission_id: groups the answers of one submission; a complaint
        is opened at most once per submission.
    :param recorded_by: who entered the response.
    :param complaint_source: ``"satisfaction"`` or ``"callback"`` when this
        response must open a complaint, else None.
    :param complaint_id: the complaint it opened, once opened.
    :param confidential: the respondent's identity is confidential: the
        response is about an internal complaint, so only the
        complaint specialist sees the respondent (reads, events and the
        complaint it opens, which is internal too).
    """

    KIND = "satisfaction_response"

    channel: Channel
    customer: str
    service: str
    subject: Subject
    respondent: str
    score: Score
    comment: str | None = None
    responded_at: datetime
    timezone: str = DEFAULT_TIMEZONE
    engineer: str | None = None
    campaign_id: str | None = None
    question: str | None = None
    submission_id: str
    recorded_by: str
    complaint_source: str | None = None
    complaint_id: str | None = None
    confidential: bool = False

    @property
    def period(self) -> str:
        """The calendar month of :attr:`responded_at` in the provider's zone, ``"YYYY-MM"``."""
        return local_period(self.responded_at, self.timezone)

    @property
    def opens_complaint(self) -> bool:
        """True if this response must open a complaint."""
        return self.complaint_source is not None

    @property
    def complaint_pending(self) -> bool:
        """True if this response must open a complaint that is not linked yet."""
        return self.complaint_source is not None and self.complaint_id is None

    def register(self, actor: Actor, at: datetime) -> None:
        """Record the ``recorded`` event of this new response (once, right after building it).

        :param actor: who enters it.
        :param at: when it is entered.
        """
        require_aware(at, "at")
        require_aware(self.responded_at, "responded_at")
        self._record(
            "recorded",
            actor,
            at,
            self.summary(),
            confidential=["respondent"] if self.confidential else [],
        )

    def redacted(self) -> Response:
        """Return a copy with a confidential respondent replaced by :data:`REDACTED`."""
        if not self.confidential:
            return self
        return attrs.evolve(self, respondent=REDACTED)

    def summary(self) -> dict[str, object]:
        """The response's facts as JSON-able data (the ``recorded`` event payload)."""
        return {
            "channel": self.channel.value,
            "customer": self.customer,
            "service": self.service,
            "subject_kind": self.subject.kind.value,
            "subject_ref": self.subject.ref,
            "respondent": self.respondent,
            "scale": self.score.scale,
            "raw": self.score.raw,
            "level": self.score.level,
            "normalised": self.score.normalised,
            "top_box": self.score.top_box,
            "very_dissatisfied": self.score.very_dissatisfied,
            "comment": self.comment,
            "responded_at": self.responded_at,
            "period": self.period,
            "engineer": self.engineer,
            "campaign_id": self.campaign_id,
            "question": self.question,
            "submission_id": self.submission_id,
            "opens_complaint": self.complaint_source,
        }

    def link_complaint(self, actor: Actor, complaint_id: str, at: datetime) -> bool:
        """Remember the complaint this response opened; return False if already linked to it.

        :raises ConflictError: if it is linked to another complaint already.
        """
        if self.complaint_id == complaint_id:
            return False
        if self.complaint_id is not None:
            raise ConflictError(
                f"response {self.id!r} already opened complaint {self.complaint_id!r}, "
                f"not {complaint_id!r}",
                kind=self.KIND,
                entity_id=self.id,
            )
        self.complaint_id = complaint_id
        self._record("complaint_opened", actor, at, {"complaint_id": complaint_id})
        return True
