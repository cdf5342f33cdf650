"""The report as Markdown."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from itsm_core.cli.labels import heading
from itsm_core.cli.report import Lang

__all__ = ["render_md", "table"]


def _cell(value: object) -> str:
    if value is None:
        return "—"
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(head: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A Markdown table."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _counts(title: str, rows: list[dict[str, Any]], lang: Lang) -> list[str]:
    return [
        f"**{title}**",
        "",
        *table((title, heading("count", lang)), ((r["label"], r["count"]) for r in rows)),
    ]


def render_md(data: dict[str, Any]) -> str:
    """Render :func:`~itsm_core.cli.report.collect_report` data as Markdown."""
    lang: Lang = data["lang"]

    def h(key: str) -> str:
        return heading(key, lang)

    period = data["period"]
    out = [
        f"# {data['title']}",
        "",
        f"{h('period')}: {period['from']} ~ {period['to']}  ",
        f"{h('customer')}: {data['customer'] or h('all_customers')}",
        "",
    ]
    c = data["complaints"]
    ttc = c["time_to_close_days"]
    out += [f"## {h('complaints')}", ""]
    out += table(
        (
            h("total"),
            h("closed"),
            h("escalations"),
            h("reopened"),
            h("praise"),
            f"{h('time_to_close')} {h('mean')}",
            h("median"),
            h("max"),
        ),
        [
            (
                c["total"],
                c["closed"],
                c["escalations"],
                c["reopened"],
                c["praise"],
                ttc["mean"],
                ttc["median"],
                ttc["max"],
            )
        ],
    )
    for key in ("by_verdict", "by_source", "by_origin", "by_party"):
        out += _counts(h(key), c[key], lang)
    out += [f"**{h('by_month')}**", ""]
    out += table((h("month"), h("count")), ((r["month"], r["count"]) for r in c["by_month"]))
    i = data["improvements"]
    out += [f"## {h('improvements')}", ""]
    out += table(
        (h("total"), h("on_time"), h("late"), h("open_overdue")),
        [(i["total"], i["on_time"], i["late"], i["open_overdue"])],
    )
    out += _counts(h("by_source"), i["by_source"], lang)
    out += _counts(h("by_state"), i["by_state"], lang)
    s = data["satisfaction"]
    out += [f"## {h('satisfaction')}", ""]
    lines = " / ".join(str(x) for x in s["critical_lines"]) or "—"
    out += [f"{h('target')}: {_cell(s['target'])}; {h('critical_lines')}: {lines}", ""]
    out += table(
        (h("channel"), "n", h("csat"), h("margin"), h("index"), h("level")),
        (
            (r["label"], r["n"], r["csat"], r["margin"], r["index"], r["level"])
            for r in s["channels"]
        ),
    )
    out += [f"**{h('trend')}**", ""]
    out += table(
        (h("month"), "n", h("csat"), h("level")),
        ((r["month"], r["n"], r["csat"], r["level"]) for r in s["trend"]),
    )
    out += [f"**{h('changes')}**", ""] + [f"- {r['text']}" for r in s["changes"]] + [""]
    out += [f"**{h('watch_list')}**", ""]
    out += [f"- {r['text']}" for r in s["watch_list"]] or [f"- {h('none')}"]
    out += [""]
    sla = data["sla"]
    out += [f"## {h('sla')}", ""]
    out += table(
        (h("clocks"), h("met"), h("breached"), h("fulfilment")),
        [(sla["clocks"], sla["met"], sla["breached"], sla["fulfilment"])],
    )
    out += table(
        (h("month"), h("clocks"), h("met"), h("fulfilment")),
        ((r["month"], r["stopped"], r["met"], r["fulfilment"]) for r in sla["by_month"]),
    )
    out += [f"**{h('breaches')}** ({len(sla['breaches'])})", ""]
    out += table(
        ("id", h("customer"), h("target"), "due", "breached"),
        (
            (b["subject"], b["customer"], b["target"], b["due_at"], b["breached_at"])
            for b in sla["breaches"][:50]
        ),
    )
    out += [f"## {h('reviews')}", "", data["reviews"]["note"], ""]
    return "\n".join(out)
