"""Retrying a command that lost a race: :func:`retry_on_conflict`."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from itsm_core.kernel.errors import ConflictError, ValidationError

__all__ = ["retry_on_conflict"]

T = TypeVar("T")


def retry_on_conflict(
    fn: Callable[[], T],
    *,
    attempts: int = 3,
    backoff: float = 0.05,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn()``; when it raises :class:`~itsm_core.kernel.errors.ConflictError`, call it again.

    A command raises ``ConflictError`` when another process changed the same
    aggregate between its load and its save (optimistic concurrency); nothing
    of the refused command was stored, so running it again on the fresh state
    is safe when the command still makes sense. Wrap the whole command, e.g.
    ``retry_on_conflict(lambda: core.sla.pause(desk, clock_id, reason="等待用户"))``.
    Between tries it waits ``backoff × 2ⁿ`` seconds (n = 0, 1, …), shortened at
    random by up to half so that racing processes do not retry in lockstep.

    Only conflicts are retried: a :class:`~itsm_core.kernel.errors.StorageError`
    may come after the change was stored (a lost acknowledgement of the
    ``COMMIT``). To retry those too, give the command an idempotency key
    (``idempotency_key=...``, see :mod:`itsm_core.kernel.idempotency`): a retry
    with the key is answered from the store instead of being done again, and
    a conflict with another run of the same key is answered on the next try.

    :param fn: the command, without arguments (use a lambda).
    :param attempts: how many calls at most (at least 1; default 3).
    :param backoff: the first wait in seconds (0 for none).
    :param sleep: how to wait (for tests).
    :return: what ``fn`` returned.
    :raises ConflictError: the last conflict, when every attempt conflicted.
    :raises ValidationError: for attempts below 1 or a negative backoff.
    """
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
        raise ValidationError(
            f"attempts must be a whole number of at least 1, got {attempts!r}", field="attempts"
        )
    if not isinstance(backoff, int | float) or isinstance(backoff, bool) or not backoff >= 0:
        raise ValidationError(
            f"backoff must be seconds of zero or more, got {backoff!r}", field="backoff"
        )
    for attempt in range(attempts):
        try:
            return fn()
        except ConflictError:
            if attempt == attempts - 1:
                raise
            sleep(backoff * 2**attempt * (1 - random.random() / 2))
    raise AssertionError("unreachable")  # pragma: no cover
