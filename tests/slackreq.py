"""Send Slack-signed requests to our app over HTTP, the way Slack does.

    sender = SlackSender("http://127.0.0.1:3000", signing_secret="secret")
    reply = sender.command("book tomorrow", user_id="U1", channel_id="C1",
                           response_url=fake.response_url("r1"))
    assert reply.status == 200

Every send accepts ``timestamp`` (default now), ``signature`` (override, for bad-signature
tests), ``unsigned`` (omit both signing headers) and ``headers`` (extra, e.g.
``{"X-Slack-Retry-Num": "1"}``). Sends never raise on 4xx/5xx; they return a ``Reply``.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import ProxyHandler, Request, build_opener

from slack_sdk.signature import SignatureVerifier

VERIFICATION_TOKEN = "legacy-verification-token"
API_APP_ID = "A_OURA"
BOT_USER_ID = "U_BOT"


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str]  # keys lower-cased

    def json(self) -> Any:
        """The body parsed as JSON, or None for an empty body (a plain ack)."""
        return json.loads(self.body) if self.body.strip() else None


def new_trigger_id() -> str:
    """Slack gives every interaction its own trigger id, so no two payloads are alike."""
    return f"{int(time.time())}.42.{uuid.uuid4().hex[:12]}"


def _domain(team_id: str) -> str:
    return team_id.removeprefix("T_").lower()


def _ts() -> str:
    return f"{time.time():.6f}"


def block_action(
    action_id: str,
    value: str,
    *,
    user_id: str,
    team_id: str,
    channel_id: str,
    response_url: str,
    message_ts: str | None = None,
    block_id: str = "b",
    trigger_id: str | None = None,
    action_type: str = "button",
    enterprise_id: str | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload for a button (or ``action_type="static_select"``) click.

    With ``message_ts`` the click comes from a normal message, otherwise from an ephemeral one.
    """
    action: dict[str, Any] = {
        "type": action_type,
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": _ts(),
    }
    if action_type == "static_select":
        action["selected_option"] = {"text": {"type": "plain_text", "text": value}, "value": value}
    else:
        action.update(value=value, text={"type": "plain_text", "text": value})
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message_ts or _ts(),
        "channel_id": channel_id,
        "is_ephemeral": message_ts is None,
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": _domain(team_id)},
        "enterprise": {"id": enterprise_id} if enterprise_id else None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "shared-acme"},
        "response_url": response_url,
        "actions": [action],
        "state": {"values": {}},
    }
    if message_ts is not None:
        payload["message"] = {"type": "message", "ts": message_ts, "text": "", "blocks": []}
    return payload


def view_submission(
    callback_id: str,
    state_values: dict[str, Any],
    *,
    user_id: str,
    team_id: str,
    private_metadata: str = "",
    view_id: str = "V1",
    enterprise_id: str | None = None,
) -> dict[str, Any]:
    """A ``view_submission`` payload; ``state_values`` is ``{block_id: {action_id: {...}}}``."""
    view = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": state_values},
        "hash": f"{int(time.time())}.abcd",
        "title": {"type": "plain_text", "text": "Oura"},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": {"type": "plain_text", "text": "Submit"},
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": API_APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": "B_BOT",
    }
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": _domain(team_id)},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger_id(),
        "view": view,
        "response_urls": [],
        "enterprise": {"id": enterprise_id} if enterprise_id else None,
        "is_enterprise_install": False,
    }


class SlackSender:
    block_action = staticmethod(block_action)
    view_submission = staticmethod(view_submission)

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        path: str = "/slack/events",
        timeout: float = 10.0,
    ) -> None:
        self.url = base_url.rstrip("/") + path
        self.signing_secret = signing_secret
        self.timeout = timeout
        self._opener = build_opener(ProxyHandler({}))  # never route localhost via a proxy

    def signature_headers(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(self.signing_secret).generate_signature(
            timestamp=ts, body=body
        )
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature or ""}

    def send(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        unsigned: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """POST a raw body, signed over exactly these bytes."""
        all_headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0"}
        if not unsigned:
            all_headers.update(self.signature_headers(body, timestamp))
            if signature is not None:
                all_headers["X-Slack-Signature"] = signature
        all_headers.update(headers or {})
        request = Request(self.url, data=body.encode(), headers=all_headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as resp:
                status, raw, resp_headers = resp.status, resp.read(), resp.headers
        except HTTPError as e:
            status, raw, resp_headers = e.code, e.read(), e.headers
        return Reply(
            status, raw.decode("utf-8", "replace"), {k.lower(): v for k, v in resp_headers.items()}
        )

    def command(
        self,
        text: str,
        *,
        user_id: str,
        channel_id: str,
        response_url: str,
        team_id: str = "T_VENDOR",
        command: str = "/oura-book",
        trigger_id: str | None = None,
        enterprise_id: str | None = None,
        user_name: str | None = None,
        channel_name: str = "shared-acme",
        **send_opts: Any,
    ) -> Reply:
        form = {"token": VERIFICATION_TOKEN, "team_id": team_id, "team_domain": _domain(team_id)}
        if enterprise_id:
            form.update(enterprise_id=enterprise_id, enterprise_name=enterprise_id.lower())
        form.update(
            channel_id=channel_id,
            channel_name=channel_name,
            user_id=user_id,
            user_name=user_name or user_id.lower(),
            command=command,
            text=text,
            api_app_id=API_APP_ID,
            is_enterprise_install="false",
            response_url=response_url,
            trigger_id=trigger_id or new_trigger_id(),
        )
        return self.send(urlencode(form), "application/x-www-form-urlencoded", **send_opts)

    def interaction(self, payload: dict[str, Any], **send_opts: Any) -> Reply:
        body = urlencode({"payload": json.dumps(payload)})
        return self.send(body, "application/x-www-form-urlencoded", **send_opts)

    def event(
        self,
        event: dict[str, Any],
        *,
        team_id: str = "T_VENDOR",
        event_id: str | None = None,
        **send_opts: Any,
    ) -> Reply:
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "context_team_id": team_id,
            "api_app_id": API_APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        return self.send(json.dumps(envelope), "application/json", **send_opts)

    def url_verification(self, challenge: str, **send_opts: Any) -> Reply:
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self.send(json.dumps(body), "application/json", **send_opts)
