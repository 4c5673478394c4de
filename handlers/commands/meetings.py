"""`/oura-book meeting-link`: a staff member's personal meeting link, shown, set or removed."""

from __future__ import annotations

from bot.blocks.base import Message
from bot.blocks.meetings import meeting_link_reply
from bot.domain import commands
from bot.services.books import Actor
from bot.services.container import Services


def run(
    command: commands.ShowMeetingLink | commands.SetMeetingLink, services: Services, actor: Actor
) -> Message:
    if isinstance(command, commands.SetMeetingLink):
        before = services.meetings.set(actor, command.url)
        return meeting_link_reply(command.url, before)
    url = services.meetings.of(actor.user_id)
    return meeting_link_reply(url, url)
