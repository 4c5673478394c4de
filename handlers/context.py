"""Who is asking, and what every listener is given to work with (injected per request)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext, BoltRequest

from bot.domain.identity import Installation, Requester, requester
from bot.services.booking import Actor
from bot.services.container import Services

SERVICES_KEY = "oura_services"


def services_from(context: BoltContext) -> Services:
    return context[SERVICES_KEY]  # type: ignore[no-any-return]


def installation_from(context: BoltContext) -> Installation:
    result = context.authorize_result
    if result is None:
        return Installation(team_id=None)
    return Installation(team_id=result.team_id, enterprise_id=result.enterprise_id)


def requester_from(body: dict[str, Any]) -> Requester:
    """Who clicked or submitted, from what Slack says of *them*: `user.team_id` (their own
    workspace; on Enterprise Grid it may be their organization) and `user.enterprise_id`, and
    `team.enterprise_id` when that `team` is the user's own workspace. Never the top-level
    `team` or `enterprise` alone: they say where the message lives, which in a Slack Connect
    channel may be the vendor's side while the clicker is the customer (a missing team is left
    missing, and the guard refuses)."""
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    team = body.get("team") if isinstance(body.get("team"), dict) else {}
    own_team = user.get("team_id")
    same_team = bool(own_team) and team.get("id") == own_team
    return requester(
        str(user.get("id") or ""),
        own_team,
        user.get("enterprise_id"),
        team.get("enterprise_id") if same_team else None,
    )


def requester_from_command(payload: dict[str, Any]) -> Requester:
    """Who typed a slash command. Slack documents a command's `team_id` and `enterprise_id`
    as where the person was when they typed it: the workspace (and Grid organization) they are
    signed in to, that is their own. Bolt's `context.actor_team_id` / `actor_enterprise_id`
    are these same two fields for a command (an interaction's are its top-level `team` and
    `enterprise`, which is why buttons and forms use `requester_from` instead)."""
    return requester(
        str(payload.get("user_id") or ""), payload.get("team_id"), payload.get("enterprise_id")
    )


def actor_of(person: Requester) -> Actor:
    """The person as the audit trail records them: their workspace, else their organization."""
    return Actor(user_id=person.user_id, team_id=person.team_id or person.enterprise_id or "")


def signature_of(request: BoltRequest) -> str | None:
    """The request's Slack signature (HTTP); None over Socket Mode, whose socket is
    authenticated instead."""
    values = request.headers.get("x-slack-signature") or []
    return values[0] if values else None
