"""How `oura-bot run` serves Slack, decided from the settings alone (no Slack, no database)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings

SANDBOX = "sandbox"
SOCKET = "socket"
HTTP = "http"


@dataclass(frozen=True)
class Mode:
    name: str
    # The one line printed at start so the operator sees which choice was made and why.
    line: str


def choose_mode(settings: Settings) -> Mode:
    """Socket Mode with an app token; HTTP with the bot token and signing secret; the local
    sandbox with no Slack credentials at all. Partial credentials stop with the missing name."""
    if settings.slack_app_token:
        settings.require("SLACK_BOT_TOKEN")
        return Mode(SOCKET, "oura-bot: SLACK_APP_TOKEN is set, so Slack is served over Socket Mode")
    if settings.slack_bot_token or settings.slack_signing_secret:
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
        return Mode(HTTP, "oura-bot: no SLACK_APP_TOKEN, so Slack is served over HTTP")
    return Mode(
        SANDBOX,
        "oura-bot: no Slack credentials are set, so this is the local sandbox "
        "(README: 'Connect a real Slack workspace')",
    )
