"""Registers the SQL backend for ``sqlite`` and ``postgresql`` URLs (a default plug-in)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from itsm_core.kernel.markers import hookimpl
from itsm_core.storage.base import AggregateSpec, BackendFactory, StorageBackend


def open_sql_backend(url: str, specs: Sequence[AggregateSpec[Any]]) -> StorageBackend:
    """Open a :class:`~itsm_core.storage.sqlalchemy.SqlBackend` (imported on first use)."""
    from itsm_core.storage.sqlalchemy.backend import SqlBackend

    return SqlBackend(url, specs)


@hookimpl
def itsm_register_storage(register: Callable[[str, BackendFactory], None]) -> None:
    """Register ``sqlite`` and ``postgresql`` (``postgresql+psycopg`` included)."""
    register("sqlite", open_sql_backend)
    register("postgresql", open_sql_backend)
