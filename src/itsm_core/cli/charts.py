"""Charts of the report (matplotlib, Agg backend), as PNG data URIs.

matplotlib is an optional extra (``pip install 'itsm-core[charts]'``):
:func:`make_charts` returns None without it, and the HTML report says how to
get charts.
"""

from __future__ import annotations

import base64
import importlib.util
import io
from typing import Any

from itsm_core.cli.labels import heading
from itsm_core.cli.report import Lang

__all__ = ["charts_available", "make_charts"]


def charts_available() -> bool:
    """True if matplotlib is installed."""
    return importlib.util.find_spec("matplotlib") is not None


def _font(plt: Any, lang: Lang) -> None:
    if lang != "zh":
        return
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei"):
        if name in names:
            plt.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
            return


def _uri(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def make_charts(data: dict[str, Any]) -> dict[str, str] | None:
    """The satisfaction trend, complaints and SLA fulfilment by month; None without matplotlib."""
    if not charts_available():
        return None
    import logging

    import matplotlib

    matplotlib.use("Agg")
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    import matplotlib.pyplot as plt

    lang: Lang = data["lang"]
    # titles in English when no CJK font is installed, so that no glyph is missing
    _font(plt, lang)
    cjk = lang == "zh" and plt.rcParams["font.sans-serif"][0] not in ("DejaVu Sans",)
    title_lang: Lang = lang if cjk or lang == "en" else "en"
    charts: dict[str, str] = {}
    sat = data["satisfaction"]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    months = [r["month"] for r in sat["trend"]]
    ax.plot(months, [r["csat"] for r in sat["trend"]], marker="o", color="#1f77b4", label="CSAT %")
    colours = ("#2ca02c", "#ff7f0e", "#d62728")
    for n, line in enumerate(sat["critical_lines"]):
        ax.axhline(line, linestyle="--", color=colours[n % 3], linewidth=1, label=f"{line:g}")
    ax.set_ylim(0, 100)
    ax.set_title(heading("chart_satisfaction", title_lang))
    ax.tick_params(axis="x", labelrotation=45)
    ax.legend(loc="lower left", fontsize=8)
    charts["satisfaction"] = _uri(fig)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    rows = data["complaints"]["by_month"]
    ax.bar([r["month"] for r in rows], [r["count"] for r in rows], color="#9467bd")
    ax.set_title(heading("chart_complaints", title_lang))
    ax.tick_params(axis="x", labelrotation=45)
    charts["complaints"] = _uri(fig)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    rows = [r for r in data["sla"]["by_month"] if r["fulfilment"] is not None]
    ax.plot(
        [r["month"] for r in rows], [r["fulfilment"] for r in rows], marker="s", color="#17becf"
    )
    ax.set_ylim(0, 100)
    ax.set_title(heading("chart_sla", title_lang))
    ax.tick_params(axis="x", labelrotation=45)
    charts["sla"] = _uri(fig)
    plt.close(fig)
    return charts
