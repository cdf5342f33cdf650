"""Alembic environment of itsm_core's migrations.

The logic lives in :func:`itsm_core.storage.sqlalchemy.migrate.run_env`.
"""

from itsm_core.storage.sqlalchemy.migrate import run_env

run_env()
