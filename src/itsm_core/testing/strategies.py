"""Hypothesis strategies for actors, complaints and complaint command sequences.

For the library's own tests and for applications' test suites (needs the
``hypothesis`` package, in the ``testing`` extra: ``pip install itsm-core[testing]``)::

    from hypothesis import given
    from itsm_core.testing import strategies as its

    @given(its.complaint_intakes(), its.command_sequences())
    def test_my_desk(intake, steps):
        core = ItsmCore("memory://", clock=FrozenClock(...))
        complaint = core.complaints.receive(its.receiver(), **intake)
        for actor, command in steps:
            try:
                command.apply(core.complaints, actor, complaint.id)
            except ItsmError:
                pass  # a refused command changes nothing

A :class:`ComplaintCommand` is one call of a
:class:`~itsm_core.complaints.ComplaintService` method with generated,
well-formed arguments; :func:`commands` draws them, :func:`command_sequences`
draws lists of ``(actor, command)`` pairs, and :func:`authorised_actors`
draws actors that hold a role the command's events allow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from itsm_core.complaints.enums import ComplaintChannel, ComplaintSource, Origin, Severity, Verdict
from itsm_core.complaints.lifecycle import COMMANDS, TRANSITIONS, command_roles, refuse
from itsm_core.complaints.model import Complainant, Complaint
from itsm_core.complaints.service import ComplaintService
from itsm_core.improvements import QualityIndicator
from itsm_core.kernel.actors import SYSTEM, Actor, Role, require_role
from itsm_core.kernel.errors import ValidationError
from itsm_core.testing._extra import missing_extra

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as exc:  # a plain install: say which extra brings it
    raise missing_extra(__name__, exc) from exc

__all__ = [
    "COMMAND_NAMES",
    "ComplaintCommand",
    "actor_ids",
    "actors",
    "authorised_actors",
    "command_sequences",
    "commands",
    "complainants",
    "complaint_intakes",
    "improvement_requirements",
    "quality_indicators",
    "receiver",
    "texts",
]

COMMAND_NAMES: tuple[str, ...] = tuple(COMMANDS)
"""The commands that change a complaint: :class:`~itsm_core.complaints.ComplaintService`
methods, and ``improvements.follow_up`` / ``improvements.decide`` on its item."""

ITEM_PREFIX = "improvements."

_ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "Zs"),
    exclude_characters="\x00",
)


def texts(*, min_size: int = 1, max_size: int = 30) -> st.SearchStrategy[str]:
    """Non-blank text (letters — Chinese included —, digits, punctuation, spaces), stripped."""
    return (
        st.text(_ALPHABET, min_size=min_size, max_size=max_size)
        .map(str.strip)
        .filter(lambda s: len(s) >= max(min_size, 1))
    )


def actor_ids() -> st.SearchStrategy[str]:
    """Plausible directory ids, e.g. ``"u-17"``."""
    return st.integers(min_value=1, max_value=50).map(lambda n: f"u-{n}")


def actors(roles: Iterable[Role] | None = None, *, max_roles: int = 3) -> st.SearchStrategy[Actor]:
    """Actors with exactly ``roles``, or (when None) with any 0..``max_roles`` roles."""
    if roles is not None:
        held = frozenset(roles)
        return st.builds(lambda i: Actor(i, held), actor_ids())
    return st.builds(
        Actor,
        actor_ids(),
        st.frozensets(st.sampled_from(list(Role)), max_size=max_roles),
    )


def authorised_actors(command: str, *, owner: str | None = None) -> st.SearchStrategy[Actor]:
    """Actors holding one role that some event of ``command`` allows (the state may still refuse).

    :param owner: the id to act as (e.g. the improvement owner named in an item).
    """
    roles = sorted(command_roles(command))
    if not roles:  # pragma: no cover - every command has roles
        raise ValueError(f"unknown complaint command {command!r}; known: {COMMAND_NAMES}")
    ids = st.just(owner) if owner is not None else actor_ids()
    return st.builds(lambda i, r: Actor(i, [r]), ids, st.sampled_from(roles))


def receiver() -> Actor:
    """A complaint specialist who may receive complaints (for examples)."""
    return Actor("specialist-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")


def complainants() -> st.SearchStrategy[Complainant]:
    """Complainants with a name and, sometimes, a contact and an organisation."""
    return st.builds(
        Complainant,
        name=texts(max_size=12),
        contact=st.one_of(st.just(""), st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)),
        organisation=st.one_of(st.just(""), texts(max_size=12)),
    )


def complaint_intakes(
    *,
    origin: Origin | None = None,
    severity: Severity | None = None,
    source_ref: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for :meth:`ComplaintService.receive` (without actor and ``at``).

    :param origin: fix the origin, or draw it.
    :param severity: fix the severity, or draw it.
    :param source_ref: also draw a ``source_ref`` (idempotent receipt).
    """
    fields: dict[str, st.SearchStrategy[Any]] = {
        "customer": texts(max_size=16),
        "complainant": complainants(),
        "origin": st.just(origin) if origin is not None else st.sampled_from(list(Origin)),
        "channel": st.sampled_from(list(ComplaintChannel)),
        "source": st.sampled_from(list(ComplaintSource)),
        "summary": texts(max_size=60),
        "party_complained_about": texts(max_size=16),
        "severity": st.just(severity) if severity is not None else st.sampled_from(list(Severity)),
        "relationship_manager": st.one_of(st.none(), actor_ids()),
    }
    if source_ref:
        fields["source_ref"] = st.uuids().map(lambda u: f"ref-{u.hex[:12]}")
    return st.fixed_dictionaries(fields)


