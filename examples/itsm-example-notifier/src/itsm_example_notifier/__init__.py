"""A minimal itsm_core notifier plug-in: it keeps every event it receives, once.

The entry point ``example.event-log`` (group ``itsm_core``) names
:data:`notifier`; ``itsm_core`` registers it in each facade and calls its
``itsm_on_event`` for every committed event, at least once.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from itsm_core import DomainEvent, hookimpl

__all__ = ["EventLog", "notifier"]


class EventLog:
    """Keeps each event once, and appends it to a JSON-lines file if one is given.

    :param path: the file to append to (None: keep events in memory only).
    """

    plugin_name = "example.event-log"

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path else None
        self.events: list[DomainEvent] = []
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    @hookimpl
    def itsm_on_event(self, event: DomainEvent) -> None:
        """Keep ``event`` unless it was already received (delivery is at least once).

        :param event: the committed, redacted event.
        """
        event = event.redacted()  # it already is; a notifier never relies on that
        with self._lock:
            if event.event_id in self._seen:
                return
            if self.path is not None:
                # An OSError here propagates: the relay records it and retries later.
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(event.to_dict(), ensure_ascii=False) + "\n")
            self._seen.add(event.event_id)
            self.events.append(event)


notifier = EventLog(os.environ.get("ITSM_EXAMPLE_EVENT_LOG"))
"""The instance the entry point names (configured from the environment at import)."""
