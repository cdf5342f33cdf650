"""What a provider may configure about complaint handling."""

from __future__ import annotations

import attrs

from itsm_core.errors import ValidationError

__all__ = ["ComplaintPolicy"]


def _non_negative(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            f"{attribute.name} must be a non-negative int, got {value!r}", field=attribute.name
        )


@attrs.frozen
class ComplaintPolicy:
    """The provider's choices where the source documents leave room.

    :param reopen_on_dissatisfied: when the complainant is not satisfied at the
        callback, reopen the complaint for a new investigation instead of
        recording the reason and closing it (003 §3.3 c closes; some providers
        reopen).
    :param callback_working_days: the callback is due this many working days
        after the complaint is handled (002 §4.1.6: within one working day).
    """

    reopen_on_dissatisfied: bool = False
    callback_working_days: int = attrs.field(default=1, validator=_non_negative)
