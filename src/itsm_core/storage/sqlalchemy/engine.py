"""Engines for the SQL backend: URL options, pools, SQLite pragmas, the driver check."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from itsm_core.kernel.errors import StorageError, ValidationError

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "EngineOptions",
    "make_engine",
    "parse_url",
    "shown_url",
]

DEFAULT_CONNECT_TIMEOUT = 10
"""Seconds a new PostgreSQL connection may take before it fails (unless the URL's
``connect_timeout`` or ``engine_options`` say otherwise): a host that does not
answer is reported, never waited for without end."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@attrs.frozen
class EngineOptions:
    """What :func:`parse_url` found in a storage URL.

    :param url: the SQLAlchemy URL, without the ``itsm_*`` options.
    :param auto_migrate: create the schema by running the migrations when the
        database is empty; None when the URL does not say (the backend's
        default then applies: on for SQLite, off otherwise).
    """

    url: URL
    auto_migrate: bool | None = None

    @property
    def is_sqlite(self) -> bool:
        """Whether the URL names a SQLite database."""
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_sqlite_memory(self) -> bool:
        """Whether the URL names an in-memory SQLite database (``sqlite://``)."""
        return self.is_sqlite and self.url.database in (None, "", ":memory:")


def shown_url(url: str | URL) -> str:
    """Return ``url`` with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as is, minus credentials
        text = str(url)
        return text.split("@")[-1] if "@" in text else text


def _flag(value: str | tuple[str, ...], name: str) -> bool:
    text = (value[-1] if isinstance(value, tuple) else value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(f"URL option {name}={text!r}: use true or false", field=name)


def parse_url(url: str | URL) -> EngineOptions:
    """Split a storage URL into the SQLAlchemy URL and the library's own options.

    Recognised query option: ``itsm_auto_migrate=true|false``. A bare
    ``postgresql://`` URL is given the psycopg 3 driver
    (``postgresql+psycopg://``).

    :raises ValidationError: for a URL SQLAlchemy cannot parse or a bad option.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ValidationError(
            f"cannot parse the storage URL {shown_url(url)!r}: {exc}; "
            "examples: 'sqlite:///itsm.db', 'postgresql+psycopg://user@host/db'",
            field="url",
        ) from None
    auto: bool | None = None
    if "itsm_auto_migrate" in parsed.query:
        auto = _flag(parsed.query["itsm_auto_migrate"], "itsm_auto_migrate")
    unknown = [k for k in parsed.query if k.startswith("itsm_") and k != "itsm_auto_migrate"]
    if unknown:
        raise ValidationError(
            f"unknown URL option(s) {', '.join(sorted(unknown))}; known: itsm_auto_migrate",
            field="url",
        )
    parsed = parsed.difference_update_query([k for k in parsed.query if k.startswith("itsm_")])
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return EngineOptions(url=parsed, auto_migrate=auto)


def _use_wal(cursor: Any) -> None:
    """Switch the database file to write-ahead logging (readers never wait for a writer).

    The switch needs the file to itself and does not wait for other
    connections, so a busy file is retried for up to five seconds; after that
    the connection simply keeps the current journal mode.
    """
    for attempt in range(50):
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:  # sqlite3.OperationalError: database is locked
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            time.sleep(0.01 * (1 + attempt % 10))


def _sqlite_pragmas(file_based: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if file_based:
                _use_wal(cursor)
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return on_connect


#: the largest LIMIT / OFFSET the databases take (a signed 64-bit integer); a
#: larger one means "no limit", as it does on the memory backend
MAX_ROWS = 2**63 - 1


def describe_error(exc: BaseException) -> str:
    """Say what a database error was, in the library's words: never the values of a statement.

    PostgreSQL's messages quote stored values (``invalid input syntax …:
    "value"``, ``DETAIL: Key (id)=(…)``, ``CONTEXT: JSON data …``); they are
    given by class and SQLSTATE only. The driver's own messages (no SQLSTATE:
    "connection timeout expired") and SQLite's quote no values: their first
    line is kept ("database is locked"). The statement's parameters are
    hidden by the engine as well (``hide_parameters=True``).
    """
    orig = getattr(exc, "orig", None)
    if orig is None:
        orig = exc.__cause__ if exc.__cause__ is not None else exc
    name = f"{type(orig).__module__}.{type(orig).__qualname__}".removeprefix("builtins.")
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:  # the server's message: it may quote values
        return f"{name} (SQLSTATE {sqlstate})"
    if isinstance(orig, sa.exc.SQLAlchemyError):
        return name  # SQLAlchemy's own text may repeat the statement's values
    first = str(orig).split("\n", 1)[0][:200]
    return f"{name}: {first}" if first else name


def _check_sqlite_directory(url: URL) -> None:
    """Refuse a SQLite file whose directory does not exist (SQLite would only say
    "unable to open database file")."""
    database = url.database or ""
    if database.startswith("file:") or str(url.query.get("uri", "")).lower() == "true":
        return  # a SQLite URI filename: SQLite resolves it
    directory = Path(database).parent
    if not directory.is_dir():
        raise StorageError(
            f"cannot open the SQLite database {shown_url(url)!r}: the directory "
            f"{str(directory)!r} does not exist; create it first, or name a file in an "
            "existing directory"
        )


def make_engine(options: EngineOptions | str, **engine_kwargs: Any) -> sa.Engine:
    """Create an engine with settings fit for the library.

    SQLite: a 30 s busy timeout, foreign keys on, WAL journal for files;
    ``sqlite://`` is one in-memory database shared through a single
    connection (:class:`~sqlalchemy.pool.StaticPool`). PostgreSQL: a pool of
    5 (+10 overflow) connections checked before use and recycled hourly;
    connecting gives up after :data:`DEFAULT_CONNECT_TIMEOUT` seconds unless
    the URL sets ``connect_timeout``.

    :param options: a storage URL or :func:`parse_url`'s result.
    :param engine_kwargs: passed on to :func:`sqlalchemy.create_engine`.
    :raises StorageError: if the database driver is not installed (naming the
        extra to install), or a SQLite file's directory does not exist.
    """
    if isinstance(options, str):
        options = parse_url(options)
    url = options.url
    if options.is_sqlite and not options.is_sqlite_memory:
        _check_sqlite_directory(url)
    # a statement's values (an internal complainant's name…) never appear in errors or logs
    kwargs: dict[str, Any] = {"future": True, "hide_parameters": True}
    if options.is_sqlite:
        if options.is_sqlite_memory:
            kwargs.update(
                poolclass=StaticPool, connect_args={"check_same_thread": False, "timeout": 30}
            )
        else:
            kwargs.update(connect_args={"timeout": 30})
    else:
        kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10, pool_recycle=3600)
        if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
            kwargs.update(connect_args={"connect_timeout": DEFAULT_CONNECT_TIMEOUT})
    kwargs.update(engine_kwargs)
    if kwargs.get("poolclass") in (sa.pool.NullPool, StaticPool):
        # these pools keep no sized set of connections: sizes are refused
        for sized in ("pool_size", "max_overflow", "pool_recycle", "pool_timeout"):
            if sized not in engine_kwargs:
                kwargs.pop(sized, None)
    try:
        engine = sa.create_engine(url, **kwargs)
    except ImportError as exc:
        if url.drivername == "postgresql+psycopg":
            raise StorageError(
                f"PostgreSQL needs the psycopg 3 driver, which is not installed ({exc}); "
                "install it with: pip install 'itsm-core[postgres]'"
            ) from exc
        hint = (
            "; the SQL backend uses psycopg 3 for PostgreSQL: 'postgresql+psycopg://…'"
            if url.get_backend_name() == "postgresql"
            else ""
        )
        raise StorageError(
            f"the database driver for {url.drivername!r} is not installed: {exc}{hint}"
        ) from exc
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise ValidationError(
            f"cannot open {shown_url(url)!r}: {exc}; the SQL backend opens "
            "'sqlite:///path.db', 'sqlite://' and 'postgresql+psycopg://user@host/db' URLs",
            field="url",
        ) from None
    if options.is_sqlite:
        sa.event.listen(engine, "connect", _sqlite_pragmas(not options.is_sqlite_memory))
    return engine
