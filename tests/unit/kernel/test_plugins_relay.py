from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest

from itsm_core import (
    SYSTEM,
    AccessDenied,
    Actor,
    ConflictError,
    DomainEvent,
    FrozenClock,
    ItsmCore,
    PluginError,
    StorageError,
    UnknownBackend,
    ValidationError,
    hookimpl,
)
from itsm_core.outbox import PARKED, Backoff, OutboxRelay
from itsm_core.plugins import make_plugin_manager, open_storage, storage_schemes
from itsm_core.runtime import Runtime
from itsm_core.storage.base import BackendFactory
from itsm_core.storage.memory import MemoryBackend
from itsm_core.testing import RecordingNotifier

from .toy import LAMP_SPEC, Lamp

AUDITOR = Actor("qa", ["quality_specialist"], "质控专员")

AT = datetime(2026, 5, 4, 10, tzinfo=UTC)


def runtime(*plugins: object) -> tuple[Runtime, FrozenClock]:
    clock = FrozenClock(AT)
    pm = make_plugin_manager(plugins, load_entrypoints=False)
    storage = MemoryBackend("memory://", [LAMP_SPEC])
    relay = OutboxRelay(storage, pm, clock, Backoff(base=timedelta(seconds=10)))
    return Runtime(clock, storage, pm, relay), clock


def switch_on(rt: Runtime, lamp_id: str = "l1") -> None:
    with rt.transaction() as uow:
        lamp = Lamp(id=lamp_id, room="101")
        lamp.switch_on(SYSTEM, rt.clock.now())
        uow.save(LAMP_SPEC, lamp)


def test_unknown_scheme_names_installed_ones() -> None:
    with pytest.raises(UnknownBackend, match=r"installed schemes: .*memory"):
        ItsmCore("nosuch://x", load_entrypoints=False)
    with pytest.raises(ValidationError, match="storage URL"):
        ItsmCore("nourl", load_entrypoints=False)


def test_each_facade_has_its_own_plugin_manager() -> None:
    a = ItsmCore(load_entrypoints=False)
    b = ItsmCore(load_entrypoints=False)
    assert a.plugins is not b.plugins
    assert "memory" in a.storage_schemes


def test_register_storage_hook_adds_a_scheme_and_duplicates_are_refused() -> None:
    class Backend:
        @hookimpl
        def itsm_register_storage(self, register: Callable[[str, BackendFactory], None]) -> None:
            register("toy", MemoryBackend)

    pm = make_plugin_manager([Backend()], load_entrypoints=False)
    assert isinstance(open_storage(pm, "toy://x", [LAMP_SPEC]), MemoryBackend)

    class Clash:
        @hookimpl
        def itsm_register_storage(self, register: Callable[[str, BackendFactory], None]) -> None:
            register("memory", lambda url, specs: MemoryBackend(url, specs))

    pm = make_plugin_manager([Clash()], load_entrypoints=False)
    with pytest.raises(PluginError, match="memory"):
        open_storage(pm, "memory://", [LAMP_SPEC])


class MisnamedArgument:
    @hookimpl
    def itsm_on_event(self, evt: DomainEvent) -> None:
        pass


class MisspelledHook:
    @hookimpl
    def itsm_on_evnt(self, event: DomainEvent) -> None:
        pass


def test_plugins_that_do_not_fit_the_hooks_are_refused_clearly() -> None:
    with pytest.raises(PluginError, match=r"does not match.*evt.*known hooks: .*itsm_on_event"):
        make_plugin_manager([MisnamedArgument()], load_entrypoints=False)
    with pytest.raises(PluginError, match=r"itsm_on_evnt.*known hooks: .*itsm_on_event"):
        make_plugin_manager([MisspelledHook()], load_entrypoints=False)
    with pytest.raises(PluginError, match=r"class RecordingNotifier; pass an instance"):
        make_plugin_manager([RecordingNotifier], load_entrypoints=False)


