"""Buttons (block_actions), one file per feature; each listener goes through `handlers.guard`."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions import (
    calendar,
    channel,
    contracts,
    home,
    meetings,
    requests,
    session_asks,
    session_log,
    sessions,
    support,
)


def register(app: App) -> None:
    features = (channel, sessions, requests, support, home, meetings, calendar, session_log)
    for feature in (*features, contracts, session_asks):
        feature.register(app)
