"""`/oura-book` forms about the account and its sessions: link, contact, time zone, book, move,
cancel, log as held, usage, list and schedule. Every session change is announced through
`handlers.announce`; the typist is told what was done and what is left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from slack_sdk import WebClient

from bot.blocks.balance import pin_reply
from bot.blocks.base import LIST_LIMIT, Message, text_message
from bot.blocks.sessions import (
    booking_reply,
    country_reply,
    link_reply,
    reconnect_reply,
    schedule_list,
    session_list,
    timezone_reply,
    usage_card,
    welcome_post,
)
from bot.domain import commands
from bot.domain.identity import Installation, customer_ids_among, is_staff, requester
from bot.domain.slacktext import escape
from bot.domain.timeutil import local_to_utc
from bot.i18n import _
from bot.services.booking import SessionChange
from bot.services.books import Actor
from bot.services.container import Services
from handlers.announce import announce
from handlers.availability import clash_check
from handlers.balance import refresh_balance, repost_balance
from handlers.forms import Form
from handlers.replies import log, post_for_account, with_warning
from handlers.slack_users import user_info, user_timezone


@dataclass(frozen=True)
class Typed:
    """One typed command's circumstances: who typed it, in which channel, and when."""

    services: Services
    client: WebClient
    actor: Actor
    channel_id: str
    now: datetime
    home: Installation  # the vendor's own workspace and organization


def run(command: commands.Command, typed: Typed, trigger_id: str | None) -> Message | None:
    booking, actor, channel = typed.services.booking, typed.actor, typed.channel_id
    match command:
        case commands.OpenBookingModal():
            return _open_booking_form(typed, trigger_id)
        case commands.Link(package_id, start, company):
            account, _contract = booking.link(actor, channel, package_id, start, company)
            customer_ids = _customer_ids(typed.client, channel, typed.home, actor.team_id)
            if customer_ids:
                source = "conversations.info"  # not for people: the audit's source
                booking.record_customer_ids(channel, customer_ids, source)
            problem = post_for_account(
                typed.client, account, lambda: welcome_post(account, package_id)
            )
            refresh_balance(typed.client, typed.services, account)  # after the welcome post
            return _with_problem(link_reply(account, package_id, start), problem)
        case commands.SetContact(role, user_id):
            return _set_contact(typed, role, user_id)
        case commands.Usage():
            usage = booking.usage(channel, typed.now)
            return usage_card(usage, for_staff=True, cases=usage.open_cases, now=typed.now)
        case commands.ListSessions():
            listing = booking.session_listing(channel, typed.now, LIST_LIMIT)
            return session_list(listing, typed.now)
        case commands.Schedule():
            account, posts = booking.schedule(channel, typed.now)
            vendor = account.vendor_contact_id
            # The digest goes out in the vendor contact's own zone, as the clock sends it.
            tz = user_timezone(typed.client, vendor, typed.services) or account.timezone
            digest = (vendor, typed.services.digest.next_at(vendor, tz, typed.now))
            usage = booking.usage_dms(channel, typed.now)
            return schedule_list(account, posts, typed.now, usage, digest)
        case commands.SetTimezone(timezone):
            return timezone_reply(booking.set_timezone(actor, channel, timezone))
        case commands.SetCountry(country):
            return country_reply(booking.set_country(actor, channel, country))
        case commands.Reconnect():
            account, cleared = booking.reconnect(actor, channel)
            return reconnect_reply(account, cleared)
        case commands.Pin():
            return pin_reply(
                repost_balance(typed.client, typed.services, booking.usage(channel).account)
            )
        case commands.Book(
            session_type, day, time_of_day, minutes, billable, join_url, note, anyway
        ):
            starts_at = _typed_time(typed, day, time_of_day)
            clash = clash_check(typed.client, typed.services, channel, anyway)
            change = booking.book(
                actor,
                channel,
                session_type,
                starts_at,
                minutes,
                billable,
                join_url=join_url,
                agenda_note=note,
                clash=clash,
            )
            return _changed(typed, change)
        # Typed commands name a session by its number in the account (#3); buttons by its id.
        case commands.Move(number, day, time_of_day, billable, anyway):
            starts_at = _typed_time(typed, day, time_of_day)
            session_id = booking.session_id_for_number(channel, number)
            clash = clash_check(typed.client, typed.services, channel, anyway)
            move = booking.move(actor, channel, session_id, starts_at, billable, clash=clash)
            return _changed(typed, move)
        case commands.Cancel(number):
            session_id = booking.session_id_for_number(channel, number)
            return _changed(typed, booking.cancel(actor, channel, session_id))
        case commands.LogHeld(number, minutes, billable):
            session_id = booking.session_id_for_number(channel, number)
            return _changed(typed, booking.log_held(actor, channel, session_id, minutes, billable))
    raise AssertionError(f"unhandled command {command!r}")