def test_an_installed_plugin_that_cannot_be_loaded_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from importlib import metadata

    broken = metadata.EntryPoint(
        name="broken", value="no_such_module_xyz:plugin", group="itsm_core"
    )
    real = metadata.entry_points

    def entry_points(**selection: Any) -> Any:
        found = list(real(**selection))
        return [*found, broken] if selection.get("group") == "itsm_core" else found

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    with pytest.raises(PluginError, match=r"'broken' \(no_such_module_xyz:plugin.*ModuleNotFound"):
        ItsmCore()
    assert "memory" in ItsmCore(load_entrypoints=False).storage_schemes


def backends(register_storage: Callable[[Callable[[str, BackendFactory], None]], None]) -> Any:
    class Plugin:
        @hookimpl
        def itsm_register_storage(self, register: Callable[[str, BackendFactory], None]) -> None:
            register_storage(register)

    return make_plugin_manager([Plugin()], load_entrypoints=False)


def test_storage_schemes_are_case_insensitive_and_checked() -> None:
    pm = backends(lambda register: register("Toy", MemoryBackend))
    assert "toy" in storage_schemes(pm)
    assert isinstance(open_storage(pm, "TOY://x", [LAMP_SPEC]), MemoryBackend)
    for scheme in ("", "with space", "9lives", None):
        pm = backends(lambda register, s=scheme: register(s, MemoryBackend))  # type: ignore[misc]
        with pytest.raises(PluginError, match="URL scheme"):
            storage_schemes(pm)
    pm = backends(lambda register: register("toy", "not callable"))  # type: ignore[arg-type]
    with pytest.raises(PluginError, match="factory"):
        storage_schemes(pm)


def test_a_backend_that_fails_or_returns_no_backend_is_reported() -> None:
    def broken(url: str, specs: Any) -> Any:
        raise KeyError("host")

    pm = backends(lambda register: register("broken", broken))
    with pytest.raises(
        PluginError, match=r"'broken' failed to open 'broken://h/db': KeyError"
    ) as info:
        open_storage(pm, "broken://user:secret@h/db", [LAMP_SPEC])
    assert "secret" not in str(info.value)
    pm = backends(lambda register: register("nothing", lambda url, specs: None))
    with pytest.raises(PluginError, match=r"NoneType, which is not a StorageBackend"):
        open_storage(pm, "nothing://x", [LAMP_SPEC])
    # an ItsmError of the backend passes as it is
    pm = backends(lambda register: register("toy", MemoryBackend))
    with pytest.raises(UnknownBackend):
        open_storage(pm, "nowhere://x", [LAMP_SPEC])


def test_committed_events_reach_notifiers_redacted() -> None:
    rec = RecordingNotifier()
    rt, _ = runtime(rec)
    switch_on(rt)
    (event,) = rec.events
    assert event.name == "lamp.switched_on"
    assert event.payload["by"] == "[redacted]"
    assert rt.storage.outbox_pending(AT) == []


def test_failing_notifier_does_not_block_others_and_is_retried_with_backoff() -> None:
    good, flaky = RecordingNotifier("good"), RecordingNotifier("flaky", failures=2)
    rt, clock = runtime(good, flaky)
    switch_on(rt)
    assert len(good.events) == 1 and flaky.events == []
    (entry,) = rt.storage.outbox_pending(clock.now())  # first failure: 10 s, less up to 1 s
    assert entry.attempts and entry.next_attempt_at
    # not yet due: the entry is not even claimed, nothing is tried
    report = rt.relay.run()
    assert report.claimed == 0 and report.delivered == 0 and report.failures == ()
    clock.advance(seconds=10)
    report = rt.relay.run()  # second failure; backoff doubles to 20 s, less up to 10% jitter
    assert len(report.failures) == 1
    clock.advance(seconds=17)
    assert rt.relay.run().claimed == 0
    clock.advance(seconds=3)
    assert rt.relay.run().delivered == 1
    assert len(flaky.events) == 1 and len(good.events) == 1
    assert rt.storage.outbox_pending(clock.now()) == []


def test_backoff_is_capped() -> None:
    b = Backoff(base=timedelta(seconds=1), factor=10, cap=timedelta(minutes=1))
    assert b.delay(1) == timedelta(seconds=1)
    assert b.delay(2) == timedelta(seconds=10)
    assert b.delay(9) == timedelta(minutes=1)
    # however many attempts failed: no overflow, the cap
    for attempt in (45, 1025, 10**6):
        assert Backoff().delay(attempt) == timedelta(hours=1)
        assert b.delay(attempt) == timedelta(minutes=1)


