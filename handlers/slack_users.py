"""What Slack knows of a user: their profile and time zone (`users.info`)."""

from __future__ import annotations

import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.container import Services
from handlers.replies import log


def user_info(client: WebClient, user_id: str) -> dict[str, Any] | None:
    try:
        response = client.users_info(user=user_id)
    except SlackApiError as error:
        log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
        return None
    return response.get("user") or None


def user_timezone(client: WebClient, user_id: str, services: Services) -> str | None:
    """The user's Slack time zone (`users.info` `tz`), or None when Slack does not say.
    A zone Slack gave is reused for a few minutes (`Services.user_zones`)."""
    now = time.monotonic()
    cached = services.user_zones.get(user_id, now)
    if cached is not None:
        return cached
    tz = (user_info(client, user_id) or {}).get("tz")
    if not isinstance(tz, str) or not tz:
        return None
    services.user_zones.put(user_id, tz, now)
    return tz


def user_team(client: WebClient, user_id: str) -> tuple[str | None, str | None]:
    """The user's own workspace and Grid organization, from `users.info` (the organization is
    `enterprise_user.enterprise_id` for Grid users); (None, None) when Slack cannot tell us."""
    user = user_info(client, user_id) or {}
    enterprise = user.get("enterprise_user")
    enterprise_id = enterprise.get("enterprise_id") if isinstance(enterprise, dict) else None
    return user.get("team_id") or None, enterprise_id or user.get("enterprise_id") or None
