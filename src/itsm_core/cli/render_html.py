"""The report as one self-contained HTML page, charts embedded as data URIs."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from itsm_core.cli.charts import make_charts
from itsm_core.cli.labels import heading
from itsm_core.cli.report import Lang

__all__ = ["render_html"]

_STYLE = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","PingFang SC",sans-serif;
margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.2em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f3f3f3} .chart{max-width:100%} .note{color:#a33}
"""


def _e(value: object) -> str:
    return "—" if value is None else html.escape(str(value))


def _table(head: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = ["<table><tr>", *(f"<th>{_e(x)}</th>" for x in head), "</tr>"]
    for row in rows:
        out += ["<tr>", *(f"<td>{_e(v)}</td>" for v in row), "</tr>"]
    return "".join([*out, "</table>"])


def _counts(title: str, rows: list[dict[str, Any]], lang: Lang) -> str:
    return f"<h3>{_e(title)}</h3>" + _table(
        (title, heading("count", lang)), ((r["label"], r["count"]) for r in rows)
    )


def render_html(data: dict[str, Any], *, charts: bool = True) -> str:
    """Render :func:`~itsm_core.cli.report.collect_report` data as an HTML page."""
    lang: Lang = data["lang"]

    def h(key: str) -> str:
        return heading(key, lang)

    images = make_charts(data) if charts else None

    def chart(name: str) -> str:
        if images is None:
            return f'<p class="note">{_e(h("charts_missing"))}</p>'
        return f'<img class="chart" id="chart-{name}" alt="{name}" src="{images[name]}">'

    period, c, i = data["period"], data["complaints"], data["improvements"]
    s, sla = data["satisfaction"], data["sla"]
    ttc = c["time_to_close_days"]
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{_e(data["title"])}</title><style>{_STYLE}</style>'
        f"</head><body><h1>{_e(data['title'])}</h1>",
        f"<p>{_e(h('period'))}: {_e(period['from'])} ~ {_e(period['to'])}<br>"
        f"{_e(h('customer'))}: {_e(data['customer'] or h('all_customers'))}</p>",
        f"<h2>{_e(h('satisfaction'))}</h2>",
        f"<p>{_e(h('target'))}: {_e(s['target'])}; {_e(h('critical_lines'))}: "
        f"{_e(' / '.join(str(x) for x in s['critical_lines']) or None)}</p>",
        chart("satisfaction"),
        _table(
            (h("channel"), "n", h("csat"), h("margin"), h("index"), h("level")),
            (
                (r["label"], r["n"], r["csat"], r["margin"], r["index"], r["level"])
                for r in s["channels"]
            ),
        ),
        f"<h3>{_e(h('changes'))}</h3><ul>"
        + "".join(f"<li>{_e(r['text'])}</li>" for r in s["changes"])
        + "</ul>",
        f"<h3>{_e(h('watch_list'))}</h3><ul>"
        + (
            "".join(f"<li>{_e(r['text'])}</li>" for r in s["watch_list"])
            or f"<li>{_e(h('none'))}</li>"
        )
        + "</ul>",
        f"<h2>{_e(h('complaints'))}</h2>",
        chart("complaints"),
        _table(
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
        ),
        *(_counts(h(k), c[k], lang) for k in ("by_verdict", "by_source", "by_origin", "by_party")),
        f"<h2>{_e(h('improvements'))}</h2>",
        _table(
            (h("total"), h("on_time"), h("late"), h("open_overdue")),
            [(i["total"], i["on_time"], i["late"], i["open_overdue"])],
        ),
        _counts(h("by_source"), i["by_source"], lang),
        _counts(h("by_state"), i["by_state"], lang),
        f"<h2>{_e(h('sla'))}</h2>",
        chart("sla"),
        _table(
            (h("clocks"), h("met"), h("breached"), h("fulfilment")),
            [(sla["clocks"], sla["met"], sla["breached"], sla["fulfilment"])],
        ),
        f"<h3>{_e(h('breaches'))} ({len(sla['breaches'])})</h3>",
        _table(
            ("id", h("customer"), h("target"), "due", "breached"),
            (
                (b["subject"], b["customer"], b["target"], b["due_at"], b["breached_at"])
                for b in sla["breaches"][:50]
            ),
        ),
        f"<h2>{_e(h('reviews'))}</h2><p>{_e(data['reviews']['note'])}</p>",
        "</body></html>",
    ]
    return "\n".join(parts)
