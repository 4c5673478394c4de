"""`/oura-book`: staff type it in a customer's channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.sessions import (
    Message,
    booked_post,
    booking_modal,
    booking_reply,
    cancelled_post,
    link_reply,
    moved_post,
    schedule_list,
    session_list,
    text_message,
    usage_card,
    welcome_post,
)
from bot.domain import commands
from bot.domain.identity import Action, Installation, Requester
from bot.domain.timeutil import local_to_utc, suggested_start
from bot.services.booking import Actor
from bot.services.container import Services
from handlers.common import (
    STAFF_ONLY,
    decide,
    installation_from,
    log,
    post_in_channel,
    reply_for_error,
    services_from,
    user_info,
    user_timezone,
)
from handlers.report import send_report
from handlers.support import support_command


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
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, team_id=self.team_id)


def register(app: App) -> None:
    app.command(commands.COMMAND)(oura_book)


def oura_book(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    request = CommandRequest.from_payload(command)
    reply = answer(request, services_from(context), client, installation_from(context))
    if reply is not None:
        respond(response_type="ephemeral", replace_original=False, **reply.as_kwargs())


def answer(
    request: CommandRequest,
    services: Services,
    client: WebClient,
    home: Installation,
    now: datetime | None = None,
) -> Message | None:
    """Carry out one `/oura-book` text; the reply for the typist, or None if a modal opened."""
    try:
        requester = Requester(request.user_id, request.team_id, request.enterprise_id)
        if decide(services, home, requester, request.channel_id, Action.COMMAND) is None:
            return text_message(STAFF_ONLY)
        command = commands.parse(request.text)
        return _run(command, request, services, client, now or services.booking.clock())
    except Exception as error:
        return reply_for_error(
            error,
            "/oura-book",
            team=request.team_id,
            user=request.user_id,
            channel=request.channel_id,
            text=request.text[:200],
        )


def _run(
    command: commands.Command,
    request: CommandRequest,
    services: Services,
    client: WebClient,
    now: datetime,
) -> Message | None:
    booking = services.booking
    actor = request.actor
    channel = request.channel_id

    match command:
        case commands.Help():
            return text_message(commands.help_text())
        case commands.OpenBookingModal():
            return _open_booking_modal(request, services, client, now)
        case commands.Link(package_id, start, company):
            account, _ = booking.link(actor, channel, package_id, start, company)
            customer_team = _customer_team(client, channel, request.team_id)
            if customer_team:
                booking.set_customer_team(channel, customer_team)
            return _with_post(
                link_reply(account, package_id, start),
                client,
                channel,
                welcome_post(account, package_id),
            )
        case commands.SetContact(role, user_id):
            user = user_info(client, user_id)
            if user is None:
                return text_message(f"I can't find <@{user_id}> in Slack.")
            account = booking.set_contact(actor, channel, role, user_id, user.get("team_id"))
            who = "vendor contact" if role == "vendor" else "customer contact"
            return text_message(f"<@{user_id}> is now the {who} for *{account.company}*.")
        case commands.Usage():
            usage = booking.usage(channel, now)
            cases = services.support.open_cases(usage.account.id or 0, now)
            return usage_card(usage, for_staff=True, cases=cases, now=now)
        case commands.ListSessions():
            account, sessions = booking.sessions(channel)
            return session_list(account, sessions, now)
        case commands.Schedule():
            account, posts = booking.schedule(channel, now)
            return schedule_list(account, posts, now)
        case commands.SetTimezone(timezone):
            account = booking.set_timezone(actor, channel, timezone)
            return text_message(f"*{account.company}* now uses the time zone {account.timezone}.")
        case commands.Book(session_type, day, clock, minutes, billable):
            starts_at = _typed_time(request, services, client, day, clock)
            booked = booking.book(actor, channel, session_type, starts_at, minutes, billable)
            return _with_post(booking_reply(booked), client, channel, booked_post(booked))
        case commands.Move(session_id, day, clock, billable):
            starts_at = _typed_time(request, services, client, day, clock)
            booked = booking.move(actor, channel, session_id, starts_at, billable)
            return _with_post(booking_reply(booked, "Moved"), client, channel, moved_post(booked))
        case commands.Cancel(session_id):
            booked = booking.cancel(actor, channel, session_id)
            reply = booking_reply(booked, "Cancelled")
            return _with_post(reply, client, channel, cancelled_post(booked))
        case commands.Done(session_id, minutes, billable):
            booked = booking.log_held(actor, channel, session_id, minutes, billable)
            return booking_reply(booked)
        case (
            commands.OpenOrderModal()
            | commands.RecordOrder()
            | commands.CorrectOrder()
            | commands.ListOrders()
            | commands.OpenSupportModal()
        ):
            return support_command(
                command, request.channel_id, request.trigger_id, actor, services, client, now
            )
        case commands.Report(month):
            return send_report(client, services, request.user_id, month, now)
    raise AssertionError(f"unhandled command {command!r}")


def _typed_time(
    request: CommandRequest,
    services: Services,
    client: WebClient,
    day: Any,
    clock: Any,
) -> datetime:
    """A time typed by staff is read in their Slack time zone, else the account's."""
    tz = user_timezone(client, request.user_id, services)
    if tz is None:
        account = services.booking.account_for_channel(request.channel_id)
        tz = account.timezone if account else services.settings.default_timezone
    return local_to_utc(day, clock, tz)


def _with_post(reply: Message, client: WebClient, channel_id: str, post: Message) -> Message:
    problem = post_in_channel(client, channel_id, post)
    if problem:
        return text_message(f"{reply.text}\n:warning: {problem}")
    return reply


def _open_booking_modal(
    request: CommandRequest, services: Services, client: WebClient, now: datetime
) -> Message | None:
    account = services.booking.account_for_channel(request.channel_id)
    if account is None:
        return text_message(
            "This channel is not linked to a customer yet, so there is nothing to book. Use "
            f"`{commands.FORMS['link']}` first."
        )
    if not request.trigger_id:
        return text_message(f"Type the booking instead: `{commands.FORMS['book']}`.")
    metadata = services.signer.dumps({"channel_id": request.channel_id, "account_id": account.id})
    client.views_open(
        trigger_id=request.trigger_id,
        view=booking_modal(metadata, account.company, suggested_start(now)),
    )
    return None


def _customer_team(client: WebClient, channel_id: str, home_team: str) -> str | None:
    """The one other team a Slack Connect channel is shared with, if Slack says so."""
    try:
        channel = client.conversations_info(channel=channel_id).get("channel") or {}
    except Exception:
        log.warning("conversations.info failed for %s; customer team left unset", channel_id)
        return None
    teams = set(channel.get("shared_team_ids") or []) | set(channel.get("connected_team_ids") or [])
    teams.discard(home_team)
    return teams.pop() if len(teams) == 1 else None
