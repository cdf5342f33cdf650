"""The four seed records, built from the folded facts: their fields, tables and labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from itsm_core.complaints._fold import Facts
from itsm_core.complaints._seed import RecordField, RecordKind, RecordTable, SeedRecord
from itsm_core.complaints.enums import (
    ComplaintChannel,
    ComplaintSource,
    ComplaintState,
    EscalationLevel,
    EscalationStage,
    HandlingLevel,
    Origin,
    Severity,
    Verdict,
)
from itsm_core.improvements import ImprovementState
from itsm_core.kernel.events import REDACTED
from itsm_core.kernel.labels import Labelled

__all__ = ["BUILDERS", "CLOSE_OUTCOMES", "LABELS", "TABLE_LABELS"]


LABELS: Mapping[str, tuple[str, str]] = {
    "complaint_id": ("投诉编号", "complaint no."),
    "received_at": ("受理时间", "received at"),
    "received_by": ("受理人", "received by"),
    "source": ("投诉来源", "source"),
    "channel": ("投诉渠道", "channel"),
    "origin": ("投诉类别", "origin"),
    "severity": ("投诉级别", "severity"),
    "customer": ("客户", "customer"),
    "complainant": ("投诉人", "complainant"),
    "complainant_contact": ("投诉人联系方式", "complainant's contact"),
    "party_complained_about": ("被投诉对象", "party complained about"),
    "summary": ("投诉内容", "complaint"),
    "relationship_manager": ("用户关系经理", "relationship manager"),
    "source_ref": ("来源单据", "source reference"),
    "verdict": ("判定结果", "verdict"),
    "verdict_reason": ("判定依据", "reason for the verdict"),
    "judged_by": ("判定人", "judged by"),
    "judged_at": ("判定时间", "judged at"),
    "state": ("当前状态", "current state"),
    "project_ref": ("立项编号", "project no."),
    "registered_at": ("立项时间", "registered at"),
    "apology": ("致歉", "apology"),
    "apology_by": ("致歉人", "apologised by"),
    "apology_at": ("致歉时间", "apologised at"),
    "explanation": ("无效原因说明", "why it is invalid"),
    "business_unit": ("转交事业部", "business unit"),
    "business_unit_resolved": ("事业部是否解决", "resolved by the business unit"),
    "business_unit_result": ("事业部处理结果", "business unit's result"),
    "resolution": ("当前问题处理结果", "resolution of the immediate problem"),
    "resolved_by": ("处理人", "resolved by"),
    "resolved_at": ("解决时间", "resolved at"),
    "cause": ("原因分析", "cause analysis"),
    "improvement_requirement": ("改进要求", "improvement requirement"),
    "quality_indicators": ("质量指标", "quality indicators"),
    "improvement_owner": ("改进负责人", "improvement owner"),
    "improvement_due_at": ("改进期限", "improvement due"),
    "handled_at": ("处理完成时间", "handled at"),
    "closed_at": ("关闭时间", "closed at"),
    "closed_by": ("关闭人", "closed by"),
    "improvement_id": ("改进单号", "improvement no."),
    "improvement_unit": ("责任部门", "responsible business unit"),
    "issued_by": ("下达人", "issued by"),
    "issued_at": ("下达时间", "issued at"),
    "original_due_at": ("原定期限", "original due"),
    "due_at": ("当前期限", "current due"),
    "extensions": ("延期次数", "extensions"),
    "improvement_status": ("改进状态", "status"),
    "gm_decision": ("总经理室决定", "decision of the general manager's office"),
    "dispatched_by": ("分派人", "dispatched by"),
    "dispatched_at": ("分派时间", "dispatched at"),
    "handling_level": ("处理级别", "handling level"),
    "handler": ("投诉处理人", "incident handler"),
    "handling_result": ("处理结果", "result of the handling"),
    "feedback": ("处理结果反馈", "feedback to the complainant"),
    "feedback_at": ("反馈时间", "feedback at"),
    "callback_due_at": ("回访期限", "callback due"),
    "close_outcome": ("关闭方式", "how it closed"),
    "reopened": ("重新打开次数", "times reopened"),
    # table columns
    "at": ("时间", "at"),
    "by": ("人员", "by"),
    "finding": ("调查结果", "finding"),
    "level": ("升级至", "escalated to"),
    "stage": ("升级环节", "stage"),
    "reason": ("原因", "reason"),
    "decision": ("决定", "decision"),
    "decided_at": ("决定时间", "decided at"),
    "name": ("指标", "indicator"),
    "target": ("目标", "target"),
    "met": ("是否达标", "met"),
    "note": ("说明", "note"),
    "due_at_then": ("当时期限", "due at the time"),
    "extended_to": ("延期至", "extended to"),
    "satisfied": ("是否满意", "satisfied"),
    "reopened_flag": ("是否重新打开", "reopened"),
}

TABLE_LABELS: Mapping[str, tuple[str, str]] = {
    "findings": ("调查情况", "investigation findings"),
    "escalations": ("升级记录", "escalations"),
    "quality_indicators": ("质量指标", "quality indicators"),
    "follow_ups": ("跟进记录", "follow-ups"),
    "progress": ("改进进展", "progress reports"),
    "callbacks": ("回访记录", "callbacks"),
}

CLOSE_OUTCOMES: Mapping[str, tuple[str, str]] = {
    "invalid": ("无效投诉·解释后关闭", "invalid: closed after the explanation"),
    "satisfied": ("回访满意·关闭", "satisfied at the callback: closed"),
    "dissatisfied": ("回访不满意·注明原因关闭", "not satisfied: reason recorded, closed"),
}

_ENUMS: Mapping[str, type[Labelled]] = {
    "source": ComplaintSource,
    "channel": ComplaintChannel,
    "origin": Origin,
    "severity": Severity,
    "verdict": Verdict,
    "state": ComplaintState,
    "handling_level": HandlingLevel,
    "level": EscalationLevel,
    "stage": EscalationStage,
    "improvement_status": ImprovementState,
}

_YES_NO = {True: ("是", "yes"), False: ("否", "no")}


def _field(key: str, value: Any, label_key: str | None = None) -> RecordField:
    zh, en = LABELS[label_key or key]
    display: tuple[str, str] | None = None
    enum = _ENUMS.get(key)
    if enum is not None and isinstance(value, str) and value != REDACTED:
        try:
            member = enum(value)
        except ValueError:
            member = None
        if member is not None:
            display = (member.zh, member.en)
    elif isinstance(value, bool):
        display = _YES_NO[value]
    elif key == "close_outcome" and value in CLOSE_OUTCOMES:
        display = CLOSE_OUTCOMES[value]
    if display is None:
        return RecordField(key, zh, en, value)
    return RecordField(key, zh, en, value, display[0], display[1])


def _table(key: str, rows: Iterable[Sequence[tuple[str, Any]]]) -> RecordTable:
    zh, en = TABLE_LABELS[key]
    built = tuple(
        tuple(_field(col, value, label) for col, value, label in _cols(row)) for row in rows
    )
    return RecordTable(key, zh, en, built)


def _cols(row: Sequence[tuple[str, Any]]) -> list[tuple[str, Any, str | None]]:
    out: list[tuple[str, Any, str | None]] = []
    for col, value in row:
        label = {"due_at": "due_at_then", "reopened": "reopened_flag"}.get(col)
        out.append((col, value, label))
    return out


def _complainant(value: Any) -> tuple[Any, Any]:
    if isinstance(value, Mapping):
        name = value.get("name")
        org = value.get("organisation")
        shown = f"{name}（{org}）" if org else name
        return shown, value.get("contact") or None
    return value, value  # the redacted placeholder (or None)


def _registration(f: Facts) -> SeedRecord:
    r = f.received
    who, contact = _complainant(r.get("complainant"))
    j = f.judgement
    fields = (
        _field("complaint_id", f.complaint_id),
        _field("received_at", r.get("at")),
        _field("received_by", r.get("by")),
        _field("source", r.get("source")),
        _field("channel", r.get("channel")),
        _field("origin", r.get("origin")),
        _field("severity", f.dispatch.get("severity", r.get("severity"))),
        _field("customer", r.get("customer")),
        _field("complainant", who),
        _field("complainant_contact", contact),
        _field("party_complained_about", r.get("party_complained_about")),
        _field("summary", r.get("summary")),
        _field("relationship_manager", r.get("relationship_manager")),
        _field("source_ref", r.get("source_ref")),
        _field("verdict", j.get("verdict")),
        _field("verdict_reason", j.get("reason")),
        _field("judged_by", j.get("by")),
        _field("judged_at", j.get("at")),
        _field("state", f.complaint_state),
    )
    findings = _table(
        "findings",
        ([("at", x["at"]), ("by", x["by"]), ("finding", x["finding"])] for x in f.findings),
    )
    return SeedRecord(RecordKind.REGISTRATION_FORM, f.complaint_id, f.version, fields, (findings,))


def _indicators(item: Mapping[str, Any]) -> list[str]:
    return [f"{q['name']}: {q['target']}" for q in item.get("quality_indicators", ())]


def _escalation_table(f: Facts) -> RecordTable:
    cols = ("at", "by", "level", "stage", "reason", "decision", "decided_at")
    return _table("escalations", ([(c, e.get(c)) for c in cols] for e in f.escalations))


def _handling_report(f: Facts) -> SeedRecord:
    r, j, item = f.received, f.judgement, f.improvement
    fields = (
        _field("complaint_id", f.complaint_id),
        _field("received_at", r.get("at")),
        _field("customer", r.get("customer")),
        _field("party_complained_about", r.get("party_complained_about")),
        _field("summary", r.get("summary")),
        _field("origin", r.get("origin")),
        _field("severity", f.dispatch.get("severity", r.get("severity"))),
        _field("handler", f.dispatch.get("handler")),
        _field("verdict", j.get("verdict")),
        _field("verdict_reason", j.get("reason")),
        _field("explanation", f.explanation),
        _field("business_unit", j.get("business_unit") or f.business_unit.get("business_unit")),
        _field("business_unit_resolved", f.business_unit.get("resolved")),
        _field("business_unit_result", f.business_unit.get("result")),
        _field("project_ref", f.registration.get("project_ref")),
        _field("registered_at", f.registration.get("at")),
        _field("apology", f.apology.get("text")),
        _field("apology_by", f.apology.get("by")),
        _field("apology_at", f.apology.get("at")),
        _field("resolution", f.resolution.get("text")),
        _field("resolved_by", f.resolution.get("by")),
        _field("resolved_at", f.resolution.get("at")),
        _field("cause", item.get("cause")),
        _field("improvement_requirement", item.get("description")),
        _field("quality_indicators", _indicators(item) if item else None),
        _field("improvement_owner", item.get("owner")),
        _field("improvement_unit", item.get("business_unit") or None),
        _field("issued_at", item.get("issued_at")),
        _field("improvement_due_at", f.improvement_due),
        _field("improvement_status", f.improvement_status),
        _field("handled_at", f.handled_at),
        _field("closed_at", f.closure.get("at")),
        _field("state", f.complaint_state),
    )
    return SeedRecord(
        RecordKind.HANDLING_REPORT, f.complaint_id, f.version, fields, (_escalation_table(f),)
    )


def _tracking_sheet(f: Facts) -> SeedRecord:
    item = f.improvement
    fields = (
        _field("complaint_id", f.complaint_id),
        _field("improvement_id", item.get("id")),
        _field("improvement_requirement", item.get("description")),
        _field("cause", item.get("cause")),
        _field("improvement_owner", item.get("owner")),
        _field("improvement_unit", item.get("business_unit") or None),
        _field("issued_by", item.get("issued_by")),
        _field("issued_at", item.get("issued_at")),
        _field("original_due_at", item.get("due_at")),
        _field("due_at", f.improvement_due),
        _field("extensions", f.extensions),
        _field("improvement_status", f.improvement_status),
        _field("gm_decision", f.improvement_decision),
        _field("closed_at", f.closure.get("at")),
    )
    indicators = _table(
        "quality_indicators",
        (
            [("name", q["name"]), ("target", q["target"])]
            for q in item.get("quality_indicators", ())
        ),
    )
    cols = ("at", "by", "met", "note", "due_at", "extended_to")
    follow_ups = _table("follow_ups", ([(c, x[c]) for c in cols] for x in f.follow_ups))
    progress = _table(
        "progress", ([("at", x["at"]), ("by", x["by"]), ("note", x["note"])] for x in f.progress)
    )
    return SeedRecord(
        RecordKind.IMPROVEMENT_TRACKING_SHEET,
        f.complaint_id,
        f.version,
        fields,
        (indicators, follow_ups, progress),
    )


def _handling_result(f: Facts) -> Any:
    """What the handling achieved, for the supervision complaint record.

    The explanation of an invalid complaint; the resolution of the immediate
    problem; else the decision of the general manager's office on an
    unresolved problem or transfer; else the business unit's result.
    """
    if f.explanation is not None:
        return f.explanation
    if f.resolution.get("text") is not None:
        return f.resolution["text"]
    handling = (EscalationStage.RESOLUTION.value, EscalationStage.TRANSFER.value)
    for esc in reversed(f.escalations):
        if esc["stage"] in handling and esc.get("decision"):
            return esc["decision"]
    return f.business_unit.get("result")


def _supervision(f: Facts) -> SeedRecord:
    r, d = f.received, f.dispatch
    who, _contact = _complainant(r.get("complainant"))
    fields = (
        _field("complaint_id", f.complaint_id),
        _field("received_at", r.get("at")),
        _field("received_by", r.get("by")),
        _field("channel", r.get("channel")),
        _field("customer", r.get("customer")),
        _field("complainant", who),
        _field("party_complained_about", r.get("party_complained_about")),
        _field("summary", r.get("summary")),
        _field("severity", d.get("severity", r.get("severity"))),
        _field("relationship_manager", r.get("relationship_manager")),
        _field("dispatched_by", d.get("by")),
        _field("dispatched_at", d.get("at")),
        _field("handling_level", d.get("handling_level")),
        _field("handler", d.get("handler")),
        _field("verdict", f.judgement.get("verdict")),
        _field("handling_result", _handling_result(f)),
        _field("handled_at", f.handled_at),
        _field("feedback", f.feedback.get("text")),
        _field("feedback_at", f.feedback.get("at")),
        _field("callback_due_at", f.callback_due_at),
        _field("reopened", f.reopened),
        _field("close_outcome", f.closure.get("outcome")),
        _field("closed_by", f.closure.get("by")),
        _field("closed_at", f.closure.get("at")),
        _field("state", f.complaint_state),
    )
    cols = ("at", "by", "satisfied", "reason", "reopened")
    callbacks = _table("callbacks", ([(c, x[c]) for c in cols] for x in f.callbacks))
    return SeedRecord(
        RecordKind.SUPERVISION_RECORD,
        f.complaint_id,
        f.version,
        fields,
        (_escalation_table(f), callbacks),
    )


BUILDERS: Mapping[RecordKind, Callable[[Facts], SeedRecord]] = {
    RecordKind.REGISTRATION_FORM: _registration,
    RecordKind.HANDLING_REPORT: _handling_report,
    RecordKind.IMPROVEMENT_TRACKING_SHEET: _tracking_sheet,
    RecordKind.SUPERVISION_RECORD: _supervision,
}
