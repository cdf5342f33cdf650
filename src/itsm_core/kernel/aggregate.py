"""The base of every aggregate: identity, version and the events not yet stored."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.logs import area_logger

__all__ = ["Aggregate", "require_forward"]

_LOGGERS: dict[type, logging.Logger] = {}  # the area logger of each aggregate class


def require_forward(at: datetime, latest: datetime, what: str) -> datetime:
    """Return ``at`` if it is aware and not before ``latest``, the aggregate's latest change.

    :param what: the aggregate as the message names it, e.g. ``"the complaint"``.
    :raises ValidationError: for a naive ``at``, or one before ``latest`` (the
        history runs forwards).
    """
    require_aware(at, "at")
    if at < latest:
        raise ValidationError(
            f"at ({at.isoformat()}) is before {what}'s latest change "
            f"({latest.isoformat()}); the history runs forwards",
            field="at",
        )
    return at


def _direct_setattr(cls: type) -> None:
    """Give the attrs class ``cls`` a ``__setattr__`` that runs a field's converter and
    validator itself, as ``attrs.define``'s default ``on_setattr`` (convert, then
    validate) does through its generic hooks; it leaves ``cls`` as it is when a field
    has hooks of its own or a converter that takes the instance.

    Validators are skipped while attrs has them turned off
    (:func:`attrs.validators.set_disabled`), as attrs does.
    """
    hooks: dict[str, tuple[Any, Any, Any]] = {}
    for a in attrs.fields(cls):
        if a.on_setattr is not None or isinstance(a.converter, attrs.Converter):
            return
        if a.converter is not None or a.validator is not None:
            hooks[a.name] = (a.converter, a.validator, a)
    put = object.__setattr__
    disabled = attrs.validators.get_disabled

    def __setattr__(self: Any, name: str, value: Any) -> None:
        hook = hooks.get(name)
        if hook is not None:
            convert, validate, field = hook
            if convert is not None:
                value = convert(value)
            if validate is not None and not disabled():
                validate(self, field, value)
        put(self, name, value)

    __setattr__.__qualname__ = f"{cls.__qualname__}.__setattr__"
    __setattr__.__module__ = cls.__module__
    type.__setattr__(cls, "__setattr__", __setattr__)


@attrs.define(eq=False, kw_only=True)
class Aggregate:
    """An entity that is loaded, changed and saved as a whole.

    Entities compare by identity (``eq=False``). ``version`` counts the events
    the entity has had; each state change records exactly one event and adds
    one to the version. The storage layer checks that the stored version is
    still ``version - len(pending_events)`` when it saves (optimistic concurrency).

    :param id: the entity's id.
    :param version: the number of events applied so far.
    """

    KIND: ClassVar[str] = "aggregate"

    id: str
    version: int = 0
    _pending: list[DomainEvent] = attrs.field(factory=list, init=False, repr=False)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """An aggregate class built by ``attrs.define`` sets its fields through
        :func:`_direct_setattr` (the same checks, without attrs' generic hooks)."""
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("__attrs_own_setattr__") and "__attrs_attrs__" in cls.__dict__:
            _direct_setattr(cls)

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        """Events recorded since the entity was loaded, not yet stored."""
        return tuple(self._pending)

    @property
    def stored_version(self) -> int:
        """The version this entity had when it was loaded (0 for a new one)."""
        return self.version - len(self._pending)

    def mark_stored(self) -> None:
        """Forget the pending events once the storage layer has committed them."""
        self._pending.clear()

    def _record(
        self,
        name: str,
        actor: Actor,
        at: datetime,
        payload: Mapping[str, Any] | None = None,
        confidential: Iterable[str] = (),
    ) -> DomainEvent:
        """Add one to the version and record the event of this change.

        :raises ValidationError: if ``actor`` is not an :class:`Actor` or ``at`` is naive.
        """
        if not isinstance(actor, Actor):
            raise ValidationError(
                f"{self.KIND} {name}: actor must be an itsm_core.Actor, "
                f"got {type(actor).__name__}",
                field="actor",
            )
        require_aware(at, "at")
        self.version += 1
        event = DomainEvent.create(
            kind=self.KIND,
            aggregate_id=self.id,
            version=self.version,
            name=f"{self.KIND}.{name}",
            at=at,
            actor=actor,
            payload=payload,
            confidential=confidential,
        )
        self._pending.append(event)
        cls = type(self)
        log = _LOGGERS.get(cls)
        if log is None:
            log = _LOGGERS[cls] = area_logger(cls.__module__)
        if log.isEnabledFor(logging.INFO):
            log.info("%s %s v%d: %s by %s", self.KIND, self.id, self.version, event.name, actor.id)
        return event
