"""Service periods of a contract and the notices at their key points.

The customer service centre writes to the customer when a contract's service
period starts and shortly before it ends (服务期监管流程), so that the service
continues without a gap. A :class:`ServicePeriod` says when the period runs and
how many days before its end the second notice goes out; the agreement that
holds it remembers which notices were sent, and
:meth:`~itsm_core.sla.SlaService.tick` sends each one exactly once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from itsm_core.kernel.clock import aware_field
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.labels import Labelled, Language

__all__ = ["PeriodNoticeKind", "ServicePeriod", "ServicePeriodNotice"]


class PeriodNoticeKind(Labelled):
    """Which key point of a service period a notice is about."""

    #: The service period starts (服务期开始).
    START = "start", "服务期开始通知", "service period start notice"
    #: The service period ends soon (服务期即将结束).
    ENDING = "ending", "服务期即将结束通知", "service period ending notice"


def _notice_days(_instance: object, _attribute: object, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            f"notice_days_before_end must be a non-negative int (days), got {value!r}",
            field="notice_days_before_end",
        )


def _instant(data: Mapping[str, Any], key: str) -> datetime:
    value = data.get(key)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise ValidationError(
            f"a service period dict needs {key} as an ISO 8601 instant with its offset, "
            f"e.g. '2025-10-01T00:00:00+08:00'; got {value!r}",
            field=key,
        )
    return value


@attrs.frozen
class ServicePeriod:
    """The period in which a contract's service is delivered.

    :param start: when the service period starts (timezone-aware).
    :param end: when it ends (timezone-aware, after ``start``).
    :param notice_days_before_end: how many calendar days before ``end`` the
        "period ending" notice goes out (default 30). A notice date before
        ``start`` is moved to ``start``.
    :raises ValidationError: for a naive instant, ``end`` not after ``start``, or a
        negative number of days.
    """

    start: datetime = attrs.field(validator=aware_field())
    end: datetime = attrs.field(validator=aware_field())
    notice_days_before_end: int = attrs.field(default=30, validator=_notice_days)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationError(
                f"a service period must end after it starts (start {self.start.isoformat()}, "
                f"end {self.end.isoformat()})",
                field="end",
            )

    def notice_at(self, kind: PeriodNoticeKind | str) -> datetime:
        """When the notice of ``kind`` is due.

        :param kind: :attr:`PeriodNoticeKind.START` or :attr:`PeriodNoticeKind.ENDING`.
        """
        kind = PeriodNoticeKind.parse(kind, "kind")
        if kind is PeriodNoticeKind.START:
            return self.start
        # More days than the period lasts: the notice goes out at its start (and the
        # subtraction stays within the range of a datetime).
        days = min(self.notice_days_before_end, (self.end - self.start).days + 1)
        return max(self.start, self.end - timedelta(days=days))

    def notices(self) -> tuple[tuple[PeriodNoticeKind, datetime], ...]:
        """Both notices with their due instants, in order."""
        return tuple((k, self.notice_at(k)) for k in PeriodNoticeKind)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (the inverse of :meth:`from_dict`)."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "notice_days_before_end": self.notice_days_before_end,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServicePeriod:
        """Rebuild a period from :meth:`to_dict` output.

        :raises ValidationError: for a value that is not such a mapping, or a bad field.
        """
        if not isinstance(data, Mapping):
            raise ValidationError(
                f"a service period dict must be a mapping, got {type(data).__name__}",
                field="data",
            )
        return cls(
            _instant(data, "start"),
            _instant(data, "end"),
            data.get("notice_days_before_end", 30),
        )


@attrs.frozen
class ServicePeriodNotice:
    """What a plug-in receives through ``itsm_service_period_notice``.

    :param event_id: the committed event this notice comes from.
    :param key: the idempotency key of this delivery (the event id).
    :param kind: start or ending notice.
    :param agreement_id: the agreement (contract) whose period it is.
    :param agreement_name: its display name.
    :param agreement_kind: ``sla``, ``ola`` or ``underpinning_contract``.
    :param counterparty: the customer, internal team or supplier of the agreement.
    :param period_start: when the period starts.
    :param period_end: when it ends.
    :param due_at: when the notice was due.
    :param occurred_at: when it was sent (the tick that found it due).
    """

    event_id: str
    key: str
    kind: PeriodNoticeKind
    agreement_id: str
    agreement_name: str
    agreement_kind: str
    counterparty: str
    period_start: datetime
    period_end: datetime
    due_at: datetime
    occurred_at: datetime

    @property
    def days_left(self) -> int:
        """Whole calendar days from the notice's due instant to the end of the period."""
        return max(0, (self.period_end - self.due_at).days)

    def message(self, lang: Language = "zh") -> str:
        """A one-line text for a letter or a message.

        :param lang: ``"zh"`` (default) or ``"en"``.
        """
        start = self.period_start.date().isoformat()
        end = self.period_end.date().isoformat()
        if lang == "en":
            if self.kind is PeriodNoticeKind.START:
                return (
                    f"{self.agreement_name}: the service period for {self.counterparty} "
                    f"starts on {start} and runs until {end}"
                )
            return (
                f"{self.agreement_name}: the service period for {self.counterparty} "
                f"ends on {end} ({self.days_left} days left)"
            )
        if self.kind is PeriodNoticeKind.START:
            return (
                f"{self.agreement_name}：{self.counterparty} 的服务期自 {start} 开始，至 {end} 结束"
            )
        return (
            f"{self.agreement_name}：{self.counterparty} 的服务期将于 {end} 结束"
            f"（剩余 {self.days_left} 天）"
        )
