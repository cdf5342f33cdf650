"""The public API convention (itsm_core.kernel.api), checked over every service.

Every public method of every service reachable from the facade is marked as a
command, a read or a report; takes the actor first; shows no unit of work;
commands take at most the aggregate's id positionally, ``at=None`` and
``idempotency_key=None`` as keywords, and return what they changed (a retry
with a stored key is answered by the service's read of it, but for the
batches of ``NOT_REBUILT``); reads are get / find / history; and a name means
one kind of call everywhere.

``PENDING`` lists the methods that do not follow it yet: the list may only
shrink (a pending method that now conforms fails the test until it is
removed from the list).
"""

from __future__ import annotations

import inspect
import operator
import re
from collections.abc import Iterator
from typing import Any

import pytest

from itsm_core import ItsmCore
from itsm_core.kernel.api import answer_plan, api_kind

SERVICES: tuple[str, ...] = (
    "communications",
    "communications.feedback",
    "communications.notices",
    "communications.relationships",
    "complaints",
    "desk",
    "improvements",
    "reviews",
    "reviews.analysis",
    "sla",
    "satisfaction",
    "satisfaction.surveys",
    "satisfaction.service_records",
    "satisfaction.callbacks",
    "satisfaction.responses",
    "satisfaction.customers",
    "satisfaction.analysis",
    "satisfaction.targets",
)
"""The services of the facade, by attribute path."""

# ``calendars`` is the calendar registry (itsm_core.calendars.CalendarRegistry):
# configuration by name (register / get / names), with no actor and no events,
# not a service of use cases.
NOT_SERVICES = frozenset({"calendars", "clock", "plugins", "runtime", "specs", "storage"})
READ_NAME = re.compile(r"^(get|find|history)(_[a-z]+)*$")

PENDING: frozenset[str] = frozenset()

NOT_REBUILT: frozenset[str] = frozenset(
    {
        "desk.note_progress",
        "sla.recalculate_calendar",
        "sla.tick",
        "satisfaction.callbacks.record_outcome",
        "satisfaction.callbacks.sample_daily",
        "satisfaction.responses.record_responses",
        "satisfaction.responses.record_ticket_scores",
        "satisfaction.service_records.register_many",
        "satisfaction.surveys.invite",
        "satisfaction.surveys.submit_survey",
        "satisfaction.targets.evaluate",
        "satisfaction.targets.retire_target",
        "satisfaction.targets.set_target",
    }
)
"""Commands whose retry with a stored idempotency key raises AlreadyDone instead of
answering (their report, or their aggregate, has no read by id on the service).
The list may only shrink."""


@pytest.fixture(scope="module")
def core() -> Iterator[ItsmCore]:
    with ItsmCore("memory://", load_entrypoints=False) as c:
        yield c


def _methods(service: object) -> Iterator[tuple[str, Any]]:
    for name, member in inspect.getmembers(type(service)):
        if name.startswith("_") or not callable(member) or isinstance(member, type):
            continue
        yield name, getattr(service, name)


