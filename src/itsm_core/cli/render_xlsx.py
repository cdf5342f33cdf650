"""The report as a workbook (openpyxl): summary, complaint ledger, callback register.

openpyxl is an optional extra (``pip install 'itsm-core[xlsx]'``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from itsm_core.cli.labels import heading
from itsm_core.cli.report import Lang

__all__ = ["render_xlsx"]

_LEDGER = {
    "zh": (
        "编号",
        "受理时间",
        "客户",
        "投诉方",
        "渠道",
        "来源",
        "级别",
        "被投诉方",
        "内容",
        "状态",
        "判定",
        "升级次数",
        "改进项",
        "关闭时间",
    ),
    "en": (
        "id",
        "received",
        "customer",
        "origin",
        "channel",
        "source",
        "severity",
        "party",
        "summary",
        "state",
        "verdict",
        "escalations",
        "improvement",
        "closed",
    ),
}
_LEDGER_KEYS = (
    "id",
    "received_at",
    "customer",
    "origin",
    "channel",
    "source",
    "severity",
    "party",
    "summary",
    "state",
    "verdict",
    "escalations",
    "improvement_id",
    "closed_at",
)
_CALLBACKS = {
    "zh": (
        "编号",
        "类型",
        "客户",
        "服务",
        "服务单",
        "应回访时间",
        "状态",
        "结果",
        "未接通次数",
        "完成时间",
    ),
    "en": (
        "id",
        "kind",
        "customer",
        "service",
        "service record",
        "due",
        "state",
        "outcome",
        "failed attempts",
        "done",
    ),
}
_CALLBACK_KEYS = (
    "id",
    "kind",
    "customer",
    "service",
    "service_record_id",
    "due_at",
    "state",
    "outcome",
    "attempts",
    "done_at",
)


def render_xlsx(data: dict[str, Any], path: Path) -> None:
    """Write the workbook to ``path``.

    :raises ModuleNotFoundError: without openpyxl.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    lang: Lang = data["lang"]
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "汇总" if lang == "zh" else "Summary"
    c, s, sla = data["complaints"], data["satisfaction"], data["sla"]
    rows: list[tuple[object, ...]] = [
        (data["title"],),
        (heading("period", lang), data["period"]["from"], data["period"]["to"]),
        (heading("customer", lang), data["customer"] or heading("all_customers", lang)),
        (),
        (heading("complaints", lang), c["total"]),
        (heading("escalations", lang), c["escalations"]),
        (heading("fulfilment", lang), sla["fulfilment"]),
        (heading("target", lang), s["target"]),
        (),
        (heading("channel", lang), "n", heading("csat", lang), heading("margin", lang)),
        *((r["label"], r["n"], r["csat"], r["margin"]) for r in s["channels"]),
    ]
    for row in rows:
        summary.append(list(row))
    summary["A1"].font = Font(bold=True, size=14)
    ledger = book.create_sheet("投诉台账" if lang == "zh" else "Complaint ledger")
    ledger.append(list(_LEDGER[lang]))
    for entry in c["ledger"]:
        ledger.append([entry[k] for k in _LEDGER_KEYS])
    register = book.create_sheet("回访登记表" if lang == "zh" else "Callback register")
    register.append(list(_CALLBACKS[lang]))
    for entry in s["callbacks"]:
        register.append([entry[k] for k in _CALLBACK_KEYS])
    for sheet in (ledger, register):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    book.save(path)
