"""A local stand-in for Slack's Web API, for the sandbox (127.0.0.1, a free port).

The real slack_sdk client in the real app calls it; it answers as Slack would and keeps what
the app said (messages, ephemeral notes, replies, modals, the App Home, uploaded files) for the
terminal to show. It serves no one else and keeps nothing on disk.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata")


@dataclass
class User:
    id: str
    name: str
    team_id: str
    tz: str


@dataclass
class Output:
    """Something the app showed: kind is message, ephemeral, reply, modal, home or file."""

    kind: str
    channel: str | None = None
    ts: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    reply_to: str | None = None  # the response_url key a reply went to


class FakeWebApi:
    def __init__(self, team_id: str, team_name: str, clock: Any = time.time) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = "U0SANDBOXBOT"
        self.users: dict[str, User] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.clock = clock
        self._outputs: list[Output] = []
        self._uploads: dict[str, dict[str, Any]] = {}
        self._seq = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> FakeWebApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.base_url}/response/{key}"

    def take_outputs(self) -> list[Output]:
        with self._lock:
            outputs, self._outputs = self._outputs, []
        return outputs

    # -- the Web API ------------------------------------------------------------------------
    def call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": True}
        with self._lock:
            result: dict[str, Any] = handler(args)
            return result

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _ts(self) -> str:
        return f"{self.clock():.0f}.{self._next():06d}"

    def _show(self, output: Output) -> None:
        self._outputs.append(output)

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "team": self.team_name,
            "team_id": self.team_id,
            "user": "oura-bot",
            "user_id": self.bot_user_id,
            "bot_id": "B0SANDBOX",
            "is_enterprise_install": False,
            "url": "https://sandbox.invalid/",
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {
            "ok": True,
            "user": {
                "id": user.id,
                "name": user.name,
                "real_name": user.name,
                "team_id": user.team_id,
                "tz": user.tz,
                "is_bot": False,
            },
        }

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel"))
        if channel.startswith("U"):
            channel = f"D{channel}"
        ts = self._ts()
        self._show(Output("message", channel, ts, _message(args)))
        return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts, **_message(args)}}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._show(Output("ephemeral", str(args.get("channel")), None, _message(args)))
        return {"ok": True, "message_ts": self._ts()}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("ts"))
        self._show(Output("updated", channel, ts, _message(args)))
        return {"ok": True, "channel": channel, "ts": ts, "message": _message(args)}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel}

    def _conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._conversations_info(args)

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "channel": {"id": f"D{users[0]}", "is_im": True, "user": users[0]}}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        # The sandbox's posts never fail halfway, so there is nothing for a retry to find.
        return {"ok": True, "messages": [], "has_more": False}

    def _view(self, args: dict[str, Any], kind: str) -> dict[str, Any]:
        view = dict(args.get("view") or {})
        view_id = str(args.get("view_id") or f"V{self._next():06d}")
        view.update(id=view_id, root_view_id=view_id, team_id=self.team_id, app_id="A0SANDBOX")
        view.setdefault("private_metadata", "")
        view.setdefault("callback_id", "")
        view.setdefault("state", {"values": {}})
        self._show(Output(kind, payload=view))
        return {"ok": True, "view": view}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        return self._view(args, "modal")

    _views_push = _views_open

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._view(args, "modal")

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._view(args, "home")

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{self._next():06d}"
        self._uploads[file_id] = {"filename": args.get("filename"), "content": None}
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files") or []
        done = []
        for f in files:
            upload = self._uploads.pop(f.get("id"), None)
            if upload is None or upload["content"] is None:
                return {"ok": False, "error": "file_not_found"}
            self._show(
                Output(
                    "file",
                    str(args.get("channel_id") or ""),
                    payload={
                        "filename": upload["filename"],
                        "title": f.get("title") or upload["filename"],
                        "content": upload["content"],
                        "initial_comment": args.get("initial_comment") or "",
                    },
                )
            )
            done.append({"id": f.get("id"), "name": upload["filename"]})
        return {"ok": True, "files": done}

    # -- other endpoints --------------------------------------------------------------------
    def receive_reply(self, key: str, body: dict[str, Any]) -> None:
        with self._lock:
            self._show(Output("reply", payload=body, reply_to=key))

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        with self._lock:
            if file_id not in self._uploads:
                return False
            self._uploads[file_id]["content"] = content
            return True


def _message(args: dict[str, Any]) -> dict[str, Any]:
    return {k: args[k] for k in ("text", "blocks", "thread_ts", "metadata") if k in args}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeWebApi


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # the terminal is for the user
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        api = self.server.api
        section, _, name = urlsplit(self.path).path.lstrip("/").partition("/")
        if section == "api":
            args = self._args(raw)
            self._reply(200, json.dumps(api.call(name, args)).encode(), "application/json")
        elif section == "response":
            body = self._args(raw)
            api.receive_reply(name, body)
            self._reply(200, b"ok", "text/plain")
        elif section == "upload" and api.receive_upload(name, raw):
            self._reply(200, f"OK - {len(raw)}".encode(), "text/plain")
        else:
            self._reply(404, b"not found", "text/plain")

    def _args(self, raw: bytes) -> dict[str, Any]:
        if not raw:
            return {}
        if self.headers.get("Content-Type", "").startswith("application/json"):
            parsed: dict[str, Any] = json.loads(raw)
            return parsed
        args: dict[str, Any] = dict(parse_qsl(raw.decode(), keep_blank_values=True))
        for key in JSON_ARGS:
            value = args.get(key)
            if isinstance(value, str) and value[:1] in ("[", "{"):
                args[key] = json.loads(value)
        return args

    def _reply(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
