"""A provider's satisfaction settings: :class:`SatisfactionPolicy`."""

from __future__ import annotations

from datetime import timedelta

import attrs

from itsm_core.kernel.clock import require_duration
from itsm_core.kernel.errors import ValidationError
from itsm_core.satisfaction._values import DEFAULT_TIMEZONE, zone
from itsm_core.satisfaction.scales import Scale, get_scale
from itsm_core.sla.agreements import DEFAULT_THRESHOLDS
from itsm_core.sla.promises import warning_thresholds

__all__ = ["SatisfactionPolicy"]


def _rate(_i: object, a: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValidationError(f"{a.name} must be a number in (0, 1], got {value!r}", field=a.name)


def _threshold(_i: object, a: attrs.Attribute[float | None], value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValidationError(
            f"{a.name} must be a normalised level in [0, 1] or None, got {value!r}", field=a.name
        )


def _non_negative(_i: object, a: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{a.name} must be a whole number >= 0, got {value!r}", field=a.name)


def _positive(_i: object, a: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"{a.name} must be a whole number >= 1, got {value!r}", field=a.name)


def _zone(_i: object, _a: attrs.Attribute[str], value: str) -> None:
    zone(value)


def _duration(_i: object, a: attrs.Attribute[timedelta], value: timedelta) -> None:
    require_duration(value, a.name)


def _scale(_i: object, _a: attrs.Attribute[str], value: str) -> None:
    get_scale(value)


def _thresholds(value: object) -> tuple[float, ...]:
    try:
        return warning_thresholds(value)
    except ValidationError as exc:
        field = "callback_warning_thresholds"
        raise ValidationError(f"{field}: {exc}", field=field) from None


def _bool(_i: object, a: attrs.Attribute[bool], value: bool) -> None:
    if not isinstance(value, bool):
        raise ValidationError(f"{a.name} must be True or False, got {value!r}", field=a.name)


def _seed(_i: object, a: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise ValidationError(f"{a.name} must be a string, got {value!r}", field=a.name)


@attrs.frozen(kw_only=True)
class SatisfactionPolicy:
    """How one provider runs satisfaction capture. Every field has a sensible default.

    :param timezone: the IANA zone in which days (callback sampling) and
        months (``period``) are counted.
    :param default_scale: the scale code used when a command names none.
    :param comment_required_at_or_below: a response whose normalised score is
        at or below this level must carry a comment (e.g. ``0.25`` on the
        five-level scale: 不满意 and 非常不满意; ``1/3`` on the seed scale:
        一般 and 不满意); None: comments are never required.
    :param callback_sample_rate: the share of each day's closed service records
        called back (``0 < rate <= 1``).
    :param sampling_seed: the provider's seed for the reproducible daily sample.
    :param callback_due_working_days: a callback is due this many working
        days after the record was handled (the service desk's rule: one).
    :param monthly_callback_working_days: a key customer's monthly callback is
        due within this many working days of the month's start (004: "每个月初").
    :param callback_warning_thresholds: the warning thresholds of the callbacks'
        SLA clocks, fractions of the time promised (default 50 %, 75 %, 90 %;
        the breach at 100 % always follows); see
        :mod:`~itsm_core.satisfaction.callback_clocks`.
    :param dissatisfied_callback_opens_complaint: a callback scored
        dissatisfied or worse opens a complaint (source: callback).
    :param survey_fatigue_days: nobody is invited to a survey twice within
        this many days (0 turns the check off).
    :param invitation_valid_for: how long a survey invitation's token is valid.
    :param max_reminders: at most this many reminders per invitation.
    :param reminder_gap: at least this long between two contacts (invitation
        or reminder) of one respondent.
    """

    timezone: str = attrs.field(default=DEFAULT_TIMEZONE, validator=_zone)
    default_scale: str = attrs.field(default="five_level", validator=_scale)
    comment_required_at_or_below: float | None = attrs.field(default=None, validator=_threshold)
    callback_sample_rate: float = attrs.field(default=0.2, validator=_rate)
    sampling_seed: str = attrs.field(default="itsm_core", validator=_seed)
    callback_due_working_days: int = attrs.field(default=1, validator=_non_negative)
    monthly_callback_working_days: int = attrs.field(default=5, validator=_positive)
    callback_warning_thresholds: tuple[float, ...] = attrs.field(
        default=DEFAULT_THRESHOLDS, converter=_thresholds
    )
    dissatisfied_callback_opens_complaint: bool = attrs.field(default=True, validator=_bool)
    survey_fatigue_days: int = attrs.field(default=30, validator=_non_negative)
    invitation_valid_for: timedelta = attrs.field(default=timedelta(days=14), validator=_duration)
    max_reminders: int = attrs.field(default=2, validator=_non_negative)
    reminder_gap: timedelta = attrs.field(default=timedelta(days=3), validator=_duration)

    def scale(self, code: str | Scale | None = None) -> Scale:
        """Return the scale ``code`` names, or the default scale."""
        return get_scale(code if code is not None else self.default_scale)

    def comment_required(self, normalised: float) -> bool:
        """Return True if a response at ``normalised`` must carry a comment."""
        limit = self.comment_required_at_or_below
        return limit is not None and normalised <= limit + 1e-9
