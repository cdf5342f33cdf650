"""Display helpers for the analysis' value objects (internal)."""

from __future__ import annotations

from itsm_core.kernel.labels import Language

NO_VALUE = "—"


def number(value: float | None, digits: int = 1) -> str:
    """Format a figure, or a dash when there is none."""
    return NO_VALUE if value is None else f"{value:.{digits}f}"


def small_sample_note(small: bool, lang: Language) -> str:
    """Return the small-sample note (with a leading separator), or nothing."""
    if not small:
        return ""
    return "（样本量小）" if lang == "zh" else " (small sample)"


def figures_line(
    *,
    n: int,
    csat: float | None,
    margin: float | None,
    index: float | None,
    nps: float | None,
    lang: Language,
) -> str:
    """Return ``n=…, CSAT …% ±…, index …, NPS …`` in ``lang``."""
    margin_text = "" if margin is None else f" ±{margin:.1f}"
    if lang == "zh":
        return (
            f"样本 {n}，满意率 {number(csat)}%{margin_text}，满意度指数 {number(index)}，"
            f"净推荐值 {number(nps)}"
        )
    return f"n={n}, CSAT {number(csat)}%{margin_text}, index {number(index)}, NPS {number(nps)}"
