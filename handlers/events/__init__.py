"""Events API listeners, one file per feature. Each event is acked at once from the request
thread (`ack_now`); the listener is its lazy work, run after, with each delivery's dedupe."""

from __future__ import annotations

from slack_bolt import App

from handlers.events import channels, home, installation


def register(app: App) -> None:
    channels.register(app)
    home.register(app)
    installation.register(app)
