"""Knowledge flags: raised by the desk, routed to the author or last handler, who decides."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsm_core import FrozenClock, ItsmCore
from itsm_core.desk import FlagKind, FlagNotice, FlagState
from itsm_core.kernel.errors import (
    AccessDenied,
    ConflictError,
    InvalidTransition,
    NotFound,
    ValidationError,
)
from itsm_core.testing import RecordingNotifier

from .conftest import AUTHOR, CUSTOMER, DESK, ENGINEER, RM, T0, closed, record


def test_an_article_that_helped_is_routed_to_its_author(
    core: ItsmCore, recorder: RecordingNotifier
) -> None:
    record(core, "R-1")
    flag = core.desk.flag_article(DESK, article="KB-1", record_id="R-1", helped=True,
                                  author=AUTHOR.id)  # fmt: skip
    assert (flag.kind, flag.state, flag.route_to) == (FlagKind.ARTICLE_HELPED, FlagState.RAISED,
                                                      AUTHOR.id)  # fmt: skip
    assert (flag.customer, flag.raised_by, flag.raised_at) == ("ACME", DESK.id, T0)
    [notice] = recorder.calls_of("itsm_knowledge_flag_raised")
    assert isinstance(notice, FlagNotice)
    assert (notice.flag_id, notice.route_to, notice.article, notice.record_id) == (
        flag.id, AUTHOR.id, "KB-1", "R-1",
    )  # fmt: skip
    assert notice.key == recorder.of("knowledge_flag.raised")[0].event_id


def test_a_flawed_article_needs_a_suggestion(core: ItsmCore) -> None:
    record(core, "R-1")
    with pytest.raises(ValidationError, match="suggestion"):
        core.desk.flag_article(DESK, article="KB-1", record_id="R-1", helped=False,
                               author=AUTHOR.id)  # fmt: skip
    assert core.desk.find(RM) == []
    flag = core.desk.flag_article(DESK, article="KB-1", record_id="R-1", helped=False,
                                  author=AUTHOR.id, suggestion="第3步路径已变")  # fmt: skip
    assert (flag.kind, flag.suggestion) == (FlagKind.ARTICLE_FLAWED, "第3步路径已变")


def test_one_verdict_per_article_and_request(core: ItsmCore) -> None:
    record(core, "R-1")
    core.desk.flag_article(DESK, article="KB-1", record_id="R-1", helped=True, author=AUTHOR.id)
    with pytest.raises(ConflictError, match="KB-1"):
        core.desk.flag_article(DESK, article="KB-1", record_id="R-1", helped=False,
                               author=AUTHOR.id, suggestion="x")  # fmt: skip
    core.desk.flag_article(DESK, article="KB-2", record_id="R-1", helped=True, author=AUTHOR.id)
    assert len(core.desk.find(RM, record_id="R-1")) == 2


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"record_id": "R-none"}, NotFound),
        ({"article": " "}, ValidationError),
        ({"author": ""}, ValidationError),
        ({"helped": "yes"}, ValidationError),
    ],
)
def test_a_bad_article_flag_is_refused(core: ItsmCore, given: dict[str, object],
                                       error: type[Exception]) -> None:  # fmt: skip
    record(core, "R-1")
    fields: dict[str, object] = {"article": "KB-1", "record_id": "R-1", "helped": True,
                                 "author": AUTHOR.id, **given}  # fmt: skip
    with pytest.raises(error):
        core.desk.flag_article(DESK, **fields)  # type: ignore[arg-type]
    assert core.desk.find(RM) == []


def test_a_representative_closed_request_goes_to_its_last_handler(
    core: ItsmCore, recorder: RecordingNotifier
) -> None:
    closed(core, "C-1", engineer="eng-first")
    core.satisfaction.service_records.reopen(DESK, "C-1", reason="复发")
    core.satisfaction.service_records.resolve(ENGINEER, "C-1", engineer=ENGINEER.id)
    core.satisfaction.service_records.close(DESK, "C-1")
    flag = core.desk.flag_case(DESK, "C-1", suggestion="重复发生，方案规范，可入案例库")
    assert (flag.kind, flag.route_to, flag.article) == (FlagKind.REPRESENTATIVE_CASE,
                                                         ENGINEER.id, None)  # fmt: skip
    assert recorder.calls_of("itsm_knowledge_flag_raised")[0].route_to == ENGINEER.id
    with pytest.raises(ConflictError):
        core.desk.flag_case(DESK, "C-1", suggestion="again")


def test_only_a_closed_request_is_a_case(core: ItsmCore) -> None:
    record(core, "R-1")
    with pytest.raises(InvalidTransition, match="closed"):
        core.desk.flag_case(DESK, "R-1", suggestion="x")


def test_a_case_needs_a_handler_and_a_suggestion(core: ItsmCore) -> None:
    closed(core, "C-1", engineer=None, resolution=None)
    with pytest.raises(ValidationError, match="handler"):
        core.desk.flag_case(DESK, "C-1", suggestion="x")
    with pytest.raises(ValidationError, match="suggestion"):
        core.desk.flag_case(DESK, "C-1", suggestion=" ", handler="eng-zhao")
    flag = core.desk.flag_case(DESK, "C-1", suggestion="x", handler="eng-zhao")
    assert flag.route_to == "eng-zhao"


def test_only_the_addressee_decides(core: ItsmCore, clock: FrozenClock) -> None:
    record(core, "R-1")
    flag = core.desk.flag_article(DESK, article="KB-1", record_id="R-1", helped=False,
                                  author=AUTHOR.id, suggestion="过时")  # fmt: skip
    for other in (DESK, ENGINEER, RM):
        with pytest.raises(AccessDenied, match=AUTHOR.id):
            core.desk.accept(other, flag.id)
    with pytest.raises(AccessDenied):
        core.desk.accept(CUSTOMER, flag.id)
    clock.advance(timedelta(hours=1))
    accepted = core.desk.accept(AUTHOR, flag.id, note="已更新")
    assert (accepted.state, accepted.decided_by, accepted.decision_note) == (
        FlagState.ACCEPTED, AUTHOR.id, "已更新",
    )  # fmt: skip
    assert accepted.decided_at == T0 + timedelta(hours=1)
    with pytest.raises(InvalidTransition):
        core.desk.reject(AUTHOR, flag.id, reason="x")
    names = [e.name for e in core.desk.history(RM, flag.id)]
    assert names == ["knowledge_flag.raised", "knowledge_flag.accepted"]


def test_a_rejection_needs_a_reason(core: ItsmCore) -> None:
    record(core, "R-1")
    flag = core.desk.flag_article(DESK, article="KB-1", record_id="R-1", helped=True,
                                  author=AUTHOR.id)  # fmt: skip
    with pytest.raises(ValidationError, match="reason"):
        core.desk.reject(AUTHOR, flag.id, reason=" ")
    assert core.desk.get(RM, flag.id).state is FlagState.RAISED
    assert core.desk.reject(AUTHOR, flag.id, reason="不是该文章解决的").state is FlagState.REJECTED


def test_a_decision_cannot_predate_the_flag(core: ItsmCore) -> None:
    record(core, "R-1")
    flag = core.desk.flag_article(DESK, article="KB-1", record_id="R-1", helped=True,
                                  author=AUTHOR.id)  # fmt: skip
    with pytest.raises(ValidationError, match="forwards"):
        core.desk.accept(AUTHOR, flag.id, at=T0 - timedelta(minutes=1))


def test_find_by_addressee_and_state(core: ItsmCore) -> None:
    record(core, "R-1")
    record(core, "R-2")
    a = core.desk.flag_article(DESK, article="KB-1", record_id="R-1", helped=True,
                               author=AUTHOR.id)  # fmt: skip
    b = core.desk.flag_article(DESK, article="KB-1", record_id="R-2", helped=True,
                               author="kb-other")  # fmt: skip
    core.desk.accept(AUTHOR, a.id)
    assert [f.id for f in core.desk.find(RM, route_to="kb-other", state="raised")] == [b.id]
    assert [f.id for f in core.desk.find(RM, state=["raised", "accepted"])] == [a.id, b.id]
    assert [f.id for f in core.desk.find(RM, kind="article_helped", article="KB-1")] == [a.id,
                                                                                          b.id]
    with pytest.raises(ValidationError, match="allowed"):
        core.desk.find(RM, state="open")
    with pytest.raises(AccessDenied):
        core.desk.find(CUSTOMER)
    with pytest.raises(NotFound):
        core.desk.get(RM, "kf-none")


def _use(core: ItsmCore, article: str, record_id: str, helped: bool) -> str:
    if record_id not in {r.id for r in core.satisfaction.service_records.find(RM)}:
        record(core, record_id)
    suggestion = None if helped else "改"
    flag = core.desk.flag_article(DESK, article=article, record_id=record_id, helped=helped,
                                  author=AUTHOR.id, suggestion=suggestion)  # fmt: skip
    return flag.id


def test_articles_rank_by_how_often_they_resolved_the_request(core: ItsmCore) -> None:
    for i, helped in enumerate([True, True, True, False]):
        _use(core, "KB-A", f"R-{i}", helped)  # 3 of 4
    for i, helped in enumerate([True, False]):
        _use(core, "KB-B", f"R-{i}", helped)  # 1 of 2
    for i, helped in enumerate([True, True, False, False, True, True]):
        _use(core, "KB-C", f"R-{i}", helped)  # 4 of 6
    _use(core, "KB-D", "R-0", True)  # 1 of 1
    _use(core, "KB-E", "R-1", True)  # 1 of 1
    ranking = core.desk.article_effectiveness(RM)
    assert [(a.article, a.resolved, a.uses) for a in ranking] == [
        ("KB-D", 1, 1), ("KB-E", 1, 1), ("KB-A", 3, 4), ("KB-C", 4, 6), ("KB-B", 1, 2),
    ]  # fmt: skip
    assert ranking[2].rate.value == 0.75 and ranking[2].flawed == 1
    assert [a.article for a in core.desk.article_effectiveness(RM, min_uses=2, limit=2)] == [
        "KB-A", "KB-C",
    ]  # fmt: skip


def test_a_rejected_flag_is_no_use_and_a_case_flag_none_either(core: ItsmCore) -> None:
    flag_id = _use(core, "KB-A", "R-1", True)
    _use(core, "KB-A", "R-2", False)
    closed(core, "C-1")
    core.desk.flag_case(DESK, "C-1", suggestion="典型")
    core.desk.reject(AUTHOR, flag_id, reason="不是它解决的")
    [only] = core.desk.article_effectiveness(RM)
    assert (only.article, only.uses, only.resolved) == ("KB-A", 1, 0)


@pytest.mark.parametrize("given", [{"min_uses": -1}, {"limit": "3"}, {"min_uses": True}])
def test_ranking_arguments_are_checked(core: ItsmCore, given: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        core.desk.article_effectiveness(RM, **given)  # type: ignore[arg-type]
