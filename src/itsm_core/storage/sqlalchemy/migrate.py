"""Schema migrations (Alembic, shipped inside the package): upgrade, check, autogenerate.

A fresh database gets its tables by running the migrations::

    itsm-core-db upgrade sqlite:///itsm.db
    itsm-core-db upgrade postgresql+psycopg://user@host/db

or from Python with :func:`upgrade`. The library's revision marker is the
table ``itsm_alembic_version``, so an application that uses Alembic for its
own tables in the same database is not disturbed.

For developers of the library: when an aggregate spec is added or its index
fields change, generate the next revision from the library's specs with
``itsm-core-db revision -m "what changed"`` (see :func:`make_revision`; the
command lives in :mod:`itsm_core.schema`, which knows the library's areas).
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from itsm_core.kernel.errors import SchemaOutOfDate, StorageError
from itsm_core.storage.sqlalchemy.engine import make_engine, parse_url, shown_url
from itsm_core.storage.sqlalchemy.tables import TABLE_PREFIX, VERSION_TABLE

if TYPE_CHECKING:  # Alembic is imported when a schema is changed or checked in full
    from alembic.config import Config
    from alembic.script import ScriptDirectory

__all__ = [
    "COMMAND",
    "MIGRATIONS_DIR",
    "alembic_config",
    "check",
    "create_tables",
    "current_revision",
    "downgrade",
    "ensure_schema",
    "head_revision",
    "include_object",
    "known_revisions",
    "make_revision",
    "render_item",
    "run_env",
    "schema_diff",
    "schema_lock",
    "stamp",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
"""The Alembic script directory shipped in the package."""

COMMAND = "itsm-core-db"
"""The console command that manages the schema."""
log = logging.getLogger("itsm_core.storage")
_PG_LOCK_KEY = 0x6974736D5F6462  # "itsm_db": serialises schema changes across processes


def alembic_config(connection: sa.Connection | None = None, url: str | None = None) -> Config:
    """Return an Alembic configuration for the package's migrations.

    :param connection: run on this connection (inside its transaction).
    :param url: or connect to this URL.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


_REVISION = re.compile(r"^revision(?:: str)? = [\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)? = (.+)$", re.MULTILINE)


@functools.lru_cache(maxsize=1)
def _quick_head() -> str | None:
    """The head revision, read from the revision files' text without Alembic.

    Each file names its ``revision`` and ``down_revision`` on lines of their
    own; the head is the one revision no other revises. None when a file does
    not say so plainly (a merge of several revisions, a computed value) or
    there is not exactly one head: then only Alembic can tell.
    :func:`head_revision` confirms the two agree in the test suite.
    """
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        if path.name == "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN.search(text)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        value = down.group(1).strip()
        if value == "None":
            continue
        if not re.fullmatch(r"[\"'][^\"']+[\"']", value):
            return None  # several revisions, or not a plain string
        revised.add(value[1:-1])
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def head_revision() -> str:
    """Return the newest revision the package's migrations reach."""
    head = _script().get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise StorageError("the package ships no migrations")
    return head


def known_revisions() -> set[str]:
    """Return every revision the package's migrations define."""
    return {s.revision for s in _script().walk_revisions()}


def current_revision(connection: sa.Connection) -> str | None:
    """Return the revision the database is at (None when it has none)."""
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render types in migrations so that every name used is imported."""
    if type_ == "type" and isinstance(obj, postgresql.JSONB):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "postgresql.JSONB(astext_type=sa.Text())"
    return False


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Restrict Alembic's comparisons to the library's own tables (``itsm_*``)."""
    if type_ == "table":
        return bool(name) and str(name).startswith(TABLE_PREFIX) and name != VERSION_TABLE
    return True


@contextmanager
def schema_lock(connection: sa.Connection) -> Iterator[None]:
    """Hold the lock that serialises schema changes, in a transaction on ``connection``.

    PostgreSQL: a transaction-level advisory lock. SQLite: ``BEGIN IMMEDIATE``
    (the database's write lock), with foreign keys off so that table rebuilds
    cannot cascade, checked again before the commit. Commits at the end, rolls
    back on error.
    """
    dialect = connection.dialect.name
    if connection.in_transaction():
        connection.rollback()
    try:
        if dialect == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif dialect == "postgresql":
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
        yield
        if dialect == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StorageError(f"a schema change broke foreign keys: {broken[:5]}")
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        if dialect == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            if connection.in_transaction():
                connection.commit()


