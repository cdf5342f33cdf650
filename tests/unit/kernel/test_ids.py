"""Ids are RFC 9562 UUIDv7: unique, and ordered as they were made."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from unittest import mock

import pytest

from itsm_core.kernel import ids
from itsm_core.kernel.ids import new_id, uuid7

# Ids made by older releases (uuid4 hex) load and work as before: see
# tests/storage/test_upgrade_from_0_1_0.py and the record fixtures.


@pytest.fixture(autouse=True)
def _keep_generator_state() -> Iterator[None]:
    """Tests that fake the time leave the process's id generator as they found it."""
    with ids._lock:
        saved = ids._last_ms, ids._counter
        ids._last_ms = -1
    yield
    with ids._lock:
        if ids._last_ms > time.time_ns() // 1_000_000:  # a faked future time
            ids._last_ms, ids._counter = saved


def test_new_id_is_prefix_and_32_hex_digits_of_a_version_7_uuid() -> None:
    value = new_id("cmp-")
    assert value.startswith("cmp-")
    parsed = uuid.UUID(hex=value.removeprefix("cmp-"))
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert parsed.hex == value.removeprefix("cmp-")


def test_timestamp_is_the_unix_time_in_milliseconds() -> None:
    with mock.patch.object(ids.time, "time_ns", return_value=1_767_225_600_123_456_789):
        value = uuid7()
    assert value.int >> 80 == 1_767_225_600_123


def test_ids_made_in_sequence_sort_in_creation_order() -> None:
    made = [new_id("evt-") for _ in range(5000)]
    assert sorted(made) == made
    assert len(set(made)) == len(made)


def test_ids_within_one_millisecond_sort_in_creation_order() -> None:
    with mock.patch.object(ids.time, "time_ns", return_value=1_800_000_000_000_000_000):
        made = [new_id() for _ in range(1000)]
    assert {uuid.UUID(m).int >> 80 for m in made} == {1_800_000_000_000}
    assert sorted(made) == made
    assert len(set(made)) == len(made)


def test_a_clock_going_back_does_not_break_the_order() -> None:
    with mock.patch.object(ids.time, "time_ns", return_value=1_900_000_000_000_000_000):
        first = new_id()
    with mock.patch.object(ids.time, "time_ns", return_value=1_899_999_999_000_000_000):
        second = new_id()
    assert first < second


def test_counter_overflow_moves_to_the_next_millisecond() -> None:
    with mock.patch.object(ids.time, "time_ns", return_value=2_000_000_000_000_000_000):
        first = uuid7()
        with ids._lock:
            ids._counter = ids._COUNTER_MAX
        second = uuid7()
    assert second.int >> 80 == (first.int >> 80) + 1
    assert first < second


def test_ids_from_threads_are_unique() -> None:
    made: list[str] = []

    def work() -> None:
        batch = [new_id() for _ in range(2000)]
        assert sorted(batch) == batch
        made.extend(batch)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 8000
