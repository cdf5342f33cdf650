"""The SQL backend: SQLite and PostgreSQL through SQLAlchemy Core.

``ItsmCore("sqlite:///itsm.db")`` and ``ItsmCore("postgresql+psycopg://…")``
open a :class:`SqlBackend`. Its schema comes from the Alembic migrations
shipped in :mod:`itsm_core.storage.sqlalchemy.migrate`.

The names below are imported on first use, so that registering the backend
(:mod:`itsm_core.storage.sqlalchemy.plugin`) costs nothing until a SQL URL is
opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itsm_core.storage.sqlalchemy.backend import SqlBackend
    from itsm_core.storage.sqlalchemy.engine import make_engine, parse_url
    from itsm_core.storage.sqlalchemy.migrate import head_revision, upgrade
    from itsm_core.storage.sqlalchemy.tables import build_metadata, library_metadata
    from itsm_core.storage.sqlalchemy.unit_of_work import SqlUnitOfWork
else:
    from itsm_core.kernel.lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "itsm_core.storage.sqlalchemy.backend": ("SqlBackend",),
            "itsm_core.storage.sqlalchemy.engine": (
                "make_engine",
                "parse_url",
            ),
            "itsm_core.storage.sqlalchemy.migrate": (
                "head_revision",
                "upgrade",
            ),
            "itsm_core.storage.sqlalchemy.tables": (
                "build_metadata",
                "library_metadata",
            ),
            "itsm_core.storage.sqlalchemy.unit_of_work": ("SqlUnitOfWork",),
        },
    )

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
