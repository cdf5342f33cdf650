"""An internal complainant's identity is seen by the complaint specialist alone.

Each read path is tested: the entity as another role sees it (get, find,
queries, command results), the history, the events delivered to hooks, the
seed records, and the index (a column would leak it).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from itsm_core import SYSTEM, Actor, ItsmCore, Role
from itsm_core.complaints import (
    COMPLAINT_SPEC,
    Complainant,
    ComplaintService,
    ComplaintState,
    Origin,
)
from itsm_core.improvements import IMPROVEMENT_SPEC, ImprovementItem
from itsm_core.kernel.events import REDACTED
from itsm_core.testing import RecordingNotifier

from .conftest import (
    CONTACT,
    DESK,
    GM,
    HANDLER,
    IDENTITY,
    OWNER,
    RM,
    SPECIALIST,
    TEAM_LEAD,
    at_state,
    history,
    receive,
    stored,
    walk,
)

S = ComplaintState
OTHERS = [
    RM,
    HANDLER,
    TEAM_LEAD,
    GM,
    OWNER,
    DESK,
    SYSTEM,
    Actor("qa-1", [Role.QUALITY_SPECIALIST]),
    Actor("pm-1", [Role.PROJECT_MANAGER]),
    Actor("ops-1", [Role.OPERATIONS_MANAGER, Role.OPERATIONS_DIRECTOR]),
]
FULL = [
    "dispatch",
    "finding",
    "judge_valid",
    "project",
    "resolve",
    "improve",
    "extend",
    "not_met_again",
    "decide_item",
    "feedback",
    "satisfied",
]


def dump(value: Any) -> str:
    """Everything a value would show, as text."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    elif isinstance(value, ImprovementItem):
        value = IMPROVEMENT_SPEC.to_record(value)
    elif hasattr(value, "__attrs_attrs__"):
        value = COMPLAINT_SPEC.to_record(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def leaks(value: Any) -> bool:
    text = dump(value)
    return IDENTITY in text or CONTACT in text or "运维二部" in text


@pytest.fixture
def internal(service: ComplaintService) -> str:
    c = receive(service, origin=Origin.INTERNAL)
    walk(service, c.id, FULL)
    return c.id


def test_the_specialist_sees_the_internal_complainant(
    service: ComplaintService, internal: str
) -> None:
    c = service.get(SPECIALIST, internal)
    assert c.complainant == Complainant(IDENTITY, CONTACT, "运维二部")
    assert leaks(service.history(SPECIALIST, internal))
    assert leaks(service.record(SPECIALIST, internal, "registration_form"))
    assert leaks(service.record(SPECIALIST, internal, "supervision_record"))


@pytest.mark.parametrize("actor", OTHERS, ids=lambda a: a.id)
def test_get_and_find_redact_it_for_everyone_else(
    service: ComplaintService, internal: str, actor: Actor
) -> None:
    c = service.get(actor, internal)
    assert c.complainant is Complainant.REDACTED
    assert c.complainant.is_redacted
    assert not leaks(c)
    for found in service.find(actor, customer="华东电网"):
        assert not leaks(found)
    assert all(not leaks(x) for x in service.find(actor, state=S.CLOSED))
    # the loops above must have seen the internal complaint
    assert internal in {x.id for x in service.find(actor, customer="华东电网")}
    assert internal in {x.id for x in service.find(actor, origin=Origin.INTERNAL)}


@pytest.mark.parametrize("actor", OTHERS, ids=lambda a: a.id)
def test_repr_and_str_of_what_others_see_do_not_show_it(
    service: ComplaintService, recorder: RecordingNotifier, internal: str, actor: Actor
) -> None:
    shown = [
        service.get(actor, internal),
        *service.find(actor, origin=Origin.INTERNAL),
        *service.history(actor, internal),
        *service.records(actor, internal).values(),
        *recorder.for_aggregate(internal),
    ]
    assert len(shown) > 4
    for value in shown:
        for text in (repr(value), str(value), f"{value}"):
            assert IDENTITY not in text and CONTACT not in text and "运维二部" not in text


@pytest.mark.parametrize("actor", OTHERS, ids=lambda a: a.id)
def test_the_history_is_redacted_for_everyone_else(
    service: ComplaintService, internal: str, actor: Actor
) -> None:
    events = service.history(actor, internal)
    assert len(events) == len(FULL) + 1
    received = events[0]
    assert received.payload["complainant"] == REDACTED
    assert received.confidential == frozenset({"complainant"})
    assert not any(leaks(e) for e in events)


@pytest.mark.parametrize("actor", OTHERS, ids=lambda a: a.id)
def test_every_seed_record_is_redacted_for_everyone_else(
    service: ComplaintService, internal: str, actor: Actor
) -> None:
    records = service.records(actor, internal)
    assert len(records) == 4
    for record in records.values():
        assert not leaks(record), record.kind
        assert not leaks(record.as_mapping("zh")) and not leaks(record.as_mapping("en"))
    form = records["registration_form"]  # type: ignore[index]
    assert form.value("complainant") == REDACTED
    assert form.value("complainant_contact") == REDACTED
    assert service.record(actor, internal, "supervision_record").value("complainant") == REDACTED


def test_events_delivered_to_hooks_are_redacted(
    core: ItsmCore, recorder: RecordingNotifier, internal: str
) -> None:
    delivered = recorder.for_aggregate(internal)
    assert len(delivered) == len(FULL) + 1
    assert not any(leaks(e) for e in delivered)
    assert delivered[0].payload["complainant"] == REDACTED
    # the store keeps the identity (the specialist needs it) but not in the index
    assert leaks(history(core, internal)[0])
    assert stored(core, internal).complainant.name == IDENTITY
    assert not leaks(COMPLAINT_SPEC.index_values(stored(core, internal)))


@pytest.mark.parametrize("actor", OTHERS, ids=lambda a: a.id)
def test_command_results_and_queries_are_redacted(
    service: ComplaintService, clock: Any, actor: Actor
) -> None:
    c = receive(service, origin=Origin.INTERNAL)
    assert not leaks(service.dispatch(RM, c.id))
    walk(service, c.id, ["finding", "judge_valid", "project", "resolve", "improve"])
    clock.advance(days=30)
    now = clock.now()
    items = service.improvements.find(actor, is_open=True, due_before=now)
    assert [i.source_ref for i in items] == [c.id]
    assert not leaks(items)
    overdue = service.find(actor, improvement_id=items[0].id)
    assert [x.id for x in overdue] == [c.id]
    assert not leaks(overdue)
    assert not leaks(service.improvements.report_progress(OWNER, items[0].id, note="n"))
    assert not leaks(service.improvements.history(actor, items[0].id))


def test_the_receipt_returns_it_redacted_to_a_desk_receiver(service: ComplaintService) -> None:
    from .conftest import intake

    c = service.receive(DESK, **intake(origin=Origin.INTERNAL))
    assert c.complainant.is_redacted
    assert service.get(SPECIALIST, c.id).complainant.name == IDENTITY


def test_an_external_complainant_is_not_confidential(
    service: ComplaintService, recorder: RecordingNotifier
) -> None:
    c = at_state(service, S.INVESTIGATING)
    assert service.get(RM, c.id).complainant.name == "客户李女士"
    assert service.history(RM, c.id)[0].payload["complainant"]["name"] == "客户李女士"
    assert recorder.events[0].payload["complainant"]["name"] == "客户李女士"
    assert (
        service.record(RM, c.id, "registration_form").value("complainant").startswith("客户李女士")
    )


def test_a_redacted_copy_changes_nothing_stored(core: ItsmCore, service: ComplaintService) -> None:
    c = receive(service, origin=Origin.INTERNAL)
    view = service.get(RM, c.id)
    view.summary = "changed"
    view.dispatch(RM, view.updated_at + timedelta(minutes=1))
    assert stored(core, c.id).summary != "changed"
    assert stored(core, c.id).state is S.RECEIVED
    assert stored(core, c.id).complainant.name == IDENTITY


@pytest.mark.parametrize(
    ("complainant", "match"),
    [
        ({"nam": IDENTITY, "contact": CONTACT}, "a mapping without 'name'"),
        ({"name": [IDENTITY], "contact": CONTACT}, r"complainant\.name must be a string"),
        ({"name": IDENTITY, "contact": 13800001234}, r"complainant\.contact must be a string"),
        ({"name": IDENTITY, "organisation": 7731}, r"complainant\.organisation must be a string"),
        ({"name": IDENTITY, "phone": CONTACT}, "unknown keys phone; allowed: name, contact"),
        ([IDENTITY, CONTACT], "got list"),
        ({"name": "   ", "contact": CONTACT}, r"complainant\.name must be a non-empty string"),
    ],
)
def test_a_refused_complainant_is_never_echoed_in_the_error(
    service: ComplaintService, recorder: RecordingNotifier, complainant: Any, match: str
) -> None:
    from itsm_core import ValidationError

    from .conftest import intake

    with pytest.raises(ValidationError, match=match) as info:
        service.receive(DESK, **intake(origin=Origin.INTERNAL, complainant=complainant))
    message = str(info.value)
    assert IDENTITY not in message and CONTACT not in message and "7731" not in message
    assert "not shown" in message or "unknown keys" in message or "non-empty" in message
    assert info.value.field is not None and info.value.field.startswith("complainant")
    assert service.find(SPECIALIST) == []
    assert recorder.events == []


def test_contact_and_organisation_are_strings_and_none_means_empty() -> None:
    c = Complainant.parse({"name": f" {IDENTITY} ", "contact": None, "organisation": None})
    assert c == Complainant(IDENTITY)
    assert (c.contact, c.organisation) == ("", "")