def _engine(target: str | sa.Engine) -> tuple[sa.Engine, bool]:
    if isinstance(target, sa.Engine):
        return target, False
    return make_engine(parse_url(target)), True


def _run(target: str | sa.Engine, action: Any) -> None:
    engine, owned = _engine(target)
    try:
        with engine.connect() as connection, schema_lock(connection):
            action(alembic_config(connection=connection))
    finally:
        if owned:
            engine.dispose()


def upgrade(target: str | sa.Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest).

    An empty database gets every table. Safe to run from several processes at
    once: schema changes are serialised by a database lock.

    :param target: a storage URL (``sqlite:///…``, ``postgresql+psycopg://…``) or an engine.
    :param revision: the revision to reach.
    """
    shown = shown_url(target) if isinstance(target, str) else shown_url(target.url)
    log.info("upgrading the database %s to revision %s", shown, revision)
    from alembic import command

    _run(target, lambda cfg: command.upgrade(cfg, revision))


def downgrade(target: str | sa.Engine, revision: str) -> None:
    """Downgrade the database to ``revision`` (``base`` drops every table of the library)."""
    from alembic import command

    _run(target, lambda cfg: command.downgrade(cfg, revision))


def stamp(target: str | sa.Engine, revision: str = "head") -> None:
    """Mark the database as being at ``revision`` without changing its tables."""
    from alembic import command

    _run(target, lambda cfg: command.stamp(cfg, revision))


def _db_state(connection: sa.Connection) -> tuple[str | None, list[str]]:
    revision = current_revision(connection)
    tables = [
        t
        for t in sa.inspect(connection).get_table_names()
        if t.startswith(TABLE_PREFIX) and t != VERSION_TABLE
    ]
    return revision, tables


def check(connection: sa.Connection, url: str) -> None:
    """Raise :class:`~itsm_core.kernel.errors.SchemaOutOfDate` unless the database is at the head.

    :param connection: a connection to the database.
    :param url: the storage URL, for the message (its password is hidden).
    """
    revision, tables = _db_state(connection)
    _raise_unless_head(revision, tables, url, auto_migrate_hint=False)


def _raise_unless_head(
    revision: str | None, tables: Sequence[str], url: str, *, auto_migrate_hint: bool
) -> None:
    head = head_revision()
    if revision == head:
        return
    shown = shown_url(url)
    upgrade_cmd = f"{COMMAND} upgrade '{shown}'"
    if revision is None and not tables:
        hint = (
            " (or open it with the URL option itsm_auto_migrate=true)" if auto_migrate_hint else ""
        )
        raise SchemaOutOfDate(
            f"the database {shown!r} has no itsm_core tables yet; create them with: "
            f"{upgrade_cmd}{hint}"
        )
    if revision is None:
        raise SchemaOutOfDate(
            f"the database {shown!r} has itsm_core tables ({', '.join(sorted(tables))}) but no "
            f"revision marker ({VERSION_TABLE}); if they match revision {head}, mark them with: "
            f"{COMMAND} stamp '{shown}' {head}"
        )
    if revision not in known_revisions():
        raise SchemaOutOfDate(
            f"the database {shown!r} is at schema revision {revision!r}, which this version of "
            f"itsm_core does not know (head {head!r}); a newer release created it: upgrade "
            "itsm-core, or downgrade the database with the release that knows that revision"
        )
    raise SchemaOutOfDate(
        f"the database {shown!r} is at schema revision {revision!r}, but this version of "
        f"itsm_core needs {head!r}; upgrade it with: {upgrade_cmd}"
    )


def ensure_schema(engine: sa.Engine, url: str, *, auto_migrate: bool) -> None:
    """Check the database is at the head; create the schema first if allowed and empty.

    :param engine: the engine of the store.
    :param url: the storage URL, for messages.
    :param auto_migrate: run the migrations when the database has no
        ``itsm_*`` tables at all.
    :raises SchemaOutOfDate: naming the command that upgrades the database.

    Opening a database that is at the head is one small query: the stored
    revision is compared with the head the revision files name, read without
    loading Alembic or its scripts; anything else takes the full check.
    """
    with engine.connect() as connection:
        if _at_quick_head(connection):
            connection.rollback()
            return
        revision, tables = _db_state(connection)
        connection.rollback()
        if revision == head_revision():
            return
        if revision is None and not tables and auto_migrate:
            log.info("creating the tables of an empty database: %s", shown_url(url))
            from alembic import command

            with schema_lock(connection):
                command.upgrade(alembic_config(connection=connection), "head")
            return
        _raise_unless_head(revision, tables, url, auto_migrate_hint=True)


_VERSIONS = sa.Table(VERSION_TABLE, sa.MetaData(), sa.Column("version_num", sa.String(32)))


def _at_quick_head(connection: sa.Connection) -> bool:
    """Whether the database's one stored revision is the head (see :func:`_quick_head`).

    False when it cannot tell (no marker table, several heads, another
    revision): the caller then asks Alembic.
    """
    head = _quick_head()
    if head is None:
        return False
    try:
        with connection.begin_nested() if connection.in_transaction() else connection.begin():
            stored = connection.execute(sa.select(_VERSIONS.c.version_num)).scalars().all()
    except sa.exc.DBAPIError:  # no marker table yet
        return False
    return stored == [head]


def create_tables(engine: sa.Engine, tables: Sequence[sa.Table]) -> None:
    """Create ``tables`` (with their indexes) where they do not exist, under the schema lock."""
    with engine.connect() as connection, schema_lock(connection):
        for table in tables:
            table.create(connection, checkfirst=True)


def run_env() -> None:
    """The body of the migrations' ``env.py``: run Alembic online or offline."""
    from alembic import context

    config = context.config
    options: dict[str, Any] = {
        "target_metadata": config.attributes.get("target_metadata"),
        "version_table": VERSION_TABLE,
        "render_as_batch": True,
        "compare_type": True,
        "include_object": include_object,
        "render_item": render_item,
    }
    connection = config.attributes.get("connection")
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **options
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    if connection is not None:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise StorageError("no database: set sqlalchemy.url or pass a connection")
    engine = make_engine(parse_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn, schema_lock(conn):
            context.configure(connection=conn, **options)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def schema_diff(connection: sa.Connection, metadata: sa.MetaData) -> list[Any]:
    """Compare the database with ``metadata``; return Alembic's list of differences.

    Empty when the migrated schema matches ``metadata`` (tables, columns,
    types, indexes, constraints of the ``itsm_*`` tables); the library's is
    :func:`~itsm_core.storage.sqlalchemy.tables.library_metadata` of its specs.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "include_object": include_object,
            "version_table": VERSION_TABLE,
        },
    )
    return list(compare_metadata(context, metadata))


def _next_rev_id() -> str:
    numbers = [int(r) for r in known_revisions() if r.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def make_revision(
    message: str,
    metadata: sa.MetaData,
    *,
    rev_id: str | None = None,
    format_code: bool = True,
) -> Path | None:
    """Write the next migration, autogenerated from ``metadata``.

    Compares a scratch SQLite database upgraded to the current head with
    ``metadata`` (for the library: the core tables plus one table per spec of
    :func:`itsm_core.areas.aggregate_specs`, see
    :func:`~itsm_core.storage.sqlalchemy.tables.library_metadata`) and writes
    the difference as ``migrations/versions/v<rev>_<slug>.py``. Review the
    file before committing it.

    :param message: what the revision changes, e.g. ``"complaint tables"``.
    :param metadata: the tables the schema should have.
    :param rev_id: the revision id (default: the next four-digit number).
    :param format_code: run ``ruff format`` and ``ruff check --fix`` on the file
        when ruff is installed.
    :return: the new file, or None when the schema already matches the specs.
    """
    written: list[Path] = []

    def directives(context: Any, revision: Any, directives: list[Any]) -> None:
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(parse_url(f"sqlite:///{tmp}/scratch.db"), poolclass=sa.pool.NullPool)
        try:
            upgrade(engine)
            with engine.connect() as connection:
                config = alembic_config(connection=connection)
                config.attributes["target_metadata"] = metadata
                from alembic import command

                result = command.revision(
                    config,
                    message=message,
                    autogenerate=True,
                    rev_id=rev_id or _next_rev_id(),
                    process_revision_directives=directives,
                )
                scripts = result if isinstance(result, list) else [result]
                written.extend(Path(s.path) for s in scripts if s is not None)
        finally:
            engine.dispose()
    _script.cache_clear()
    if not written:
        return None
    path = written[0]
    ruff = shutil.which("ruff")
    if format_code and ruff:
        subprocess.run([ruff, "format", "--quiet", str(path)], check=False)
        subprocess.run([ruff, "check", "--fix", "--quiet", str(path)], check=False)
        subprocess.run([ruff, "format", "--quiet", str(path)], check=False)
    return path
