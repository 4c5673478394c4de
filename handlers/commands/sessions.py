"""`/oura-book` forms about the account and its sessions: link, contact, time zone, book, move,
cancel, log as held, usage, list and schedule. Every session change is announced through
`handlers.announce`; the typist is told what was done and what is left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from slack_sdk import WebClient

from bot.blocks.base import Message, text_message
from bot.blocks.sessions import (
    booking_reply,
    link_reply,
    schedule_list,
    session_list,
    timezone_reply,
    usage_card,
    welcome_post,
)
from bot.domain import commands
from bot.domain.timeutil import local_to_utc
from bot.services.booking import Actor, SessionChange
from bot.services.container import Services
from handlers.announce import announce
from handlers.forms import Form
from handlers.replies import log, post_in_channel, with_warning
from handlers.slack_users import user_info, user_timezone


@dataclass(frozen=True)
class Typed:
    """One typed command's circumstances: who typed it, in which channel, and when."""

    services: Services
    client: WebClient
    actor: Actor
    channel_id: str
    now: datetime


def run(command: commands.Command, typed: Typed, trigger_id: str | None) -> Message | None:
    booking, actor, channel = typed.services.booking, typed.actor, typed.channel_id
    match command:
        case commands.OpenBookingModal():
            return _open_booking_form(typed, trigger_id)
        case commands.Link(package_id, start, company):
            account, _ = booking.link(actor, channel, package_id, start, company)
            customer_team = _customer_team(typed.client, channel, actor.team_id)
            if customer_team:
                booking.set_customer_team(channel, customer_team)
            problem = post_in_channel(typed.client, channel, welcome_post(account, package_id))
            return _with_problem(link_reply(account, package_id, start), problem)
        case commands.SetContact(role, user_id):
            user = user_info(typed.client, user_id)
            if user is None:
                return text_message(f"I can't find <@{user_id}> in Slack.")
            account = booking.set_contact(actor, channel, role, user_id, user.get("team_id"))
            who = "vendor contact" if role == "vendor" else "customer contact"
            return text_message(f"<@{user_id}> is now the {who} for *{account.company}*.")
        case commands.Usage():
            usage = booking.usage(channel, typed.now)
            cases = typed.services.support.open_cases(usage.account.id or 0, typed.now)
            return usage_card(usage, for_staff=True, cases=cases, now=typed.now)
        case commands.ListSessions():
            account, sessions = booking.sessions(channel)
            return session_list(account, sessions, typed.now)
        case commands.Schedule():
            account, posts = booking.schedule(channel, typed.now)
            return schedule_list(account, posts, typed.now)
        case commands.SetTimezone(timezone):
            return timezone_reply(booking.set_timezone(actor, channel, timezone))
        case commands.Book(session_type, day, time_of_day, minutes, billable):
            starts_at = _typed_time(typed, day, time_of_day)
            return _changed(
                typed, booking.book(actor, channel, session_type, starts_at, minutes, billable)
            )
        case commands.Move(session_id, day, time_of_day, billable):
            starts_at = _typed_time(typed, day, time_of_day)
            return _changed(typed, booking.move(actor, channel, session_id, starts_at, billable))
        case commands.Cancel(session_id):
            return _changed(typed, booking.cancel(actor, channel, session_id))
        case commands.LogHeld(session_id, minutes, billable):
            return _changed(typed, booking.log_held(actor, channel, session_id, minutes, billable))
    raise AssertionError(f"unhandled command {command!r}")


def _changed(typed: Typed, change: SessionChange) -> Message:
    """Announce a session change and tell the typist, with a note if the post did not go out."""
    return _with_problem(booking_reply(change), announce(typed.client, change))


def _with_problem(reply: Message, problem: str | None) -> Message:
    return text_message(with_warning(reply.text, problem)) if problem else reply


def _typed_time(typed: Typed, day: date, time_of_day: time) -> datetime:
    """A time typed by staff is read in their Slack time zone, else the account's."""
    services = typed.services
    tz = user_timezone(typed.client, typed.actor.user_id, services)
    if tz is None:
        account = services.booking.account_for_channel(typed.channel_id)
        tz = account.timezone if account else services.settings.default_timezone
    return local_to_utc(day, time_of_day, tz)


def _open_booking_form(typed: Typed, trigger_id: str | None) -> Message | None:
    if typed.services.booking.account_for_channel(typed.channel_id) is None:
        return text_message(
            "This channel is not linked to a customer yet, so there is nothing to book. Use "
            f"{commands.form_code('link')} first."
        )
    if not trigger_id:
        return text_message(f"Type the booking instead: {commands.form_code('book')}.")
    form = Form(typed.services, typed.client, trigger_id, typed.channel_id)
    form.booking(typed.now, typed.actor.user_id)
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
