"""The attendance rule of a service review (holding the review, in the service review process).

A review is held with the customer's key representative, the project
manager and one relationship representative — the operations manager or the
incident manager, one is enough; the operations director attends as needed.

For the third-party form (第三方机构收集客户意见) the customer does not sit
with the provider: a third party gathers their opinions. There "attended"
means, for the customer's key representative, *opinions gathered from*: the
representative counts only when the review record holds at least one of
their opinions (listing them as attended without an opinion does not count);
the project manager and a relationship representative still take part in
the review of those opinions and must be among the attended.
"""

from __future__ import annotations

from collections.abc import Iterable

from itsm_core.reviews.enums import ParticipantRole, ReviewForm
from itsm_core.reviews.values import Opinion, Participant

__all__ = ["RELATIONSHIP", "describe_missing", "missing_attendance"]

R = ParticipantRole

RELATIONSHIP: frozenset[ParticipantRole] = frozenset({R.OPERATIONS_MANAGER, R.INCIDENT_MANAGER})
"""The relationship representatives (业务关系管理代表): one of them is enough."""

_RELATIONSHIP_CODE = "operations_manager|incident_manager"


def missing_attendance(
    form: ReviewForm,
    attended: Iterable[Participant],
    opinions: Iterable[Opinion],
    participants: Iterable[Participant],
) -> tuple[str, ...]:
    """Return the codes of the parts missing for the review to count as held (empty: none).

    :param form: how the review is held.
    :param attended: who attended.
    :param opinions: the opinions recorded.
    :param participants: everyone invited (to find the role of an opinion's author).
    """
    present = list(attended)
    roles = {p.role for p in present}
    missing: list[str] = []
    if form is ReviewForm.THIRD_PARTY:
        everyone = {p.person: p.role for p in (*participants, *present)}
        heard = {everyone.get(o.by) for o in opinions}
        if R.CUSTOMER_REPRESENTATIVE not in heard:
            missing.append(R.CUSTOMER_REPRESENTATIVE.value)
    elif R.CUSTOMER_REPRESENTATIVE not in roles:
        missing.append(R.CUSTOMER_REPRESENTATIVE.value)
    if R.PROJECT_MANAGER not in roles:
        missing.append(R.PROJECT_MANAGER.value)
    if not roles & RELATIONSHIP:
        missing.append(_RELATIONSHIP_CODE)
    return tuple(missing)


def describe_missing(form: ReviewForm, missing: Iterable[str]) -> str:
    """The sentence naming who is missing, in English with the Chinese labels."""
    parts: list[str] = []
    for code in missing:
        if code == _RELATIONSHIP_CODE:
            parts.append(
                "a relationship representative: the operations manager (运维经理) or the "
                "incident manager (事件经理), one is enough"
            )
        elif code == R.CUSTOMER_REPRESENTATIVE.value and form is ReviewForm.THIRD_PARTY:
            parts.append(
                "the customer's key representative (关键客户代表): with the third-party form, "
                "record at least one opinion gathered from them"
            )
        else:
            role = R(code)
            parts.append(f"the {role.en} ({role.zh})")
    return (
        "the review cannot be recorded as held: it needs the customer's key representative, "
        "the project manager and one relationship representative; missing: "
        + "; ".join(parts)
    )
