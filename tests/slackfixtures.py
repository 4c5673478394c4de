"""Payloads Slack itself published, as our tests send them (`tests/fixtures/slack/`).

Each fixture file holds one payload copied verbatim from a public source (`_source` names the
repository, commit and file; the README there lists them all). Loading one changes only ids,
action ids, values and URLs, and only at keys the published payload has: `_put` refuses a
key it does not have, so a test can never add a field Slack would not send. The one
exception is a button's `value` on the App Home sample, whose button had none (ours do).

    payload = block_action("block_actions.grid.json", "show_usage", "usage", channel="C1",
                           user=Person("U1", "T1", "E1"), response_url=fake.response_url("k"))
    bot.sender.interaction(payload)
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

FIXTURES = Path(__file__).parent / "fixtures" / "slack"
API_APP_ID = "A_OURA"


@dataclass(frozen=True)
class Person:
    """Someone in a payload: their id, their own workspace and (on Grid) organization."""

    user_id: str
    team_id: str | None
    enterprise_id: str | None = None


@cache
def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return document


def source_of(name: str) -> Any:
    return _document(name)["_source"]


def load(name: str) -> Any:
    """The published payload, as published (a fresh copy)."""
    return copy.deepcopy(_document(name)["payload"])


def _put(payload: Any, path: str, value: Any) -> None:
    """Change the value at `path` (dots; digits index lists); the key must be there."""
    *parents, last = path.split(".")
    node = payload
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if isinstance(node, dict) and key not in node:
        raise KeyError(f"{path}: the published payload has no such key")
    node[key] = value


def _has(payload: Any, path: str) -> bool:
    node = payload
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node or node[part] is None:
            return False
        node = node[part]
    return True


def _trigger_id() -> str:
    return f"{int(time.time())}.42.{uuid.uuid4().hex[:12]}"


def _ts() -> str:
    return f"{time.time():.6f}"


def _interaction_ids(payload: dict[str, Any], user: Person, team: Person | None) -> None:
    """The person (`user`) and the top-level `team` / `enterprise` of an interaction: the
    team the payload names is `team` (by default the user's own), in its workspace and
    organization ids, wherever the published payload has them."""
    team = team or user
    _put(payload, "user.id", user.user_id)
    if user.team_id is not None or "team_id" in payload["user"]:
        _put(payload, "user.team_id", user.team_id)  # refused where Slack sent none
    if _has(payload, "team"):
        _put(payload, "team.id", team.team_id)
        if "enterprise_id" in payload["team"]:
            _put(payload, "team.enterprise_id", team.enterprise_id)
    if _has(payload, "enterprise"):
        _put(payload, "enterprise.id", team.enterprise_id)
    if "api_app_id" in payload:
        _put(payload, "api_app_id", API_APP_ID)
    if "trigger_id" in payload:
        _put(payload, "trigger_id", _trigger_id())


def block_action(
    fixture: str,
    action_id: str,
    value: str,
    *,
    user: Person,
    channel: str | None,
    response_url: str,
    team: Person | None = None,
    message_ts: str | None = None,
) -> dict[str, Any]:
    """A button click from the published `fixture`, by `user`, in `channel` (None: on an App
    Home tab); `team` is whom the payload's top-level team and enterprise name (in a Slack
    Connect channel, possibly the other company)."""
    payload: dict[str, Any] = load(fixture)
    _interaction_ids(payload, user, team)
    action = payload["actions"][0]
    _put(action, "action_id", action_id)
    _put(action, "action_ts", _ts())
    action["value"] = value  # the one key that may be added: the App Home sample had none
    if channel is not None:
        _put(payload, "channel.id", channel)
        _put(payload, "container.channel_id", channel)
        _put(payload, "container.message_ts", message_ts or _ts())
        if "message" in payload:
            _put(payload, "message.ts", message_ts or _ts())
    if "response_url" in payload:
        _put(payload, "response_url", response_url)
    return payload


def view_submission(
    fixture: str,
    callback_id: str,
    values: dict[str, Any],
    private_metadata: str,
    *,
    user: Person,
    team: Person | None = None,
    installed_team: str | None = None,
) -> dict[str, Any]:
    """A form submitted by `user`, from the published `fixture`: our callback id, answers
    (`view.state.values`) and signed metadata. `installed_team` is the workspace the app is
    installed in (`view.app_installed_team_id`)."""
    payload: dict[str, Any] = load(fixture)
    _interaction_ids(payload, user, team)
    view = payload["view"]
    _put(view, "callback_id", callback_id)
    _put(view, "private_metadata", private_metadata)
    _put(view, "state", {"values": values})
    _put(view, "team_id", (team or user).team_id)
    _put(view, "app_id", API_APP_ID)
    if installed_team is not None and "app_installed_team_id" in view:
        _put(view, "app_installed_team_id", installed_team)
    return payload


def slash_command(
    text: str,
    *,
    user: Person,
    channel: str,
    response_url: str,
    command: str = "/oura-book",
) -> str:
    """A slash command's form body: Slack's Grid sample for a person on Grid, its field-by-
    field sample (organization fields empty) for anyone else."""
    fields: dict[str, Any]
    if user.enterprise_id:
        fields = dict(load("slash_command.grid.json"))
        _put(fields, "enterprise_id", user.enterprise_id)
    else:
        fields = dict(load("slash_command.json"))
        fields["is_enterprise_install"] = "false"
    for key, value in (
        ("token", "legacy-verification-token"),
        ("team_id", user.team_id or ""),
        ("channel_id", channel),
        ("user_id", user.user_id),
        ("command", command),
        ("text", text),
        ("response_url", response_url),
        ("trigger_id", _trigger_id()),
    ):
        _put(fields, key, value)
    if "api_app_id" in fields:
        _put(fields, "api_app_id", API_APP_ID)
    return urlencode(fields)


def event_callback(fixture: str, event: dict[str, Any], *, team: Person) -> str:
    """An Events API delivery from the published envelope `fixture`, for the installation
    `team`, carrying `event` (itself from a published example)."""
    envelope: dict[str, Any] = load(fixture)
    _put(envelope, "team_id", team.team_id)
    if "enterprise_id" in envelope:
        _put(envelope, "enterprise_id", team.enterprise_id)
    _put(envelope, "api_app_id", API_APP_ID)
    _put(envelope, "event", event)
    _put(envelope, "event_id", f"Ev{uuid.uuid4().hex[:10].upper()}")
    _put(envelope, "event_time", int(time.time()))
    for authorization in envelope.get("authorizations") or []:
        _put(authorization, "team_id", team.team_id)
        _put(authorization, "enterprise_id", team.enterprise_id)
    return json.dumps(envelope)


def channel_shared_event(channel: str, connected_team_id: str) -> dict[str, Any]:
    """The Events API reference's `channel_shared` example, for `channel`."""
    event: dict[str, Any] = load("event_callback.channel_shared.json")["event"]
    _put(event, "channel", channel)
    _put(event, "connected_team_id", connected_team_id)
    _put(event, "event_ts", _ts())
    return event


