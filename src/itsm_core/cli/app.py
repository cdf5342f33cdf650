"""The ``itsm`` command group, its error handling and the ``demo`` and ``report`` commands.

Every failure the user can cause — a bad URL, an unknown customer, an
impossible date range, a missing extra — ends in one line on stderr and a
non-zero exit status, never a traceback.
"""

from __future__ import annotations

import time as _time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from itsm_core import BusinessCalendar, FrozenClock, ItsmCore, ItsmError, __version__
from itsm_core.cli.report import Lang, collect_report, report_actor

__all__ = ["MissingExtra", "cli", "open_core", "run", "write_report"]

EXTRAS = {"matplotlib": "charts", "openpyxl": "xlsx", "click": "cli", "rich": "cli"}


class MissingExtra(click.ClickException):
    """An optional dependency is not installed; names the extra that brings it."""

    def __init__(self, module: str, what: str) -> None:
        extra = EXTRAS.get(module, "cli")
        super().__init__(f"{what} needs {module}: pip install 'itsm-core[{extra}]'")


def one_line(exc: BaseException) -> str:
    """The first line of an error's message (with its type when it has none)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ItsmError as exc:
            raise click.ClickException(one_line(exc)) from exc
        except sa.exc.SQLAlchemyError as exc:
            raise click.ClickException(f"database error: {one_line(exc)}") from exc
        except ModuleNotFoundError as exc:
            if exc.name in EXTRAS:
                raise MissingExtra(exc.name, "this command") from exc
            raise
        except OSError as exc:
            raise click.ClickException(one_line(exc)) from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="itsm")
def cli() -> None:
    """itsm_core from the command line: a demo year, reports, records, the worker."""


def run(argv: Sequence[str] | None = None) -> int:
    """Run the group; return the exit status."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="itsm")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def open_core(
    url: str,
    *,
    must_exist: bool = True,
    clock: FrozenClock | None = None,
    calendar: BusinessCalendar | None = None,
    load_entrypoints: bool = False,
) -> ItsmCore:
    """A facade on ``url`` with ``calendar`` (default the China calendar).

    Refuses a SQLite file that does not exist when ``must_exist``.

    :raises click.ClickException: for a SQLite file that is missing (``must_exist``).
    """
    if must_exist and url.startswith("sqlite:///") and url != "sqlite://":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise click.ClickException(
                f"no database at {path} (run 'itsm demo --db {url}' or 'itsm db upgrade {url}')"
            )
    return ItsmCore(
        url,
        clock=clock,
        calendar=calendar or BusinessCalendar.china(),
        load_entrypoints=load_entrypoints,
    )


_FORMATS = ("md", "html", "json", "xlsx")


def write_report(data: dict[str, Any], fmt: str, out: Path | None) -> str | None:
    """Render ``data`` as ``fmt`` into ``out`` (None: return the text; xlsx needs a file)."""
    if fmt == "xlsx":
        try:
            import openpyxl  # noqa: F401

            from itsm_core.cli.render_xlsx import render_xlsx
        except ModuleNotFoundError as exc:
            raise MissingExtra("openpyxl", "the xlsx format") from exc
        if out is None:
            raise click.ClickException("the xlsx format needs --out FILE.xlsx")
        render_xlsx(data, out)
        return None
    if fmt == "md":
        from itsm_core.cli.render_md import render_md

        text = render_md(data)
    elif fmt == "html":
        from itsm_core.cli.render_html import render_html

        text = render_html(data)
    else:
        from itsm_core.cli.render_json import render_json

        text = render_json(data)
    if out is None:
        return text
    out.write_text(text, encoding="utf-8")
    return None


@cli.command()
@click.option(
    "--db", "url", envvar="ITSM_DB", required=True, help="The database URL (or $ITSM_DB)."
)
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--customer", default=None, help="One customer's id (default: all).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="md", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def report(
    url: str,
    start: datetime,
    end: datetime,
    customer: str | None,
    lang: Lang,
    fmt: str,
    out: Path | None,
) -> None:
    """The business relationship report of a period (stdout, or --out FILE)."""
    if end.date() < start.date():
        raise click.ClickException(f"--to {end.date()} is before --from {start.date()}")
    with open_core(url) as core:
        data = collect_report(core, report_actor(), start.date(), end.date(), customer, lang)
    text = write_report(data, fmt, out)
    if text is not None:
        click.echo(text, nl=False)
    else:
        click.echo(f"wrote {out}", err=True)


@cli.command()
@click.option("--db", "url", envvar="ITSM_DB", default="sqlite:///itsm-demo.db", show_default=True)
@click.option("--months", type=click.IntRange(1, 24), default=12, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option(
    "--start",
    "start_month",
    default=None,
    help="First month YYYY-MM (default: "
    "January of the year before the calendar's last official year).",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("itsm-demo-report"),
    show_default=True,
)
def demo(url: str, months: int, seed: int, start_month: str | None, lang: Lang, out: Path) -> None:
    """Play a realistic stretch of one provider's year and write its report."""
    from rich.console import Console
    from rich.progress import Progress

    from itsm_core.cli.demo import make_core, play

    console = Console(stderr=True)
    start = _first_of(start_month)
    if url.startswith("sqlite:///") and Path(url.removeprefix("sqlite:///")).exists():
        raise click.ClickException(
            f"{url} exists already; remove it or give another --db (the demo fills an empty one)"
        )
    if url.startswith("postgresql"):
        from itsm_core.storage.sqlalchemy.migrate import upgrade

        upgrade(url)
    clock = FrozenClock(datetime(start.year, start.month, 1, tzinfo=_zone()))
    began = _time.perf_counter()
    with make_core(url, clock) as core:
        if core.satisfaction.customers.find(report_actor()):
            raise click.ClickException(f"{url} holds data already; the demo fills an empty one")
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("itsm demo", total=None)
            result = play(
                core,
                clock,
                start=start,
                months=months,
                seed=seed,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        last = date.fromordinal(result.end.toordinal() - 1)
        data = collect_report(core, report_actor(), result.start, last, None, lang)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in _FORMATS:
        path = out / f"report.{fmt}"
        try:
            write_report(data, fmt, path)
            written.append(str(path))
        except MissingExtra as exc:
            console.print(f"[yellow]{exc.message}[/]")
    seconds = _time.perf_counter() - began
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
    console.print(f"{result.start} ~ {last}: {counts}")
    if result.failures:
        console.print(f"{len(result.failures)} steps refused, e.g. {result.failures[0]}")
    console.print(f"{months} months in {seconds:.1f} s; database {url}")
    click.echo("\n".join(written))


def _zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def _first_of(month: str | None) -> date:
    if month is None:
        official = BusinessCalendar.china().official_until or date.today().year
        return date(official - 1, 1, 1)
    try:
        return datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise click.BadParameter(
            f"give a month as YYYY-MM, got {month!r}", param_hint="--start"
        ) from None


def _register() -> None:
    from itsm_core.cli import admin, records
    from itsm_core.cli import run as worker

    cli.add_command(records.records)
    cli.add_command(worker.run_command)
    cli.add_command(admin.db)
    cli.add_command(admin.plugins)
    cli.add_command(admin.calendar)


_register()
