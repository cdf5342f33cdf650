"""The fields and tables of each seed record of a review, from the folded facts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from itsm_core.complaints.records import RecordField, RecordTable
from itsm_core.kernel.labels import Labelled
from itsm_core.reviews.enums import OpinionKind, ParticipantRole, ReviewForm, ReviewState

__all__ = ["BUILDERS", "LABELS"]

Built = tuple[tuple[RecordField, ...], tuple[RecordTable, ...]]

LABELS: Mapping[str, tuple[str, str]] = {
    "review_id": ("回顾编号", "review id"),
    "customer": ("客户", "customer"),
    "state": ("状态", "state"),
    "period_start": ("回顾期间起", "period from"),
    "period_end": ("回顾期间止", "period to"),
    "scheduled_at": ("回顾时间", "scheduled at"),
    "due_at": ("最迟举行时间", "due at"),
    "form": ("回顾方式", "form"),
    "location": ("地点", "location"),
    "third_party": ("第三方机构", "third party"),
    "scope": ("回顾范围", "scope"),
    "project_manager": ("项目经理", "project manager"),
    "planned_by": ("计划人", "planned by"),
    "prepared_by": ("安排人", "arranged by"),
    "prepared_at": ("安排时间", "arranged at"),
    "held_at": ("举行时间", "held at"),
    "held_by": ("记录人", "recorded by"),
    "record": ("回顾记录", "review record"),
    "minutes": ("纪要", "minutes"),
    "minuted_by": ("纪要整理人", "minutes by"),
    "minuted_at": ("纪要时间", "minuted at"),
    "summary": ("报告摘要", "summary"),
    "reported_by": ("报告人", "reported by"),
    "reported_at": ("报告时间", "reported at"),
    "campaigns": ("满意度调查", "satisfaction campaigns"),
    "person": ("人员", "person"),
    "role": ("角色", "role"),
    "organisation": ("单位", "organisation"),
    "attended": ("是否出席", "attended"),
    "topic": ("议题", "topic"),
    "item": ("议程", "agenda item"),
    "order": ("序号", "no."),
    "by": ("提出人", "by"),
    "kind": ("类别", "kind"),
    "text": ("内容", "text"),
    "description": ("描述", "description"),
    "service": ("服务", "service"),
    "owner": ("改进负责人", "improvement owner"),
    "quality_indicators": ("质量指标", "quality indicators"),
    "improvement_id": ("改进项编号", "improvement item"),
    "previous": ("原定时间", "previous time"),
    "reason": ("原因", "reason"),
    "at": ("时间", "at"),
}

TABLES: Mapping[str, tuple[str, str]] = {
    "reschedules": ("改期记录", "reschedules"),
    "participants": ("参与人员", "participants"),
    "topics": ("议题", "topics"),
    "agenda": ("议程", "agenda"),
    "attendance": ("出席人员", "attendance"),
    "opinions": ("情况反映、意见和建议", "situations, opinions and suggestions"),
    "problems": ("发现的问题", "problems found"),
    "actions": ("改进行动", "improvement actions"),
}


def _field(key: str, value: Any, enum: type[Labelled] | None = None) -> RecordField:
    zh, en = LABELS[key]
    if enum is not None and isinstance(value, str):
        try:
            member = enum(value)
        except ValueError:
            return RecordField(key, zh, en, value)
        return RecordField(key, zh, en, value, member.zh, member.en)
    if isinstance(value, bool):
        return RecordField(key, zh, en, value, "是" if value else "否", "yes" if value else "no")
    return RecordField(key, zh, en, value)


def _table(key: str, rows: Sequence[tuple[RecordField, ...]]) -> RecordTable:
    zh, en = TABLES[key]
    return RecordTable(key, zh, en, tuple(rows))


def _head(f: Mapping[str, Any]) -> tuple[RecordField, ...]:
    return (
        _field("review_id", f["review_id"]),
        _field("customer", f.get("customer")),
        _field("state", f.get("state"), ReviewState),
        _field("period_start", f.get("period_start")),
        _field("period_end", f.get("period_end")),
    )


def arrangement(f: Mapping[str, Any]) -> Built:
    """回顾活动安排表."""
    fields = (
        *_head(f),
        _field("scheduled_at", f.get("scheduled_at")),
        _field("due_at", f.get("due_at")),
        _field("form", f.get("form"), ReviewForm),
        _field("location", f.get("location")),
        _field("third_party", f.get("third_party")),
        _field("scope", f.get("scope")),
        _field("project_manager", f.get("project_manager")),
        _field("prepared_by", f.get("prepared_by")),
        _field("prepared_at", f.get("prepared_at")),
    )
    rows = [
        (
            _field("at", r.get("at")),
            _field("previous", r.get("previous")),
            _field("scheduled_at", r.get("scheduled_at")),
            _field("reason", r.get("reason")),
            _field("by", r.get("by")),
        )
        for r in f["reschedules"]
    ]
    return fields, (_table("reschedules", rows),)


def participant_list(f: Mapping[str, Any]) -> Built:
    """参与人员名单: the invited, and — once held — who attended (uninvited attendees too)."""
    held = f.get("held_at") is not None
    came = {a.get("person") for a in f["attended"]}
    everyone = list(f["participants"]) + [
        a
        for a in f["attended"]
        if a.get("person") not in {p.get("person") for p in f["participants"]}
    ]
    rows = []
    for p in everyone:
        row = [
            _field("person", p.get("person")),
            _field("role", p.get("role"), ParticipantRole),
            _field("organisation", p.get("organisation")),
        ]
        if held:
            row.append(_field("attended", p.get("person") in came))
        rows.append(tuple(row))
    return (*_head(f), _field("scheduled_at", f.get("scheduled_at"))), (
        _table("participants", rows),
    )


def agenda(f: Mapping[str, Any]) -> Built:
    """回顾议程: the topics and the agenda items, in order."""
    topics = [(_field("order", i), _field("topic", t)) for i, t in enumerate(f["topics"], 1)]
    items = [(_field("order", i), _field("item", t)) for i, t in enumerate(f["agenda"], 1)]
    fields = (
        *_head(f),
        _field("scheduled_at", f.get("scheduled_at")),
        _field("scope", f.get("scope")),
    )
    return fields, (_table("topics", topics), _table("agenda", items))


def review_record(f: Mapping[str, Any]) -> Built:
    """服务回顾记录: the holding, attendance and opinions."""
    fields = (
        *_head(f),
        _field("held_at", f.get("held_at")),
        _field("form", f.get("form"), ReviewForm),
        _field("held_by", f.get("held_by")),
        _field("record", f.get("record")),
    )
    attendance = [
        (_field("person", a.get("person")), _field("role", a.get("role"), ParticipantRole))
        for a in f["attended"]
    ]
    opinions = [
        (
            _field("by", o.get("by")),
            _field("kind", o.get("kind"), OpinionKind),
            _field("text", o.get("text")),
        )
        for o in f["opinions"]
    ]
    return fields, (_table("attendance", attendance), _table("opinions", opinions))


def minutes(f: Mapping[str, Any]) -> Built:
    """回顾活动纪要: the coordinator's minutes."""
    fields = (
        *_head(f),
        _field("held_at", f.get("held_at")),
        _field("minuted_by", f.get("minuted_by")),
        _field("minuted_at", f.get("minuted_at")),
        _field("minutes", f.get("minutes")),
    )
    return fields, ()


