"""Slack's side of a Socket Mode connection, on 127.0.0.1, for tests.

The app asks the Web API's `apps.connections.open` for a WebSocket URL (the fake Web API hands
out `url` below), connects, and is greeted with `hello`. Slack then sends envelopes
(`slash_commands`, `interactive`, `events_api`), each with an `envelope_id` the app must
acknowledge — with a `payload` when the envelope `accepts_response_payload` (a modal's errors
travel that way) — and may send `disconnect`, after which the app opens a new connection.

Message shapes follow what Slack publishes: the envelopes of bolt-python's
tests/adapter_tests/socket_mode/mock_socket_mode_server.py (`slash_commands`, `interactive`,
`events_api` with `accepts_response_payload`), and the `hello` / `disconnect` messages of
Slack's "Using Socket Mode" guide (docs.slack.dev/apis/events-api/using-socket-mode).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

T = TypeVar("T")


class FakeSocketMode:
    def __init__(self, app_id: str = "A_OURA") -> None:
        self.app_id = app_id
        self.connections = 0
        self.acks: dict[str, dict[str, Any]] = {}
        self._current: ServerConnection | None = None
        self._lock = threading.Lock()
        self._server: Server = serve(self._serve, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={uuid.uuid4()}&app_id={self.app_id}"

    # -- what Slack sends ---------------------------------------------------------------------
    def send(
        self, kind: str, payload: dict[str, Any], accepts_response_payload: bool = False
    ) -> str:
        """An envelope of `kind` (`slash_commands`, `interactive`, `events_api`); its id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        self._connection().send(json.dumps(envelope))
        return envelope_id

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to move to a new connection, as Slack does every few hours."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}
        self._connection().send(json.dumps(message))

    # -- what the app said ----------------------------------------------------------------------
    def wait_for_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        return wait_for(lambda: self.acks.get(envelope_id), timeout, f"ack of {envelope_id}")

    def wait_for_connections(self, n: int, timeout: float = 10) -> None:
        wait_for(lambda: self.connections >= n, timeout, f"{n} connections")

    # -- the server -----------------------------------------------------------------------------
    def _connection(self) -> ServerConnection:
        with self._lock:
            if self._current is None:
                raise AssertionError("the app is not connected")
            return self._current

    def _serve(self, connection: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "fake", "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        connection.send(json.dumps(hello))
        with self._lock:
            self._current = connection
            self.connections += 1
        try:
            for raw in connection:
                message = json.loads(raw)
                if isinstance(message, dict) and message.get("envelope_id"):
                    self.acks[str(message["envelope_id"])] = message
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if self._current is connection:
                    self._current = None


def wait_for(predicate: Callable[[], T], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)
