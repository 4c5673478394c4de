"""Thin Bolt listeners, registered per kind like Slack's starter template."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, home, support, views


def register_listeners(app: App) -> None:
    commands.register(app)
    actions.register(app)
    events.register(app)
    home.register(app)
    views.register(app)
    support.register(app)