def review_report(f: Mapping[str, Any]) -> Built:
    """服务回顾报告: the summary and the problems found."""
    fields = (
        *_head(f),
        _field("held_at", f.get("held_at")),
        _field("reported_by", f.get("reported_by")),
        _field("reported_at", f.get("reported_at")),
        _field("summary", f.get("summary")),
        _field("campaigns", list(f["campaign_ids"])),
    )
    rows = [
        (_field("description", p.get("description")), _field("service", p.get("service")))
        for p in f["problems"]
    ]
    return fields, (_table("problems", rows),)


def _indicators(values: Any) -> str:
    return "; ".join(f"{q.get('name')}: {q.get('target')}" for q in values or ())


def action_plan(f: Mapping[str, Any]) -> Built:
    """服务改进行动计划: each action with its owner, indicators, due date and item."""
    fields = (
        *_head(f),
        _field("reported_by", f.get("reported_by")),
        _field("reported_at", f.get("reported_at")),
    )
    rows = [
        (
            _field("description", a.get("description")),
            _field("service", a.get("service")),
            _field("owner", a.get("owner")),
            _field("quality_indicators", _indicators(a.get("quality_indicators"))),
            _field("due_at", a.get("due_at")),
            _field("improvement_id", a.get("improvement_id")),
        )
        for a in f["actions"]
    ]
    return fields, (_table("actions", rows),)


BUILDERS: Mapping[str, Callable[[Mapping[str, Any]], Built]] = {
    "arrangement": arrangement,
    "participant_list": participant_list,
    "agenda": agenda,
    "review_record": review_record,
    "minutes": minutes,
    "review_report": review_report,
    "action_plan": action_plan,
}
"""Record kind code → its builder."""
