"""The plug-in manager: one per facade, never global."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pluggy

from itsm_core import hookspecs
from itsm_core.kernel.errors import ItsmError, PluginError, UnknownBackend, ValidationError
from itsm_core.storage.base import AggregateSpec, BackendFactory, StorageBackend

__all__ = ["DEFAULT_PLUGINS", "make_plugin_manager", "open_storage", "storage_schemes"]

DEFAULT_PLUGINS: tuple[str, ...] = (
    "itsm_core.storage.memory_plugin",
    "itsm_core.storage.sqlalchemy.plugin",
)
"""Modules registered in every plug-in manager, exactly as a third-party plug-in is."""

_BACKEND_METHODS = (
    "unit_of_work",
    "outbox_pending",
    "outbox_claim",
    "outbox_delivered",
    "outbox_failed",
    "outbox_release",
    "outbox_done",
    "outbox_purge",
    "close",
)
_SCHEME = r"^[A-Za-z][A-Za-z0-9+.-]*$"  # compiled (and cached by re) on first use


def _shown_url(url: str) -> str:
    """``url`` without its user info (which may hold a password), for messages."""
    head, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        return f"{head}://{rest.split('@', 1)[1]}"
    return url


def _hook_names() -> list[str]:
    return sorted(n for n in hookspecs.__all__ if n.startswith("itsm_"))


def _register(pm: pluggy.PluginManager, plugin: object, name: str | None, what: str) -> None:
    """Register ``plugin``, turning pluggy's refusals into a :class:`PluginError`."""
    if inspect.isclass(plugin):
        raise PluginError(
            f"{what} is the class {plugin.__name__}; pass an instance of it "
            f"(e.g. {plugin.__name__}(...))"
        )
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        detail = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        raise PluginError(
            f"{what} has a hook implementation that does not match the hook specifications "
            f"({detail}); known hooks: {', '.join(_hook_names())}"
        ) from exc
    except ValueError as exc:  # pluggy: the name or the object is registered already
        raise PluginError(f"{what} cannot be registered: {exc}") from exc


def _load_entrypoints(pm: pluggy.PluginManager) -> set[str]:
    """Register the installed plug-ins of the ``itsm_core`` group; return their names."""
    from importlib import metadata

    loaded: set[str] = set()
    for ep in metadata.entry_points(group=hookspecs.PROJECT):
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        dist = getattr(ep, "dist", None)
        source = f" of the package {dist.name!r}" if dist is not None else ""
        what = f"the installed plug-in {ep.name!r} ({ep.value}{source})"
        try:
            plugin = ep.load()
        except ItsmError:
            raise  # the plug-in says itself what is wrong (e.g. a notifier's settings)
        except Exception as exc:
            raise PluginError(
                f"{what} cannot be loaded: {type(exc).__name__}: {exc}; fix or uninstall "
                "that package, or create the facade with load_entrypoints=False"
            ) from exc
        _register(pm, plugin, ep.name, what)
        loaded.add(ep.name)
    return loaded


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
    :raises PluginError: if two plug-ins in ``plugins`` have the same name, a
        plug-in is a class rather than an instance, a hook implementation
        does not match its specification or names no known hook, or an
        installed plug-in cannot be loaded (each naming the plug-in).
    """
    import importlib

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    installed: set[str] = set()
    if load_entrypoints:
        installed = _load_entrypoints(pm)
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
        _register(pm, plugin, plugin_name, f"the plug-in {plugin!r}")
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(
            f"{exc}: a hook implementation names no hook of itsm_core; "
            f"known hooks: {', '.join(_hook_names())}"
        ) from exc
    return pm


def _registry(pm: pluggy.PluginManager) -> dict[str, BackendFactory]:
    found: dict[str, BackendFactory] = {}

    def register(scheme: str, factory: BackendFactory) -> None:
        if not isinstance(scheme, str) or not re.match(_SCHEME, scheme):
            raise PluginError(
                f"a storage scheme is a URL scheme such as 'sqlite' or 'my+driver' "
                f"(a letter, then letters, digits, '+', '-', '.'), got {scheme!r}"
            )
        if not callable(factory):
            raise PluginError(
                f"the storage scheme {scheme!r} needs a factory(url, specs), got {factory!r}"
            )
        scheme = scheme.lower()  # URL schemes are case-insensitive
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
    :raises PluginError: when the backend fails with an error that is not an
        :class:`~itsm_core.kernel.errors.ItsmError` (naming the scheme and the error).
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
    try:
        backend = factory(url, specs)
    except ItsmError:
        raise
    except Exception as exc:
        raise PluginError(
            f"the storage backend for {scheme!r} failed to open {_shown_url(url)!r}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    missing = [m for m in _BACKEND_METHODS if not callable(getattr(backend, m, None))]
    if missing:
        raise PluginError(
            f"the storage backend for {scheme!r} returned {type(backend).__name__}, which is "
            f"not a StorageBackend (it lacks {', '.join(missing)})"
        )
    return backend
