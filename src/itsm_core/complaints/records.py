"""The four seed records, rebuilt from a complaint's history (留痕).

The source documents name four records of complaint handling:

- 投诉事件登记表 (complaint registration form, 000 §7.2.3.2-3): what was
  received, from whom, through which channel, the findings and the verdict;
- 投诉处理报告 (complaint handling report, 000 §7.2.3.4-5): the handling on
  each path and who handled it, escalations and decisions, the cause and the
  improvement required of which business unit, with its quality indicators
  and period;
- 改进跟踪单 (improvement tracking sheet, 000 §7.2.3.5): the requirement, its
  quality indicators, owner and period, and every follow-up;
- 监督投诉记录表 (supervision complaint record, 003 §3.3): receipt (who
  received it, through which channel, about whom), dispatch, handling level
  and handler, the result of the handling, feedback, callbacks and closure.

Each is built by folding the complaint's events (oldest first), not from its
current state: the history is the audit trail and is enough to rebuild them.
The result is data — :class:`SeedRecord` with :class:`RecordField` values and
:class:`RecordTable` rows, every label in Chinese and English — for an
application to render as it likes. Build records from *redacted* events for
anyone but the complaint specialist (the service does).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

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
from itsm_core.improvements import ImprovementStatus
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import REDACTED, DomainEvent
from itsm_core.kernel.labels import Labelled, Language

__all__ = [
    "RecordField",
    "RecordKind",
    "RecordTable",
    "SeedRecord",
    "build_record",
    "build_records",
]


class RecordKind(Labelled):
    """The four seed records of complaint handling."""

    REGISTRATION_FORM = "registration_form", "投诉事件登记表", "complaint registration form"
    HANDLING_REPORT = "handling_report", "投诉处理报告", "complaint handling report"
    IMPROVEMENT_TRACKING_SHEET = (
        "improvement_tracking_sheet",
        "改进跟踪单",
        "improvement tracking sheet",
    )
    SUPERVISION_RECORD = "supervision_record", "监督投诉记录表", "supervision complaint record"


@attrs.frozen
class RecordField:
    """One labelled value of a record.

    :param key: the field's code, e.g. ``"received_at"``.
    :param zh: its Chinese label.
    :param en: its English label.
    :param value: the JSON-able value (ISO strings for instants, codes for enums).
    :param display_zh: the value's Chinese display, when it differs from ``value``.
    :param display_en: the value's English display, when it differs from ``value``.
    """

    key: str
    zh: str
    en: str
    value: Any
    display_zh: str | None = None
    display_en: str | None = None

    def label(self, lang: Language = "zh") -> str:
        """Return the field's label in ``lang``."""
        return _lang(lang, self.zh, self.en)

    def display(self, lang: Language = "zh") -> Any:
        """Return the value as shown in ``lang`` (the label of an enumerated value)."""
        shown = _lang(lang, self.display_zh or "", self.display_en or "")
        return shown or self.value

    def to_dict(self) -> dict[str, Any]:
        """Return the field as JSON-able data."""
        data: dict[str, Any] = {"key": self.key, "zh": self.zh, "en": self.en, "value": self.value}
        if self.display_zh is not None:
            data["display"] = {"zh": self.display_zh, "en": self.display_en}
        return data


@attrs.frozen
class RecordTable:
    """A table of a record (findings, follow-ups, callbacks...): labelled columns and rows.

    :param key: the table's code.
    :param zh: its Chinese title.
    :param en: its English title.
    :param rows: each row a tuple of :class:`RecordField`, one per column.
    """

    key: str
    zh: str
    en: str
    rows: tuple[tuple[RecordField, ...], ...] = ()

    def label(self, lang: Language = "zh") -> str:
        """Return the table's title in ``lang``."""
        return _lang(lang, self.zh, self.en)

    def to_dict(self) -> dict[str, Any]:
        """Return the table as JSON-able data."""
        return {
            "key": self.key,
            "zh": self.zh,
            "en": self.en,
            "rows": [[f.to_dict() for f in row] for row in self.rows],
        }


