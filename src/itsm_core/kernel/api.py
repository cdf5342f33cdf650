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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

__all__ = ["ApiKind", "api_kind", "command", "read", "report"]

ApiKind = Literal["command", "read", "report"]
F = TypeVar("F", bound=Callable[..., object])
_MARK = "__itsm_api__"


def _mark(kind: ApiKind) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        setattr(fn, _MARK, kind)
        return fn

    return decorate


command = _mark("command")
"""Mark a service method as a command (it changes state)."""

read = _mark("read")
"""Mark a service method as a read (``get`` / ``find`` / ``history``)."""

report = _mark("report")
"""Mark a service method as a report (a computed view over many records)."""


def api_kind(fn: object) -> ApiKind | None:
    """Return the kind a service method is marked with, or None."""
    kind: ApiKind | None = getattr(fn, _MARK, None)
    return kind
