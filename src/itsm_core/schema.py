"""The ``itsm-core-db`` command: create, upgrade and check the library's database schema.

::

    itsm-core-db upgrade sqlite:///itsm.db
    itsm-core-db upgrade postgresql+psycopg://user@host/db
    itsm-core-db check postgresql+psycopg://user@host/db

The migrations themselves are in :mod:`itsm_core.storage.sqlalchemy.migrate`;
this module adds what only the application knows: the tables of the
library's areas (:func:`itsm_core.areas.aggregate_specs`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import sqlalchemy as sa
from alembic.util import CommandError

from itsm_core.areas import aggregate_specs
from itsm_core.kernel.errors import ItsmError
from itsm_core.storage.sqlalchemy.engine import make_engine, parse_url, shown_url
from itsm_core.storage.sqlalchemy.migrate import (
    COMMAND,
    check,
    current_revision,
    downgrade,
    head_revision,
    known_revisions,
    make_revision,
    schema_diff,
    stamp,
    upgrade,
)
from itsm_core.storage.sqlalchemy.tables import library_metadata

__all__ = ["main"]


def _library_metadata() -> sa.MetaData:
    return library_metadata(aggregate_specs())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=COMMAND, description="Create and upgrade the database schema of itsm_core."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("upgrade", help="upgrade a database to the newest schema (or REVISION)")
    p.add_argument("url")
    p.add_argument("revision", nargs="?", default="head")
    p = sub.add_parser("downgrade", help="downgrade a database to REVISION ('base': drop all)")
    p.add_argument("url")
    p.add_argument("revision")
    p = sub.add_parser("stamp", help="mark a database as being at REVISION, changing nothing")
    p.add_argument("url")
    p.add_argument("revision", nargs="?", default="head")
    p = sub.add_parser("current", help="print the revision a database is at")
    p.add_argument("url")
    p = sub.add_parser("check", help="exit 1 unless the database is at the newest revision")
    p.add_argument("url")
    p = sub.add_parser(
        "diff", help="print how a database differs from this version's tables (exit 1 if it does)"
    )
    p.add_argument("url")
    sub.add_parser("heads", help="print the newest revision of the shipped migrations")
    p = sub.add_parser(
        "revision", help="(library developers) autogenerate the next revision from the specs"
    )
    p.add_argument("-m", "--message", required=True)
    p.add_argument("--rev-id", default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``itsm-core-db`` command; return its exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "upgrade":
            upgrade(args.url, args.revision)
            print(f"{shown_url(args.url)}: at revision {args.revision}")
        elif args.command == "downgrade":
            downgrade(args.url, args.revision)
            print(f"{shown_url(args.url)}: at revision {args.revision}")
        elif args.command == "stamp":
            stamp(args.url, args.revision)
            print(f"{shown_url(args.url)}: marked as {args.revision}")
        elif args.command == "diff":
            engine = make_engine(parse_url(args.url), poolclass=sa.pool.NullPool)
            try:
                with engine.connect() as connection:
                    differences = schema_diff(connection, _library_metadata())
            finally:
                engine.dispose()
            for difference in differences:
                print(difference)
            if differences:
                return 1
            print(f"{shown_url(args.url)}: matches the tables of this version")
        elif args.command in ("current", "check"):
            engine = make_engine(parse_url(args.url), poolclass=sa.pool.NullPool)
            try:
                with engine.connect() as connection:
                    if args.command == "current":
                        print(current_revision(connection) or "none")
                    else:
                        check(connection, args.url)
                        print(f"{shown_url(args.url)}: at head {head_revision()}")
            finally:
                engine.dispose()
        elif args.command == "heads":
            print(head_revision())
        elif args.command == "revision":
            path = make_revision(args.message, _library_metadata(), rev_id=args.rev_id)
            print(f"wrote {path}" if path else "no changes: the migrations match the specs")
    except (ItsmError, sa.exc.SQLAlchemyError) as exc:
        print(f"{COMMAND}: {exc}", file=sys.stderr)
        return 1
    except CommandError as exc:  # alembic: e.g. an unknown revision
        revisions = ", ".join(sorted(known_revisions()))
        print(
            f"{COMMAND}: {exc}; the revisions of this version: {revisions} "
            f"(head {head_revision()}), and 'base' (no tables)",
            file=sys.stderr,
        )
        return 1
    return 0