def app_home_opened_event(user_id: str) -> dict[str, Any]:
    event: dict[str, Any] = load("event_callback.app_home_opened.grid.json")["event"]
    _put(event, "user", user_id)
    _put(event, "channel", f"D_{user_id}")
    _put(event, "tab", "home")
    _put(event, "event_ts", _ts())
    return event


def conversation(
    channel: str,
    *,
    connected: list[str],
    shared: list[str],
    internal: list[str],
    context_team: str,
    host: str,
) -> dict[str, Any]:
    """`conversations.info`'s channel from Slack's published sample, for a Slack Connect
    channel: `connected_team_ids` (organizations or workspaces of the other side),
    `shared_team_ids`, `internal_team_ids`, `context_team_id` and the host workspace."""
    channel_info: dict[str, Any] = load("conversations.info.json")["channel"]
    for key, value in (
        ("id", channel),
        ("name", channel.lower()),
        ("is_channel", True),
        ("is_shared", True),
        ("is_ext_shared", True),
        ("is_member", True),
        ("connected_team_ids", connected),
        ("shared_team_ids", shared),
        ("internal_team_ids", internal),
        ("context_team_id", context_team),
        ("conversation_host_id", host),
        ("pending_shared", []),
        ("pending_connected_team_ids", []),
        ("connected_limited_team_ids", []),
    ):
        _put(channel_info, key, value)
    return channel_info


def slack_user(person: Person, tz: str = "Europe/Helsinki") -> dict[str, Any]:
    """`users.info`'s user from Slack's published sample: on Grid with `enterprise_user`
    naming their organization; off Grid with the organization fields emptied."""
    user: dict[str, Any] = load("users.info.json")["user"]
    name = person.user_id.lower()
    for key, value in (
        ("id", person.user_id),
        ("team_id", person.team_id),
        ("name", name),
        ("real_name", name.title()),
        ("tz", tz),
        ("profile.team", person.team_id),
        ("profile.real_name", name.title()),
        ("profile.display_name", name),
        ("teams", [person.team_id]),
        ("enterprise_id", person.enterprise_id or ""),
        ("enterprise_user.id", person.user_id),
        ("enterprise_user.enterprise_id", person.enterprise_id or ""),
        ("enterprise_user.teams", [person.team_id] if person.enterprise_id else []),
    ):
        _put(user, key, value)
    return user


def app_uninstalled(*, team: Person) -> str:
    """The Events API reference's `app_uninstalled` delivery, for the installation `team`."""
    event = load("event_callback.app_uninstalled.json")["event"]
    return event_callback("event_callback.app_uninstalled.json", event, team=team)


def tokens_revoked(*, team: Person, bot: list[str], oauth: list[str]) -> str:
    """The reference's `tokens_revoked` delivery: the users whose bot and user tokens went."""
    event: dict[str, Any] = load("event_callback.tokens_revoked.json")["event"]
    _put(event, "tokens.bot", bot)
    _put(event, "tokens.oauth", oauth)
    return event_callback("event_callback.tokens_revoked.json", event, team=team)


def user_change_event(person: Person, *, deleted: bool) -> dict[str, Any]:
    """The reference's `user_change` example, for `person`, deactivated or not."""
    event: dict[str, Any] = load("event.user_change.json")
    for key, value in (
        ("user.id", person.user_id),
        ("user.team_id", person.team_id),
        ("user.profile.team", person.team_id),
        ("user.deleted", deleted),
        ("event_ts", _ts()),
    ):
        _put(event, key, value)
    return event