def _changed(typed: Typed, change: SessionChange) -> Message:
    """Announce a session change and tell the typist, with a note if the post did not go out."""
    return _with_problem(booking_reply(change), announce(typed.client, change, typed.services))


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
            # Translators: {form} is the command that links a channel, as code.
            _(
                "This channel is not linked to a customer yet, so there is nothing to book. "
                "Use {form} first.",
                form=commands.form_code("link"),
            )
        )
    if not trigger_id:
        # Translators: {form} is the typed booking command, as code.
        return text_message(_("Type the booking instead: {form}.", form=commands.form_code("book")))
    form = Form(typed.services, typed.client, trigger_id, typed.channel_id)
    form.booking(typed.now, typed.actor.user_id)
    return None


def _set_contact(typed: Typed, role: str, user_id: str) -> Message:
    """Name a contact. The buyer contact's own workspace and organization (`users.info`)
    become the ids the customer is known by: how staff correct what Slack told before."""
    user = user_info(typed.client, user_id)
    mention = f"<@{user_id}>"
    if user is None:
        # Translators: {user} is a mention of a Slack user.
        return text_message(_("I can't find {user} in Slack.", user=mention))
    if role == "vendor":
        account = typed.services.booking.set_contact(typed.actor, typed.channel_id, role, user_id)
        company = escape(account.company)
        # Translators: {user} is a mention of a Slack user; {company} the customer's name.
        said = _("{user} is now the vendor contact for *{company}*.", user=mention, company=company)
        return text_message(said)
    enterprise = user.get("enterprise_user")
    person = requester(
        user_id,
        user.get("team_id"),
        enterprise.get("enterprise_id") if isinstance(enterprise, dict) else None,
        user.get("enterprise_id"),
    )
    if is_staff(person, typed.home):
        return text_message(
            _(
                "{user} belongs to the vendor's own Slack, so they can't be the customer "
                "contact: mention someone of the customer's.",
                user=mention,
            )
        )
    ids = [i for i in (person.team_id, person.enterprise_id) if i]
    account = typed.services.booking.set_contact(typed.actor, typed.channel_id, role, user_id, ids)
    # Translators: what the customer is known by when Slack gave no workspace id.
    known = ", ".join(f"`{i}`" for i in ids) or _("nothing Slack would say")
    return text_message(
        # Translators: {ids} are Slack workspace ids as code (or "nothing Slack would say").
        _(
            "{user} is now the customer contact for *{company}*. The customer is known in "
            "Slack by {ids}: their people can use the buttons in this channel.",
            user=mention,
            company=escape(account.company),
            ids=known,
        )
    )


def _customer_ids(
    client: WebClient, channel_id: str, home: Installation, staff_team: str
) -> list[str]:
    """Every workspace and organization the Slack Connect channel is shared with that is not
    the vendor's own (`conversations.info`): `connected_team_ids` (may hold organizations),
    `shared_team_ids` and `context_team_id`, less the vendor's workspace and organization,
    `internal_team_ids` (the vendor organization's workspaces in the channel) and the
    workspace of the staff member linking it."""
    try:
        channel = client.conversations_info(channel=channel_id).get("channel") or {}
    except Exception:
        log.warning("conversations.info failed for %s; customer ids left as they are", channel_id)
        return []
    said = [
        *(channel.get("connected_team_ids") or []),
        *(channel.get("shared_team_ids") or []),
        channel.get("context_team_id"),
    ]
    internal = {*(channel.get("internal_team_ids") or []), staff_team}
    return customer_ids_among([i for i in said if i not in internal], home)