@pytest.mark.parametrize(
    "options",
    [
        {"factor": 0.5},
        {"factor": float("inf")},
        {"factor": "2"},
        {"base": timedelta(seconds=-1)},
        {"cap": 60},
        {"max_attempts": 0},
        {"jitter": 1},
        {"jitter": -0.1},
    ],
    ids=[
        "factor-below-1",
        "infinite-factor",
        "factor-not-a-number",
        "negative-base",
        "cap-number",
        "no-attempts",
        "jitter-1",
        "negative-jitter",
    ],
)
def test_bad_backoff_is_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="Backoff"):
        Backoff(**options)


def test_a_notifier_down_for_hours_is_retried_with_jitter_then_parked() -> None:
    # the waits grow to the cap (shortened by up to the jitter), then the delivery is parked
    flaky = RecordingNotifier("flaky", failures=100)
    clock = FrozenClock(AT)
    pm = make_plugin_manager([flaky], load_entrypoints=False)
    storage = MemoryBackend("memory://", [LAMP_SPEC])
    policy = Backoff()
    rt = Runtime(clock, storage, pm, OutboxRelay(storage, pm, clock, policy))
    switch_on(rt)
    for attempt in range(2, policy.max_attempts):
        clock.advance(hours=1)
        report = rt.relay.run()
        assert len(report.failures) == 1 and not report.failures[0].parked
        wait = report.failures[0].retry_at - clock.now()
        assert policy.delay(attempt) * (1 - policy.jitter) <= wait <= policy.delay(attempt)
    clock.advance(hours=1)
    (last,) = rt.relay.run().failures
    assert last.parked and last.retry_at == PARKED
    clock.advance(days=365)
    assert rt.relay.run().claimed == 0  # parked: never retried by itself
    (letter,) = rt.relay.dead_letters(clock.now())
    assert (letter.notifier, letter.attempts) == ("flaky", policy.max_attempts)
    flaky.failures = 0
    rt.relay.retry_dead_letter(letter.event.event_id, "flaky", clock.now(), "om-1")
    assert rt.relay.run().delivered == 1
    assert len(flaky.events) == 1
    assert storage.outbox_pending(clock.now()) == []
    assert rt.relay.dead_letters(clock.now()) == []


def test_error_in_transaction_rolls_back_everything() -> None:
    rec = RecordingNotifier()
    rt, _ = runtime(rec)
    with pytest.raises(RuntimeError), rt.transaction() as uow:
        lamp = Lamp(id="l1", room="101")
        lamp.switch_on(SYSTEM, AT)
        uow.save(LAMP_SPEC, lamp)
        raise RuntimeError("boom")
    with rt.storage.unit_of_work() as uow:
        assert uow.find(LAMP_SPEC) == []
        assert uow.history("lamp", "l1") == []
    assert rec.events == []


def test_stale_write_conflicts_and_changes_nothing() -> None:
    rt, _ = runtime()
    switch_on(rt)
    with rt.storage.unit_of_work() as first, rt.storage.unit_of_work() as second:
        a: Any = first.get(LAMP_SPEC, "l1")
        b: Any = second.get(LAMP_SPEC, "l1")
        for lamp, uow in ((a, first), (b, second)):
            lamp.switched_at = AT + timedelta(hours=1)
            lamp._record("touched", SYSTEM, AT)
            uow.save(LAMP_SPEC, lamp)
        first.commit()
        with pytest.raises(ConflictError, match="expected stored version 1, found 2"):
            second.commit()
    with rt.storage.unit_of_work() as uow:
        assert uow.get(LAMP_SPEC, "l1").version == 2
        assert len(uow.history("lamp", "l1")) == 2
    with pytest.raises(ConflictError, match="already exists"):
        switch_on(rt)


