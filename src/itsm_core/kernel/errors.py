"""One tree of errors for the whole library.

Every error the library raises on purpose is an :class:`ItsmError`. Each one
also subclasses the matching builtin (``ValueError``, ``PermissionError``,
``LookupError``, ``RuntimeError``) so that code which does not know this
library still catches it sensibly. Every message says what was wrong and what
is allowed.

::

    ItsmError
    ├── DomainError
    │   ├── ValidationError          (ValueError)
    │   │   ├── CalendarError
    │   │   │   └── CalendarDataMissing
    │   │   ├── AttendanceIncomplete
    │   │   └── IdempotencyKeyReused
    │   ├── InvalidTransition        (ValueError)
    │   └── AccessDenied             (PermissionError)
    ├── AlreadyDone
    ├── StorageError                 (RuntimeError)
    │   ├── NotFound                 (LookupError)
    │   ├── ConflictError
    │   ├── UnknownBackend           (ValueError)
    │   └── SchemaOutOfDate
    └── PluginError                  (RuntimeError)
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AccessDenied",
    "AlreadyDone",
    "AttendanceIncomplete",
    "CalendarDataMissing",
    "CalendarError",
    "ConflictError",
    "DomainError",
    "IdempotencyKeyReused",
    "InvalidRow",
    "InvalidTransition",
    "ItsmError",
    "NotFound",
    "PluginError",
    "SchemaOutOfDate",
    "StorageError",
    "UnknownBackend",
    "ValidationError",
]


class ItsmError(Exception):
    """Root of every error raised on purpose by ``itsm_core``."""


class DomainError(ItsmError):
    """A rule of the domain refused the command; nothing was changed."""


class ValidationError(DomainError, ValueError):
    """An input value is not acceptable.

    :param message: what was wrong and what is allowed.
    :param field: the name of the offending field, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class CalendarError(ValidationError):
    """A business calendar cannot answer: it is never open, or is misconfigured."""


class CalendarDataMissing(CalendarError):
    """The calendar has no official holiday data for the year a computation reaches.

    :param year: the first year without official data.
    """

    def __init__(self, message: str, *, year: int) -> None:
        super().__init__(message, field="year")
        self.year = year


class AttendanceIncomplete(ValidationError):
    """A meeting cannot be recorded as held: people it needs did not attend.

    :param message: who is missing and what the rule asks.
    :param missing: the codes of the missing parts (e.g. ``"customer_representative"``,
        ``"operations_manager|incident_manager"`` when one of the two is needed).
    """

    def __init__(self, message: str, *, missing: Iterable[str]) -> None:
        super().__init__(message, field="attended")
        self.missing = tuple(missing)


class IdempotencyKeyReused(ValidationError):
    """An idempotency key already names another command; nothing was changed.

    A key names one command on one target: a retry must repeat the command
    it was first given with. Choose a new key for a new command.

    :param key: the key.
    :param stored: the command (and target) the key names, e.g.
        ``"ComplaintService.record_finding on 'cmp-1'"``.
    :param given: the command (and target) it was given with now.
    """

    def __init__(self, *, key: str, stored: str, given: str) -> None:
        super().__init__(
            f"idempotency key {key!r} was used for {stored}, not for {given}; a retry "
            "repeats the command the key was first given with: use a new key for a new "
            "command",
            field="idempotency_key",
        )
        self.key = key
        self.stored = stored
        self.given = given


class InvalidRow(ValidationError):
    """A row of a batch command is not acceptable; nothing of the batch was stored.

    :param message: which row, what was wrong and what is allowed.
    :param row: the index of the row in the batch (0-based).
    :param field: the offending field of the row, when there is one.
    """

    def __init__(self, message: str, *, row: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.row = row


class InvalidTransition(DomainError, ValueError):
    """An event is not allowed in the entity's current state.

    :param state: the current state.
    :param event: the event that was refused.
    :param allowed: the events allowed in that state.
    :param reason: an optional sentence on why (for refusals by a rule rather
        than by the state table).
    """

    def __init__(
        self,
        *,
        entity: str,
        state: str,
        event: str,
        allowed: Iterable[str],
        reason: str | None = None,
    ) -> None:
        self.entity = entity
        self.state = state
        self.event = event
        self.allowed = tuple(sorted(allowed))
        self.reason = reason
        allowed_text = ", ".join(self.allowed) if self.allowed else "none (terminal state)"
        message = f"{entity}: event {event!r} is not allowed in state {state!r}"
        if reason:
            message += f": {reason}"
        message += f"; allowed in {state!r}: {allowed_text}"
        super().__init__(message)


class AccessDenied(DomainError, PermissionError):
    """The acting person lacks the role a command needs.

    :param required: the roles, any one of which would be enough.
    """

    def __init__(self, message: str, *, required: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.required = tuple(required)


class AlreadyDone(ItsmError):
    """A retried command was done before, and its answer is not rebuilt from the store.

    The store holds the command's idempotency key: the change was stored by
    an earlier run and is not done again. Most commands then answer with
    what the store holds; a batch whose report cannot be rebuilt raises this
    instead, naming the events the earlier run stored.

    :param key: the idempotency key.
    :param command: the command the key names.
    :param event_ids: the events the earlier run stored, in order.
    """

    def __init__(self, *, key: str, command: str, event_ids: Iterable[str]) -> None:
        self.key = key
        self.command = command
        self.event_ids = tuple(event_ids)
        super().__init__(
            f"{command} with idempotency key {key!r} was done before and stored "
            f"{len(self.event_ids)} event(s); it is not done again, and its report is not "
            "kept: read the records it changed (their history shows the events)"
        )


class StorageError(ItsmError, RuntimeError):
    """The storage backend could not do what was asked."""


class NotFound(StorageError, LookupError):
    """No stored entity has the given id.

    :param kind: the kind of entity looked for (e.g. ``"complaint"``).
    :param entity_id: the id that was looked up.
    """

    def __init__(self, kind: str, entity_id: str) -> None:
        super().__init__(f"no {kind} with id {entity_id!r} is stored")
        self.kind = kind
        self.entity_id = entity_id


class ConflictError(StorageError):
    """A write was based on a stale version, or an id is already taken.

    Nothing was written; reload the entity and try the command again.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "",
        entity_id: str = "",
        expected: int | None = None,
        actual: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.entity_id = entity_id
        self.expected = expected
        self.actual = actual


class UnknownBackend(StorageError, ValueError):
    """No installed storage backend handles the URL's scheme."""

    def __init__(self, url: str, scheme: str, installed: Iterable[str]) -> None:
        self.scheme = scheme
        self.installed = tuple(sorted(installed))
        shown = url.split("@")[-1] if "@" in url else url
        super().__init__(
            f"no storage backend for scheme {scheme!r} (URL {shown!r}); "
            f"installed schemes: {', '.join(self.installed) or 'none'}"
        )


class SchemaOutOfDate(StorageError):
    """The database schema is older (or newer) than this version of the library."""


class PluginError(ItsmError, RuntimeError):
    """A plug-in is misconfigured (e.g. two backends claim one scheme)."""
