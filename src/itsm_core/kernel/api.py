"""The public API convention, as markers on the services' methods.

Every public method of a service is one of three kinds, and says which:

* :func:`command` changes something. It takes the actor first, then at most
  the id of the aggregate it acts on; every other argument is keyword-only,
  ``at=None`` among them (when it happens; the facade's clock by default).
  It returns the updated view (or, for a batch, a report of what it did).
* :func:`read` looks something up without changing it: ``get`` (one by id),
  ``find`` (those matching filters), ``history`` (the events of one), or
  ``get_<noun>`` / ``find_<noun>`` for a second kind a service keeps.
* :func:`report` computes a view over many records (figures, standings,
  watch lists, seed records), named by what it returns.

Reads and reports also take the actor first: they check the actor's role and
redact what the role may not see. No unit of work appears in a public
signature. The convention is checked by a test over every service.

Every command also takes ``idempotency_key=None``: a caller that may retry
the command (after a lost acknowledgement, say) gives it a key of its own
choosing (an id, :func:`~itsm_core.kernel.own_ids.own_id`), and a retry with
the same key is answered from the store instead of being done again; see
:mod:`itsm_core.kernel.idempotency` and :func:`command`.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar, cast

from itsm_core.kernel.errors import AlreadyDone, IdempotencyKeyReused
from itsm_core.kernel.idempotency import (
    KEY_PARAMETER,
    CommandReplay,
    CommandScope,
    StoredCommand,
    current_scope,
    enter_scope,
    leave_scope,
)
from itsm_core.kernel.own_ids import own_id

__all__ = ["ApiKind", "answer_plan", "api_kind", "command", "read", "report"]

ApiKind = Literal["command", "read", "report"]
F = TypeVar("F", bound=Callable[..., object])
_MARK = "__itsm_api__"


def _mark(kind: ApiKind) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        setattr(fn, _MARK, kind)
        return fn

    return decorate


def command(fn: F) -> F:
    """Mark a service method as a command (it changes state) and honour its idempotency key.

    The method declares ``idempotency_key: str | None = None`` among its
    keywords; the decorator takes the value (the method itself always sees
    None). Without a key the command simply runs. With one, the key is
    checked as an id (:func:`~itsm_core.kernel.own_ids.own_id`) and the
    command runs as a :class:`~itsm_core.kernel.idempotency.CommandScope`:
    the events it commits are stored with the key. When the store already
    holds the key, the command is not done again: the answer is read from
    the store instead (:func:`answer_plan`), through the service's own read
    of the aggregate the first run changed, so the caller sees what that
    read shows now, redacted for the actor.

    :raises IdempotencyKeyReused: when the key was stored by another command,
        or by this command on another target.
    :raises AlreadyDone: when the key was stored by this command and its
        answer is not an aggregate the service reads by id (a batch's report).
    """
    name = fn.__qualname__
    target_params: list[str | None] = []  # the target's parameter, found on the first key

    def target_param() -> str:
        if not target_params:
            params = list(inspect.signature(fn).parameters.values())
            keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
            named = len(params) > 2 and params[2].kind is keyword
            target_params.append(params[2].name if named else None)
        return target_params[0] or ""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> object:
        key = kwargs.pop(KEY_PARAMETER, None)
        if key is None:
            return fn(*args, **kwargs)
        own_id(key, KEY_PARAMETER)
        value = args[2] if len(args) > 2 else kwargs.get(target_param())
        target = None if value is None else value if isinstance(value, str) else repr(value)
        scope = CommandScope(key, name, target)
        outer = current_scope()
        token = enter_scope(scope)
        try:
            return fn(*args, **kwargs)
        except CommandReplay as replay:
            if replay.scope is not scope:
                raise
            stored = replay.stored
        finally:
            leave_scope(token)
            if outer is not None:
                outer.committed += scope.committed
        return _replay(fn, args[0], args[1], scope, stored)

    setattr(run, _MARK, "command")
    return cast(F, run)

read = _mark("read")
"""Mark a service method as a read (``get`` / ``find`` / ``history``)."""

report = _mark("report")
"""Mark a service method as a report (a computed view over many records)."""


def api_kind(fn: object) -> ApiKind | None:
    """Return the kind a service method is marked with, or None."""
    kind: ApiKind | None = getattr(fn, _MARK, None)
    return kind


def _described(command: str, target: str | None) -> str:
    return command if target is None else f"{command} on {target!r}"


def _replay(
    fn: Callable[..., object],
    service: object,
    actor: object,
    scope: CommandScope,
    stored: StoredCommand,
) -> object:
    if stored.command != scope.command or (
        scope.target is not None and stored.target != scope.target
    ):
        raise IdempotencyKeyReused(
            key=scope.key,
            stored=_described(stored.command, stored.target),
            given=_described(scope.command, scope.target),
        )
    plan = answer_plan(fn, type(service))
    kind = None if plan is None else plan[1]
    ids = list(dict.fromkeys(e.aggregate_id for e in stored.events if e.aggregate_kind == kind))
    if plan is None or not (ids or plan[2]):
        raise AlreadyDone(
            key=scope.key, command=scope.command, event_ids=(e.event_id for e in stored.events)
        )
    read_name, _, many = plan
    reader = getattr(service, read_name)
    if many:
        return [reader(actor, i) for i in ids]
    return reader(actor, stored.target if stored.target in ids else ids[0])


def _hints(fn: Callable[..., object]) -> Mapping[str, Any]:
    try:
        return typing.get_type_hints(fn)
    except (NameError, TypeError):
        return {}


def answer_plan(fn: Callable[..., object], service: type) -> tuple[str, str, bool] | None:
    """How a retried command is answered from the store, or None when it cannot be.

    The command returns an aggregate (or a list of them, for a batch); the
    answer is the service's read of that kind of aggregate (``get`` or
    ``get_<noun>``, taking the actor and the id) for the aggregate of that
    kind the first run changed (the command's target among them), or each of
    them for a list.

    :return: ``(the read's name, the aggregate kind, whether a list)``.
    """
    returned = _hints(fn).get("return")
    many = typing.get_origin(returned) in (list, Sequence)
    kind_type = typing.get_args(returned)[0] if many else returned
    kind = getattr(kind_type, "KIND", None)
    if not isinstance(kind, str):
        return None
    for name, member in inspect.getmembers(service):
        if api_kind(member) != "read" or not (name == "get" or name.startswith("get_")):
            continue
        params = list(inspect.signature(member).parameters)
        if len(params) == 3 and _hints(member).get("return") is kind_type:
            return name, kind, many
    return None
