"""Headings of the rendered report in Chinese and English."""

from __future__ import annotations

from itsm_core.cli.report import Lang

__all__ = ["heading"]

_HEADINGS: dict[str, tuple[str, str]] = {
    "period": ("报告期间", "Period"),
    "customer": ("客户", "Customer"),
    "all_customers": ("全部客户", "all customers"),
    "complaints": ("投诉", "Complaints"),
    "total": ("总数", "Total"),
    "closed": ("已关闭", "Closed"),
    "by_verdict": ("按判定", "By verdict"),
    "by_source": ("按来源", "By source"),
    "by_origin": ("按投诉方", "By origin"),
    "by_party": ("按被投诉方", "By party complained about"),
    "by_month": ("按月", "By month"),
    "time_to_close": ("关闭用时（天）", "Time to close (days)"),
    "mean": ("平均", "mean"),
    "median": ("中位数", "median"),
    "max": ("最长", "max"),
    "escalations": ("升级次数", "Escalations"),
    "reopened": ("重新打开", "Reopened"),
    "praise": ("表扬", "Praise"),
    "improvements": ("改进登记", "Improvement register"),
    "on_time": ("按期完成", "Done on time"),
    "late": ("延期完成", "Done late"),
    "open_overdue": ("逾期未完成", "Open and overdue"),
    "by_state": ("按状态", "By state"),
    "satisfaction": ("客户满意度", "Customer satisfaction"),
    "channel": ("渠道", "Channel"),
    "target": ("目标", "Target"),
    "critical_lines": ("临界线", "Critical lines"),
    "csat": ("满意率 %", "CSAT %"),
    "margin": ("误差 ±", "Margin ±"),
    "index": ("满意度指数", "Index"),
    "level": ("等级（对照临界线）", "Level (against the critical lines)"),
    "trend": ("趋势", "Trend"),
    "changes": ("与上月相比（显著性检验）", "Against the previous month (significance)"),
    "watch_list": ("重点关怀名单", "Focused-care watch list"),
    "callbacks": ("回访登记", "Callback register"),
    "sla": ("SLA 履约", "SLA fulfilment"),
    "clocks": ("计时", "Clocks"),
    "met": ("达成", "Met"),
    "breached": ("违约", "Breached"),
    "fulfilment": ("履约率 %", "Fulfilment %"),
    "breaches": ("违约清单", "Breaches"),
    "reviews": ("服务回顾", "Service reviews"),
    "month": ("月份", "Month"),
    "count": ("数量", "Count"),
    "none": ("无", "none"),
    "charts_missing": (
        "图表需要 matplotlib：pip install 'itsm-core[charts]'",
        "Charts need matplotlib: pip install 'itsm-core[charts]'",
    ),
    "chart_satisfaction": ("满意率趋势与临界线", "CSAT trend against the critical lines"),
    "chart_complaints": ("每月投诉", "Complaints by month"),
    "chart_sla": ("每月 SLA 履约率", "SLA fulfilment by month"),
}


def heading(key: str, lang: Lang) -> str:
    """The heading ``key`` in ``lang``."""
    zh, en = _HEADINGS[key]
    return zh if lang == "zh" else en
