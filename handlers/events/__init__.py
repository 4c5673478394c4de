"""Events API listeners, one file per feature. Bolt acknowledges events itself; these run after."""

from __future__ import annotations

from slack_bolt import App

from handlers.events import channels, home


def register(app: App) -> None:
    channels.register(app)
    home.register(app)
