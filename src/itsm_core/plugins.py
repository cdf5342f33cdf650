"""The plug-in manager: one per facade, never global."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pluggy

from itsm_core import hookspecs
from itsm_core.errors import PluginError, UnknownBackend, ValidationError
from itsm_core.storage.base import AggregateSpec, BackendFactory, StorageBackend

__all__ = ["DEFAULT_PLUGINS", "make_plugin_manager", "open_storage", "storage_schemes"]

DEFAULT_PLUGINS: tuple[str, ...] = (
    "itsm_core.storage.memory_plugin",
    "itsm_core.storage.sqlalchemy.plugin",
)
"""Modules registered in every plug-in manager, exactly as a third-party plug-in is."""


def make_plugin_manager(
    plugins: Iterable[object] = (), *, load_entrypoints: bool = True
) -> pluggy.PluginManager:
    """Return a new plug-in manager with the hook specs, the defaults and ``plugins``.

    A plug-in object is registered under its ``plugin_name`` attribute when it
    has one (notifiers need a stable name: the outbox records deliveries per
    name), else under pluggy's default (a module's ``__name__``). A plug-in
    passed in ``plugins`` replaces an installed (entry-point) plug-in of the
    same name.

    :param plugins: extra plug-in objects or modules to register.
    :param load_entrypoints: also load installed plug-ins of the entry-point
        group ``itsm_core``.
    :raises PluginError: if two plug-ins in ``plugins`` have the same name.
    """
    import importlib

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    installed: set[str] = set()
    if load_entrypoints:
        defaults = {n for n, _ in pm.list_name_plugin()}
        pm.load_setuptools_entrypoints(hookspecs.PROJECT)
        installed = {n for n, _ in pm.list_name_plugin()} - defaults
    for plugin in plugins:
        if pm.is_registered(plugin):
            continue
        given = getattr(plugin, "plugin_name", None)
        plugin_name = given if isinstance(given, str) and given else None
        if plugin_name is not None and plugin_name in installed:
            pm.unregister(name=plugin_name)
            installed.discard(plugin_name)
        if plugin_name is not None and pm.has_plugin(plugin_name):
            raise PluginError(
                f"two plug-ins are named {plugin_name!r}; give each its own plugin_name"
            )
        pm.register(plugin, name=plugin_name)
    pm.check_pending()
    return pm


def _registry(pm: pluggy.PluginManager) -> dict[str, BackendFactory]:
    found: dict[str, BackendFactory] = {}

    def register(scheme: str, factory: BackendFactory) -> None:
        if not isinstance(scheme, str) or not scheme:
            raise PluginError(f"a storage scheme must be a non-empty string, got {scheme!r}")
        if scheme in found and found[scheme] is not factory:
            raise PluginError(f"two plug-ins register the storage scheme {scheme!r}")
        found[scheme] = factory

    pm.hook.itsm_register_storage(register=register)
    return found


def storage_schemes(pm: pluggy.PluginManager) -> list[str]:
    """Return the URL schemes the installed backends handle."""
    return sorted(_registry(pm))


def open_storage(
    pm: pluggy.PluginManager, url: str, specs: Sequence[AggregateSpec[Any]]
) -> StorageBackend:
    """Open the backend that handles ``url``'s scheme.

    ``postgresql+psycopg://`` is looked up as is, then as ``postgresql``.

    :raises UnknownBackend: naming the installed schemes, when none handles it.
    """
    if not isinstance(url, str) or ":" not in url:
        raise ValidationError(
            f"a storage URL looks like 'memory://' or 'sqlite:///path.db', got {url!r}",
            field="url",
        )
    scheme = url.split(":", 1)[0].lower()
    registry = _registry(pm)
    factory = registry.get(scheme) or registry.get(scheme.split("+", 1)[0])
    if factory is None:
        raise UnknownBackend(url, scheme, registry)
    return factory(url, specs)
