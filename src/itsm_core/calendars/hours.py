"""Working windows: the opening hours of one day and of a week.

Times are **wall-clock local times** in the calendar's zone, counted in seconds
after local midnight. A window is half-open, ``[start, end)``: it is open at
``start`` and closed at ``end``. ``end`` may be ``24:00`` (86 400 s), meaning
"until the next local midnight"; ``24:00`` is the only allowed value past
``23:59:59`` and only as an end. A window always lies within one local day:
a night shift ``22:00–06:00`` is written as two windows, ``22:00–24:00`` on one
day and ``00:00–06:00`` on the next.

Text forms, used by the constructors and by serialisation: ``"09:00"``,
``"09:00:30"``, ``"24:00"`` for one time, and ``"09:00-12:00"`` (a hyphen, an
en dash ``–`` or a tilde ``~``) for one window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import time
from typing import Any

import attrs

from itsm_core.kernel.errors import ValidationError

__all__ = [
    "DAY_SECONDS",
    "WEEKDAY_LABELS_ZH",
    "WEEKDAY_NAMES",
    "WeeklyHours",
    "Window",
    "format_time_of_day",
    "parse_time_of_day",
    "parse_weekdays",
    "parse_windows",
]

#: Seconds in a (wall-clock) day; ``24:00`` as an end time.
DAY_SECONDS = 86_400

#: Short English weekday names, Monday first (``date.weekday()`` order).
WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Chinese display labels of the weekdays, Monday first.
WEEKDAY_LABELS_ZH: tuple[str, ...] = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

#: Full English weekday names, Monday first: a weekday may be written as any
#: beginning of its name of three letters or more ("tue", "tues", "tuesday").
_WEEKDAY_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
_RANGE_RE = re.compile(r"^\s*([0-9:]+)\s*[-–~]\s*([0-9:]+)\s*$")


def parse_time_of_day(value: object, name: str = "time") -> int:
    """Return a wall-clock time of day as seconds after midnight.

    :param value: ``"HH:MM"``, ``"HH:MM:SS"``, ``"24:00"``, a :class:`datetime.time`
        (without microseconds or zone) or an ``int`` number of seconds (0–86 400).
    :param name: the field name used in error messages.
    :raises ValidationError: if the value is not one of these forms or out of range.
    """
    if isinstance(value, bool):
        raise ValidationError(f"{name} must be a time of day, got bool", field=name)
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, time):
        if value.tzinfo is not None or value.microsecond:
            raise ValidationError(
                f"{name} must be a plain wall-clock time without zone or microseconds "
                f"(got {value.isoformat()})",
                field=name,
            )
        seconds = value.hour * 3600 + value.minute * 60 + value.second
    elif isinstance(value, str):
        match = _TIME_RE.match(value)
        if match is None:
            raise ValidationError(
                f"{name} must look like 'HH:MM' or 'HH:MM:SS' (got {value!r})", field=name
            )
        hours, minutes, secs = int(match[1]), int(match[2]), int(match[3] or 0)
        if minutes > 59 or secs > 59 or hours > 24 or (hours == 24 and (minutes or secs)):
            raise ValidationError(
                f"{name} {value!r} is not a time of day; allowed 00:00 to 23:59:59, "
                "and 24:00 as the end of a window",
                field=name,
            )
        seconds = hours * 3600 + minutes * 60 + secs
    else:
        raise ValidationError(
            f"{name} must be 'HH:MM', a datetime.time or seconds after midnight, "
            f"got {type(value).__name__}",
            field=name,
        )
    if not 0 <= seconds <= DAY_SECONDS:
        raise ValidationError(
            f"{name} must lie within one day, 0 to 86400 seconds (24:00); got {seconds}",
            field=name,
        )
    return seconds


def format_time_of_day(seconds: int) -> str:
    """Format seconds after midnight as ``"HH:MM"`` (or ``"HH:MM:SS"`` when needed).

    :param seconds: 0 to 86 400; 86 400 is written ``"24:00"``.
    """
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if secs:
        return f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{hours:02d}:{minutes:02d}"


def _start_converter(value: object) -> int:
    return parse_time_of_day(value, "start")


def _end_converter(value: object) -> int:
    return parse_time_of_day(value, "end")


@attrs.frozen(order=True)
class Window:
    """One working window of a day, ``[start, end)`` in local wall-clock time.

    ``Window("09:00", "12:00")``; ``Window.parse("13:30-18:00")``. The window
    ends at ``end`` exclusive; ``end`` may be ``"24:00"``.

    :param start: start of the window (``"HH:MM"``, :class:`datetime.time` or
        seconds after midnight); stored as seconds after local midnight.
    :param end: end of the window, after ``start``; stored as seconds.
    :raises ValidationError: if a time is malformed, out of the day, or
        ``start`` is not before ``end``.
    """

    start: int = attrs.field(converter=_start_converter)
    end: int = attrs.field(converter=_end_converter)

    def __attrs_post_init__(self) -> None:
        if self.start >= self.end:
            raise ValidationError(
                f"a working window must start before it ends (got {self}); "
                "a window lies within one day — split a night shift at 24:00",
                field="window",
            )

    @classmethod
    def parse(cls, text: str) -> Window:
        """Parse ``"HH:MM-HH:MM"`` (also with ``–`` or ``~`` between).

        :param text: the window as text, e.g. ``"13:30-18:00"`` or ``"00:00-24:00"``.
        :raises ValidationError: if the text is not a valid window.
        """
        if not isinstance(text, str):
            raise ValidationError(
                f"a window must be text like '09:00-12:00', got {type(text).__name__}",
                field="window",
            )
        match = _RANGE_RE.match(text)
        if match is None:
            raise ValidationError(
                f"a window must look like '09:00-12:00' (got {text!r})", field="window"
            )
        return cls(match[1], match[2])

    @property
    def seconds(self) -> int:
        """Length of the window in wall-clock seconds (the real length may differ on DST days)."""
        return self.end - self.start

    def __str__(self) -> str:
        return f"{format_time_of_day(self.start)}-{format_time_of_day(self.end)}"


def _as_window(value: object) -> Window:
    if isinstance(value, Window):
        return value
    if isinstance(value, str):
        return Window.parse(value)
    if isinstance(value, tuple | list) and len(value) == 2:
        return Window(value[0], value[1])
    raise ValidationError(
        "a working window must be a Window, text like '09:00-12:00' or a "
        f"(start, end) pair; got {value!r}",
        field="window",
    )


def parse_windows(
    values: Iterable[object] | str | Window, what: str | None = None
) -> tuple[Window, ...]:
    """Normalise the windows of one day: parse, sort, check and merge.

    Windows that touch (one ends when the next starts) are merged into one;
    windows that overlap are refused.

    :param values: windows as :class:`Window`, text (``"09:00-12:00"``) or
        ``(start, end)`` pairs; a single text or window is accepted too.
    :param what: names the day(s) in error messages (e.g. ``"mon-fri"``,
        ``"2025-12-31"``); None when there is nothing to name.
    :returns: the windows in order, non-overlapping, non-touching.
    :raises ValidationError: if a window is invalid or two windows overlap.
    """
    if isinstance(values, str | Window):
        values = [values]
    if not isinstance(values, Iterable):
        where = f" of {what}" if what else ""
        raise ValidationError(
            f"the working windows{where} must be a list of windows such as "
            f"['09:00-12:00', '13:30-18:00'], got {type(values).__name__}",
            field="windows",
        )
    windows = sorted(_as_window(v) for v in values)
    merged: list[Window] = []
    for window in windows:
        if merged and window.start < merged[-1].end:
            where = f" on {what}" if what else ""
            raise ValidationError(
                f"working windows overlap{where}: {merged[-1]} and {window}; "
                "windows of one day must not overlap (touching is allowed)",
                field="windows",
            )
        if merged and window.start == merged[-1].end:
            merged[-1] = Window(merged[-1].start, window.end)
        else:
            merged.append(window)
    return tuple(merged)


def parse_weekdays(spec: str | int | Iterable[str | int]) -> tuple[int, ...]:
    """Turn a weekday specification into weekday numbers (Monday = 0).

    :param spec: ``"mon-fri"``, ``"mon,wed,fri"``, ``"sat"``, ``"all"``, a weekday
        number, or an iterable of names / numbers. A name is the beginning of the
        English weekday name, three letters or more (``"tue"``, ``"Tuesday"``).
    :raises ValidationError: for an unknown weekday.
    """
    if isinstance(spec, bool):
        raise ValidationError(f"unknown weekday {spec!r}", field="weekdays")
    if isinstance(spec, int):
        items: list[str | int] = [spec]
    elif isinstance(spec, str):
        if spec.strip().lower() in ("all", "daily"):
            return tuple(range(7))
        items = [part for part in spec.split(",") if part.strip()]
    else:
        items = list(spec)
    days: set[int] = set()
    for item in items:
        if isinstance(item, str) and "-" in item:
            first, last = (_weekday_number(p) for p in item.split("-", 1))
            if first > last:
                raise ValidationError(
                    f"weekday range {item!r} runs backwards; write e.g. 'mon-fri'",
                    field="weekdays",
                )
            days.update(range(first, last + 1))
        else:
            days.add(_weekday_number(item))
    return tuple(sorted(days))


def _describe_weekdays(days: Iterable[int]) -> str:
    """Weekdays as text for messages: ``"mon-fri"``, ``"sat, sun"``, ``"mon, wed"``."""
    runs: list[list[int]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAY_NAMES[run[0]]}-{WEEKDAY_NAMES[run[-1]]}")
        else:
            parts.extend(WEEKDAY_NAMES[d] for d in run)
    return ", ".join(parts)


def _weekday_number(item: str | int) -> int:
    if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:
        return item
    if isinstance(item, str):
        key = item.strip().lower()
        for number, name in enumerate(_WEEKDAY_FULL_NAMES):
            if len(key) >= 3 and name.startswith(key):
                return number
    raise ValidationError(
        f"unknown weekday {item!r}; use mon, tue, wed, thu, fri, sat, sun or 0 (Monday) to 6",
        field="weekdays",
    )


def _weekly_converter(value: object) -> tuple[tuple[Window, ...], ...]:
    if isinstance(value, Mapping):
        days: list[tuple[Window, ...]] = [() for _ in range(7)]
        for key, windows in value.items():
            selected = parse_weekdays(key)
            parsed = parse_windows(windows, _describe_weekdays(selected))
            for day in selected:
                days[day] = parsed
        return tuple(days)
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 7:
        return tuple(parse_windows(windows, WEEKDAY_NAMES[i]) for i, windows in enumerate(value))
    raise ValidationError(
        "weekly hours must be a mapping of weekday to windows (e.g. "
        "{'mon-fri': ['09:00-12:00', '13:30-18:00']}) or a sequence of 7 window lists",
        field="weekly",
    )


@attrs.frozen
class WeeklyHours:
    """The regular working windows of each weekday.

    ``WeeklyHours.workweek("09:00-12:00", "13:30-18:00")`` is Monday to Friday with
    a lunch break; ``WeeklyHours({"mon-fri": ["09:00-18:00"], "sat": ["09:00-12:00"]})``
    names days explicitly; ``WeeklyHours.always()`` is 24×7.

    :param days: seven window tuples, Monday first; a mapping of weekday
        specifications (``"mon-fri"``, ``"sat"``, ``0``) to windows is accepted too.
        Days not named have no windows.
    :raises ValidationError: if a window is invalid or windows of a day overlap.
    """

    days: tuple[tuple[Window, ...], ...] = attrs.field(converter=_weekly_converter)

    @classmethod
    def workweek(
        cls,
        *windows: Window | str,
        weekdays: str | Iterable[str | int] = "mon-fri",  # pragma: no mutate (any case)
    ) -> WeeklyHours:
        """The same windows on each of ``weekdays`` (default Monday to Friday).

        :param windows: the day's windows, e.g. ``"09:00-12:00", "13:30-18:00"``.
        :param weekdays: the days that have these windows.
        :raises ValidationError: if no window is given or one is invalid.
        """
        if not windows:
            raise ValidationError(
                "give at least one working window, e.g. '09:00-18:00'", field="windows"
            )
        selected = set(parse_weekdays(weekdays))
        parsed = parse_windows(windows, _describe_weekdays(selected))
        return cls(tuple(parsed if day in selected else () for day in range(7)))

    @classmethod
    def always(cls) -> WeeklyHours:
        """Open all day, every day (24×7)."""
        whole = (Window(0, DAY_SECONDS),)
        return cls(tuple(whole for _ in range(7)))

    def on(self, weekday: int) -> tuple[Window, ...]:
        """The windows of ``weekday`` (Monday = 0)."""
        return self.days[weekday]

    @property
    def is_empty(self) -> bool:
        """True if no weekday has any window."""
        return not any(self.days)

    @property
    def first_working_day_windows(self) -> tuple[Window, ...]:
        """The windows of the first weekday (from Monday) that has any; empty if none."""
        for windows in self.days:
            if windows:
                return windows
        return ()

    def to_dict(self) -> dict[str, list[str]]:
        """JSON-able form: ``{"mon": ["09:00-12:00", ...], ..., "sun": []}``."""
        return {WEEKDAY_NAMES[i]: [str(w) for w in windows] for i, windows in enumerate(self.days)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WeeklyHours:
        """Inverse of :meth:`to_dict` (also accepts ranges like ``"mon-fri"`` as keys).

        :param data: a mapping of weekday specifications to lists of window texts.
        """
        return cls(data)

    def describe_zh(self) -> str:
        """A short Chinese description, e.g. ``"周一 09:00-12:00, 13:30-18:00；…"``."""
        parts = [
            f"{WEEKDAY_LABELS_ZH[i]} {', '.join(str(w) for w in windows) or '休息'}"
            for i, windows in enumerate(self.days)
        ]
        return "；".join(parts)
