"""The one announcement point: every change to a session (booked, moved, cancelled, logged as
held), whichever path made it, reaches the customer's channel through `announce`, and the staff
it concerns get its calendar invite (`handlers.invites`); the channel's living balance follows
(`handlers.balance`)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks.sessions import session_post
from bot.i18n import speaking
from bot.services.booking import SessionChange
from bot.services.container import Services
from handlers.balance import refresh_balance
from handlers.invites import send_invites
from handlers.replies import post_in_channel


def announce(client: WebClient, change: SessionChange, services: Services) -> str | None:
    """Post the change where the customer sees it, in the account's language, then send its
    invite; a note for staff (in theirs) when the post failed. Runs after the request's ack."""
    with speaking(change.account.language):
        post = session_post(change)
    problem = None
    if post is not None:
        sent: list[str] = []
        problem = post_in_channel(client, change.account.channel_id, post, sent)
        if sent and sent[0] and change.record_post is not None:
            change.record_post(sent[0])  # a quick delete removes this post
    send_invites(client, services, change)
    refresh_balance(client, services, change.account)
    return problem
