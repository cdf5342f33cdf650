"""A satisfaction response about an internal complaint keeps the identity confidential.

The response, its events (and so every notifier) and the complaint it opens
show the respondent to the complaint specialist alone.
"""

from __future__ import annotations

import json

from itsm_core import Actor, ItsmCore, Role
from itsm_core.complaints import Origin
from itsm_core.kernel.events import REDACTED
from itsm_core.satisfaction import RESPONSE_SPEC
from itsm_core.storage import Query
from itsm_core.testing import RecordingNotifier

from .conftest import RM, SPECIALIST

QS = Actor("qs-1", [Role.QUALITY_SPECIALIST], "质控专员")
IDENTITY = "内部员工王小明-7731"


def _internal_complaint(core: ItsmCore) -> str:
    complaint = core.complaints.receive(
        SPECIALIST,
        customer="华东电网",
        complainant={"name": IDENTITY, "contact": "13800001234"},
        origin="internal",
        channel="hotline",
        source="complaint_channel",
        summary="故障处理超时三次",
        party_complained_about="二线网络组",
    )
    return str(complaint.id)


def _very_dissatisfied(core: ItsmCore, complaint_id: str) -> str:
    response = core.satisfaction.responses.record_response(
        QS,
        channel="callback",
        customer="华东电网",
        service="complaint-handling",
        subject_kind="complaint",
        subject_ref=complaint_id,
        score="very_dissatisfied",
        respondent=IDENTITY,
    )
    return str(response.id)


def test_the_response_and_its_complaint_keep_the_identity(
    core: ItsmCore, recorder: RecordingNotifier
) -> None:
    complaint_id = _internal_complaint(core)
    _very_dissatisfied(core, complaint_id)
    (response,) = core.satisfaction.responses.find(QS, subject_ref=complaint_id)
    # reads
    assert response.respondent == REDACTED
    assert core.satisfaction.responses.get(QS, response.id).respondent == REDACTED
    assert core.satisfaction.responses.get(SPECIALIST, response.id).respondent == IDENTITY
    # the complaint it opens is internal, so confidential too
    assert response.complaint_id is not None
    opened = core.complaints.get(RM, response.complaint_id)
    assert opened.origin is Origin.INTERNAL
    assert IDENTITY not in repr(opened)
    assert core.complaints.get(SPECIALIST, response.complaint_id).complainant.name == IDENTITY
    # histories and notifiers
    for actor in (RM, QS):
        assert IDENTITY not in repr(core.history(actor, RESPONSE_SPEC.kind, response.id))
        assert IDENTITY not in repr(core.history(actor, "complaint", response.complaint_id))
    delivered = [e.to_dict() for e in recorder.events]
    assert delivered
    assert IDENTITY not in json.dumps(delivered, ensure_ascii=False)
    # no index column holds it
    with core.storage.unit_of_work() as uow:
        assert uow.find(RESPONSE_SPEC, Query.eq(respondent=IDENTITY)) == []


def test_a_response_about_an_external_complaint_is_unchanged(core: ItsmCore) -> None:
    complaint = core.complaints.receive(
        SPECIALIST,
        customer="华东电网",
        complainant={"name": "客户李女士", "contact": "13800001234"},
        origin="external",
        channel="hotline",
        source="complaint_channel",
        summary="故障处理超时三次",
        party_complained_about="二线网络组",
    )
    _very_dissatisfied(core, str(complaint.id))
    (response,) = core.satisfaction.responses.find(QS, subject_ref=str(complaint.id))
    assert response.respondent == IDENTITY
