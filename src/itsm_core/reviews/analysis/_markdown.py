"""Markdown of the review pack, the trend analysis and the progress report (internal)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from itsm_core.complaints.enums import ComplaintSource, Verdict
from itsm_core.improvements.enums import ImprovementState
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.labels import Labelled, Language
from itsm_core.satisfaction.enums import Channel
from itsm_core.sla.agreements import TargetKind

if TYPE_CHECKING:
    from itsm_core.reviews.analysis.pack import Count, ReviewPack
    from itsm_core.reviews.analysis.progress import ProgressContent
    from itsm_core.reviews.analysis.trends import Finding, TrendAnalysis

__all__ = ["describe_finding", "pack_markdown", "progress_markdown", "trend_markdown"]

DASH = "—"


def _lang(lang: object) -> Language:
    if lang == "zh":
        return "zh"
    if lang == "en":
        return "en"
    raise ValidationError(f"lang must be 'zh' or 'en', got {lang!r}", field="lang")


def _t(lang: Language, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _num(value: float | None, digits: int = 1) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def _when(value: datetime | None, zone: tzinfo | None = None) -> str:
    """An instant on the wall clock of ``zone`` (the report's), to the minute."""
    if value is None:
        return DASH
    return (value if zone is None else value.astimezone(zone)).isoformat(timespec="minutes")


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _label(enum: type[Labelled], code: str | None, lang: Language) -> str:
    if code is None:
        return _t(lang, "未判定", "not judged yet")
    try:
        return enum(code).label(lang)
    except ValueError:
        return code


def _counts(
    counts: Sequence[Count], lang: Language, label: Callable[[str | None], str]
) -> str:
    if not counts:
        return _t(lang, "无", "none")
    sep = "，" if lang == "zh" else ", "
    return sep.join(f"{label(c.value)} {c.count}" for c in counts)


def _period(periods: Sequence[str]) -> str:
    return periods[0] if len(periods) == 1 else f"{periods[0]} – {periods[-1]}"


# ---------------------------------------------------------------- the pack


def pack_markdown(pack: ReviewPack, lang: object = "zh") -> str:
    """The review pack as Markdown."""
    lg = _lang(lang)
    out = [
        f"# {_t(lg, '服务回顾资料', 'Service review pack')}: {pack.customer}",
        "",
        f"- {_t(lg, '周期', 'Period')}: {_period(pack.periods)}",
        f"- {_t(lg, '服务', 'Services')}: "
        f"{', '.join(pack.services) if pack.services else _t(lg, '全部', 'all')}",
    ]
    if pack.review_id:
        out.append(f"- {_t(lg, '服务回顾', 'Service review')}: {pack.review_id}")
    zone = pack.start.tzinfo
    when = pack.compiled_at
    out += [f"- {_t(lg, '编制', 'Compiled')}: {pack.compiled_by}, {_when(when, zone)}", ""]

    out += [f"## {_t(lg, 'SLA 达成情况', 'SLA fulfilment')}", ""]
    if pack.sla:
        out += _table(
            [
                _t(lg, "时限", "Target"),
                _t(lg, "已结算", "Measured"),
                _t(lg, "达成", "Met"),
                _t(lg, "违约", "Breached"),
                _t(lg, "达成率 %", "Fulfilment %"),
                _t(lg, "超时合计（工作小时）", "Lateness total (business h)"),
                _t(lg, "最长超时", "Longest lateness"),
                _t(lg, "违约未结", "Breached, still open"),
            ],
            [
                (
                    s.target.label(lg), s.measured, s.met, s.breached, _num(s.fulfilment),
                    _num(s.lateness_hours), _num(s.max_lateness_hours), s.breached_open,
                )
                for s in pack.sla
            ],
        )  # fmt: skip
    else:
        out.append(_t(lg, "本期无 SLA 计时结算。", "No SLA clock settled in the period."))
    out.append("")

    c = pack.complaints
    out += [
        f"## {_t(lg, '客户投诉', 'Complaints')}",
        "",
        f"- {_t(lg, '受理', 'Received')}: {c.received}; {_t(lg, '已关闭', 'closed')}: {c.closed}; "
        f"{_t(lg, '未关闭', 'open')}: {c.open}",
        f"- {_t(lg, '升级', 'Escalated')}: {c.escalated} "
        f"({_t(lg, '升级次数', 'escalations')} {c.escalations})",
        f"- {_t(lg, '按判定', 'By verdict')}: "
        f"{_counts(c.by_verdict, lg, lambda v: _label(Verdict, v, lg))}",
        f"- {_t(lg, '按来源', 'By source')}: "
        f"{_counts(c.by_source, lg, lambda v: _label(ComplaintSource, v, lg))}",
        f"- {_t(lg, '按被投诉对象', 'By party complained about')}: "
        f"{_counts(c.by_party, lg, lambda v: v or DASH)}",
        f"- {_t(lg, '投诉改进项', 'Complaint improvement items')}: "
        f"{_t(lg, '未完成', 'open')} {c.improvements_open}, "
        f"{_t(lg, '已逾期', 'overdue')} {c.improvements_overdue}",
        "",
    ]

    out += [f"## {_t(lg, '客户满意度', 'Satisfaction')}", ""]
    if pack.satisfaction:
        out += _table(
            [
                _t(lg, "服务", "Service"),
                _t(lg, "渠道", "Channel"),
                _t(lg, "样本", "n"),
                _t(lg, "满意率 %", "CSAT %"),
                _t(lg, "目标", "Target"),
                _t(lg, "偏差", "Deviation"),
                _t(lg, "级别", "Level"),
                _t(lg, "措施", "Measures"),
                _t(lg, "趋势", "Trend"),
                "p",
            ],
            [
                (
                    s.service or DASH, _label(Channel, s.channel, lg) if s.channel else DASH, s.n,
                    _num(s.csat), _num(s.target), _num(s.deviation),
                    s.level.label(lg) if s.level else DASH, s.measures or DASH,
                    s.trend.label(lg), _num(s.p_value, 3),
                )
                for s in pack.satisfaction
            ],
        )  # fmt: skip
    else:
        out.append(_t(lg, "本期无满意度数据。", "No satisfaction responses in the period."))
    out.append("")

    imp = pack.improvements
    out += [
        f"## {_t(lg, '未完成的改进项', 'Open improvement items')}",
        "",
        f"- {_t(lg, '未完成', 'Open')}: {imp.open}; {_t(lg, '已逾期', 'overdue')}: {imp.overdue}",
        "",
    ]
    if imp.items:
        out += _table(
            [
                "ID",
                _t(lg, "来源", "Source"),
                _t(lg, "状态", "State"),
                _t(lg, "改进要求", "Requirement"),
                _t(lg, "负责人", "Owner"),
                _t(lg, "期限", "Due"),
                _t(lg, "逾期", "Overdue"),
            ],
            [
                (
                    i.id, i.source_kind.label(lg), i.state.label(lg), i.description, i.owner,
                    _when(i.due_at, zone), _t(lg, "是", "yes") if i.overdue else _t(lg, "否", "no"),
                )
                for i in imp.items
            ],
        )  # fmt: skip
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- trends


def describe_finding(finding: Finding, lang: object = "zh") -> str:
    """A sentence on a finding."""
    lg = _lang(lang)
    kind = finding.kind.value
    span = _period(finding.periods) if finding.periods else ""
    if kind == "recurring_party":
        n = int(finding.figure("complaints") or 0)
        return _t(
            lg,
            f"{finding.subject} 在 {span} 被投诉 {n} 次（不含无效投诉）",
            f"{finding.subject} was complained about {n} times in {span} "
            "(invalid ones not counted)",
        )
    if kind == "complaints_rising":
        last = finding.periods[-1] if finding.periods else ""
        n = int(finding.figure("complaints", last) or 0)
        return _t(
            lg,
            f"{last} 受理投诉 {n} 件，高于 {span} 的其他各月",
            f"{n} complaints received in {last}, more than in any other month of {span}",
        )
    if kind in ("satisfaction_declined", "sla_breaches_rising"):
        first, last = (finding.periods[0], finding.periods[-1]) if finding.periods else ("", "")
        name = "csat" if kind == "satisfaction_declined" else "breach_rate"
        before, after = finding.figure(name, first), finding.figure(name, last)
        p = _num(finding.figure("p_value"), 3)
        if kind == "satisfaction_declined":
            return _t(
                lg,
                f"服务 {finding.subject} 满意率 {first} {_num(before)}% → {last} {_num(after)}%"
                f"（显著下降，p={p}）",
                f"CSAT of {finding.subject} {first} {_num(before)}% → {last} {_num(after)}% "
                f"(significant decline, p={p})",
            )
        label = _label(TargetKind, finding.subject, lg)
        return _t(
            lg,
            f"{label} 违约率 {first} {_num(before)}% → {last} {_num(after)}%（显著上升，p={p}）",
            f"{label} breach rate {first} {_num(before)}% → {last} {_num(after)}% "
            f"(significant rise, p={p})",
        )
    return _t(lg, f"服务回顾 {finding.subject}：{finding.description}",
              f"Service review {finding.subject}: {finding.description}")  # fmt: skip


def trend_markdown(analysis: TrendAnalysis, lang: object = "zh") -> str:
    """The trend analysis as Markdown."""
    lg = _lang(lang)
    who = analysis.customer or _t(lg, "全部客户", "all customers")
    out = [
        f"# {_t(lg, '结果与趋势分析', 'Result and trend analysis')}: {who}",
        "",
        f"- {_t(lg, '周期', 'Period')}: {_period(analysis.periods)}",
        f"- {_t(lg, '分析', 'Run')}: {analysis.run_by}, {_when(analysis.run_at)}",
        "",
        f"## {_t(lg, '发现', 'Findings')}",
        "",
    ]
    if analysis.findings:
        for f in analysis.findings:
            item = (
                f" → {_t(lg, '改进项', 'improvement item')} {f.item_id}" if f.item_id else ""
            )
            out.append(f"- `{f.key}` {f.kind.label(lg)}: {f.describe(lg)}{item}")
    else:
        out.append(_t(lg, "无。", "None."))
    out += ["", f"## {_t(lg, '投诉（按月）', 'Complaints by month')}", ""]
    out += _table(
        [
            _t(lg, "月份", "Month"),
            _t(lg, "受理", "Received"),
            _t(lg, "关闭", "Closed"),
            _t(lg, "平均关闭时长（小时）", "Mean time to close (h)"),
            _t(lg, "最长（小时）", "Longest (h)"),
        ],
        [
            (m.period, m.received, m.closed, _num(m.mean_hours_to_close),
             _num(m.max_hours_to_close))
            for m in analysis.complaint_months
        ],
    )  # fmt: skip
    out += ["", f"## {_t(lg, '被投诉对象', 'Parties complained about')}", ""]
    if analysis.parties:
        out += _table(
            [_t(lg, "对象", "Party"), _t(lg, "投诉", "Complaints"),
             _t(lg, "计入（非无效）", "Counted (not invalid)"), _t(lg, "来源", "Sources")],
            [
                (p.party, p.complaints, p.counted,
                 _counts(p.by_source, lg, lambda v: _label(ComplaintSource, v, lg)))
                for p in analysis.parties
            ],
        )  # fmt: skip
    else:
        out.append(_t(lg, "无投诉。", "No complaints."))
    out += ["", f"## {_t(lg, '满意度趋势', 'Satisfaction trend')}", ""]
    if analysis.satisfaction:
        out += _table(
            [_t(lg, "服务", "Service"), _t(lg, "首月", "First month"), _t(lg, "末月", "Last month"),
             _t(lg, "满意率变化", "CSAT change"), "p", _t(lg, "趋势", "Trend")],
            [
                (s.service, f"{s.first_period} {_num(s.first_csat)}% (n={s.first_n})",
                 f"{s.last_period} {_num(s.last_csat)}% (n={s.last_n})",
                 DASH if s.first_csat is None or s.last_csat is None
                 else f"{s.last_csat - s.first_csat:+.1f}",
                 _num(s.p_value, 3), s.trend.label(lg))
                for s in analysis.satisfaction
            ],
        )  # fmt: skip
    else:
        out.append(_t(lg, "无满意度数据。", "No satisfaction responses."))
    out += ["", f"## {_t(lg, 'SLA 违约趋势', 'SLA breach trend')}", ""]
    if analysis.sla_months:
        out += _table(
            [_t(lg, "月份", "Month"), _t(lg, "时限", "Target"), _t(lg, "已结算", "Measured"),
             _t(lg, "违约", "Breached"), _t(lg, "违约率 %", "Breach rate %")],
            [
                (m.period, m.target.label(lg), m.measured, m.breached, _num(m.breach_rate))
                for m in analysis.sla_months
            ],
        )  # fmt: skip
    else:
        out.append(_t(lg, "无 SLA 计时结算。", "No SLA clock settled."))
    out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- progress


def _on_time(value: bool | None, lang: Language) -> str:
    if value is None:
        return _t(lang, "进行中/不适用", "pending / n.a.")
    return _t(lang, "按期", "on time") if value else _t(lang, "未按期", "late")


def progress_markdown(content: ProgressContent, lang: object = "zh") -> str:
    """The improvement progress report as Markdown."""
    lg = _lang(lang)
    zone = content.start.tzinfo
    out = [
        f"# {_t(lg, '服务改进情况报告', 'Service improvement progress report')}: "
        f"{content.customer}",
        "",
        f"- {_t(lg, '周期', 'Period')}: {_period(content.periods)}",
        f"- {_t(lg, '编制时间', 'Compiled')}: {_when(content.compiled_at, zone)}",
        f"- {_t(lg, '改进项', 'Items')}: {len(content.items)}; "
        f"{_t(lg, '按期完成', 'done on time')} {content.done_on_time}; "
        f"{_t(lg, '未按期', 'late')} {content.late}",
        f"- {_t(lg, '按状态', 'By state')}: "
        f"{_counts(content.by_state, lg, lambda v: _label(ImprovementState, v, lg))}",
        "",
    ]
    for item in content.items:
        out += [
            f"## {item.id}: {item.description}",
            "",
            f"- {_t(lg, '来源', 'Source')}: {item.source_kind.label(lg)}",
            f"- {_t(lg, '质量指标', 'Quality indicators')}: {'; '.join(item.quality_indicators)}",
            f"- {_t(lg, '负责人', 'Owner')}: {item.owner}",
            f"- {_t(lg, '状态', 'State')}: {item.state.label(lg)}",
            f"- {_t(lg, '提出', 'Raised')}: {_when(item.issued_at, zone)}; "
            f"{_t(lg, '期限', 'due')}: {_when(item.due_at, zone)}; "
            f"{_t(lg, '完成', 'concluded')}: {_when(item.concluded_at, zone)}",
            f"- {_t(lg, '延期次数', 'Extensions')}: {item.extensions}; "
            f"{_t(lg, '是否按期', 'On time')}: {_on_time(item.on_time, lg)}",
        ]
        if item.decision:
            out.append(f"- {_t(lg, '总经理室决定', 'Decision of the GM office')}: {item.decision}")
        for note in item.progress:
            stamp = _when(note.at, zone)
            out.append(f"- {_t(lg, '进展', 'Progress')} {stamp} ({note.by}): {note.note}")
        for fu in item.follow_ups:
            verdict = _t(lg, "达标", "met") if fu.met else _t(lg, "未达标", "not met")
            out.append(
                f"- {_t(lg, '跟踪', 'Follow-up')} {_when(fu.at, zone)} ({fu.by}, {verdict}): "
                f"{fu.note}"
            )
        out.append("")
    if not content.items:
        out += [_t(lg, "本期无改进项。", "No improvement item in the period."), ""]
    return "\n".join(out)
