"""What the batch commands of satisfaction share: rows, their errors and the report.

A batch command (``register_many``, ``record_responses``, ``record_ticket_scores``)
takes a sequence of rows, each a mapping of the keyword arguments of the single
command it batches. Every row is checked as the single command checks it; the
first bad row raises an error naming its index (:class:`InvalidRow`) and nothing
is stored. The good batch is stored in one transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import attrs

from itsm_core.complaints.enums import Origin
from itsm_core.complaints.storage import COMPLAINT_SPEC
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.errors import AccessDenied, ConflictError, InvalidRow, ValidationError
from itsm_core.satisfaction._capture import Capture, same_score
from itsm_core.satisfaction.enums import SubjectKind
from itsm_core.satisfaction.model import Response
from itsm_core.satisfaction.storage import RESPONSE_SPEC
from itsm_core.sla.tick import save_all
from itsm_core.storage.base import AggregateSpec, Query, UnitOfWork, Where

__all__ = [
    "MAX_BATCH",
    "BatchReport",
    "at_row",
    "check_rows",
    "conflict",
    "duplicate_row",
    "store_many",
    "stored_by_id",
]

MAX_BATCH = 50_000
"""The most rows one batch command takes (one transaction; split larger loads)."""

_LOOKUP_CHUNK = 500


@attrs.frozen
class BatchReport:
    """What a batch command did.

    :param kind: the kind of entity stored (``service_record``, ``response``).
    :param stored: the ids stored by this batch, in row order.
    :param unchanged: the ids of rows that repeated what was stored already
        (a safe retry of an import), in row order.
    """

    kind: str
    stored: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        """How many rows the batch had."""
        return len(self.stored) + len(self.unchanged)


def check_rows(
    rows: object,
    name: str,
    *,
    required: Collection[str],
    optional: Collection[str],
) -> list[dict[str, Any]]:
    """Return ``rows`` as a list of dicts, or raise for a row that is not one.

    :param rows: the batch (a sequence of mappings of keyword arguments).
    :param name: the batch parameter's name, for messages.
    :param required: the keys every row must have.
    :param optional: the keys a row may have besides.
    :raises ValidationError: if ``rows`` is not a sequence or is too long.
    :raises InvalidRow: for a row that is not a mapping, misses a required key or
        has an unknown one.
    """
    if isinstance(rows, str | bytes) or not isinstance(rows, Sequence):
        raise ValidationError(
            f"{name} must be a list of rows (mappings of field to value), "
            f"got {type(rows).__name__}",
            field=name,
        )
    if len(rows) > MAX_BATCH:
        raise ValidationError(
            f"{name} has {len(rows):,} rows; one batch takes at most {MAX_BATCH:,} "
            "(split the load into batches)",
            field=name,
        )
    allowed = set(required) | set(optional)
    checked: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise InvalidRow(
                f"row {index} of {name}: a row is a mapping of field to value, "
                f"got {type(row).__name__}",
                row=index,
            )
        missing = sorted(k for k in required if k not in row)
        if missing:
            raise InvalidRow(
                f"row {index} of {name}: missing {', '.join(missing)}",
                row=index,
                field=missing[0],
            )
        unknown = sorted(str(k) for k in row if k not in allowed)
        if unknown:
            raise InvalidRow(
                f"row {index} of {name}: unknown field(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(allowed))}",
                row=index,
                field=unknown[0],
            )
        checked.append(dict(row))
    return checked


@contextmanager
def at_row(index: int, name: str) -> Iterator[None]:
    """Re-raise an error of the single command's checks as one naming row ``index``."""
    try:
        yield
    except InvalidRow:
        raise
    except ValidationError as error:
        raise InvalidRow(f"row {index} of {name}: {error}", row=index, field=error.field) from error
    except AccessDenied as error:
        raise AccessDenied(f"row {index} of {name}: {error}", required=error.required) from error


def duplicate_row(kind: str, entity_id: str, first: int, again: int, name: str) -> InvalidRow:
    """The error for two rows of one batch that would store the same entity."""
    return InvalidRow(
        f"row {again} of {name}: {kind} {entity_id!r} is given again (first in row {first}); "
        "a batch stores each one once",
        row=again,
    )


def stored_by_id(uow: UnitOfWork, spec: AggregateSpec[Any], ids: Sequence[str]) -> dict[str, Any]:
    """Return the stored entities among ``ids``, by id (a few ``id in (...)`` queries)."""
    found: dict[str, Any] = {}
    for first in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = tuple(ids[first : first + _LOOKUP_CHUNK])
        for entity in uow.find(spec, Query((Where("id", "in", chunk),))):
            found[str(entity.id)] = entity
    return found


def internal_complaints(uow: UnitOfWork, responses: Sequence[Response]) -> set[str]:
    """The ids of the internal complaints among the subjects of ``responses``.

    A response about one has a confidential respondent (what
    :func:`~itsm_core.satisfaction._capture.about_internal_complaint` tells of
    one response), found here with a few ``id in (...)`` queries for the batch.
    """
    refs = sorted(
        {
            r.subject.ref
            for r in responses
            if r.subject.kind is SubjectKind.COMPLAINT and r.subject.ref
        }
    )
    found = stored_by_id(uow, COMPLAINT_SPEC, refs)
    return {ref for ref, complaint in found.items() if complaint.origin is Origin.INTERNAL}


def conflict(kind: str, entity_id: str, index: int, name: str, why: str) -> ConflictError:
    """The error for a row that contradicts what is stored."""
    return ConflictError(f"row {index} of {name}: {why}", kind=kind, entity_id=entity_id)


def store_many(
    capture: Capture, actor: Actor, responses: Sequence[Response], at: datetime, name: str
) -> BatchReport:
    """Store new ``responses`` in one transaction, as :meth:`Capture.store_response` one.

    A response whose id is stored with the same score and respondent is left as
    it is (a retry); with another, it is a conflict and nothing is stored. After
    the commit, the complaints the responses call for are opened.

    :param at: when they are entered (the ``recorded`` events).
    :param name: the batch parameter's name, for messages.
    """
    first: dict[str, int] = {}
    for index, response in enumerate(responses):
        if response.id in first:
            raise duplicate_row("response", response.id, first[response.id], index, name)
        first[response.id] = index
    stored: list[Response] = []
    unchanged: list[Response] = []
    with capture.runtime.transaction() as uow:
        existing = stored_by_id(uow, RESPONSE_SPEC, list(first))
        internal = internal_complaints(uow, [r for r in responses if r.id not in existing])
        for index, response in enumerate(responses):
            old = existing.get(response.id)
            if old is None:
                subject = response.subject
                response.confidential = (
                    subject.kind is SubjectKind.COMPLAINT and subject.ref in internal
                )
                response.register(actor, at)
                stored.append(response)
            elif same_score(old.score, response.score) and old.respondent == response.respondent:
                unchanged.append(old)
            else:
                raise conflict(
                    Response.KIND,
                    response.id,
                    index,
                    name,
                    f"response {response.id!r} is already recorded with {old.score.level!r} "
                    f"on {old.score.scale} by {old.respondent!r}; a second, different score "
                    "for the same thing needs its own response_id",
                )
        save_all(uow, RESPONSE_SPEC, stored)
    capture.trigger([*stored, *unchanged])
    return BatchReport(
        Response.KIND,
        stored=tuple(r.id for r in stored),
        unchanged=tuple(r.id for r in unchanged),
    )
