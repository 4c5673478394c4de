"""`/oura-book`: parse the text, check the typist may use it here, and hand the command to the
feature it belongs to. The reply is private to the typist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext, BoltRequest, Respond
from slack_sdk import WebClient

from bot.blocks.base import Message, text_message
from bot.blocks.sessions import language_reply
from bot.domain import commands
from bot.domain.identity import Action, Installation, Requester
from bot.i18n import _, say, speaking
from bot.services.books import Actor
from bot.services.container import Services
from handlers.commands import (
    calendar,
    contracts,
    digest,
    hours,
    meetings,
    report,
    session_log,
    sessions,
    support,
)
from handlers.context import (
    actor_of,
    installation_from,
    requester_from_command,
    services_from,
    signature_of,
)
from handlers.errors import attempt
from handlers.guard import decide, refusal_for
from handlers.replies import SORRY_STAFF, STAFF_ONLY, log
from handlers.slack_users import reader_language


@dataclass(frozen=True)
class CommandRequest:
    text: str
    user_id: str
    team_id: str
    enterprise_id: str | None
    channel_id: str
    trigger_id: str | None

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> CommandRequest:
        return cls(
            text=payload.get("text") or "",
            user_id=payload.get("user_id") or "",
            team_id=payload.get("team_id") or "",
            enterprise_id=payload.get("enterprise_id") or None,
            channel_id=payload.get("channel_id") or "",
            trigger_id=payload.get("trigger_id"),
        )

    @property
    def requester(self) -> Requester:
        """Who typed it (`handlers.context.requester_from_command`)."""
        return requester_from_command(
            {"user_id": self.user_id, "team_id": self.team_id, "enterprise_id": self.enterprise_id}
        )

    @property
    def actor(self) -> Actor:
        return actor_of(self.requester)


def oura_book(
    command: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    request: BoltRequest,
) -> None:
    """The command's work, after its ack (`handlers.commands.register`): the replay check,
    the typist's language (`users.info`), the guard, the feature, the reply."""
    typed = CommandRequest.from_payload(command)
    services, home = services_from(context), installation_from(context)
    # Staff read replies in their own Slack locale; a post into the channel is written in the
    # account's language where it is built (`handlers.announce`).
    with speaking(reader_language(client, typed.user_id, services)):
        reply = answer(typed, services, client, home, signature=signature_of(request))
        if reply is not None:
            respond(response_type="ephemeral", replace_original=False, **reply.as_kwargs())


def answer(
    request: CommandRequest,
    services: Services,
    client: WebClient,
    home: Installation,
    now: datetime | None = None,
    signature: str | None = None,
) -> Message | None:
    """Carry out one `/oura-book` text; the reply for the typist, or None if a modal opened
    (or the request was a replay, which changes nothing and is not answered)."""
    replies: list[Message] = []

    def work() -> Message | None:
        if not services.deliveries.first_request(signature):
            log.warning("a replayed /oura-book was acked and changed nothing")
            return None
        person = request.requester
        if decide(services, home, person, request.channel_id, Action.COMMAND, client) is None:
            return text_message(refusal_for(person, STAFF_ONLY))
        command = commands.parse(request.text)
        return _run(command, request, services, client, home, now or services.booking.now())

    reply = attempt(
        "/oura-book",
        work,
        lambda text: replies.append(text_message(text)),
        lambda _sorry: replies.append(text_message(_(SORRY_STAFF))),
        team=request.team_id,
        user=request.user_id,
        channel=request.channel_id,
        text=request.text[:200],
    )
    return replies[0] if replies else reply


def _run(
    command: commands.Command,
    request: CommandRequest,
    services: Services,
    client: WebClient,
    home: Installation,
    now: datetime,
) -> Message | None:
    typed = sessions.Typed(services, client, request.actor, request.channel_id, now, home)
    match command:
        case commands.Help():
            return text_message(say(commands.help_text()))
        case commands.SetLanguage(language):
            account = services.booking.set_language(request.actor, request.channel_id, language)
            # Said in the language chosen: it is what the channel will read from now on.
            with speaking(account.language):
                return language_reply(account.language)
        case commands.ShowMeetingLink() | commands.SetMeetingLink():
            return meetings.run(command, services, request.actor)
        case commands.CalendarFeed(rotate):
            return calendar.send_feed_address(services, client, request.user_id, rotate)
        case commands.WorkingHoursCommand():
            return hours.run(command, typed)
        case commands.ShowDigest():
            return digest.show(services, client, request.user_id, now)
        case commands.Report(month):
            return report.send_report(services, request.user_id, month, now, request.trigger_id)
        case (
            commands.OpenOrderModal()
            | commands.RecordOrder()
            | commands.CorrectOrder()
            | commands.ListOrders()
            | commands.OpenSupportModal()
        ):
            return support.run(command, typed, request.trigger_id)
        case commands.SetSessionText() | commands.Unlog() | commands.Delete():
            return session_log.run(command, typed)
        case (
            commands.Renew() | commands.FixContract() | commands.History() | commands.MoveChannel()
        ):
            return contracts.run(command, typed)
    return sessions.run(command, typed, request.trigger_id)
