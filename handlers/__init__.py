"""Thin Bolt listeners, registered per kind (commands, views), like Slack's starter template."""

from __future__ import annotations

from slack_bolt import App

from handlers import commands, views


def register_listeners(app: App) -> None:
    commands.register(app)
    views.register(app)
