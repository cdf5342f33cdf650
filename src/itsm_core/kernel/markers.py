"""The pluggy markers of the ``itsm_core`` project.

:mod:`itsm_core.hookspecs` declares every hook with :data:`hookspec`;
plug-ins (the built-in backends and notifiers included) implement them with
:data:`hookimpl`, which the package also exports as ``itsm_core.hookimpl``.
"""

from __future__ import annotations

import pluggy

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "itsm_core"
"""The pluggy project name and the entry-point group of installed plug-ins."""

hookspec = pluggy.HookspecMarker(PROJECT)
"""Marks a hook specification (used by :mod:`itsm_core.hookspecs`)."""

hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a plug-in's implementation of a hook."""
