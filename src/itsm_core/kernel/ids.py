"""Identifiers: time-ordered (UUIDv7), URL-safe strings.

:func:`new_id` returns a prefix and the 32 lower-case hex digits of an
RFC 9562 version 7 UUID. Its first 48 bits are the Unix time in
milliseconds, so ids of one prefix sort (as strings) in the order they were
made; database indexes on them grow at the end instead of everywhere.

Within one millisecond the order comes from a 42-bit counter (RFC 9562
§6.2, method 1, "fixed bit-length dedicated counter"): the 12 bits of
``rand_a`` and the first 30 bits of ``rand_b``. Each new millisecond seeds
it at random with its top bit clear; each further id in that millisecond
adds one. If it runs out, or the system clock goes back, the timestamp is
moved on by one millisecond instead, so ids made in one process always
increase. The remaining 32 bits are random. The same layout as
:func:`uuid.uuid7` of Python 3.14.

Ids are opaque strings to the rest of the library: ids made by older
releases (``uuid4().hex``) and ids given by the caller stay valid; nothing
reads the time back out of an id.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

__all__ = ["new_id", "uuid7"]

_COUNTER_BITS = 42
_COUNTER_MAX = (1 << _COUNTER_BITS) - 1
_lock = threading.Lock()
_last_ms = -1
_counter = 0


_POOL_SIZE = 4096
_pool = b""
_taken = _POOL_SIZE


def _random32() -> int:
    """32 random bits from the operating system, read ahead in blocks (call with the lock)."""
    global _pool, _taken
    if _taken >= _POOL_SIZE:
        _pool, _taken = os.urandom(_POOL_SIZE), 0
    start = _taken
    _taken += 4
    return int.from_bytes(_pool[start : start + 4])


def _forget_pool() -> None:
    """A forked process reads its own random bits: none of its parent's read-ahead."""
    global _pool, _taken
    _pool, _taken = b"", _POOL_SIZE


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _seed() -> int:
    """A random counter start with its top bit clear (room for 2**41 ids per millisecond)."""
    return int.from_bytes(os.urandom(6)) & (_COUNTER_MAX >> 1)


def uuid7() -> uuid.UUID:
    """Return a new RFC 9562 version 7 UUID, later than every one this process made before."""
    return uuid.UUID(int=_uuid7_int())


def _uuid7_int() -> int:
    """The 128 bits of a new version 7 UUID (see :func:`uuid7`)."""
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms, _counter = now_ms, _seed()
        else:  # the same millisecond, or the clock went back: count on
            _counter += 1
            if _counter > _COUNTER_MAX:
                _last_ms, _counter = _last_ms + 1, _seed()
        unix_ms, counter = _last_ms, _counter
        tail = _random32()
    value = (unix_ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76  # version
    value |= (counter >> 30) << 64  # rand_a: the counter's top 12 bits
    value |= 0b10 << 62  # variant
    value |= (counter & 0x3FFF_FFFF) << 32  # rand_b: the counter's low 30 bits ...
    value |= tail  # ... and 32 random bits
    return value


def new_id(prefix: str = "") -> str:
    """Return a new unique, time-ordered id, optionally prefixed (e.g. ``"cmp-"``)."""
    return f"{prefix}{_uuid7_int():032x}"  # the UUID's hex
