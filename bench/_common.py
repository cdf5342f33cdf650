"""What the sections of ``bench/run.py`` share: timing, figures, stores and the README path."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from itsm_core import Actor, FrozenClock, ItsmCore

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
LI = Actor("li", ["complaint_specialist"], "李专员")
ZHAO = Actor("zhao", ["relationship_manager"], "赵经理")
POSTGRES_ENV = "ITSM_TEST_POSTGRES_URL"


@dataclass
class Figure:
    """One row of the table: a measured value against its baseline and its target.

    ``kind`` says how value, baseline and target compare:

    * ``"ratio<="``: value / baseline must be at most ``target``;
    * ``"ratio>="``: baseline / value (a throughput ratio: the baseline's time over
      the library's) must be at least ``target``;
    * ``"abs<="``: value itself must be at most ``target`` (in ``unit``);
    * ``"info"``: no target; the ratio is value / baseline (e.g. a speed-up).
    """

    name: str
    value: float
    baseline: float
    kind: str
    target: float
    unit: str = "ms"
    baseline_name: str = ""
    required: float | None = None
    note: str = ""
    agree: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """The figure compared with its target (see ``kind``)."""
        if self.kind in ("ratio<=", "info"):
            return self.value / self.baseline if self.baseline else float("inf")
        if self.kind == "ratio>=":
            return self.baseline / self.value if self.value else float("inf")
        return self.value

    @property
    def holds(self) -> bool:
        """True if the figure meets its target."""
        if self.kind == "info":
            return True
        if self.kind == "ratio>=":
            return self.ratio >= self.target
        return self.ratio <= self.target

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "baseline": self.baseline,
            "baseline_name": self.baseline_name,
            "unit": self.unit,
            "kind": self.kind,
            "ratio": self.ratio,
            "target": self.target,
            "required": self.required,
            "holds": self.holds,
            "agree": self.agree,
            "note": self.note,
            **({"extra": self.extra} if self.extra else {}),
        }


def median_time(call: Callable[[], Any], repeats: int) -> float:
    """The median wall time of ``repeats`` calls, in seconds."""
    samples = []
    for _ in range(repeats):
        begin = time.perf_counter()
        call()
        samples.append(time.perf_counter() - begin)
    return statistics.median(samples)


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """The wall time of one call, in seconds, and its result."""
    begin = time.perf_counter()
    result = call()
    return time.perf_counter() - begin, result


def postgres_url() -> str | None:
    """The PostgreSQL server to measure on, or None when it is not configured."""
    return os.environ.get(POSTGRES_ENV, "").strip() or None


class Stores:
    """Makes empty stores of each kind and removes them at the end.

    SQLite files go to a temporary folder; PostgreSQL stores are schemas of their own
    (``bench_<random>``) on the server of ``ITSM_TEST_POSTGRES_URL``, dropped on close.
    """

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="itsm-bench-")
        self._schemas: list[str] = []
        pg = postgres_url()
        self._admin = sa.create_engine(pg, poolclass=sa.pool.NullPool) if pg else None

    def url(self, kind: str) -> str:
        """A URL of a new, empty store: ``memory``, ``sqlite`` or ``postgres``."""
        if kind == "memory":
            return "memory://"
        if kind == "sqlite":
            return f"sqlite:///{self._folder.name}/{uuid.uuid4().hex[:8]}.db"
        if self._admin is None:
            raise RuntimeError(f"{POSTGRES_ENV} is not set")
        name = f"bench_{uuid.uuid4().hex[:10]}"
        with self._admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        self._schemas.append(name)
        base = sa.make_url(str(self._admin.url.render_as_string(hide_password=False)))
        url = base.update_query_dict({"options": f"-csearch_path={name}"})
        return url.render_as_string(hide_password=False) + "&itsm_auto_migrate=true"

    def close(self) -> None:
        if self._admin is not None:
            with self._admin.connect() as connection:
                for name in self._schemas:
                    connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
                    connection.commit()
            self._admin.dispose()
        self._folder.cleanup()


def plain_url(url: str) -> str:
    """The SQLAlchemy URL of a store URL (without the library's own options)."""
    return url.replace("&itsm_auto_migrate=true", "")


@contextmanager
def facade(url: str, **options: Any) -> Iterator[ItsmCore]:
    """An :class:`ItsmCore` on ``url`` at :data:`T0` (no entry-point plug-ins)."""
    options.setdefault("clock", FrozenClock(T0))
    core = ItsmCore(url, load_entrypoints=False, **options)
    try:
        yield core
    finally:
        core.close()


def readme_path(core: ItsmCore, n: int) -> str:
    """The README's complaint path (11 commands), from receipt to closure; its id."""
    c = core.complaints.receive(
        LI, customer="ACME", complainant="王先生", origin="external", channel="hotline",
        source="complaint_channel", summary=f"VPN down twice this week ({n})",
        party_complained_about="network team",
    )  # fmt: skip
    core.complaints.dispatch(ZHAO, c.id, handler="network-lead")
    core.complaints.record_finding(LI, c.id, finding="a faulty switch port")
    core.complaints.judge(LI, c.id, verdict="valid", reason="the outages are confirmed")
    core.complaints.register_project(LI, c.id)
    core.complaints.apologise(LI, c.id, apology="we apologise for the outages")
    core.complaints.resolve(LI, c.id, resolution="the port was replaced")
    c = core.complaints.require_improvement(
        LI, c.id, cause="no spare-port check", description="check spare ports weekly",
        quality_indicators=["repeat outages: 0 in 30 days"], owner="network-lead",
        period=timedelta(days=5),
    )  # fmt: skip
    assert c.improvement_id is not None
    core.improvements.follow_up(LI, c.improvement_id, met=True, note="checks every Monday")
    core.complaints.give_feedback(LI, c.id, result="told the customer what changed")
    closed = core.complaints.callback(LI, c.id, satisfied=True)
    if closed.state.value != "closed":
        raise AssertionError(f"the README path ended in {closed.state.value!r}")
    return closed.id


README_STEPS = 11
