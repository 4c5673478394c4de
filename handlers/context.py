"""Who is asking, and what every listener is given to work with (injected per request)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext, BoltRequest

from bot.domain.identity import Installation, Requester
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
    """Who clicked or submitted: the user's own team, which for Slack Connect users is theirs."""
    user = body.get("user") or {}
    enterprise = body.get("enterprise") or {}
    return Requester(
        user_id=str(user.get("id") or ""),
        team_id=user.get("team_id") or (body.get("team") or {}).get("id"),
        enterprise_id=enterprise.get("id") if isinstance(enterprise, dict) else None,
    )


def actor_of(requester: Requester) -> Actor:
    return Actor(user_id=requester.user_id, team_id=requester.team_id or "")


def signature_of(request: BoltRequest) -> str | None:
    """The request's Slack signature (HTTP); None over Socket Mode, whose socket is
    authenticated instead."""
    values = request.headers.get("x-slack-signature") or []
    return values[0] if values else None