def test_facade_history_is_redacted() -> None:
    from datetime import UTC, datetime

    from itsm_core import Actor

    core = ItsmCore(clock=FrozenClock(datetime(2026, 3, 2, 9, tzinfo=UTC)), load_entrypoints=False)
    li = Actor("li", ["complaint_specialist"])
    c = core.complaints.receive(
        li,
        customer="ACME",
        complainant="Zhang San",
        origin="internal",
        channel="hotline",
        source="complaint_channel",
        summary="late reports",
        party_complained_about="reporting team",
    )
    events = core.history(AUDITOR, "complaint", c.id)
    assert events
    assert "Zhang San" not in str([e.to_dict() for e in events])
    assert "Zhang San" in str([e.to_dict() for e in core.complaints.history(li, c.id)])
    # the complaint specialist reads the identity through the facade too
    assert "Zhang San" in str([e.to_dict() for e in core.history(li, "complaint", c.id)])
    customer = Actor("acme", ["customer"])
    with pytest.raises(AccessDenied):
        core.history(customer, "complaint", c.id)
    assert core.history(AUDITOR, "praise", c.id) == []
    with pytest.raises(ValidationError, match="kind"):
        core.history(AUDITOR, "", c.id)
    with pytest.raises(ValidationError, match="actor"):
        core.history("li", "complaint", c.id)  # type: ignore[arg-type]


class FlakyStore(MemoryBackend):
    """A memory store whose outbox cannot be claimed while ``down`` is set."""

    down = False

    def outbox_claim(self, now: datetime, limit: int, lease: timedelta) -> list[Any]:
        if self.down:
            raise StorageError("the database went away")
        return super().outbox_claim(now, limit, lease)


def test_a_relay_failing_after_the_commit_does_not_fail_the_command(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rec = RecordingNotifier()
    clock = FrozenClock(AT)
    pm = make_plugin_manager([rec], load_entrypoints=False)
    storage = FlakyStore("memory://", [LAMP_SPEC])
    rt = Runtime(clock, storage, pm, OutboxRelay(storage, pm, clock))
    storage.down = True
    with caplog.at_level(logging.WARNING, logger="itsm_core.outbox"):
        switch_on(rt)  # returns: the change is committed
    assert "stay in the outbox" in caplog.text
    assert "the database went away" in caplog.text
    with rt.storage.unit_of_work() as uow:
        assert uow.get(LAMP_SPEC, "l1").version == 1
    assert rec.events == []
    (entry,) = storage.outbox_pending(AT)
    # the next relay delivers it
    storage.down = False
    assert rt.relay.run().delivered == 1
    assert [e.event_id for e in rec.events] == [entry.event.event_id]
    # an explicit relay (a worker's) still reports its failure
    storage.down = True
    with pytest.raises(StorageError):
        rt.relay.run()


class Spy(MemoryBackend):
    closed: ClassVar[list[str]] = []

    def close(self) -> None:
        Spy.closed.append(self.url)
        super().close()


class SpyPlugin:
    @hookimpl
    def itsm_register_storage(self, register: Callable[[str, BackendFactory], None]) -> None:
        register("spy", Spy)


@pytest.mark.parametrize(
    "options",
    [
        {"calendars": {"x": 42}},
        {"backoff": 5},
        {"satisfaction_policy": 1},
        {"satisfaction_weights": "w"},
        {"complaint_policy": "strict"},
    ],
    ids=["calendars", "backoff", "satisfaction-policy", "weights", "complaint-policy"],
)
def test_a_refused_setting_closes_the_store_it_opened(options: dict[str, Any]) -> None:
    Spy.closed.clear()
    with pytest.raises(ValidationError):
        ItsmCore("spy://one", plugins=[SpyPlugin()], load_entrypoints=False, **options)
    assert Spy.closed == ["spy://one"]


def test_facade_arguments_are_checked() -> None:
    with pytest.raises(ValidationError, match="clock must have a now"):
        ItsmCore(clock=object(), load_entrypoints=False)  # type: ignore[arg-type]
    core = ItsmCore(load_entrypoints=False)
    for limit in (0, -1, "10", True):
        with pytest.raises(ValidationError, match="limit must be a positive integer"):
            core.relay(limit)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="older_than"):
        core.purge_outbox(30)  # type: ignore[arg-type]
    assert core.relay(1).claimed == 0
