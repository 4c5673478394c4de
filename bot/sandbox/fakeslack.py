"""A fake Slack Web API server (127.0.0.1, a free port), for the tests and the sandbox.

Point the real ``slack_sdk.WebClient`` at it::

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.posts("C1")[0].args["text"] == "hi"

Tests inspect the recorded calls (``calls``, ``posts``, ``responses``, ``uploaded_files``),
inject failures (``fail``) and make methods answer slowly (``slow``; ``arrivals`` counts the
calls that came in, answered or not yet). The sandbox (``oura-bot try``) prints what the app
showed since it last looked (``take_outputs``), read from the same record. Nothing is kept on
disk.

How slack_sdk talks to the API (checked against slack_sdk 3.x source):
- every call is an HTTP POST to ``<base_url><method>``, even those it declares as GET
  (users.info, conversations.info): ``http_verb`` is ignored and the arguments travel as a
  form-encoded body, never as a query string;
- chat.postMessage/postEphemeral/update and views.* send a JSON body; everything else is
  form-encoded, with nested values (e.g. ``files`` of files.completeUploadExternal)
  pre-serialised to JSON strings and booleans sent as "1"/"0";
- the token is sent as ``Authorization: Bearer <token>`` (a ``token`` kwarg is moved there);
- files_upload_v2 POSTs the raw bytes to ``upload_url`` with no Content-Type and no token.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

T = TypeVar("T")
JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata", "user_auth_blocks")


@dataclass
class Call:
    """One recorded Web API call. ``result`` is the JSON body we answered with."""

    method: str
    args: dict[str, Any]
    token: str | None
    result: dict[str, Any] = field(default_factory=dict, compare=False)
    status: int = field(default=200, compare=False)
    # When it was answered (time.monotonic()), to see which channel waited on which.
    at: float = field(default_factory=time.monotonic, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.result.get("ok"))


@dataclass
class Response:
    """One POST to a response_url (what Bolt's ``respond()`` sends)."""

    key: str
    body: dict[str, Any]


@dataclass
class Output:
    """Something the app showed: kind is message, ephemeral, updated, pinned, reply, modal,
    home or file."""

    kind: str
    channel: str | None = None
    ts: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    reply_to: str | None = None  # the response_url key a reply went to


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    error: str | None


class FakeSlack:
    def __init__(
        self,
        team_id: str = "T_VENDOR",
        bot_user_id: str = "U_BOT",
        now: Callable[[], float] = time.time,
        enterprise_id: str | None = None,
    ) -> None:
        self.team_id = team_id
        # The vendor's Enterprise Grid organization (auth.test says it), None off Grid.
        self.enterprise_id = enterprise_id
        self.bot_user_id = bot_user_id
        self.bot_id = "B_BOT"
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}  # extra fields for conversations.info
        self.not_in_channel: set[str] = set()
        self.channel_not_found: set[str] = set()
        self.pinned: set[tuple[str | None, str]] = set()  # (channel, ts) pinned with pins.add
        # The WebSocket URL `apps.connections.open` hands out (a test's Socket Mode server).
        self.socket_mode_url: str | None = None
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._seq = 0  # ts / file / view ids stay unique across reset()
        # Where message ts come from: `now`, or whatever a test living at another date sets.
        self.now: Callable[[], float] = now
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.base_url}/response/{key}"

    # -- model and fault setup -------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        tz: str = "Europe/Helsinki",
        team_id: str | None = None,
        name: str | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        name = name or user_id.lower()
        user = {"id": user_id, "team_id": team_id or self.team_id, "name": name, "tz": tz}
        user["locale"] = locale
        user["real_name"] = name.replace(".", " ").title()
        with self._lock:
            self.users[user_id] = user
        return user

    def fail(
        self,
        method: str,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        error: str | None = None,
        channel: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` (only those to ``channel``, if
        given) with HTTP ``status``."""
        with self._lock:
            queue = self._pending_faults.setdefault(_where(method, channel), deque())
            queue.extend(_Fault(status, retry_after, error) for _ in range(times))

    def slow(
        self, method: str, seconds: float, channel: str | None = None, uneven: bool = False
    ) -> None:
        """Answer every later call to ``method`` (to ``channel``, if given) only after
        ``seconds``; what the call does (a post landing in the channel) happens then, even if
        the caller has hung up. ``uneven``: after anything up to ``seconds`` instead, so calls
        made one after another can land in another order, as on a busy network."""
        with self._lock:
            self._delays[_where(method, channel)] = -seconds if uneven else seconds

    def reset(self) -> None:
        """Forget calls, faults (done and pending), delays, arrivals, responses, uploads and
        outputs not taken.

        Keeps the model: users, channels, not_in_channel, channel_not_found."""
        with self._lock:
            # Calls and response_url posts in the order they came: take_outputs needs both.
            self._log: list[Call | Response] = []
            self._taken = 0  # how much of _log take_outputs has handed out
            self._faults: list[Call] = []
            self._pending_faults: dict[str, deque[_Fault]] = {}
            self._delays: dict[str, float] = {}
            self._arrivals: dict[str, int] = {}
            self._uploads: dict[str, dict[str, Any]] = {}
            self._uploaded: list[dict[str, Any]] = []

    # -- queries ---------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return [c for c in self._log if isinstance(c, Call)]

    @property
    def faults(self) -> list[Call]:
        with self._lock:
            return list(self._faults)

    def arrivals(self, method: str) -> int:
        """How many calls to ``method`` came in, including those still being answered."""
        with self._lock:
            return self._arrivals.get(method, 0)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posts(self, channel: str | None = None) -> list[Call]:
        """Successful chat.postMessage calls, optionally to ``channel`` (as sent or resolved)."""
        return [
            c
            for c in self.calls_to("chat.postMessage")
            if c.ok and channel in (None, c.args.get("channel"), c.result.get("channel"))
        ]

    def responses(self, key: str | None = None) -> list[Response]:
        with self._lock:
            return [
                r for r in self._log if isinstance(r, Response) and (key is None or r.key == key)
            ]

    def uploaded_files(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(f) for f in self._uploaded]

    def take_outputs(self) -> list[Output]:
        """What the app showed since the last take, in order: successful calls and replies."""
        with self._lock:
            new, self._taken = self._log[self._taken :], len(self._log)
            uploaded = {f["file_id"]: f for f in self._uploaded}
        return [output for entry in new for output in _outputs(entry, uploaded)]

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0, message: str = "") -> T:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                seen = [f"{c.method}({c.args.get('channel', '')})" for c in self.calls]
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {message or predicate!r}; "
                    f"last value {value!r}; calls so far: {seen}; responses: {self.responses()}"
                )
            time.sleep(0.01)

    def wait_for_posts(self, channel: str | None, n: int = 1, timeout: float = 5) -> list[Call]:
        def enough() -> list[Call] | None:
            posts = self.posts(channel)
            return posts if len(posts) >= n else None

        return self.wait_for(enough, timeout, f"{n} chat.postMessage to {channel}")

    def wait_for_responses(self, key: str | None, n: int = 1, timeout: float = 5) -> list[Response]:
        def enough() -> list[Response] | None:
            responses = self.responses(key)
            return responses if len(responses) >= n else None

        return self.wait_for(enough, timeout, f"{n} response_url posts to {key}")

    # -- request handling (called from server threads) -------------------------------------
    def _handle_api(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        here = _where(method, args.get("channel"))
        with self._lock:
            self._arrivals[method] = self._arrivals.get(method, 0) + 1
            delay = self._delays.get(here, self._delays.get(method, 0.0))
        if delay:
            time.sleep(delay if delay > 0 else random.uniform(0, -delay))
        with self._lock:
            queue = self._pending_faults.get(here) or self._pending_faults.get(method)
            if queue:
                fault = queue.popleft()
                default = "ratelimited" if fault.status == 429 else "internal_error"
                body = {"ok": False, "error": fault.error or default}
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                self._faults.append(Call(method, args, token, body, fault.status))
                return fault.status, body, headers
            handler = getattr(self, "_api_" + method.replace(".", "_"), None)
            result = handler(args) if handler else {"ok": True}
            self._log.append(Call(method, args, token, result))
            return 200, result, {}

    def _record_response(self, key: str, body: dict[str, Any]) -> None:
        with self._lock:
            self._log.append(Response(key, body))

    def _receive_upload(self, file_id: str, content: bytes) -> bool:
        with self._lock:
            if file_id not in self._uploads:
                return False
            self._uploads[file_id]["content"] = content
            return True

    def _next_ts(self) -> str:
        """Like Slack's: the posting time in microseconds, unique and increasing."""
        self._seq = max(self._seq + 1, int(self.now() * 1_000_000))
        return f"{self._seq // 1_000_000}.{self._seq % 1_000_000:06d}"

    def _channel_error(
        self, channel: str | None, check_membership: bool = False
    ) -> dict[str, Any] | None:
        if not channel or channel in self.channel_not_found:
            return {"ok": False, "error": "channel_not_found"}
        if check_membership and channel in self.not_in_channel:
            return {"ok": False, "error": "not_in_channel"}
        return None

    # -- Web API methods -------------------------------------------------------------------
    def _api_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode_url is None:
            return {"ok": True}  # no socket to give: the app's client keeps asking
        return {"ok": True, "url": self.socket_mode_url}

    def _api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        grid = {"enterprise_id": self.enterprise_id} if self.enterprise_id else {}
        return {
            **grid,
            "ok": True,
            "url": "https://vendor.slack.com/",
            "team": "Vendor",
            "user": "oura-bot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        now = datetime.now(ZoneInfo(user.get("tz") or "UTC"))
        offset = now.utcoffset()
        assert offset is not None
        tz_fields = {"tz_label": now.tzname(), "tz_offset": int(offset.total_seconds())}
        shown = {"is_bot": False, "tz": "UTC", **tz_fields, **user}
        if str(args.get("include_locale")).lower() not in ("1", "true"):
            del shown["locale"]  # Slack gives the locale only when asked for it
        return {"ok": True, "user": shown}

    def _api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if error := self._channel_error(channel, check_membership=True):
            return error
        if channel and channel.startswith("U"):  # posting to a user id lands in the app DM
            channel = f"D_{channel}"
        ts = self._next_ts()
        return {"ok": True, "channel": channel, "ts": ts, "message": self._message(args, ts)}

    def _api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Messages the bot posted in a channel, newest first; metadata only when asked for."""
        channel = args.get("channel")
        if error := self._channel_error(channel):
            return error
        oldest = float(args.get("oldest") or 0)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        messages = []
        for call in reversed(self._log):
            if not isinstance(call, Call) or call.method != "chat.postMessage" or not call.ok:
                continue
            if call.result.get("channel") != channel:
                continue
            message = dict(call.result["message"])
            if float(message["ts"]) < oldest:
                continue
            if not with_metadata:
                message.pop("metadata", None)
            messages.append(message)
        limit = int(args.get("limit") or 100)
        return {"ok": True, "messages": messages[:limit], "has_more": len(messages) > limit}

    def _api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._channel_error(args.get("channel")) or {
            "ok": True,
            "message_ts": self._next_ts(),
        }

    def _api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        if error := self._channel_error(args.get("channel")):
            return error
        ts = args.get("ts", "")
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": ts,
            "text": args.get("text", ""),
            "message": self._message(args, ts),
        }

    def _api_pins_add(self, args: dict[str, Any]) -> dict[str, Any]:
        """Pins a message once: a second pin of it is refused as Slack does."""
        channel, ts = args.get("channel"), str(args.get("timestamp") or "")
        if error := self._channel_error(channel):
            return error
        if not ts:
            return {"ok": False, "error": "no_item_specified"}
        if (channel, ts) in self.pinned:
            return {"ok": False, "error": "already_pinned"}
        self.pinned.add((channel, ts))
        return {"ok": True}

    def _api_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        """Deletes a message; its pin goes with it, as in Slack."""
        channel = args.get("channel")
        if error := self._channel_error(channel):
            return error
        self.pinned.discard((channel, str(args.get("ts") or "")))
        return {"ok": True, "channel": channel, "ts": args.get("ts")}

    def _api_conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if error := self._channel_error(channel):
            return error
        self.not_in_channel.discard(channel)
        return {"ok": True, "channel": self._channel(channel)}

    def _api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        return self._channel_error(channel) or {"ok": True, "channel": self._channel(channel)}

    def _api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            return {"ok": False, "error": "invalid_arguments"}
        dm = {"id": f"D_{'_'.join(users)}", "is_im": len(users) == 1, "user": users[0]}
        return {"ok": True, "channel": dm}

    def _api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": self._view(args)}

    _api_views_push = _api_views_open

    def _api_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        if not (args.get("view_id") or args.get("external_id")):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": self._view(args, args.get("view_id"))}

    def _api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("user_id"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": self._view(args)}

    def _api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not args.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        self._seq += 1
        file_id = f"F_{self._seq:04d}"
        self._uploads[file_id] = {"filename": args["filename"], "content": None}
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel_id")
        if channel and (error := self._channel_error(channel, check_membership=True)):
            return error
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        if any(self._uploads.get(f.get("id"), {}).get("content") is None for f in files):
            return {"ok": False, "error": "file_not_found"}
        result = []
        for f in files:
            upload = self._uploads.pop(f["id"])
            title = f.get("title") or upload["filename"]
            self._uploaded.append(
                {
                    "file_id": f["id"],
                    "title": title,
                    "filename": upload["filename"],
                    "channel_id": channel,
                    "channels": args.get("channels"),
                    "thread_ts": args.get("thread_ts"),
                    "initial_comment": args.get("initial_comment"),
                    "content": upload["content"],
                }
            )
            result.append({"id": f["id"], "name": upload["filename"], "title": title})
        return {"ok": True, "files": result}

    def _api_files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """A shared file, with where it is shared as Slack lists it (ims, channels, shares);
        a file uploaded but never completed is not found, as on Slack."""
        for f in self._uploaded:
            if f["file_id"] == args.get("file"):
                where = f["channel_id"] or ""
                private = where.startswith(("D", "G"))
                return {
                    "ok": True,
                    "file": {
                        "id": f["file_id"],
                        "name": f["filename"],
                        "title": f["title"],
                        "ims": [where] if where.startswith("D") else [],
                        "channels": [] if private or not where else [where],
                        "shares": {("private" if private else "public"): {where: [{}]}}
                        if where
                        else {},
                    },
                }
        return {"ok": False, "error": "file_not_found"}

    # -- response shapes -------------------------------------------------------------------
    def _message(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        message = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id, "ts": ts}
        message.update(_said(args))
        return message

    def _channel(self, channel_id: str) -> dict[str, Any]:
        info = {
            "id": channel_id,
            "name": channel_id.lower(),
            "is_channel": True,
            "is_private": False,
            "is_member": channel_id not in self.not_in_channel,
            "is_ext_shared": False,
        }
        return {**info, **self.channels.get(channel_id, {})}

    def _view(self, args: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        if view_id is None:
            self._seq += 1
            view_id = f"V_{self._seq:04d}"
        view = args.get("view") if isinstance(args.get("view"), dict) else {}
        return {
            "id": view_id,
            "team_id": self.team_id,
            "app_id": "A_OURA",
            "bot_id": self.bot_id,
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"hash-{view_id}-{self._seq}",
            "root_view_id": view_id,
            "previous_view_id": None,
            **view,
        }


def _said(args: dict[str, Any]) -> dict[str, Any]:
    return {k: args[k] for k in ("text", "blocks", "thread_ts", "metadata") if k in args}


_VIEW_KINDS = {
    "views.open": "modal",
    "views.push": "modal",
    "views.update": "modal",
    "views.publish": "home",
}


def _outputs(entry: Call | Response, uploaded: dict[str, dict[str, Any]]) -> list[Output]:
    """What one recorded call or reply showed; a failed call showed nothing."""
    if isinstance(entry, Response):
        return [Output("reply", payload=entry.body, reply_to=entry.key)]
    if not entry.ok:
        return []
    args, result = entry.args, entry.result
    if entry.method == "chat.postMessage":
        return [Output("message", result["channel"], result["ts"], _said(args))]
    if entry.method == "chat.postEphemeral":
        return [Output("ephemeral", args.get("channel"), None, _said(args))]
    if entry.method == "chat.update":
        return [Output("updated", result["channel"], result["ts"], _said(args))]
    if entry.method == "pins.add":
        return [Output("pinned", args.get("channel"), args.get("timestamp"))]
    if entry.method in _VIEW_KINDS:
        return [Output(_VIEW_KINDS[entry.method], payload=result["view"])]
    if entry.method == "files.completeUploadExternal":
        files = [uploaded[f["id"]] for f in result["files"]]
        return [
            Output(
                "file",
                f["channel_id"] or "",
                payload={
                    "filename": f["filename"],
                    "title": f["title"],
                    "content": f["content"],
                    "initial_comment": f["initial_comment"] or "",
                },
            )
            for f in files
        ]
    return []


def _where(method: str, channel: object) -> str:
    """The key of a fault or delay: a method, or a method in one channel."""
    return f"{method}#{channel}" if channel else method


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Slack takes many connections at once (the clock opens 16): the default backlog of 5
    # would reset some.
    request_queue_size = 128
    fake: FakeSlack

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the caller hung up before its answer (a killed process): nothing to say
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet for pytest and the terminal
        pass

    def do_GET(self) -> None:
        self._safe_route(b"")

    def do_POST(self) -> None:
        self._safe_route(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _safe_route(self, raw: bytes) -> None:
        try:
            self._route(raw)
        except ConnectionError:
            raise  # the caller is gone: there is no one to answer
        except Exception:  # a bug in the fake must show up in the test, not as a hang
            self._reply(500, traceback.format_exc().encode(), "text/plain")

    def _route(self, raw: bytes) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        section, _, name = url.path.lstrip("/").partition("/")
        if section == "api" and name:
            args = dict(parse_qsl(url.query, keep_blank_values=True))
            args.update(self._parse_body(raw))
            for key in JSON_ARGS:
                if key in args:
                    args[key] = _maybe_json(args[key])
            token = args.pop("token", None)
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Bearer "):
                token = auth.removeprefix("Bearer ")
            status, body, headers = fake._handle_api(name, args, token)
            self._reply(status, json.dumps(body).encode(), "application/json", headers)
        elif section == "response" and name:
            body = self._parse_body(raw)
            fake._record_response(name, body if isinstance(body, dict) else {"_raw": body})
            self._reply(200, b"ok", "text/plain")
        elif section == "upload" and name:
            if fake._receive_upload(name, raw):
                self._reply(200, f"OK - {len(raw)}".encode(), "text/plain")
            else:
                self._reply(404, b"upload not found", "text/plain")
        else:
            self._reply(404, b"not found", "text/plain")

    def _parse_body(self, raw: bytes) -> dict[str, Any]:
        ctype = self.headers.get("Content-Type", "")
        if not raw:
            return {}
        if ctype.startswith("application/json"):
            return json.loads(raw)
        if ctype.startswith("multipart/"):  # only the retired files.upload (v1) sends this
            raise ValueError("multipart bodies (legacy files.upload) are not supported")
        return dict(parse_qsl(raw.decode(), keep_blank_values=True))

    def _reply(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
