"""What every listener needs: its services, who is asking, and safe ways to talk back."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import OuraError
from bot.identity import Installation, is_staff
from bot.messages import Message, text_message
from bot.services import Services

log = logging.getLogger("oura.handlers")

SERVICES_KEY = "oura_services"

STAFF_ONLY = "Only the vendor's staff can do that here."
SORRY = (
    "Sorry, something went wrong on our side and it has been logged. "
    "Check `/oura-book list` to see whether the change was made before you try again."
)


def services_from(context: BoltContext) -> Services:
    return context[SERVICES_KEY]  # type: ignore[no-any-return]


def installation_from(context: BoltContext) -> Installation:
    result = context.authorize_result
    if result is None:
        return Installation(team_id=None)
    return Installation(team_id=result.team_id, enterprise_id=result.enterprise_id)


def requester_is_staff(
    context: BoltContext, team_id: str | None, enterprise_id: str | None
) -> bool:
    return is_staff(team_id, enterprise_id, installation_from(context))


def user_timezone(client: WebClient, user_id: str) -> str | None:
    """The user's Slack time zone (`users.info` `tz`), or None when Slack does not say."""
    try:
        response = client.users_info(user=user_id)
    except SlackApiError as error:
        log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
        return None
    tz = (response.get("user") or {}).get("tz")
    return tz if isinstance(tz, str) and tz else None


def post_in_channel(client: WebClient, channel_id: str, message: Message) -> str | None:
    """Post where the customer sees it; returns a note for staff when that was not possible."""
    kwargs = message.as_kwargs()
    try:
        client.chat_postMessage(channel=channel_id, **kwargs)
        return None
    except SlackApiError as error:
        code = error.response.get("error")
        if code != "not_in_channel":
            log.warning("chat.postMessage to %s failed: %s", channel_id, code)
            return f"I could not post this in the channel (Slack said `{code}`)."
    try:
        client.conversations_join(channel=channel_id)
        client.chat_postMessage(channel=channel_id, **kwargs)
        return None
    except SlackApiError as error:
        log.info("cannot join %s: %s", channel_id, error.response.get("error"))
        return (
            "I am not in this channel, so the customer did not see this: invite me with `/invite`."
        )


def reply_for_error(error: BaseException, where: str, **context: Any) -> Message:
    """A user's mistake is told as it is; anything else is logged and answered politely."""
    if isinstance(error, OuraError):
        return text_message(str(error))
    log.error("unexpected error in %s %s", where, context, exc_info=error)
    return text_message(SORRY)
