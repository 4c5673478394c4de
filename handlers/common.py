"""What every listener needs: its services, who is asking, and safe ways to talk back."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.sessions import Message, text_message
from bot.domain.errors import OuraError
from bot.domain.identity import (
    Access,
    Action,
    Installation,
    Requester,
    access_for,
    allows,
    is_staff,
)
from bot.services.booking import Actor
from bot.services.container import Services

log = logging.getLogger("oura.handlers")

SERVICES_KEY = "oura_services"

STAFF_ONLY = "Only the vendor's staff can do that here."
NOT_HERE = "That isn't available to you in this channel."
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


def requester_from(body: dict[str, Any]) -> Requester:
    """Who clicked or submitted: the user's own team, which for Slack Connect users is theirs."""
    user = body.get("user") or {}
    enterprise = body.get("enterprise") or {}
    return Requester(
        user_id=str(user.get("id") or ""),
        team_id=user.get("team_id") or (body.get("team") or {}).get("id"),
        enterprise_id=enterprise.get("id") if isinstance(enterprise, dict) else None,
    )


def actor_of(requester: Requester) -> Actor:
    return Actor(user_id=requester.user_id, team_id=requester.team_id or "")


def authorize(
    context: BoltContext, requester: Requester, channel_id: str | None, action: Action
) -> Access | None:
    """The access this request has in that channel, or None when it may not do `action`.

    Every listener asks this before acting; a refusal must change nothing and post nothing
    but a polite note to the requester."""
    return decide(services_from(context), installation_from(context), requester, channel_id, action)


def decide(
    services: Services,
    home: Installation,
    requester: Requester,
    channel_id: str | None,
    action: Action,
) -> Access | None:
    """`authorize` for callers that hold their services and installation already."""
    linked = services.booking.linked_account(channel_id) if channel_id else None
    access = access_for(requester, home, linked)
    if not allows(access, action):
        log.info(
            "refused %s for user=%s team=%s channel=%s role=%s",
            action,
            requester.user_id,
            requester.team_id,
            channel_id,
            access.role,
        )
        return None
    return access


def requester_is_staff(
    context: BoltContext, team_id: str | None, enterprise_id: str | None
) -> bool:
    return is_staff(Requester("", team_id, enterprise_id), installation_from(context))


def user_timezone(client: WebClient, user_id: str, services: Services) -> str | None:
    """The user's Slack time zone (`users.info` `tz`), or None when Slack does not say.
    A zone Slack gave is reused for a few minutes (`Services.user_zones`)."""
    now = time.monotonic()
    cached = services.user_zones.get(user_id, now)
    if cached is not None:
        return cached
    user = user_info(client, user_id)
    tz = (user or {}).get("tz")
    if not isinstance(tz, str) or not tz:
        return None
    services.user_zones.put(user_id, tz, now)
    return tz


def user_info(client: WebClient, user_id: str) -> dict[str, Any] | None:
    try:
        response = client.users_info(user=user_id)
    except SlackApiError as error:
        log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
        return None
    return response.get("user") or None


def tell(client: WebClient, channel_id: str, user_id: str, text: str) -> None:
    """An ephemeral note to one user; failing to deliver it is logged, never raised."""
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
    except Exception:
        log.exception("could not tell %s in %s: %s", user_id, channel_id, text[:80])


def direct_message(client: WebClient, user_id: str, message: Message) -> bool:
    """A DM from the bot; False (logged) when Slack would not take it."""
    try:
        dm = client.conversations_open(users=user_id)
        client.chat_postMessage(channel=dm["channel"]["id"], **message.as_kwargs())
        return True
    except Exception:
        log.exception("could not DM %s", user_id)
        return False


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


def guarded(where: str, body: dict[str, Any], client: WebClient, work: Callable[[], None]) -> None:
    """Run a click's work; a user's mistake is told to them, anything else logged politely."""
    user = requester_from(body).user_id
    channel = str((body.get("channel") or {}).get("id") or "")
    try:
        work()
    except OuraError as error:
        tell(client, channel, user, str(error))
    except Exception:
        log.exception("%s failed for user=%s channel=%s", where, user, channel)
        tell(client, channel, user, SORRY)


T = TypeVar("T")


def answer_privately(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def in_dm(where: str, respond: Respond, work: Callable[[], T]) -> T | None:
    """Run a DM button's work. A user's mistake is answered as it is, anything else logged and
    answered politely; either way the result is None and nothing more should happen."""
    try:
        return work()
    except OuraError as error:
        answer_privately(respond, str(error))
    except Exception:
        log.exception("%s failed", where)
        answer_privately(respond, SORRY)
    return None


def reply_for_error(error: BaseException, where: str, **context: Any) -> Message:
    """A user's mistake is told as it is; anything else is logged and answered politely."""
    if isinstance(error, OuraError):
        return text_message(str(error))
    log.error("unexpected error in %s %s", where, context, exc_info=error)
    return text_message(SORRY)
