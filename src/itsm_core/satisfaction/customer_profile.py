"""A customer (organisation) of the customer register, and whether it is a key customer."""

from __future__ import annotations

from datetime import datetime

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.satisfaction._values import optional_text, require_text

__all__ = ["CustomerProfile"]


@attrs.define(eq=False, kw_only=True)
class CustomerProfile(Aggregate):
    """A customer (organisation) as satisfaction capture knows it.

    :param id: the customer id used everywhere else (responses, service records).
    :param name: the display name.
    :param key: a key customer (重要客户).
    :param key_since: since when the key flag holds (None when not key).
    :param note: why it is (or stopped being) a key customer.
    """

    KIND = "customer_profile"

    name: str
    key: bool = False
    key_since: datetime | None = None
    note: str | None = None

    def register(self, actor: Actor, at: datetime) -> None:
        """Record the ``registered`` event of a new profile."""
        self.name = require_text(self.name, "name")
        if self.key and self.key_since is None:
            self.key_since = at
        if not self.key:
            self.key_since = None
        self._record(
            "registered",
            actor,
            at,
            {"name": self.name, "key": self.key, "key_since": self.key_since, "note": self.note},
        )

    def set_key(self, actor: Actor, at: datetime, *, key: bool, note: str | None = None) -> bool:
        """Set or clear the key-customer flag; return False (and record nothing) if unchanged."""
        text = optional_text(note, "note")
        if bool(key) == self.key:
            return False
        self.key = bool(key)
        self.key_since = at if self.key else None
        self.note = text
        self._record("key_changed", actor, at, {"key": self.key, "note": text})
        return True

    def rename(self, actor: Actor, at: datetime, *, name: str) -> bool:
        """Change the display name; return False if unchanged."""
        text = require_text(name, "name")
        if text == self.name:
            return False
        self.name = text
        self._record("renamed", actor, at, {"name": text})
        return True