@attrs.frozen
class SeedRecord:
    """One seed record of one complaint, as of a version of its history.

    :param kind: which record.
    :param complaint_id: the complaint.
    :param version: the complaint version the record reflects (its last event).
    :param fields: the labelled fields, in form order.
    :param tables: the labelled tables, in form order.
    """

    kind: RecordKind
    complaint_id: str
    version: int
    fields: tuple[RecordField, ...]
    tables: tuple[RecordTable, ...] = ()

    def title(self, lang: Language = "zh") -> str:
        """Return the record's title in ``lang``."""
        return self.kind.label(lang)

    def field(self, key: str) -> RecordField:
        """Return the field ``key``.

        :raises ValidationError: naming the record's fields when there is none such.
        """
        for f in self.fields:
            if f.key == key:
                return f
        allowed = ", ".join(f.key for f in self.fields)
        raise ValidationError(f"{self.kind.en} has no field {key!r}; fields: {allowed}", field=key)

    def value(self, key: str) -> Any:
        """Return the value of the field ``key``."""
        return self.field(key).value

    def table(self, key: str) -> RecordTable:
        """Return the table ``key``.

        :raises ValidationError: naming the record's tables when there is none such.
        """
        for t in self.tables:
            if t.key == key:
                return t
        allowed = ", ".join(t.key for t in self.tables) or "none"
        raise ValidationError(f"{self.kind.en} has no table {key!r}; tables: {allowed}", field=key)

    def as_mapping(self, lang: Language = "zh") -> dict[str, Any]:
        """Return ``{label: display value}`` of the fields, and each table as a list of rows."""
        out: dict[str, Any] = {f.label(lang): f.display(lang) for f in self.fields}
        for t in self.tables:
            out[t.label(lang)] = [{f.label(lang): f.display(lang) for f in row} for row in t.rows]
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-able data with both languages' labels."""
        return {
            "kind": self.kind.value,
            "title": {"zh": self.kind.zh, "en": self.kind.en},
            "complaint_id": self.complaint_id,
            "version": self.version,
            "fields": [f.to_dict() for f in self.fields],
            "tables": [t.to_dict() for t in self.tables],
        }


def _lang(lang: Language, zh: str, en: str) -> str:
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    raise ValidationError(f"unknown language {lang!r}; allowed: 'zh', 'en'", field="lang")


# Field labels: key -> (zh, en)
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
    "improvement_status": ImprovementStatus,
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


@attrs.define
class _Facts:
    """What the history says so far (the fold's accumulator)."""

    complaint_id: str = ""
    version: int = 0
    state: str | None = None
    received: dict[str, Any] = attrs.field(factory=dict)
    dispatch: dict[str, Any] = attrs.field(factory=dict)
    findings: list[dict[str, Any]] = attrs.field(factory=list)
    judgement: dict[str, Any] = attrs.field(factory=dict)
    apology: dict[str, Any] = attrs.field(factory=dict)
    explanation: str | None = None
    business_unit: dict[str, Any] = attrs.field(factory=dict)
    registration: dict[str, Any] = attrs.field(factory=dict)
    resolution: dict[str, Any] = attrs.field(factory=dict)
    escalations: list[dict[str, Any]] = attrs.field(factory=list)
    improvement: dict[str, Any] = attrs.field(factory=dict)
    follow_ups: list[dict[str, Any]] = attrs.field(factory=list)
    progress: list[dict[str, Any]] = attrs.field(factory=list)
    improvement_status: str | None = None
    improvement_due: str | None = None
    improvement_decision: str | None = None
    extensions: int = 0
    handled_at: str | None = None
    callback_due_at: str | None = None
    feedback: dict[str, Any] = attrs.field(factory=dict)
    callbacks: list[dict[str, Any]] = attrs.field(factory=list)
    reopened: int = 0
    closure: dict[str, Any] = attrs.field(factory=dict)


def _fold(events: Iterable[DomainEvent]) -> _Facts:
    facts = _Facts()
    for ev in events:
        if ev.aggregate_kind != "complaint":
            raise ValidationError(
                f"seed records are built from complaint events; got a {ev.aggregate_kind!r} event",
                field="events",
            )
        if facts.complaint_id and ev.aggregate_id != facts.complaint_id:
            raise ValidationError(
                "seed records are built from the events of one complaint", field="events"
            )
        facts.complaint_id = ev.aggregate_id
        facts.version = ev.aggregate_version
        p = dict(ev.payload)
        at = ev.occurred_at.isoformat()
        who = ev.actor_id
        facts.state = p.get("to", facts.state)
        name = ev.name.split(".", 1)[1]
        _apply(facts, name, p, at, who)
    if not facts.complaint_id:
        raise ValidationError(
            "no events: a seed record needs the complaint's history", field="events"
        )
    return facts


