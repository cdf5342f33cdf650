"""The SQL backend: SQLite and PostgreSQL through SQLAlchemy Core.

``ItsmCore("sqlite:///itsm.db")`` and ``ItsmCore("postgresql+psycopg://…")``
open a :class:`SqlBackend`. Its schema comes from the Alembic migrations
shipped in :mod:`itsm_core.storage.sqlalchemy.migrate`.
"""

from itsm_core.storage.sqlalchemy.backend import SqlBackend, SqlUnitOfWork
from itsm_core.storage.sqlalchemy.engine import make_engine, parse_url
from itsm_core.storage.sqlalchemy.migrate import head_revision, upgrade
from itsm_core.storage.sqlalchemy.tables import build_metadata, library_metadata

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
