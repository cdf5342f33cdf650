"""Arguments for every public command, drawn from its signature.

Each parameter gets a *good* strategy (a value of the right type, often one
the seeded world knows: an existing id, customer or service) and, now and
then, *junk* (a value of another type, naive instants, odd text, nothing).
The good strategy comes from the parameter's name where the name says more
than the type (ids, customers, scores...), else from its type hint.
:func:`unknown_parameters` lists the parameters neither covers, so that a new
command with a new kind of parameter is noticed (tests/reliability/test_fuzz.py).
"""

from __future__ import annotations

import enum
import functools
import inspect
import operator
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from itsm_core import Complainant, ItsmCore, Question
from itsm_core.kernel.api import api_kind
from itsm_core.satisfaction import LevelRule
from itsm_core.satisfaction.scales import Scale
from itsm_core.sla import ServicePeriod, Target
from tests.meta.test_api_convention import SERVICES

from ._world import CUSTOMERS, T0, World

S = st.SearchStrategy[Any]
OMIT = object()
"""Drawn for a parameter with a default: the parameter is left out of the call."""


def commands(core: ItsmCore) -> dict[str, Callable[..., Any]]:
    """Every public command of every service of the facade, by ``service.name``."""
    found: dict[str, Callable[..., Any]] = {}
    for path in SERVICES:
        service = operator.attrgetter(path)(core)
        for name, member in inspect.getmembers(type(service)):
            if name.startswith("_") or not callable(member) or isinstance(member, type):
                continue
            method = getattr(service, name)
            if api_kind(method) == "command":
                found[f"{path}.{name}"] = method
    return found


# -- values ------------------------------------------------------------------------

TEXT = st.one_of(
    st.sampled_from(["已处理", "desktop", "C1", "说明", "x" * 300]),
    st.text(max_size=12),
)
AWARE = st.builds(
    lambda minutes, offset: (T0 + timedelta(minutes=minutes)).astimezone(
        timezone(timedelta(hours=offset))
    ),
    st.integers(-200 * 24 * 60, 400 * 24 * 60),
    st.sampled_from([0, 8, -5]),
)
NAIVE = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
JUNK: S = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["", " ", "\x00", "a\ud800", "\u202e", "1e309", "NaN", "-1", "x" * 5000]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.booleans(),
    NAIVE,
    st.just(datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=14)))),
    st.timedeltas(),
    st.lists(st.text(max_size=4), max_size=3),
    st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
    st.just(object()),
)
SCORES = st.one_of(
    st.sampled_from(["very_satisfied", "satisfied", "neutral", "dissatisfied"]),
    st.integers(0, 110),
    st.floats(-1, 11),
)
INDICATORS = st.lists(st.tuples(st.sampled_from(["满意度", "重复故障"]), TEXT), max_size=2)
TARGETS = st.builds(
    Target,
    st.sampled_from(["desktop", "network"]),
    st.sampled_from(["P1", "P2", "P3"]),
    st.sampled_from(["response", "resolution"]),
    st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=30)),
)
QUESTIONS = st.lists(
    st.builds(Question, st.sampled_from(["overall", "q1"]), st.just("满意吗?")),
    min_size=1,
    max_size=2,
)
LEVELS = st.lists(
    st.builds(LevelRule, st.sampled_from(["green", "yellow", "red"]), st.integers(50, 100)),
    max_size=3,
)


def _periods() -> S:
    return st.builds(
        lambda start, days: ServicePeriod(start, start + timedelta(days=days)),
        AWARE,
        st.integers(1, 400),
    )


@functools.cache
def _by_name(world: World) -> dict[str, S]:
    """Good values for parameters whose name says more than their type."""
    ids = {name: st.sampled_from(values) for name, values in world.ids.items()}
    any_id = st.sampled_from(sorted({v for values in world.ids.values() for v in values}))
    people = st.sampled_from(["eng-1", "incident_handler-1", "improvement_owner-1", "admin-1"])
    month = st.sampled_from(["2026-01", "2026-02", "2026-03", "2026-13"])
    return {
        **{name: st.one_of(strategy, any_id) for name, strategy in ids.items()},
        "customer": st.one_of(st.sampled_from(CUSTOMERS), TEXT),
        "service": st.sampled_from(["desktop", "network", "email"]),
        "services": st.lists(st.sampled_from(["desktop", "network"]), max_size=2),
        "priority": st.sampled_from(["P1", "P2", "P3"]),
        "subject_kind": st.sampled_from(["ticket", "service_record", "monthly", "survey"]),
        "subject_id": st.sampled_from(["INC-9", "INC-0", "REQ-0"]),
        "subject_ref": st.sampled_from(["REQ-0", "REQ-1", "2026-02"]),
        "score": SCORES,
        "quality_indicators": INDICATORS,
        "answers": st.dictionaries(st.sampled_from(["overall", "q1"]), SCORES, max_size=2),
        "respondents": st.lists(
            st.tuples(st.sampled_from(CUSTOMERS), st.sampled_from(["C1-rep", "C2-x"])),
            max_size=3,
        ),
        "participants": st.lists(
            st.tuples(
                st.sampled_from(["C1-rep", "admin-1"]),
                st.sampled_from(["customer_representative", "project_manager"]),
            ),
            max_size=3,
        ),
        "attended": st.lists(st.sampled_from(["C1-rep", "admin-1"]), max_size=2),
        "opinions": st.lists(
            st.tuples(st.just("C1-rep"), st.sampled_from(["suggestion", "complaint"]), TEXT),
            max_size=2,
        ),
        "problems": st.lists(TEXT, max_size=2),
        "actions": st.lists(
            st.fixed_dictionaries(
                {"description": TEXT, "owner": people, "quality_indicators": INDICATORS},
                optional={"due_at": AWARE, "service": st.just("desktop")},
            ),
            max_size=2,
        ),
        "periods": st.one_of(month, st.lists(month, max_size=3)),
        "month": month,
        "day": st.one_of(st.dates(date(2026, 1, 1), date(2026, 12, 31)), month),
        "time_of_day": st.sampled_from(["10:00", "25:00", "9"]),
        "calendar": st.sampled_from(["default", "nowhere"]),
        "name": st.sampled_from(["default", "nowhere"]),
        "complainant": st.one_of(
            st.builds(Complainant, st.just("李女士")),
            st.fixed_dictionaries({"name": TEXT}),
            TEXT,
        ),
        "handler": people,
        "author": people,
        "desk_agent": people,
        "article": st.sampled_from(["KB-1", "KB-2"]),
        "phone": st.sampled_from(["010-12345678", "+86 138 0000 0000", "abc"]),
        "email": st.sampled_from(["zhang@example.com", "not-an-email"]),
        "owner": people,
        "engineer": people,
        "recipients": st.one_of(TEXT, st.lists(st.just("C1-rep"), max_size=2)),
        "scale": st.sampled_from(["five_level", "ten_point", "percent", "none"]),
        "levels": LEVELS,
        "targets": st.lists(TARGETS, max_size=3),
        "questions": QUESTIONS,
        "target_customers": st.lists(st.sampled_from([*CUSTOMERS, "C9"]), max_size=3),
        "topics": st.lists(TEXT, max_size=2),
        "agenda": st.lists(TEXT, max_size=2),
        "idempotency_key": st.one_of(st.none(), st.sampled_from(["key-1", "key-2"]), TEXT),
        "period": st.one_of(
            month, st.timedeltas(timedelta(days=1), timedelta(days=90)), _periods(), st.none()
        ),
    }


