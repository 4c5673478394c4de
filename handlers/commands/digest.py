"""`/oura-book digest`: the typist's weekly digest, now, as a private reply (any channel)."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

from bot.blocks.base import Message
from bot.blocks.digest import digest_message
from bot.services.container import Services
from handlers.slack_users import user_timezone


def show(services: Services, client: WebClient, user_id: str, now: datetime) -> Message:
    """In the typist's Slack zone (the app's default zone when Slack does not say)."""
    tz = user_timezone(client, user_id, services) or services.settings.default_timezone
    return digest_message(services.digest.digest(user_id, tz, now))
