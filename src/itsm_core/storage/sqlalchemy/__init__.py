"""The SQL backend: SQLite and PostgreSQL through SQLAlchemy Core.

``ItsmCore("sqlite:///itsm.db")`` and ``ItsmCore("postgresql+psycopg://…")``
open a :class:`SqlBackend`. Its schema comes from the Alembic migrations
shipped in :mod:`itsm_core.storage.sqlalchemy.migrate`.

The names below are imported on first use, so that registering the backend
(:mod:`itsm_core.storage.sqlalchemy.plugin`) costs nothing until a SQL URL is
opened.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from itsm_core.storage.sqlalchemy.backend import SqlBackend
    from itsm_core.storage.sqlalchemy.engine import make_engine, parse_url
    from itsm_core.storage.sqlalchemy.migrate import head_revision, upgrade
    from itsm_core.storage.sqlalchemy.tables import build_metadata, library_metadata
    from itsm_core.storage.sqlalchemy.unit_of_work import SqlUnitOfWork

__all__ = [
    "SqlBackend",
    "SqlUnitOfWork",
    "build_metadata",
    "head_revision",
    "library_metadata",
    "make_engine",
    "parse_url",
    "upgrade",
]

_HOMES = {
    "SqlBackend": "backend",
    "SqlUnitOfWork": "unit_of_work",
    "make_engine": "engine",
    "parse_url": "engine",
    "head_revision": "migrate",
    "upgrade": "migrate",
    "build_metadata": "tables",
    "library_metadata": "tables",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
