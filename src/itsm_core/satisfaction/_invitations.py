"""The survey service's helpers for invitations: respondents, tokens, look-up by token."""

from __future__ import annotations

from itsm_core.kernel.errors import ConflictError, ValidationError
from itsm_core.satisfaction.campaigns import new_token
from itsm_core.satisfaction.model import Invitation, Respondent
from itsm_core.satisfaction.storage import INVITATION_SPEC
from itsm_core.storage.base import Query, UnitOfWork

__all__ = ["as_respondent", "invitation_by_token", "unique_token"]


def as_respondent(value: Respondent | tuple[str, str]) -> Respondent:
    """``value`` as a :class:`Respondent` (from one, or a (customer, person) pair)."""
    if isinstance(value, Respondent):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return Respondent(value[0], value[1])
    raise ValidationError(
        f"a respondent is a Respondent or a (customer, person) pair, got {value!r}",
        field="respondents",
    )


def unique_token(uow: UnitOfWork, taken: set[str]) -> str:
    """A new invitation token, neither stored nor in ``taken`` (to which it is added)."""
    for _ in range(8):
        token = new_token()
        if token not in taken and uow.count(INVITATION_SPEC, Query.eq(token=token)) == 0:
            taken.add(token)
            return token
    raise ConflictError(
        "could not draw a unique invitation token; try again"
    )  # pragma: no cover


def invitation_by_token(uow: UnitOfWork, token: object) -> Invitation:
    """The invitation of ``token``; a :class:`ValidationError` for a blank or unknown one."""
    if not isinstance(token, str) or not token.strip():
        raise ValidationError("token must be a non-blank string", field="token")
    found = uow.find(INVITATION_SPEC, Query.eq(token=token.strip()))
    if not found:
        raise ValidationError(
            "unknown survey token: it matches no invitation (check the link)", field="token"
        )
    return found[0]
