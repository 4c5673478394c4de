"""Thin Bolt listeners, one folder per kind of request (Slack's starter template): each folder's
`register(app)` wires its features' listeners; `guard` decides who may do what, `errors` is the
one error policy, `announce` the one place a session change is posted."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, views


def register_listeners(app: App) -> None:
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
