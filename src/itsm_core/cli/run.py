"""``itsm run``: the worker that runs every scheduled job that is due.

Each pass is one :meth:`ItsmCore.run_due <itsm_core.ItsmCore.run_due>` as the
system actor. Several workers may run against one PostgreSQL database: the
tick and the relay claim their rows, and the other jobs are idempotent.
"""

from __future__ import annotations

import re
import signal
import time
from types import FrameType

import click

from itsm_core.kernel.errors import ItsmError

__all__ = ["parse_interval", "run_command"]

_INTERVAL = re.compile(r"^\s*(\d+)\s*(s|m|h)?\s*$")


def parse_interval(text: str) -> float:
    """Seconds of ``"60s"``, ``"5m"``, ``"1h"`` or ``"90"``.

    :raises click.BadParameter: for anything else.
    """
    match = _INTERVAL.match(text)
    if match is None or int(match.group(1)) == 0:
        raise click.BadParameter(
            f"give a positive interval like 60s, 5m or 1h, got {text!r}", param_hint="--every"
        )
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2) or "s"]


@click.command("run")
@click.option(
    "--db", "url", envvar="ITSM_DB", required=True, help="The database URL (or $ITSM_DB)."
)
@click.option("--once", is_flag=True, help="Run what is due once and exit.")
@click.option("--every", default="60s", show_default=True, help="The interval between passes.")
@click.option(
    "--calendar",
    "calendar_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A calendar file written by 'itsm calendar add-year'.",
)
@click.option("--passes", type=click.IntRange(min=1), default=None, hidden=True)
def run_command(
    url: str, once: bool, every: str, calendar_file: str | None, passes: int | None
) -> None:
    """Run every scheduled job that is due: tick, relay, reminders, callbacks, purge."""
    import sqlalchemy as sa

    from itsm_core.cli.admin import load_calendar
    from itsm_core.cli.app import one_line, open_core

    interval = parse_interval(every)
    calendar = load_calendar(calendar_file)
    stop = False

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    if not once:
        signal.signal(signal.SIGTERM, _stop)
    with open_core(url, must_exist=False, calendar=calendar, load_entrypoints=True) as core:
        done = 0
        while True:
            try:
                report = core.run_due()
                click.echo(report.describe())
            except (ItsmError, sa.exc.SQLAlchemyError) as exc:
                if once:
                    raise
                click.echo(f"itsm run: {one_line(exc)}", err=True)
            done += 1
            if once or stop or (passes is not None and done >= passes):
                return
            try:
                deadline = time.monotonic() + interval
                while not stop and time.monotonic() < deadline:
                    time.sleep(min(1.0, interval))
            except KeyboardInterrupt:
                return
            if stop:
                return
