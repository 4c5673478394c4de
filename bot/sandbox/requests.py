"""Slack-shaped requests, signed with the sandbox's own secret, dispatched into the Bolt app.

Request verification stays on: each body is signed exactly as Slack signs it, so the app takes
the very path it takes for Slack."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.domain.slacktext import escape

APP_ID = "A0SANDBOX"
# What Slack's autocomplete and link detection turn into markup in typed text.
_TYPED_MARKUP = re.compile(
    r"(?P<url>https?://[^\s]+)"
    r"|(?<![\w.@/&])@(?P<user>[\w][\w.-]*)"
    r"|(?<![\w&/])#(?P<channel>[\w][\w-]*)"
)


def slack_command_text(typed: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """Command text as Slack sends it with `should_escape: true` (manifest.yml): `&`, `<`, `>`
    as `&amp;`, `&lt;`, `&gt;`; a `@name` picked from the autocomplete as `<@U…|name>` and a
    `#channel` as `<#C…|channel>` (`users` and `channels` map names to ids: a name nobody has
    stays plain text, as when a person types it without picking from the list); a URL as
    `<https://…>`. Format: https://api.slack.com/docs/formatting ("URLs and Escaping")."""

    def markup(match: re.Match[str]) -> str:
        if match["url"]:
            return f"<{match['url']}>"
        name = (match["user"] or match["channel"]).rstrip(".-")
        rest = (match["user"] or match["channel"])[len(name) :]
        if match["user"] and name in users:
            return f"<@{users[name]}|{name}>{rest}"
        if match["channel"] and name in channels:
            return f"<#{channels[name]}|{name}>{rest}"
        return match[0]

    return _TYPED_MARKUP.sub(markup, escape(typed))


def trigger_id() -> str:
    return f"{int(time.time())}.0.{uuid.uuid4().hex[:16]}"


class Dispatcher:
    def __init__(self, app: App, signing_secret: str) -> None:
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)

    def send(self, body: str, content_type: str) -> BoltResponse:
        timestamp = str(int(time.time()))  # real time: Slack signatures are checked against it
        headers = {
            "content-type": [content_type],
            "x-slack-request-timestamp": [timestamp],
            "x-slack-signature": [self.verifier.generate_signature(timestamp=timestamp, body=body)],
        }
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def command(
        self,
        text: str,
        *,
        command: str,
        user: dict[str, str],
        channel_id: str,
        channel_name: str,
        response_url: str,
    ) -> BoltResponse:
        form = {
            "token": "sandbox",
            "team_id": user["team_id"],
            "team_domain": "sandbox",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user["id"],
            "user_name": user["name"],
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id(),
        }
        return self.send(urlencode(form), "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any]) -> BoltResponse:
        body = urlencode({"payload": json.dumps(payload)})
        return self.send(body, "application/x-www-form-urlencoded")

    def block_action(
        self,
        *,
        user: dict[str, str],
        action_id: str,
        value: str,
        label: str,
        block_id: str,
        channel_id: str | None,
        message_ts: str | None,
        view: dict[str, Any] | None,
        response_url: str,
    ) -> BoltResponse:
        action = {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "text": {"type": "plain_text", "text": label},
            "action_ts": f"{time.time():.6f}",
        }
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user["id"], "username": user["name"], "team_id": user["team_id"]},
            "api_app_id": APP_ID,
            "token": "sandbox",
            "trigger_id": trigger_id(),
            "team": {"id": user["team_id"], "domain": "sandbox"},
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
            "state": {"values": {}},
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id")}
            payload["view"] = view
        else:
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts or f"{time.time():.6f}",
                "channel_id": channel_id,
                "is_ephemeral": message_ts is None,
            }
            payload["channel"] = {"id": channel_id, "name": channel_id}
            payload["response_url"] = response_url
            if message_ts is not None:
                payload["message"] = {"type": "message", "ts": message_ts, "text": ""}
        return self.interaction(payload)

    def view_submission(
        self, *, user: dict[str, str], view: dict[str, Any], values: dict[str, Any]
    ) -> BoltResponse:
        submitted = {**view, "state": {"values": values}}
        payload = {
            "type": "view_submission",
            "team": {"id": user["team_id"], "domain": "sandbox"},
            "user": {"id": user["id"], "username": user["name"], "team_id": user["team_id"]},
            "api_app_id": APP_ID,
            "token": "sandbox",
            "trigger_id": trigger_id(),
            "view": submitted,
            "response_urls": [],
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return self.interaction(payload)

    def app_home_opened(self, *, user: dict[str, str], team_id: str) -> BoltResponse:
        envelope = {
            "token": "sandbox",
            "team_id": team_id,
            "api_app_id": APP_ID,
            "event": {
                "type": "app_home_opened",
                "user": user["id"],
                "channel": f"D{user['id']}",
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            },
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:12].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": team_id,
                    "user_id": "U0SANDBOXBOT",
                    "is_bot": True,
                    "enterprise_id": None,
                }
            ],
        }
        return self.send(json.dumps(envelope), "application/json")
