"""The library's loggers: one per area, under ``itsm_core``.

``itsm_core`` has a :class:`logging.NullHandler`; an application sees the
library's records once it configures logging (e.g. ``logging.basicConfig``).
The areas log under ``itsm_core.complaints``, ``itsm_core.satisfaction``,
``itsm_core.sla``, ``itsm_core.improvements``, ``itsm_core.outbox`` and
``itsm_core.storage``:

- INFO: every recorded domain event (kind, id, version, event, actor id);
- DEBUG: every lifecycle step (kind, id, event, state from → to), relay
  passes and deliveries (event id, event name, notifier);
- WARNING: a failed delivery (event id, notifier, exception class), a relay
  that failed after a commit.

Records carry ids, names and states only: never a payload value, free text,
contact details or an internal complainant's identity.
"""

from __future__ import annotations

import logging

__all__ = ["ROOT", "area_logger"]

ROOT = "itsm_core"
"""The name of the library's top logger."""


def area_logger(module: str) -> logging.Logger:
    """Return the logger of the area ``module`` belongs to.

    ``itsm_core.complaints.model`` logs under ``itsm_core.complaints``; a
    module outside the library (a plug-in's aggregate) under its own name.
    """
    parts = module.split(".")
    if parts[0] == ROOT and len(parts) > 1:
        return logging.getLogger(f"{ROOT}.{parts[1]}")
    return logging.getLogger(module)