def _apply(facts: _Facts, name: str, p: dict[str, Any], at: str, who: str) -> None:
    if name == "received":
        facts.received = {**p, "at": at, "by": who}
    elif name == "dispatched":
        facts.dispatch = {**p, "at": at, "by": who}
        if p.get("relationship_manager") and not facts.received.get("relationship_manager"):
            # received without one: the dispatching relationship manager took it
            facts.received["relationship_manager"] = p["relationship_manager"]
        if p.get("escalated_to"):
            facts.escalations.append(
                {
                    "at": at,
                    "by": who,
                    "level": p["escalated_to"],
                    "stage": EscalationStage.DISPATCH.value,
                    "reason": "major complaint (003 §3.3 b)",
                    "decision": None,
                    "decided_at": None,
                }
            )
    elif name == "finding_recorded":
        facts.findings.append({"at": at, "by": who, "finding": p.get("finding")})
    elif name == "judged":
        facts.judgement = {**p, "at": at, "by": who}
    elif name == "explained":
        facts.apology = {"text": p.get("apology"), "at": at, "by": who}
        facts.explanation = p.get("explanation")
    elif name in ("business_unit_resolved", "business_unit_unresolved"):
        facts.business_unit = {**p, "resolved": name == "business_unit_resolved", "at": at}
        if name == "business_unit_unresolved":
            facts.escalations.append(
                _escalation(at, who, EscalationStage.TRANSFER, p.get("result"))
            )
        else:
            facts.handled_at, facts.callback_due_at = at, p.get("callback_due_at")
    elif name == "registered":
        facts.registration = {"project_ref": p.get("project_ref"), "at": at, "by": who}
    elif name == "apologised":
        facts.apology = {"text": p.get("apology"), "at": at, "by": who}
    elif name == "resolved":
        facts.resolution = {"text": p.get("resolution"), "at": at, "by": who}
    elif name == "escalated":
        facts.escalations.append(_escalation(at, who, EscalationStage.RESOLUTION, p.get("reason")))
    elif name == "gm_decided":
        for esc in reversed(facts.escalations):
            if (
                esc["level"] == EscalationLevel.GENERAL_MANAGER_OFFICE.value
                and not esc["decided_at"]
            ):
                esc.update(decision=p.get("decision"), decided_at=at)
                break
        if p.get("stage") == EscalationStage.IMPROVEMENT.value:
            if p.get("extended_to"):  # the office granted a new period
                facts.improvement_status = ImprovementStatus.EXTENDED.value
                facts.improvement_due = p.get("extended_to")
                facts.extensions += 1
            else:
                facts.improvement_status = ImprovementStatus.DECIDED.value
            facts.improvement_decision = p.get("decision")
        if p.get("to") == ComplaintState.HANDLED.value:
            facts.handled_at, facts.callback_due_at = at, p.get("callback_due_at")
    elif name == "improvement_required":
        item = dict(p.get("improvement") or {})
        facts.improvement = item
        facts.follow_ups, facts.progress = [], []
        facts.improvement_status = item.get("status")
        facts.improvement_due = item.get("due_at")
        facts.improvement_decision = None
        facts.extensions = 0
    elif name == "improvement_progress_reported":
        facts.progress.append({"at": at, "by": who, "note": p.get("note")})
    elif name in ("improvement_met", "improvement_extended", "improvement_escalated"):
        facts.follow_ups.append(
            {
                "at": at,
                "by": who,
                "met": bool(p.get("met")),
                "note": p.get("note"),
                "due_at": p.get("due_at"),
                "extended_to": p.get("extended_to"),
            }
        )
        if name == "improvement_met":
            facts.improvement_status = ImprovementStatus.MET.value
            facts.handled_at, facts.callback_due_at = at, p.get("callback_due_at")
        elif name == "improvement_extended":
            facts.improvement_status = ImprovementStatus.EXTENDED.value
            facts.improvement_due = p.get("extended_to")
            facts.extensions += 1
        else:
            facts.improvement_status = ImprovementStatus.ESCALATED.value
            facts.escalations.append(
                _escalation(at, who, EscalationStage.IMPROVEMENT, p.get("note"))
            )
    elif name == "feedback_given":
        facts.feedback = {"text": p.get("result"), "at": at, "by": who}
    elif name == "closed":
        if p.get("satisfied") is not None:
            facts.callbacks.append(_callback(at, who, p, reopened=False))
        outcome = (
            "invalid"
            if p.get("path") == "invalid" and p.get("satisfied") is None
            else ("satisfied" if p.get("satisfied") else "dissatisfied")
        )
        facts.closure = {"at": at, "by": who, "outcome": outcome}
    elif name == "reopened":
        facts.callbacks.append(_callback(at, who, p, reopened=True))
        facts.reopened += 1
        facts.judgement = {}
        facts.handled_at = facts.callback_due_at = None