def quality_indicators(*, max_size: int = 3) -> st.SearchStrategy[list[QualityIndicator]]:
    """Non-empty lists of quality indicators (质量指标)."""
    return st.lists(
        st.builds(QualityIndicator, texts(max_size=12), texts(max_size=12)),
        min_size=1,
        max_size=max_size,
    )


def _periods() -> st.SearchStrategy[timedelta]:
    return st.integers(min_value=1, max_value=30 * 24).map(lambda h: timedelta(hours=h))


def improvement_requirements(*, owner: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for :meth:`ComplaintService.require_improvement`.

    :param owner: fix the improvement owner's id, or draw it.
    """
    return st.fixed_dictionaries(
        {
            "cause": texts(max_size=40),
            "description": texts(max_size=40),
            "quality_indicators": quality_indicators(),
            "owner": st.just(owner) if owner is not None else actor_ids(),
            "period": _periods(),
        }
    )


@attrs.frozen
class ComplaintCommand:
    """One call of a :class:`~itsm_core.complaints.ComplaintService` method.

    :param name: the method, e.g. ``"judge"``.
    :param kwargs: its keyword arguments (without actor, complaint id and ``at``).
    """

    name: str
    kwargs: Mapping[str, Any] = attrs.field(factory=dict)

    def apply(
        self,
        service: ComplaintService,
        actor: Actor,
        complaint_id: str,
        at: datetime | None = None,
    ) -> Complaint:
        """Call the method on ``service`` and return the complaint it changed.

        ``improvements.follow_up`` and ``improvements.decide`` are called on
        the complaint's improvement item (``service.improvements``); without
        one they are refused as the complaint's state refuses them.
        """
        if not self.name.startswith(ITEM_PREFIX):
            method = getattr(service, self.name)
            result: Complaint = method(actor, complaint_id, at=at, **dict(self.kwargs))
            return result
        require_role(actor, *sorted(command_roles(self.name)), action=f"complaint: {self.name}")
        complaint = service.get(SYSTEM, complaint_id)
        if complaint.improvement_id is None:
            raise refuse(complaint, COMMANDS[self.name][0], "no improvement item is issued")
        item_method = getattr(service.improvements, self.name.removeprefix(ITEM_PREFIX))
        item_method(actor, complaint.improvement_id, at=at, **dict(self.kwargs))
        return service.get(SYSTEM, complaint_id)

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.name}({args})"


def _judge() -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(list(Verdict)).flatmap(
        lambda v: st.fixed_dictionaries(
            {
                "verdict": st.just(v),
                "reason": texts(),
                "business_unit": texts(max_size=10) if v is Verdict.TRANSFERRED else st.none(),
            }
        )
    )


def _follow_up() -> st.SearchStrategy[dict[str, Any]]:
    met = st.fixed_dictionaries({"met": st.just(True), "note": texts()})
    not_met = st.fixed_dictionaries(
        {"met": st.just(False), "note": texts()},
        optional={"new_period": _periods()},
    )
    return st.one_of(met, not_met)


def _callback() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.fixed_dictionaries({"satisfied": st.just(True)}),
        st.fixed_dictionaries({"satisfied": st.just(False), "reason": texts()}),
    )


def _kwargs(owner: str | None) -> Mapping[str, st.SearchStrategy[dict[str, Any]]]:
    return {
        "dispatch": st.fixed_dictionaries(
            {},
            optional={
                "handler": actor_ids(),
                "severity": st.sampled_from(list(Severity)),
            },
        ),
        "record_finding": st.fixed_dictionaries({"finding": texts()}),
        "judge": _judge(),
        "explain": st.fixed_dictionaries({"apology": texts(), "explanation": texts()}),
        "close": st.just({}),
        "record_business_unit_result": st.fixed_dictionaries(
            {"resolved": st.booleans(), "result": texts()}
        ),
        "register_project": st.fixed_dictionaries(
            {}, optional={"project_ref": st.from_regex(r"PRJ-[0-9]{4}", fullmatch=True)}
        ),
        "apologise": st.fixed_dictionaries({"apology": texts()}),
        "resolve": st.fixed_dictionaries({"resolution": texts()}),
        "escalate": st.fixed_dictionaries({"reason": texts()}),
        "decide": st.fixed_dictionaries({"decision": texts()}),
        "require_improvement": improvement_requirements(owner=owner),
        "improvements.follow_up": _follow_up(),
        "improvements.decide": st.fixed_dictionaries(
            {"decision": texts()},
            optional={"new_period": _periods()},
        ),
        "give_feedback": st.fixed_dictionaries({"result": texts()}),
        "callback": _callback(),
    }


def commands(
    names: Sequence[str] | None = None, *, owner: str | None = None
) -> st.SearchStrategy[ComplaintCommand]:
    """Well-formed :class:`ComplaintCommand` objects for the service methods ``names`` (all).

    :param owner: the improvement owner named by ``require_improvement`` (drawn when None).
    """
    table = _kwargs(owner)
    chosen = list(names) if names is not None else list(COMMAND_NAMES)
    unknown = [n for n in chosen if n not in table]
    if unknown:
        raise ValidationError(
            f"unknown complaint commands {unknown}; known: {sorted(table)}", field="names"
        )
    return st.one_of(*[table[n].map(_maker(n)) for n in chosen])


def _maker(name: str) -> Callable[[dict[str, Any]], ComplaintCommand]:
    def make(kwargs: dict[str, Any]) -> ComplaintCommand:
        return ComplaintCommand(name, kwargs)

    return make


def command_sequences(
    *, min_size: int = 0, max_size: int = 25, authorised: float = 0.8
) -> st.SearchStrategy[list[tuple[Actor, ComplaintCommand]]]:
    """Lists of ``(actor, command)`` steps to drive one complaint.

    :param authorised: the share of steps whose actor holds a role the command allows
        (the rest get any actor, mostly refused with ``AccessDenied``).
    """

    @st.composite
    def step(draw: st.DrawFn) -> tuple[Actor, ComplaintCommand]:
        command = draw(commands(owner="owner-1"))
        if draw(st.floats(0, 1)) < authorised:
            who = draw(authorised_actors(command.name))
        else:
            who = draw(actors())
        return who, command

    return st.lists(step(), min_size=min_size, max_size=max_size)


if set(_kwargs(None)) != set(COMMAND_NAMES) or any(
    t.command not in COMMAND_NAMES for t in TRANSITIONS
):  # pragma: no cover - caught by the tests
    raise RuntimeError("the complaint strategies and the lifecycle table disagree")
