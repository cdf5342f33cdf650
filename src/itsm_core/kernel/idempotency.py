"""Idempotency keys: a retried command is answered from the store, not done twice.

A command given ``idempotency_key=...`` (see :func:`itsm_core.kernel.api.command`)
runs in a :class:`CommandScope`. Its units of work stamp every event they
commit with the key, the command's name and target and the event's ordinal
within the command (:class:`CommandStamp`); the store keeps the stamp with
the event and refuses a second event with the same key and ordinal, so two
processes running the same command with the same key change nothing twice
(the second gets :class:`~itsm_core.kernel.errors.ConflictError`).

Before a command's first unit of work the runtime asks the store for the
events of the key (:class:`StoredCommand`). When there are some, the command
was done before (its acknowledgement was lost, say): the runtime stops it
with :class:`CommandReplay`, which the command decorator turns into the
answer, read from the store.
"""

from __future__ import annotations

import contextvars

import attrs

from itsm_core.kernel.events import DomainEvent

__all__ = [
    "KEY_PARAMETER",
    "CommandReplay",
    "CommandScope",
    "CommandStamp",
    "StoredCommand",
    "current_scope",
    "enter_scope",
    "leave_scope",
]

KEY_PARAMETER = "idempotency_key"
"""The keyword every command takes for its idempotency key."""


@attrs.frozen
class CommandStamp:
    """What a unit of work writes with each event it commits for a keyed command.

    :param key: the idempotency key.
    :param command: the command's name, e.g. ``"ComplaintService.record_finding"``.
    :param target: the id (or other first argument) the command acts on, if any.
    :param seq: the ordinal, within the command, of the first event this unit
        of work writes (the next events count on from it).
    """

    key: str
    command: str
    target: str | None
    seq: int = 0


@attrs.frozen
class StoredCommand:
    """A command done before, as the store holds it.

    :param key: its idempotency key.
    :param command: its name.
    :param target: what it acted on (None for a command that creates).
    :param events: the events it committed, in the order it committed them.
    """

    key: str
    command: str
    target: str | None
    events: tuple[DomainEvent, ...]


@attrs.define
class CommandScope:
    """One run of a keyed command.

    :param key: the idempotency key.
    :param command: the command's name.
    :param target: what it acts on.
    :param committed: how many events it has committed so far (its units of
        work after the first continue the ordinals; once it committed
        something, the store is not asked again).
    """

    key: str
    command: str
    target: str | None
    committed: int = 0

    def stamp(self) -> CommandStamp:
        """The stamp of the next unit of work of this run."""
        return CommandStamp(self.key, self.command, self.target, self.committed)


class CommandReplay(BaseException):
    """Stops a keyed command whose key the store already holds.

    Raised by the runtime when the command opens its first unit of work and
    caught by the command decorator, which answers from the store. A
    ``BaseException``, like ``GeneratorExit``: no ``except Exception`` on the
    way may take it for a failure of the command.

    :param scope: the run it stops.
    :param stored: what the store holds for the key.
    """

    def __init__(self, scope: CommandScope, stored: StoredCommand) -> None:
        super().__init__(f"idempotency key {stored.key!r} is stored")
        self.scope = scope
        self.stored = stored


_SCOPE: contextvars.ContextVar[CommandScope | None] = contextvars.ContextVar(
    "itsm_core_command_scope", default=None
)


def current_scope() -> CommandScope | None:
    """The keyed command running in this context, if any."""
    return _SCOPE.get()


def enter_scope(scope: CommandScope) -> contextvars.Token[CommandScope | None]:
    """Run the rest of this context as ``scope`` (end it with :func:`leave_scope`)."""
    return _SCOPE.set(scope)


def leave_scope(token: contextvars.Token[CommandScope | None]) -> None:
    """End the scope :func:`enter_scope` began."""
    _SCOPE.reset(token)