def _by_type(hint: Any) -> S | None:
    """A good value for one member of a type hint, or None when it is unknown."""
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(hint))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        members = list(hint)
        return st.one_of(st.sampled_from(members), st.sampled_from([m.value for m in members]))
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        return st.dictionaries(TEXT, TEXT, max_size=2)
    if origin is not None and isinstance(origin, type) and issubclass(origin, Iterable):
        (item,) = typing.get_args(hint)[:1] or (str,)
        inner = _good_of(item)
        return None if inner is None else st.lists(inner, max_size=3)
    simple: dict[Any, S] = {
        str: TEXT,
        bool: st.booleans(),
        int: st.integers(-2, 5),
        float: st.floats(-1, 101, allow_nan=False),
        datetime: AWARE,
        date: st.dates(date(2026, 1, 1), date(2026, 12, 31)),
        timedelta: st.timedeltas(timedelta(0), timedelta(days=90)),
        Target: TARGETS,
        Question: QUESTIONS.map(operator.itemgetter(0)),
        LevelRule: LEVELS.filter(bool).map(operator.itemgetter(0)),
        ServicePeriod: _periods(),
        Scale: st.nothing(),
        Complainant: st.builds(Complainant, st.just("李女士")),
        object: JUNK,
        Any: JUNK,
        type(None): st.none(),
    }
    return simple.get(hint)


def _members(hint: Any) -> list[Any]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(hint) for m in _members(arg)]
    return [hint]


def _good_of(hint: Any) -> S | None:
    found = [_by_type(member) for member in _members(hint)]
    if not found or any(s is None for s in found):
        return None
    return st.one_of(*[s for s in found if s is not None])


def _parameters(method: Callable[..., Any]) -> Iterator[tuple[inspect.Parameter, Any]]:
    hints = typing.get_type_hints(method)
    for parameter in list(inspect.signature(method).parameters.values())[1:]:
        yield parameter, hints.get(parameter.name, Any)


def good(name: str, hint: Any, world: World) -> S | None:
    """The good strategy of a parameter, or None when neither its name nor type is known."""
    by_name = _by_name(world)
    if name in by_name:
        return by_name[name]
    return _good_of(hint)


def unknown_parameters(core: ItsmCore, world: World) -> list[str]:
    """``command(parameter: hint)`` for each parameter no strategy covers."""
    return [
        f"{key}({parameter.name}: {hint})"
        for key, method in commands(core).items()
        for parameter, hint in _parameters(method)
        if good(parameter.name, hint, world) is None
    ]


def call_arguments(method: Callable[..., Any], world: World) -> S:
    """A strategy of (args, kwargs) for calling ``method`` after the actor."""
    by_name = _by_name(world)
    parts: list[tuple[inspect.Parameter, S]] = []
    for parameter, hint in _parameters(method):
        strategy = by_name.get(parameter.name)
        if strategy is None:
            strategy = _good_of(hint)
        if strategy is None:
            strategy = JUNK
        # nine in ten values are of the right kind; the rest is junk (shrinks to good)
        value = st.integers(0, 9).flatmap(lambda n, s=strategy: s if n < 9 else JUNK)
        if parameter.default is not inspect.Parameter.empty:
            value = st.one_of(st.just(OMIT), value)
        parts.append((parameter, value))

    @st.composite
    def draw(data: st.DrawFn) -> tuple[list[Any], dict[str, Any]]:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for parameter, strategy in parts:
            value = data(strategy)
            if value is OMIT:
                continue
            if parameter.kind is parameter.KEYWORD_ONLY:
                kwargs[parameter.name] = value
            else:
                args.append(value)
        return args, kwargs

    return draw()
