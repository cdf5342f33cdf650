"""Test helpers for the plug-in tests: a tiny aggregate with a confidential field, a store
that keeps it, and real SMTP and HTTP servers on 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope

from itsm_core import Actor, DomainEvent, FrozenClock, ItsmCore, hookimpl
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.outbox import Backoff
from itsm_core.storage.base import AggregateSpec, BackendFactory, IndexField, StorageBackend
from itsm_core.storage.memory import MemoryBackend

AT = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
SPECIALIST = Actor("u-desk-7", ["complaint_specialist"], "Desk")
IDENTITY = "emp-0042 张伟"
"""An internal complainant's identity: it must never leave the library through a notifier."""
BACKOFF = Backoff(base=timedelta(seconds=10))


@attrs.define(eq=False, kw_only=True)
class Ticket(Aggregate):
    """A complaint-like aggregate whose complainant is confidential."""

    KIND = "nt_ticket"
    title: str
    complainant: str = ""

    def receive(self, actor: Actor, at: datetime, complainant: str) -> None:
        self.complainant = complainant
        self._record(
            "received",
            actor,
            at,
            {"title": self.title, "complainant": complainant, "origin": "internal"},
            confidential=["complainant"],
        )


TICKET_SPEC: AggregateSpec[Ticket] = AggregateSpec(
    kind=Ticket.KIND,
    entity_type=Ticket,
    to_record=lambda t: {
        "id": t.id,
        "version": t.version,
        "title": t.title,
        "complainant": t.complainant,
    },
    from_record=lambda r: Ticket(
        id=r["id"], version=r["version"], title=r["title"], complainant=r["complainant"]
    ),
    index=(IndexField("title", "str", lambda t: t.title),),
)


class TicketStore:
    """A storage plug-in: ``tickets://`` is the memory backend plus the test aggregate."""

    plugin_name = "test.ticket-store"

    @hookimpl
    def itsm_register_storage(self, register: Callable[[str, BackendFactory], None]) -> None:
        def factory(url: str, specs: Any) -> StorageBackend:
            return MemoryBackend(url, [*specs, TICKET_SPEC])

        register("tickets", factory)


def make_core(
    *plugins: object, load_entrypoints: bool = False, auto_relay: bool = True
) -> tuple[ItsmCore, FrozenClock]:
    """A facade on ``tickets://`` with a frozen clock and a 10 s backoff."""
    clock = FrozenClock(AT)
    core = ItsmCore(
        "tickets://",
        clock=clock,
        plugins=[TicketStore(), *plugins],
        load_entrypoints=load_entrypoints,
        auto_relay=auto_relay,
        backoff=BACKOFF,
    )
    return core, clock


def receive_ticket(core: ItsmCore, ticket_id: str = "t-1", title: str = "打印机卡纸") -> None:
    """Store a new ticket with an internal complainant (one committed event)."""
    with core.runtime.transaction() as uow:
        ticket = Ticket(id=ticket_id, title=title)
        ticket.receive(SPECIALIST, core.clock.now(), IDENTITY)
        uow.save(TICKET_SPEC, ticket)


def ticket_event(name: str = "nt_ticket.received", **payload: Any) -> DomainEvent:
    """An unredacted event with a confidential complainant, built by hand."""
    return DomainEvent.create(
        kind="nt_ticket",
        aggregate_id="t-9",
        version=1,
        name=name,
        at=AT,
        actor=SPECIALIST,
        payload={"title": "网络中断", "complainant": IDENTITY, **payload},
        confidential=["complainant"],
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- SMTP -----------------------------------------------------------------------------------


@attrs.frozen
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


class Inbox:
    """An aiosmtpd handler that keeps what it receives; can refuse a number of messages."""

    def __init__(self) -> None:
        self.envelopes: list[Mail] = []
        self.refuse = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 mailbox busy, try again later"
        content = envelope.original_content
        assert isinstance(content, bytes) and envelope.mail_from is not None
        self.envelopes.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), content))
        return "250 OK"


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started on the same port."""

    def __init__(self, credentials: Mapping[str, str] | None = None) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.credentials = dict(credentials or {})
        self._controller: Controller | None = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        user = auth_data.login.decode()
        ok = self.credentials.get(user) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False)

    def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if self.credentials:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_require_tls": False,
            }
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


# --- HTTP -----------------------------------------------------------------------------------


@attrs.define
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookServer:
    """A real HTTP server on 127.0.0.1 that records POSTs and answers with ``statuses``.

    ``statuses`` is consumed one per request; when it is empty the answer is 200.
    A status of 0 makes the server hang until it is stopped (for timeouts).
    """

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.statuses: list[int] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                status = outer.statuses.pop(0) if outer.statuses else 200
                if status == 0:
                    outer.release.wait(10)
                    return
                outer.requests.append(Received(self.path, dict(self.headers.items()), body))
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                text = b"ok" if status < 300 else b"receiver trouble"
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/itsm"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class DrippingServer:
    """A TCP server on 127.0.0.1 that answers every request one byte at a time (for about 6 s).

    Each byte comes within the client's socket timeout, so only a deadline on
    the whole request ends the wait.
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(8)
        self._server.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        port = self._server.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/hooks/itsm"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.5)
            with contextlib.suppress(OSError):
                conn.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 15:
                    if self._stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(self.interval)

    def __enter__(self) -> DrippingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._server.close()