def _problems(name: str, method: Any) -> list[str]:
    kind = api_kind(method)
    if kind is None:
        return ["not marked @command, @read or @report"]
    problems: list[str] = []
    sig = inspect.signature(method)
    params = list(sig.parameters.values())
    if not params or params[0].name != "actor":
        problems.append("the actor is not the first parameter")
    hints = " ".join(str(p.annotation) for p in params) + " " + str(sig.return_annotation)
    if "UnitOfWork" in hints:
        problems.append("a unit of work in the signature")
    if kind == "command":
        positional = [
            p for p in params[1:] if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if len(positional) > 1:
            problems.append(
                f"positional parameters after the actor: {[p.name for p in positional]} "
                "(at most the id; the rest keyword-only)"
            )
        at = sig.parameters.get("at")
        if at is None or at.kind is not at.KEYWORD_ONLY or at.default is not None:
            problems.append("no keyword-only at=None")
        key = sig.parameters.get("idempotency_key")
        if key is None or key.kind is not key.KEYWORD_ONLY or key.default is not None:
            problems.append("no keyword-only idempotency_key=None")
        if sig.return_annotation in (None, "None", inspect.Signature.empty):
            problems.append("returns nothing (a command returns the updated view)")
    elif kind == "read" and not READ_NAME.match(name):
        problems.append("a read is get / find / history (or get_<noun> / find_<noun>)")
    return problems


def _all(core: ItsmCore) -> dict[str, tuple[str | None, list[str]]]:
    found: dict[str, tuple[str | None, list[str]]] = {}
    for path in SERVICES:
        service = operator.attrgetter(path)(core)
        for name, method in _methods(service):
            found[f"{path}.{name}"] = (api_kind(method), _problems(name, method))
    return found


def test_every_service_of_the_facade_is_checked(core: ItsmCore) -> None:
    unlisted = [
        name
        for name, value in vars(core).items()
        if not name.startswith("_")
        and name not in NOT_SERVICES
        and name not in SERVICES
        and type(value).__module__.startswith("itsm_core.")
    ]
    assert unlisted == [], f"add these services to SERVICES: {unlisted}"


def test_every_public_method_follows_the_convention(core: ItsmCore) -> None:
    found = _all(core)
    broken = {k: v[1] for k, v in found.items() if v[1] and k not in PENDING}
    assert broken == {}, "\n".join(f"{k}: {'; '.join(v)}" for k, v in sorted(broken.items()))


def test_pending_methods_are_removed_once_they_conform(core: ItsmCore) -> None:
    found = _all(core)
    fixed = sorted(k for k in PENDING if k not in found or not found[k][1])
    assert fixed == [], f"these conform now (or are gone): remove them from PENDING: {fixed}"


def test_a_name_means_one_kind_of_call(core: ItsmCore) -> None:
    kinds: dict[str, set[str]] = {}
    for key, (kind, _) in _all(core).items():
        if kind is not None and key not in PENDING:
            kinds.setdefault(key.rsplit(".", 1)[1], set()).add(kind)
    assert {n: k for n, k in kinds.items() if len(k) > 1} == {}


def test_a_retried_command_is_answered_by_a_read_of_its_service(core: ItsmCore) -> None:
    unanswered: set[str] = set()
    for path in SERVICES:
        service = operator.attrgetter(path)(core)
        for name, method in _methods(service):
            if api_kind(method) == "command" and answer_plan(method, type(service)) is None:
                unanswered.add(f"{path}.{name}")
    assert unanswered == NOT_REBUILT, (
        "a command returning an aggregate (or a list of them) needs a get / get_<noun> read "
        "of that aggregate by id on its service; the rest go to NOT_REBUILT"
    )
def _batch_problems(method: Any) -> list[str]:
    sig = inspect.signature(method)
    params = list(sig.parameters.values())[1:]
    problems: list[str] = []
    if any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        problems.append("a batch takes no positional argument after the actor")
    rows = [p for p in params if p.name not in ("at", "idempotency_key")]
    if len(rows) != 1 or rows[0].kind is not rows[0].KEYWORD_ONLY:
        names = [p.name for p in rows]
        problems.append(f"a batch takes one keyword-only list of rows, got {names}")
    elif "Sequence[Mapping" not in str(rows[0].annotation):
        problems.append(f"the rows {rows[0].name!r} are not a Sequence[Mapping[...]]")
    return problems


def test_a_batch_command_takes_its_rows_by_keyword_and_returns_a_report(core: ItsmCore) -> None:
    """``(actor, *, <items>=..., at=None) -> BatchReport``: one transaction per batch."""
    batches: dict[str, list[str]] = {}
    for path in SERVICES:
        service = operator.attrgetter(path)(core)
        for name, method in _methods(service):
            returns = str(inspect.signature(method).return_annotation)
            if api_kind(method) == "command" and returns.endswith("BatchReport"):
                batches[f"{path}.{name}"] = _batch_problems(method)
    assert {
        "satisfaction.service_records.register_many",
        "satisfaction.responses.record_responses",
        "satisfaction.responses.record_ticket_scores",
    } <= batches.keys()
    assert {k: v for k, v in batches.items() if v} == {}
