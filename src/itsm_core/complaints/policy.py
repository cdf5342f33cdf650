"""What a provider may configure about complaint handling."""

from __future__ import annotations

import attrs

from itsm_core.kernel.errors import ValidationError
from itsm_core.sla.agreements import DEFAULT_CALENDAR, DEFAULT_THRESHOLDS
from itsm_core.sla.promises import warning_thresholds

__all__ = ["ComplaintPolicy"]


def _non_negative(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            f"{attribute.name} must be a non-negative int, got {value!r}", field=attribute.name
        )


def _boolean(_instance: object, attribute: attrs.Attribute[bool], value: bool) -> None:
    if not isinstance(value, bool):
        raise ValidationError(
            f"{attribute.name} must be True or False, got {value!r}", field=attribute.name
        )


def _required_name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)
    return value.strip()


def _sla_calendar(value: object) -> str:
    return _required_name(value, "sla_calendar")


def _agreement_service(value: object) -> str:
    return _required_name(value, "agreement_service")


def _agreement_id(value: object) -> str | None:
    return None if value is None else _required_name(value, "agreement_id")


@attrs.frozen
class ComplaintPolicy:
    """The provider's choices where the source documents leave room.

    The complaint's promises — the improvement period and the callback after
    handling — run on SLA clocks (:class:`~itsm_core.sla.SlaClock`, subject
    kind ``"complaint"``) when the complaint service has the SLA service, as it
    does through the facade. The targets of those clocks come from the
    agreement ``agreement_id`` if one is named, else from the defaults below.

    :param reopen_on_dissatisfied: when the complainant is not satisfied at the
        callback, reopen the complaint for a new investigation instead of
        recording the reason and closing it (the complaint process closes; some
        providers reopen).
    :param callback_working_days: the callback is due this many working days
        after the complaint is handled (within one working day).
        ``0`` means "at the next opening" and runs no clock.
    :param sla_calendar: the name of the SLA business calendar the promises run
        on (:meth:`~itsm_core.calendars.CalendarRegistry.register`; default: the
        calendar ``"default"``, which is the facade's ``calendar``).
    :param warning_thresholds: the clocks' warning thresholds, fractions of
        the period (default 50 %, 75 %, 90 %; the breach at 100 % always follows).
    :param agreement_id: an agreement (e.g. the customer SLA or an OLA) whose
        targets the complaint promises take instead of the defaults: for each
        complaint the target ``(agreement_service, severity, kind)`` with kind
        ``improvement`` or ``callback`` — its calendar, thresholds and amount.
        The improvement target's amount is the period when the requirement
        gives none; the callback target's replaces ``callback_working_days``.
        Every such target must exist in the agreement.
    :param assigned_relationship_manager_only: a relationship manager confirms
        validity and handles the valid complaints *of their own area*. With
        True, an actor acting as relationship manager (without
        the complaint specialist's role) may dispatch, judge, give feedback on
        and call back only the complaints whose ``relationship_manager`` is
        their own id; anyone else is refused with
        :class:`~itsm_core.kernel.errors.AccessDenied`. A complaint received without
        a relationship manager is assigned to the one who dispatches it.
        Default False: any relationship manager may.
    :param agreement_service: the service name of the complaint targets in
        that agreement (default ``"complaint"``); the priority is the
        complaint's severity code (``general`` or ``major``).
    :raises ValidationError: for a ``reopen_on_dissatisfied`` that is not a
        bool (``"no"`` would otherwise count as true), a negative
        ``callback_working_days``, an empty name or bad thresholds.
    """

    reopen_on_dissatisfied: bool = attrs.field(default=False, validator=_boolean)
    assigned_relationship_manager_only: bool = attrs.field(default=False, validator=_boolean)
    callback_working_days: int = attrs.field(default=1, validator=_non_negative)
    sla_calendar: str = attrs.field(default=DEFAULT_CALENDAR, converter=_sla_calendar)
    warning_thresholds: tuple[float, ...] = attrs.field(
        # the same rule as an SLA target's thresholds, with the same messages
        default=DEFAULT_THRESHOLDS, converter=warning_thresholds
    )
    agreement_id: str | None = attrs.field(default=None, converter=_agreement_id)
    agreement_service: str = attrs.field(default="complaint", converter=_agreement_service)
