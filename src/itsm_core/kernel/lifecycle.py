"""Lifecycles as data, driven by one shared ``transitions`` machine each.

A :class:`Lifecycle` is built once at import from a table of states and
transitions (checked then). It holds one :class:`transitions.Machine`, built
when its first event fires (a library with a dozen lifecycles would build
them all at import otherwise), with ``model=None`` and
``auto_transitions=False``: entities are not registered with the machine (no
per-entity cost, no leaks, no ``to_<state>()`` shortcuts).

When the machine is built, its transitions are read into a table
``(state, event) → state``: a transition with no condition and no callback
(every one the library defines) is fired from that table, setting the
entity's state field to the destination the machine names, exactly as
``machine.events[name].trigger(entity)`` would, without its per-call
bookkeeping; any other transition is fired through ``trigger``. The machine
is not to be changed once built. A refused event becomes
:class:`InvalidTransition` naming the state, the event and what is allowed.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

import attrs
from transitions import Machine, MachineError

from itsm_core.kernel.errors import InvalidTransition
from itsm_core.kernel.logs import area_logger

__all__ = ["Lifecycle", "Stateful", "Step"]

S = TypeVar("S", bound=enum.Enum)


class Stateful(Protocol):
    """An entity whose lifecycle's state field (``state`` by default) holds a state enum."""


@attrs.frozen
class Step(Generic[S]):
    """One row of a transition table: ``event`` moves ``sources`` to ``dest``."""

    event: str
    sources: tuple[S, ...]
    dest: S


class Lifecycle(Generic[S]):
    """A state machine over entities of one kind.

    :param entity: the entity's name, for messages (e.g. ``"complaint"``).
    :param states: the state enumeration.
    :param initial: the state new entities start in.
    :param steps: ``(event, source or sources, dest)`` rows.
    :param field: the entity's attribute that holds the state (default
        ``state``; e.g. ``callback_status`` for a second lifecycle of one
        entity). Only :meth:`fire` changes it.
    """

    def __init__(
        self,
        entity: str,
        states: type[S],
        initial: S,
        steps: Iterable[tuple[str, S | Sequence[S], S]],
        *,
        field: str = "state",
    ) -> None:
        self.entity = entity
        self.field = field
        self.states = states
        self.initial = initial
        rows: list[Step[S]] = []
        for event, sources, dest in steps:
            srcs = (sources,) if isinstance(sources, enum.Enum) else tuple(sources)
            rows.append(Step(event, srcs, dest))
        self.steps: tuple[Step[S], ...] = tuple(rows)
        allowed: dict[S, set[str]] = {s: set() for s in states}
        for step in rows:
            if step.dest not in allowed or not set(step.sources) <= allowed.keys():
                raise ValueError(
                    f"{entity}: the step {step.event!r} names a state that is not a "
                    f"{states.__name__}"
                )
            for src in step.sources:
                allowed[src].add(step.event)
        if initial not in allowed:
            raise ValueError(f"{entity}: the initial state {initial!r} is not a {states.__name__}")
        self._machine: Machine | None = None
        self._moves: Mapping[tuple[S, str], S] = {}  # read off the machine when it is built
        self._machine_lock = threading.Lock()
        self._allowed: Mapping[S, frozenset[str]] = {k: frozenset(v) for k, v in allowed.items()}
        self.events: frozenset[str] = frozenset(s.event for s in rows)
        self.terminal: frozenset[S] = frozenset(s for s, ev in self._allowed.items() if not ev)
        self.log = area_logger(states.__module__)

    @property
    def machine(self) -> Machine:
        """The lifecycle's ``transitions`` machine (``model=None``), built on first use."""
        machine = self._machine
        if machine is None:
            with self._machine_lock:
                machine = self._machine
                if machine is None:
                    machine = self._machine = Machine(
                        model=None,
                        states=list(self.states),
                        initial=self.initial,
                        transitions=[
                            {"trigger": s.event, "source": list(s.sources), "dest": s.dest}
                            for s in self.steps
                        ],
                        auto_transitions=False,
                        model_attribute=self.field,
                    )
                    self._moves = _plain_moves(machine)
        return machine

    def allowed(self, state: S) -> frozenset[str]:
        """Return the events allowed in ``state``."""
        return self._allowed[state]

    def targets(self, state: S, event: str) -> S | None:
        """Return where ``event`` leads from ``state``, or None if it is not allowed."""
        for step in self.steps:
            if step.event == event and state in step.sources:
                return step.dest
        return None

    def refuse(
        self, entity: Stateful, event: str, reason: str | None = None
    ) -> InvalidTransition:
        """Return (not raise) the :class:`InvalidTransition` for ``event`` on ``entity``."""
        state = getattr(entity, self.field)
        return InvalidTransition(
            entity=self.entity,
            state=str(getattr(state, "value", state)),
            event=event,
            allowed=self.allowed(state),
            reason=reason,
        )

    def check(self, entity: Stateful, event: str) -> None:
        """Raise :class:`InvalidTransition` unless ``event`` is allowed in ``entity``'s state."""
        if event not in self._allowed.get(getattr(entity, self.field), frozenset()):
            raise self.refuse(entity, event)

    def fire(self, entity: Stateful, event: str) -> S:
        """Fire ``event`` on ``entity`` and return the new state.

        :raises InvalidTransition: when the event is not allowed in the current state.
        """
        field = self.field
        before = getattr(entity, field)
        if self._machine is None:
            self.machine  # noqa: B018 - builds the machine and reads its table
        dest = self._moves.get((before, event))
        if dest is not None:
            setattr(entity, field, dest)  # as the machine sets it
        else:
            self.check(entity, event)
            try:
                self.machine.events[event].trigger(entity)
            except MachineError as exc:  # pragma: no cover - check() already guards
                raise self.refuse(entity, event, str(exc)) from exc
        state: S = getattr(entity, field)
        log = self.log
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s: %s, %s %s -> %s",
                self.entity,
                getattr(entity, "id", "?"),
                event,
                field,
                getattr(before, "value", before),
                getattr(state, "value", state),
            )
        return state


def _plain_moves(machine: Machine) -> dict[tuple[Any, str], Any]:
    """``(state, event) → destination`` of the machine's plain transitions.

    A transition is plain when it is the only one of its event from its
    source, has no condition and no callback, and neither the machine nor the
    states it leaves and enters have callbacks: firing it only sets the state.
    """
    hooks = (
        machine.before_state_change,
        machine.after_state_change,
        machine.prepare_event,
        machine.finalize_event,
        machine.on_exception,
    )
    if any(hooks):
        return {}
    moves: dict[tuple[Any, str], Any] = {}
    for name, event in machine.events.items():
        for source, found in event.transitions.items():
            if len(found) != 1:
                continue
            t = found[0]
            if t.dest is None:  # an internal transition: through the machine
                continue
            src, dst = machine.get_state(source), machine.get_state(t.dest)
            callbacks = (t.conditions, t.prepare, t.before, t.after, src.on_exit, dst.on_enter)
            if not any(callbacks):  # (``unless`` is among the conditions)
                moves[(src.value, name)] = dst.value
    return moves