def _escalation(at: str, who: str, stage: EscalationStage, reason: Any) -> dict[str, Any]:
    return {
        "at": at,
        "by": who,
        "level": EscalationLevel.GENERAL_MANAGER_OFFICE.value,
        "stage": stage.value,
        "reason": reason,
        "decision": None,
        "decided_at": None,
    }


def _callback(at: str, who: str, p: Mapping[str, Any], *, reopened: bool) -> dict[str, Any]:
    return {
        "at": at,
        "by": who,
        "satisfied": bool(p.get("satisfied")),
        "reason": p.get("reason"),
        "reopened": reopened,
    }


def _complainant(value: Any) -> tuple[Any, Any]:
    if isinstance(value, Mapping):
        name = value.get("name")
        org = value.get("organisation")
        shown = f"{name}（{org}）" if org else name
        return shown, value.get("contact") or None
    return value, value  # the redacted placeholder (or None)


def _registration(f: _Facts) -> SeedRecord:
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
        _field("state", f.state),
    )
    findings = _table(
        "findings",
        ([("at", x["at"]), ("by", x["by"]), ("finding", x["finding"])] for x in f.findings),
    )
    return SeedRecord(RecordKind.REGISTRATION_FORM, f.complaint_id, f.version, fields, (findings,))


def _indicators(item: Mapping[str, Any]) -> list[str]:
    return [f"{q['name']}: {q['target']}" for q in item.get("quality_indicators", ())]


def _escalation_table(f: _Facts) -> RecordTable:
    cols = ("at", "by", "level", "stage", "reason", "decision", "decided_at")
    return _table("escalations", ([(c, e.get(c)) for c in cols] for e in f.escalations))


def _handling_report(f: _Facts) -> SeedRecord:
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
        _field("state", f.state),
    )
    return SeedRecord(
        RecordKind.HANDLING_REPORT, f.complaint_id, f.version, fields, (_escalation_table(f),)
    )


def _tracking_sheet(f: _Facts) -> SeedRecord:
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


def _handling_result(f: _Facts) -> Any:
    """What the handling achieved, for the supervision record (003 §3.3 b).

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


def _supervision(f: _Facts) -> SeedRecord:
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
        _field("state", f.state),
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


_BUILDERS = {
    RecordKind.REGISTRATION_FORM: _registration,
    RecordKind.HANDLING_REPORT: _handling_report,
    RecordKind.IMPROVEMENT_TRACKING_SHEET: _tracking_sheet,
    RecordKind.SUPERVISION_RECORD: _supervision,
}


def build_record(kind: RecordKind | str, events: Iterable[DomainEvent]) -> SeedRecord:
    """Build one seed record from a complaint's events (oldest first).

    :param kind: which record.
    :param events: the complaint's history; pass redacted events for any
        reader but the complaint specialist.
    :raises ValidationError: for an unknown kind, no events, or events of
        another kind or of several complaints.
    """
    which = RecordKind.parse(kind, "kind")
    return _BUILDERS[which](_fold(events))


def build_records(events: Iterable[DomainEvent]) -> dict[RecordKind, SeedRecord]:
    """Build all four seed records from a complaint's events (oldest first)."""
    facts = _fold(events)
    return {kind: build(facts) for kind, build in _BUILDERS.items()}
