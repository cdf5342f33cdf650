"""Administration: ``itsm db``, ``itsm plugins`` and ``itsm calendar``.

``itsm db`` runs the schema tool (:mod:`itsm_core.schema`). ``itsm calendar
add-year`` writes a calendar file with a year the State Council has published
before the ``holidays`` package has it
(:meth:`~itsm_core.BusinessCalendar.with_official_year`); ``itsm run
--calendar FILE`` and ``itsm calendar show --calendar FILE`` read it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import click

from itsm_core import __version__
from itsm_core.calendars import BusinessCalendar, DayKind

__all__ = ["calendar", "db", "load_calendar", "plugins"]


def load_calendar(path: str | None) -> BusinessCalendar:
    """The calendar of a file written by ``itsm calendar add-year`` (None: the China calendar)."""
    if path is None:
        return BusinessCalendar.china()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read the calendar file {path}: {exc}") from exc
    return BusinessCalendar.from_dict(data)


@click.group()
def db() -> None:
    """Create, upgrade and check the database schema (as itsm-core-db)."""


def _schema(*args: str) -> None:
    from itsm_core.schema import main

    status = main(list(args))
    if status:
        raise SystemExit(status)


@db.command()
@click.argument("url")
@click.argument("revision", default="head")
def upgrade(url: str, revision: str) -> None:
    """Upgrade a database to the newest schema (or REVISION); creates it if empty."""
    _schema("upgrade", url, revision)


@db.command()
@click.argument("url")
def current(url: str) -> None:
    """Print the revision a database is at."""
    _schema("current", url)


@db.command()
@click.argument("url")
def check(url: str) -> None:
    """Exit 1 unless the database is at the newest revision."""
    _schema("check", url)


@click.command()
def plugins() -> None:
    """List the installed storage backends and notifiers, with their versions."""
    from importlib.metadata import entry_points

    from itsm_core.notifiers.base import Unconfigured
    from itsm_core.plugins import make_plugin_manager, storage_schemes

    pm = make_plugin_manager((), load_entrypoints=True)
    dists = {
        ep.name: f"{ep.dist.name} {ep.dist.version}" if ep.dist else "unknown distribution"
        for ep in entry_points(group="itsm_core")
    }
    click.echo(f"storage backends: {', '.join(storage_schemes(pm))}")
    click.echo("plug-ins:")
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: str(item[0])):
        if plugin is None:
            continue
        source = dists.get(str(name), f"itsm-core {__version__} (built in)")
        if isinstance(plugin, Unconfigured):
            click.echo(f"  {name}  [{source}]  off: {plugin.hint}")
            continue
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or ())
        click.echo(f"  {name}  [{source}]  {', '.join(hooks)}")


@click.group()
def calendar() -> None:
    """Show a business calendar's year; add a year the State Council has published."""


@calendar.command()
@click.argument("year", type=click.IntRange(1900, 2200))
@click.option(
    "--calendar", "calendar_file", type=click.Path(exists=True, dir_okay=False), default=None
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def show(year: int, calendar_file: str | None, lang: str) -> None:
    """The working days, holidays and makeup working days of YEAR."""
    cal = load_calendar(calendar_file)
    day, working, special = date(year, 1, 1), 0, []
    official = True
    while day.year == year:
        info = cal.day(day)
        working += info.is_working
        official = official and info.official
        if info.kind in (DayKind.HOLIDAY, DayKind.MAKEUP_WORKDAY, DayKind.EXTRA_WORKDAY):
            special.append(f"{day.isoformat()} {day.strftime('%a')}  {info.label(lang)}")  # type: ignore[arg-type]
        day += timedelta(days=1)
    total = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    note = "" if official else ("（非官方数据）" if lang == "zh" else " (unofficial data)")
    if lang == "zh":
        click.echo(f"{year} 年：工作日 {working} 天，休息日与节假日 {total - working} 天{note}")
    else:
        click.echo(f"{year}: {working} working days, {total - working} days off{note}")
    click.echo("\n".join(special))


@calendar.command("add-year")
@click.argument("year", type=click.IntRange(1900, 2200))
@click.option(
    "--holiday",
    "holidays",
    multiple=True,
    metavar="DATE[=NAME]",
    help="A day off, e.g. 2027-10-01=国庆节 (repeat; or a range FROM..TO=NAME).",
)
@click.option(
    "--workday", "workdays", multiple=True, metavar="DATE", help="A makeup working day (repeat)."
)
@click.option(
    "--merge", is_flag=True, help="Change only the dates given; keep the rest of the year."
)
@click.option(
    "--calendar",
    "calendar_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="The calendar file to start from (default: the China calendar).",
)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="The file to write.")
def add_year(
    year: int,
    holidays: tuple[str, ...],
    workdays: tuple[str, ...],
    merge: bool,
    calendar_file: str | None,
    out: str,
) -> None:
    """Add YEAR's published holidays and makeup working days; write the calendar to --out."""
    base = load_calendar(calendar_file if calendar_file and Path(calendar_file).exists() else None)
    named: dict[str, str | None] = {}
    for spec in holidays:
        when, _, name = spec.partition("=")
        first, _, last = when.partition("..")
        try:
            day, end = date.fromisoformat(first), date.fromisoformat(last or first)
        except ValueError:
            raise click.BadParameter(
                f"give DATE[=NAME] or FROM..TO=NAME, got {spec!r}", param_hint="--holiday"
            ) from None
        while day <= end:
            named[day.isoformat()] = name or None
            day += timedelta(days=1)
    updated = base.with_official_year(
        year, holidays=named if named or not merge else None, workdays=workdays, merge=merge
    )
    Path(out).write_text(
        json.dumps(updated.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    click.echo(f"wrote {out}: {year} with {len(named)} days off and {len(workdays)} makeup days")
