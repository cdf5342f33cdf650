"""What both notifiers share: the error they raise, event filters, settings from the environment."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping

from itsm_core.kernel.errors import ItsmError, PluginError, ValidationError

__all__ = ["NotificationError", "Unconfigured", "event_filter", "matches"]


class NotificationError(ItsmError, RuntimeError):
    """A notifier could not deliver an event (server down, refused, timed out...).

    The outbox relay records the message and retries the delivery later with
    backoff; the committed change stays committed.

    :param message: what failed, where, and for which event.
    :param notifier: the plug-in name of the notifier.
    :param event_id: the event that was not delivered.
    """

    def __init__(self, message: str, *, notifier: str = "", event_id: str = "") -> None:
        super().__init__(message)
        self.notifier = notifier
        self.event_id = event_id


class Unconfigured:
    """Stands in for a notifier that the environment does not configure.

    It implements no hook, so it receives nothing and never appears among the
    relay's notifiers; it only shows, under the notifier's plug-in name, what
    to set to turn the notifier on.

    :param plugin_name: the notifier's plug-in name.
    :param hint: which environment variables turn it on.
    """

    def __init__(self, plugin_name: str, hint: str) -> None:
        self.plugin_name = plugin_name
        self.hint = hint

    def __repr__(self) -> str:
        return f"<{self.plugin_name}: not configured ({self.hint})>"


def event_filter(patterns: Iterable[str] | str | None, field: str = "events") -> tuple[str, ...]:
    """Return event-name patterns (``fnmatch`` style, e.g. ``"complaint.*"``) as a tuple.

    ``None`` means every event (``("*",)``); a string is split on commas.

    :raises ValidationError: if a pattern is empty or not a string.
    """
    if patterns is None:
        return ("*",)
    items = patterns.split(",") if isinstance(patterns, str) else list(patterns)
    result: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(
                f"{field} must be event names or patterns such as 'complaint.*', got {item!r}",
                field=field,
            )
        result.append(item.strip())
    if not result:
        raise ValidationError(f"{field} must name at least one event or pattern", field=field)
    return tuple(result)


def matches(patterns: Iterable[str], name: str) -> bool:
    """Return True if the event ``name`` matches any of ``patterns`` (case-sensitive)."""
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


# --- settings from environment variables -------------------------------------------------

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def env_text(env: Mapping[str, str], key: str) -> str | None:
    """Return the stripped value of ``key``, or None when it is unset or blank."""
    value = env.get(key, "").strip()
    return value or None


def env_required(env: Mapping[str, str], key: str, because: str) -> str:
    """Return the value of ``key``; raise :class:`PluginError` naming it when it is missing."""
    value = env_text(env, key)
    if value is None:
        raise PluginError(f"{because} is set but {key} is not; set {key} too (or unset {because})")
    return value


def env_flag(env: Mapping[str, str], key: str) -> bool:
    """Return a yes/no setting (``1/true/yes/on`` or ``0/false/no/off``; unset is no)."""
    value = env.get(key, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise PluginError(f"{key} must be one of 1/true/yes/on or 0/false/no/off, got {value!r}")


def env_number(env: Mapping[str, str], key: str, default: float) -> float:
    """Return a positive number of seconds (or a port), ``default`` when unset."""
    value = env_text(env, key)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise PluginError(f"{key} must be a number, got {value!r}") from None
    if number <= 0:
        raise PluginError(f"{key} must be greater than 0, got {value!r}")
    return number


def env_port(env: Mapping[str, str], key: str, default: int) -> int:
    """Return a TCP port (1-65535), ``default`` when unset."""
    value = env_text(env, key)
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise PluginError(f"{key} must be a port number between 1 and 65535, got {value!r}")
    return int(value)


def configured(build_error: ValidationError, source: str) -> PluginError:
    """Turn a constructor's :class:`ValidationError` into a :class:`PluginError`."""
    return PluginError(f"the environment ({source}) configures an invalid notifier: {build_error}")
