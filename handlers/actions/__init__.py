"""Buttons (block_actions), one file per feature; each listener goes through `handlers.guard`."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions import (
    calendar,
    channel,
    home,
    meetings,
    requests,
    session_log,
    sessions,
    support,
)


def register(app: App) -> None:
    for feature in (channel, sessions, requests, support, home, meetings, calendar, session_log):
        feature.register(app)
