"""The data of the business relationship report, from library calls only.

:func:`collect_report` is the one place the report's data comes from; the
renderers (:mod:`~itsm_core.cli.render_md`, ``render_html``, ``render_json``,
``render_xlsx``) only lay it out. It is a JSON-able dict that validates against
``report.schema.json`` (shipped in this package). The reviews held and, for
one customer, the review pack (``core.reviews.analysis.pack``) are part of it;
the pack covers SLA, complaints, satisfaction and improvements too, so this
function is where the report can switch its other sections to the pack.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from itsm_core import ItsmCore, ValidationError
from itsm_core.complaints import ComplaintSource, Origin, Verdict
from itsm_core.improvements import ImprovementSource, ImprovementState
from itsm_core.kernel.actors import Actor
from itsm_core.satisfaction import Channel

__all__ = ["REPORT_SCHEMA_ID", "Lang", "collect_report", "months_between", "report_actor"]

Lang = Literal["zh", "en"]
REPORT_SCHEMA_ID = "itsm-core/report/1"
SH = ZoneInfo("Asia/Shanghai")
_ESCALATED = ("escalated", "transfer_escalated", "improvement_escalated")
_DONE_ITEMS = {ImprovementState.DONE.value, "decided"}


def report_actor() -> Actor:
    """The reader the report runs as: the quality specialist (no confidential values)."""
    return Actor("itsm-report", ["quality_specialist"], "itsm report")


def months_between(start: date, end: date) -> list[str]:
    """The months ``"YYYY-MM"`` from ``start`` to ``end`` (inclusive)."""
    if end < start:
        raise ValidationError(
            f"the report period ends ({end}) before it starts ({start}); give --from before --to",
            field="to",
        )
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _t(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _label(enum: Any, code: object, lang: Lang) -> str:
    try:
        return str(enum.parse(code, "code").label(lang))
    except (ValidationError, AttributeError):
        return str(code)


def _counted(values: Iterable[str], enum: Any | None, lang: Lang) -> list[dict[str, Any]]:
    counts = Counter(values)
    return [
        {
            "code": code,
            "label": _label(enum, code, lang) if enum is not None else code,
            "count": n,
        }
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(SH).isoformat(timespec="minutes")


def _days(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 86400, 1)


def collect_report(
    core: ItsmCore,
    actor: Actor,
    start: date,
    end: date,
    customer: str | None = None,
    lang: Lang = "zh",
) -> dict[str, Any]:
    """Collect the business relationship report of ``start`` … ``end`` (local dates, inclusive).

    :param customer: one customer (its id in the customer register), or None for all.
    :raises ValidationError: for a customer that is not in the register,
        or a period that ends before it starts.
    """
    months = months_between(start, end)
    if customer is not None:
        known = [c.id for c in core.satisfaction.customers.find(actor)]
        if customer not in known:
            raise ValidationError(
                f"no customer {customer!r} in the customer register; known: "
                + (", ".join(sorted(known)) or "none"),
                field="customer",
            )
    lo = datetime.combine(start, time(0), SH)
    hi = datetime.combine(end + timedelta(days=1), time(0), SH)
    return {
        "schema": REPORT_SCHEMA_ID,
        "title": _t(lang, "业务关系管理报告", "Business relationship report"),
        "lang": lang,
        "period": {"from": start.isoformat(), "to": end.isoformat(), "months": months},
        "customer": customer,
        "generated_at": _iso(core.clock.now()),
        "complaints": _complaints(core, actor, lo, hi, customer, lang),
        "improvements": _improvements(core, actor, lo, hi, customer, lang),
        "satisfaction": _satisfaction(core, actor, months, lo, hi, customer, lang),
        "sla": _sla(core, actor, lo, hi, customer, months),
        "reviews": _reviews(core, actor, lo, hi, customer, months, lang),
    }


def _reviews(
    core: ItsmCore,
    actor: Actor,
    lo: datetime,
    hi: datetime,
    customer: str | None,
    months: list[str],
    lang: Lang,
) -> dict[str, Any]:
    """The service reviews held in the period and, for one customer, its review pack."""
    held = core.reviews.find(actor, customer=customer, held_from=lo, held_before=hi)
    section: dict[str, Any] = {
        "available": True,
        "held": len(held),
        "note": _t(lang, f"本期举行服务回顾 {len(held)} 次", f"{len(held)} service reviews held"),
        "ids": [r.id for r in held],
    }
    if customer is not None:
        section["pack"] = core.reviews.analysis.pack(
            actor, customer=customer, periods=months
        ).as_dict()
    return section


def _complaints(
    core: ItsmCore, actor: Actor, lo: datetime, hi: datetime, customer: str | None, lang: Lang
) -> dict[str, Any]:
    found = core.complaints.find(actor, customer=customer, received_from=lo, received_before=hi)
    closed = [c for c in found if c.closed_at is not None]
    close_days = [_days(c.received_at, c.closed_at) for c in closed if c.closed_at is not None]
    by_month = Counter(c.received_at.astimezone(SH).strftime("%Y-%m") for c in found)
    praise = core.complaints.find_praise(actor, customer=customer)
    ledger = [
        {
            "id": c.id,
            "received_at": _iso(c.received_at),
            "customer": c.customer,
            "origin": c.origin.label(lang),
            "channel": c.channel.label(lang),
            "source": c.source.label(lang),
            "severity": c.severity.label(lang),
            "party": c.party_complained_about,
            "summary": c.summary,
            "state": c.state.label(lang),
            "verdict": None if c.verdict is None else c.verdict.label(lang),
            "escalations": len(c.escalations),
            "improvement_id": c.improvement_id,
            "closed_at": _iso(c.closed_at),
        }
        for c in sorted(found, key=lambda c: c.received_at)
    ]
    return {
        "total": len(found),
        "closed": len(closed),
        "by_verdict": _counted(
            (c.verdict.value if c.verdict else "pending" for c in found), Verdict, lang
        ),
        "by_source": _counted((c.source.value for c in found), ComplaintSource, lang),
        "by_origin": _counted((c.origin.value for c in found), Origin, lang),
        "by_party": _counted((c.party_complained_about for c in found), None, lang),
        "by_month": [{"month": m, "count": n} for m, n in sorted(by_month.items())],
        "time_to_close_days": {
            "n": len(close_days),
            "mean": round(statistics.fmean(close_days), 1) if close_days else None,
            "median": round(statistics.median(close_days), 1) if close_days else None,
            "max": max(close_days) if close_days else None,
        },
        "escalations": sum(len(c.escalations) for c in found),
        "escalated_complaints": sum(1 for c in found if c.escalations),
        "reopened": sum(1 for c in found if c.reopened),
        "praise": sum(1 for p in praise if lo <= p.received_at < hi),
        "ledger": ledger,
    }


def _improvements(
    core: ItsmCore, actor: Actor, lo: datetime, hi: datetime, customer: str | None, lang: Lang
) -> dict[str, Any]:
    items = [i for i in core.improvements.find(actor, customer=customer) if lo <= i.issued_at < hi]
    now = core.clock.now()
    rows, on_time, late, overdue = [], 0, 0, 0
    for item in sorted(items, key=lambda i: i.issued_at):
        done = item.state.value in _DONE_ITEMS
        timely: bool | None = None
        if done and item.concluded_at is not None:
            timely = not item.extensions and item.concluded_at <= item.due_at
            on_time, late = on_time + timely, late + (not timely)
        elif item.due_at < now and item.state.value != "cancelled":
            overdue += 1
        rows.append(
            {
                "id": item.id,
                "source": item.source_kind.label(lang),
                "description": item.description,
                "owner": item.owner,
                "issued_at": _iso(item.issued_at),
                "due_at": _iso(item.due_at),
                "state": item.state.label(lang),
                "extensions": int(item.extensions),
                "on_time": timely,
            }
        )
    return {
        "total": len(items),
        "done": on_time + late,
        "on_time": on_time,
        "late": late,
        "open_overdue": overdue,
        "by_source": _counted((i.source_kind.value for i in items), ImprovementSource, lang),
        "by_state": _counted((i.state.value for i in items), ImprovementState, lang),
        "items": rows,
    }


def _satisfaction(
    core: ItsmCore,
    actor: Actor,
    months: list[str],
    lo: datetime,
    hi: datetime,
    customer: str | None,
    lang: Lang,
) -> dict[str, Any]:
    ana = core.satisfaction.analysis
    target_value, lines = None, []
    targets = [t for t in core.satisfaction.targets.find(actor) if t.customer is None]
    if targets:
        target_value = targets[0].target
        lines = [float(x) for x in targets[0].critical_lines]

    def level(csat: float | None) -> str | None:
        """The band of the (first) service-wide target a CSAT falls in, e.g. 黄色（预警）."""
        rule = targets[0].classify(csat) if targets else None
        return None if rule is None else rule.level.label(lang)

    channels = []
    for fig in ana.figures(actor, months, group_by=["channel"], customer=customer):
        code = str(fig.key.get("channel", "")) if hasattr(fig.key, "get") else ""
        row = fig.to_dict()
        channels.append(
            {
                "channel": code,
                "label": _label(Channel, code, lang),
                "n": row["n"],
                "csat": _round(row["csat"]),
                "margin": _round(row["csat_margin"]),
                "index": None if row["mean"] is None else round(100 * row["mean"], 1),
                "level": level(row["csat"]),
            }
        )
    trend = []
    for fig in ana.figures(actor, months, group_by=["period"], customer=customer):
        row = fig.to_dict()
        trend.append(
            {
                "month": row["key"]["period"],
                "n": row["n"],
                "csat": _round(row["csat"]),
                "level": level(row["csat"]),
            }
        )
    changes = [
        {
            "key": {k: str(v) for k, v in dict(ch.key).items()},
            "trend": ch.trend.value,
            "text": ch.describe(lang),
        }
        for ch in ana.changes(actor, months[-1], group_by=["channel"], customer=customer)
    ]
    watch = ana.watch_list(actor, months[-1], window=min(3, len(months)))
    entries = [
        e
        for e in (*watch.low_satisfaction, *watch.key_customers)
        if customer is None or e.customer == customer
    ]
    callbacks = [
        {
            "id": cb.id,
            "kind": cb.kind.label(lang),
            "customer": cb.customer,
            "service": cb.service,
            "service_record_id": cb.service_record_id,
            "due_at": _iso(cb.due_at),
            "state": cb.state.label(lang),
            "outcome": None if cb.outcome is None else cb.outcome.label(lang),
            "attempts": len(cb.attempts),
            "done_at": _iso(cb.done_at),
        }
        for cb in sorted(
            core.satisfaction.callbacks.find(actor, customer=customer), key=lambda c: c.due_at
        )
        if lo <= cb.due_at < hi
    ]
    return {
        "target": target_value,
        "critical_lines": lines,
        "channels": channels,
        "trend": trend,
        "changes": changes,
        "watch_list": [
            {"customer": e.customer, "reason": e.reason.label(lang), "text": e.describe(lang)}
            for e in entries
        ],
        "callbacks": callbacks,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _sla(
    core: ItsmCore,
    actor: Actor,
    lo: datetime,
    hi: datetime,
    customer: str | None,
    months: list[str],
) -> dict[str, Any]:
    clocks = [
        c
        for c in core.sla.find(actor)
        if lo <= c.started_at < hi and (customer is None or c.customer == customer)
    ]
    stopped = [c for c in clocks if c.stopped_at is not None]
    breached = [c for c in clocks if c.breached_at is not None]
    per_month: dict[str, list[int]] = {m: [0, 0] for m in months}
    for c in stopped:
        month = c.started_at.astimezone(SH).strftime("%Y-%m")
        if month in per_month:
            per_month[month][0] += 1
            per_month[month][1] += c.breached_at is None
    by_target = Counter(c.target.value for c in clocks)
    return {
        "clocks": len(clocks),
        "stopped": len(stopped),
        "met": sum(1 for c in stopped if c.breached_at is None),
        "breached": len(breached),
        "fulfilment": _pct(
            sum(1 for c in stopped if c.breached_at is None) / len(stopped) if stopped else None
        ),
        "by_target": [{"code": k, "count": n} for k, n in sorted(by_target.items())],
        "by_month": [
            {"month": m, "stopped": s, "met": met, "fulfilment": _pct(met / s if s else None)}
            for m, (s, met) in per_month.items()
        ],
        "breaches": [
            {
                "clock_id": c.id,
                "subject": f"{c.subject_kind}:{c.subject_id}",
                "target": c.target.value,
                "customer": c.customer,
                "service": c.service,
                "due_at": _iso(c.due_at),
                "breached_at": _iso(c.breached_at),
            }
            for c in sorted(breached, key=lambda c: c.breached_at or c.started_at)
        ],
    }
