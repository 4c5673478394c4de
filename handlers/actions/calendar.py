""" "Add to my calendar" on a session's post and its reminders: anyone in the channel, staff or
customer, gets the session's current invite (`.ics`) in a DM."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import ids
from bot.domain.identity import Action
from bot.domain.packages import CANCELLED_STATES
from bot.i18n import _
from handlers.context import ack_now
from handlers.guard import Asked, button
from handlers.invites import people, send_invite
from handlers.payloads import id_value
from handlers.replies import NOT_HERE


def register(app: App) -> None:
    app.action(ids.ADD_TO_CALENDAR)(ack=ack_now, lazy=[add_to_calendar])


@button(Action.ADD_TO_CALENDAR, NOT_HERE, target=id_value, needs_account=True)
def add_to_calendar(asked: Asked) -> None:
    # Only a session of this channel's account: meeting_in_channel finds no other.
    meeting = asked.services.calendar.meeting_in_channel(asked.channel_id or "", asked.target)
    if meeting.session.state in CANCELLED_STATES:
        asked.tell(
            _("Session #{id} was cancelled, so there is nothing to add.", id=meeting.session.number)
        )
        return
    organizer, attendees = people(asked.client, asked.services, meeting)
    if send_invite(asked.client, asked.services, asked.user_id, meeting, organizer, attendees):
        asked.tell(_("I sent you the invite in a DM: open it to add the session to your calendar."))
    else:
        asked.tell(_("I could not send you the invite (Slack refused); please try again."))
