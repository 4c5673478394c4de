"""`/oura-book calendar [rotate]`: the address of the typist's calendar feed, sent to their DM
(a token made on first use; `rotate` replaces it and the old address stops working)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks.base import Message, text_message
from bot.calendar.feed import feed_path
from bot.i18n import ENGLISH, _, current
from bot.services.container import Services
from handlers.replies import direct_message


def send_feed_address(services: Services, client: WebClient, user_id: str, rotate: bool) -> Message:
    """The reply to the typist (in their language, as the DM is)."""
    public_url = services.settings.public_url
    if public_url is None:
        return text_message(
            # Translators: PUBLIC_URL is a setting's name, keep it as it is.
            _(
                "The calendar feed needs the bot's public address, and the PUBLIC_URL setting "
                "is not set. Ask whoever runs the bot to set it (README: Calendar feed)."
            )
        )
    token = services.calendar.issue_feed_token(user_id, rotate)
    if token is None:
        return text_message(
            # Translators: {form} is the command that makes a new address, as code.
            _(
                "You already have a calendar feed: its address was sent to you in a DM when "
                "you first asked. Only a hash of it is kept, so I can't send it again; {form} "
                "makes a new address (the old one then stops working).",
                form="`/oura-book calendar rotate`",  # not for people: a command
            )
        )
    # The feed is written in the language the address was handed out in.
    query = "" if current() == ENGLISH else f"?lang={current()}"
    url = f"{public_url}{feed_path(token)}{query}"
    dm = text_message(
        # Translators: {url} is the feed's secret address.
        _(
            "Your calendar feed: {url}\nSubscribe to it in your calendar app (Google Calendar: "
            "Other calendars > From URL; Outlook: Add calendar > Subscribe from web). It lists "
            "your booked sessions and follows every change. Keep the address to yourself: "
            "anyone with it can read your sessions.",
            url=url,
        )
    )
    if not direct_message(client, user_id, dm):
        return text_message(
            _(
                "I could not DM you the address (Slack refused). Try again with {form}.",
                form="`/oura-book calendar rotate`",  # not for people: a command
            )
        )
    if rotate:
        return text_message(
            _("I sent you your calendar feed's new address in a DM; the old one no longer works.")
        )
    return text_message(_("I sent you the address of your calendar feed in a DM."))
