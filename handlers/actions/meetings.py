"""The link buttons on a session's posts (Google Calendar, Outlook, Join): Slack opens their
address itself and still reports the click, which only needs its ack."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import ids
from handlers.context import ack_now


def register(app: App) -> None:
    for action_id in (ids.CALENDAR_GOOGLE, ids.CALENDAR_OUTLOOK, ids.JOIN_MEETING):
        app.action(action_id)(ack_now)
