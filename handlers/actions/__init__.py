"""Buttons (block_actions), one file per feature; each listener goes through `handlers.guard`."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions import channel, contracts, home, requests, sessions, support


def register(app: App) -> None:
    for feature in (channel, sessions, requests, support, home, contracts):
        feature.register(app)
