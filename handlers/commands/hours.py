"""`/oura-book hours`: the typist's own working hours (issue 15), shown or set."""

from __future__ import annotations

from bot.blocks.availability import hours_reply
from bot.blocks.base import Message
from bot.domain.commands import WorkingHoursCommand
from handlers.commands.sessions import Typed
from handlers.slack_users import user_timezone


def run(command: WorkingHoursCommand, typed: Typed) -> Message:
    services = typed.services
    # The hours are read in the typist's own Slack time zone wherever they are used.
    tz = user_timezone(typed.client, typed.actor.user_id, services)
    shown = tz or services.settings.default_timezone
    if command.hours is None:
        return hours_reply(services.availability.hours(typed.actor.user_id), shown, changed=False)
    return hours_reply(services.availability.set_hours(typed.actor, command.hours), shown, True)
