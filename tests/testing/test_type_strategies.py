"""st.from_type builds valid library values (strategies registered by the hypothesis hook)."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core import (
    Actor,
    Complainant,
    Complaint,
    ComplaintChannel,
    ComplaintState,
    QualityIndicator,
    Role,
    Scale,
    Score,
    ServiceRecord,
    Severity,
)
from itsm_core.complaints import COMPLAINT_SPEC
from itsm_core.satisfaction.model import Response
from itsm_core.testing.hypothesis_plugin import register_type_strategies


def test_registering_again_changes_nothing() -> None:
    before = st.from_type(Complaint)
    register_type_strategies()
    assert type(st.from_type(Complaint)) is type(before)


@settings(max_examples=30, deadline=None)
@given(complaint=st.from_type(Complaint))
def test_complaints_are_received_and_store_round_trip(complaint: Complaint) -> None:
    assert complaint.state is ComplaintState.RECEIVED
    assert complaint.version == 1
    assert [e.name for e in complaint.pending_events] == ["complaint.received"]
    assert complaint.received_at.utcoffset() is not None
    record = COMPLAINT_SPEC.to_record(complaint)
    assert COMPLAINT_SPEC.to_record(COMPLAINT_SPEC.from_record(record)) == record


@settings(max_examples=30, deadline=None)
@given(
    actor=st.from_type(Actor),
    complainant=st.from_type(Complainant),
    indicator=st.from_type(QualityIndicator),
    channel=st.from_type(ComplaintChannel),
    severity=st.from_type(Severity),
    role=st.from_type(Role),
)
def test_values_and_labelled_enums(
    actor: Actor,
    complainant: Complainant,
    indicator: QualityIndicator,
    channel: ComplaintChannel,
    severity: Severity,
    role: Role,
) -> None:
    assert isinstance(actor, Actor) and actor.id
    assert complainant.name.strip()
    assert indicator.name.strip() and indicator.target.strip()
    assert channel.zh and severity.zh and role in Role


@settings(max_examples=30, deadline=None)
@given(
    scale=st.from_type(Scale),
    score=st.from_type(Score),
    record=st.from_type(ServiceRecord),
    response=st.from_type(Response),
)
def test_satisfaction_values(
    scale: Scale, score: Score, record: ServiceRecord, response: Response
) -> None:
    assert scale.levels
    assert 0.0 <= score.normalised <= 1.0
    assert isinstance(record.opened_at, datetime) and record.opened_at.utcoffset() is not None
    assert response.responded_at.utcoffset() is not None


def _pair(complaint: Complaint, actor: Actor) -> tuple[Complaint, Actor]:
    return complaint, actor


@settings(max_examples=10, deadline=None)
@given(st.builds(_pair))
def test_inferred_arguments_use_the_registered_strategies(pair: tuple[Complaint, Actor]) -> None:
    complaint, actor = pair
    assert isinstance(actor, Actor)
    assert complaint.id.startswith("cmp-")
