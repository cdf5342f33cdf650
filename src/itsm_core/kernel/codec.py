"""Small converters shared by the record mappings of every aggregate.

Records hold instants as ISO 8601 strings with their offset; these turn them
back into timezone-aware datetimes (and accept a datetime as it is).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from itsm_core.kernel.clock import require_aware

__all__ = ["instant", "iso", "optional_instant"]


def iso(value: datetime | None) -> str | None:
    """Return ``value`` as an ISO 8601 string (None stays None)."""
    return None if value is None else value.isoformat()


def instant(value: Any, name: str = "instant") -> datetime:
    """Return the aware datetime of an ISO string (or of a datetime).

    :raises ValidationError: for a naive value or one that is not an instant.
    """
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return require_aware(value, name)


def optional_instant(value: Any, name: str = "instant") -> datetime | None:
    """Like :func:`instant`, with None for None."""
    return None if value is None else instant(value, name)
