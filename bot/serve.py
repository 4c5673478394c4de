"""`oura-bot web --workers N`: several web processes on gunicorn, each with threads.

One web process uses about two thirds of two cores (the GIL); N processes share the port
(gunicorn's master forks them and restarts one that dies or hangs). Each process builds its
own app and database engine after the fork (`bot.web.wsgi_from`): no connection is shared
between processes. What a process keeps in memory is only a shortcut: the replay refusal
before the ack remembers this process's signatures, and the database's
(`Deliveries.first_request`) refuses a replay sent to any other process before it changes
anything; Events API deliveries are deduplicated in the database too.

Only for PostgreSQL: SQLite has one writer, so N processes would only queue on its file lock
(and each would migrate the file as it starts); it keeps one waitress process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.web import WSGIApp

# A worker that has not checked in for this long (a request stuck) is replaced.
WORKER_TIMEOUT_SECONDS = 60
# On SIGTERM, requests in progress get this long to finish.
GRACEFUL_SECONDS = 20


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, build: Callable[[], WSGIApp], options: dict[str, Any]) -> None:
        self._build = build
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return self._build()  # in each worker, after the fork (no preload)


def serve_workers(
    build: Callable[[], WSGIApp], host: str, port: int, workers: int, threads: int
) -> None:
    """Serve until SIGTERM or SIGINT (then requests in progress finish, exit 0)."""

    def when_ready(server: Any) -> None:
        bound = server.LISTENERS[0].sock.getsockname()[1]
        print(
            f"oura-bot: serving Slack over HTTP with {workers} worker processes "
            f"({threads} threads each) at http://{host}:{bound}/slack/events",
            flush=True,
        )

    _Gunicorn(
        build,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": WORKER_TIMEOUT_SECONDS,
            "graceful_timeout": GRACEFUL_SECONDS,
            "keepalive": 5,
            "proc_name": "oura-bot-web",
            "errorlog": "-",
            "loglevel": "warning",
            "when_ready": when_ready,
        },
    ).run()
