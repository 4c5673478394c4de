"""Talking back to Slack safely: ephemeral notes, DMs, channel posts and form errors. A reply
that Slack would not take is logged (and, where staff should know, returned as a note)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.base import Message
from bot.domain.slacktext import as_typed
from bot.i18n import N_, _, speaking
from bot.services.container import Services
from handlers.slack_users import reader_language

log = logging.getLogger("oura.handlers")

# Message ids: each is written in its reader's language where it is used (`_(STAFF_ONLY)`).
STAFF_ONLY = N_("Only the vendor's staff can do that here.")
NOT_HERE = N_("That isn't available to you in this channel.")
NOT_IN_THAT_CHANNEL = N_("This isn't available to you in that channel.")
# Slack did not say which workspace or organization the person belongs to.
UNIDENTIFIED = N_(
    "I can't tell which Slack workspace or organization you belong to (Slack didn't say), "
    "so I can't let you do this. Nothing was changed. Please try again; if this keeps "
    "happening, tell the vendor's team."
)
EXPIRED = N_("This form can't be used any more; open it again from Slack.")
# Buyers see this too: it names nothing they cannot do.
SORRY = N_(
    "Sorry, something went wrong on our side and it has been logged. Please try again in a "
    "minute; if it keeps happening, tell your Oura contact."
)
# Only staff type commands: they can look before they try again.
SORRY_STAFF = N_(
    "Sorry, something went wrong on our side and it has been logged. "
    "Check `/oura-book list` to see whether the change was made before you try again."
)


def tell(client: WebClient, channel_id: str, user_id: str, text: str) -> None:
    """An ephemeral note to one user; failing to deliver it is logged, never raised."""
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
    except Exception:
        log.exception("could not tell %s in %s: %s", user_id, channel_id, text[:80])


def answer_privately(respond: Respond, text: str) -> None:
    """A note to whoever clicked a button in a DM, through the click's response_url."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def refuse_form(ack: Ack, block_id: str, text: str) -> None:
    """Keep the form open with `text` under one of its fields. A form's errors are plain text,
    not mrkdwn: the message (mrkdwn, like every other reply) is given as its reader would see
    it, `&amp;` as `&` and `<@U…>` as `@U…`."""
    ack(response_action="errors", errors={block_id: as_typed(text)[:300]})


class Channel(Protocol):
    """An account, as far as posting into its channel goes."""

    channel_id: str
    language: str


def post_for_account(
    client: WebClient, account: Channel, build: Callable[[], Message]
) -> str | None:
    """`post_in_channel` of a message built in the account's language (what its channel reads,
    whoever clicked or typed); the note for staff stays in the current language."""
    with speaking(account.language):
        message = build()
    return post_in_channel(client, account.channel_id, message)


def message_person(
    client: WebClient, services: Services, user_id: str, build: Callable[[], Message]
) -> bool:
    """`direct_message` of a message built in that person's own language (their Slack
    locale), not in the language of whoever caused it."""
    with speaking(reader_language(client, user_id, services)):
        message = build()
    return direct_message(client, user_id, message)


def direct_message(client: WebClient, user_id: str, message: Message) -> bool:
    """A DM from the bot; False (logged) when Slack would not take it."""
    try:
        dm = client.conversations_open(users=user_id)
        client.chat_postMessage(channel=dm["channel"]["id"], **message.as_kwargs())
        return True
    except Exception:
        log.exception("could not DM %s", user_id)
        return False


def post_in_channel(
    client: WebClient, channel_id: str, message: Message, sent: list[str] | None = None
) -> str | None:
    """Post where the customer sees it; returns a note for staff when that was not possible.
    `sent`, if given, gets the post's ts."""
    kwargs = message.as_kwargs()
    try:
        response = client.chat_postMessage(channel=channel_id, **kwargs)
        if sent is not None:
            sent.append(str(response.get("ts") or ""))
        return None
    except SlackApiError as error:
        code = error.response.get("error")
        if code != "not_in_channel":
            log.warning("chat.postMessage to %s failed: %s", channel_id, code)
            return _("I could not post this in the channel (Slack said `{code}`).", code=code)
    try:
        client.conversations_join(channel=channel_id)
        response = client.chat_postMessage(channel=channel_id, **kwargs)
        if sent is not None:
            sent.append(str(response.get("ts") or ""))
        return None
    except SlackApiError as error:
        log.info("cannot join %s: %s", channel_id, error.response.get("error"))
        return _(
            "I am not in this channel, so the customer did not see this: invite me with `/invite`."
        )


def with_warning(text: str, problem: str | None) -> str:
    """A staff reply, with the note of a channel post that did not go out."""
    return f"{text}\n:warning: {problem}" if problem else text
