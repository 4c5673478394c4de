"""Sessions in Slack: the channel posts of a change, staff replies, the usage card, the list,
the booking form and the schedule of automated posts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DateTimePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.automated_posts import refusal_text
from bot.blocks.base import (
    LIST_LIMIT,
    Message,
    date_token,
    day_text,
    escape,
    form_modal,
    plural,
    section,
    sections,
    text_message,
)
from bot.blocks.buttons import channel_actions, session_actions
from bot.domain.commands import form_code
from bot.domain.country import effective_country
from bot.domain.entitlement import Balance
from bot.domain.packages import MAX_SESSION_MINUTES, PACKAGES, SessionState, SessionType
from bot.domain.schedule import Post
from bot.domain.support import (
    OVERDUE_BUSINESS_DAYS,
    CaseFacts,
    days_left_text,
    is_overdue,
    order_cases,
)
from bot.services.booking import ChangeKind, SessionChange, Usage, balance_of
from storage.models import Account, CustomerTeam, OnboardingSession

# -- posts in the linked channel --------------------------------------------------------------


def _session_line(session: OnboardingSession, timezone: str) -> str:
    label = SessionType(session.session_type).label
    minutes = session.minutes_held or session.minutes_booked
    return f"*{label}* #{session.id}: {date_token(session.starts_at, timezone, minutes)}"


def _billable_note(session: OnboardingSession) -> str:
    if session.billable_minutes:
        return f"\n{session.billable_minutes} min of it is billable extra time."
    return ""


def session_post(change: SessionChange) -> Message | None:
    """What the customer's channel is told of a change to a session (nothing of a log)."""
    match change.kind:
        case ChangeKind.BOOKED:
            return booked_post(change)
        case ChangeKind.MOVED:
            return moved_post(change)
        case ChangeKind.CANCELLED:
            return cancelled_post(change)
    return None


def booked_post(change: SessionChange) -> Message:
    session, account = change.session, change.account
    assert session.id is not None
    line = _session_line(session, account.timezone)
    text = f":calendar: Booked for {escape(account.company)}: {line}{_billable_note(session)}"
    return Message(
        text=text,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=text)),
            ContextBlock(elements=[MarkdownTextObject(text=f"Booked by <@{session.booked_by}>")]),
            session_actions(session.id),
        ],
    )


def welcome_post(account: Account, package_id: str) -> Message:
    package = PACKAGES[package_id]
    text = (
        f":wave: This channel is now where {escape(account.company)} and Oura plan the "
        f"{package.name} onboarding. <@{account.vendor_contact_id}> is your "
        f"{package.contact_role}. Use the buttons to ask for a session or to see what your "
        "package has left."
    )
    return Message(
        text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
    )


def moved_post(change: SessionChange) -> Message:
    session, account = change.session, change.account
    previous = date_token(change.previous_start or session.starts_at, account.timezone)
    text = (
        f":arrows_counterclockwise: Moved: {_session_line(session, account.timezone)} "
        f"(was {previous}){_billable_note(session)}"
    )
    assert session.id is not None
    return Message(
        text=text,
        blocks=[SectionBlock(text=MarkdownTextObject(text=text)), session_actions(session.id)],
    )


def cancelled_post(change: SessionChange) -> Message:
    text = f":x: Cancelled: {_session_line(change.session, change.account.timezone)}"
    return Message(
        text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
    )


# -- ephemeral replies to staff ---------------------------------------------------------------


def balance_line(balance: Balance) -> str:
    line = f"{balance.minutes_left} of {balance.included_minutes} included minutes left"
    if balance.status_updates:
        line += f", {balance.status_updates_left} of {balance.status_updates} status updates left"
    return line


REPLY_VERBS = {
    ChangeKind.BOOKED: "Booked",
    ChangeKind.MOVED: "Moved",
    ChangeKind.CANCELLED: "Cancelled",
}


def booking_reply(change: SessionChange) -> Message:
    """What the staff member who made the change is told, with what is left."""
    session, account = change.session, change.account
    line = _session_line(session, account.timezone)
    if change.kind is ChangeKind.LOGGED_HELD:
        # The line already ends with the minutes held.
        parts = [f"Logged {line} as held."]
    else:
        parts = [f"{REPLY_VERBS[change.kind]} {line}."]
    paid = []
    if session.included_minutes:
        paid.append(f"{session.included_minutes} included min")
    if session.uses_status_update:
        paid.append("1 included status update")
    if session.billable_minutes:
        paid.append(f"{session.billable_minutes} billable min")
    if paid and session.state != SessionState.CANCELLED:
        parts.append("Paid from: " + ", ".join(paid) + ".")
    parts.append(f"{escape(account.company)}: {balance_line(balance_of(change.contract))}.")
    return text_message(" ".join(parts))


def link_reply(account: Account, package_id: str, start: Any) -> Message:
    package = PACKAGES[package_id]
    return text_message(
        f"Linked this channel to *{escape(account.company)}*: {package.name} from "
        f"{day_text(start)}. Vendor contact: <@{account.vendor_contact_id}>. Account time zone: "
        f"{account.timezone} (change it with {form_code('timezone')})."
    )


def reconnect_reply(account: Account, cleared: bool) -> Message:
    if not cleared:
        return text_message(
            f"I can post in this channel for *{escape(account.company)}* already: "
            "nothing to reconnect."
        )
    return text_message(
        f"Reconnected: the clock posts for *{escape(account.company)}* in this channel again "
        "(whatever is still due goes out on its next sweep)."
    )


def unreachable_block(account: Account) -> ContextBlock:
    """For staff: the clock has stopped posting in this channel, since when, and the fix."""
    since = account.unreachable_since
    when = f" since {date_token(since, account.timezone)}" if since else ""
    text = (
        f":warning: *The clock can't post here*{when}: "
        f"{refusal_text(account.unreachable_reason or '')}. Fix the channel (unarchive it, or "
        "invite me again), then type `/oura-book reconnect`."
    )
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def timezone_reply(account: Account) -> Message:
    return text_message(f"*{escape(account.company)}* now uses the time zone {account.timezone}.")


def country_reply(account: Account) -> Message:
    return text_message(
        f"*{escape(account.company)}* now follows the public holidays of {account.country}: "
        "automated posts wait for the next business day."
    )


def case_lines(
    cases: Sequence[CaseFacts],
    timezone: str,
    now: datetime,
    for_staff: bool,
    country: str | None,
) -> list[str]:
    """Open support cases, overdue untaken ones first; buyers see no internal flags.
    `country`: whose public holidays are not business days (None: none)."""
    lines = []
    for case in order_cases(cases, now, timezone, country)[:LIST_LIMIT]:
        status = f"taken by <@{case.taken_by}>" if case.taken_by else "waiting to be taken"
        opened = date_token(case.created_at, timezone)
        line = f"*{case.ref}* {case.category.label}: {status}, opened {opened}"
        if for_staff:
            if is_overdue(case.created_at, case.taken_by is not None, now, timezone, country):
                line = f":rotating_light: {line} (over {OVERDUE_BUSINESS_DAYS} business days)"
            if case.outside_window:
                line += ", outside the return window"
        lines.append(line)
    return lines


def usage_card(
    usage: Usage,
    for_staff: bool = True,
    cases: Sequence[CaseFacts] = (),
    now: datetime | None = None,
) -> Message:
    account, contract, terms, balance = usage.account, usage.contract, usage.terms, usage.balance
    package = terms.package
    window_end = terms.window_end - timedelta(days=1)
    term_end = terms.term_end - timedelta(days=1)
    # Staff keep the precise words; a buyer reads what happened and what is booked ahead.
    spent = (
        f"({usage.minutes_held} held, {usage.minutes_reserved} reserved by bookings)"
        if for_staff
        else f"({usage.minutes_held} used in past sessions, {usage.minutes_reserved} booked ahead)"
    )
    minutes = (
        f"*Included minutes*\n{balance.minutes_spent} used of {balance.included_minutes}, "
        f"*{balance.minutes_left} left*\n{spent}"
    )
    if package.window_days:
        window = f"*Window*\nfirst {package.window_days} days, until {day_text(window_end)}"
    else:
        window = f"*Window*\nthe contract term, until {day_text(window_end)}"
    status = (
        f"*Status updates*\n{balance.status_updates_spent} used of {balance.status_updates}, "
        f"*{balance.status_updates_left} left*"
        if balance.status_updates
        else "*Status updates*\nnone in this package"
    )
    contact_title = "*Vendor contact*" if for_staff else "*Your Oura contact*"
    contacts = f"{contact_title}\n<@{account.vendor_contact_id}> ({package.contact_role})"
    buyer = (
        f"*Customer contact*\n<@{account.buyer_contact_id}>"
        if account.buyer_contact_id
        else "*Customer contact*\nnot named yet"
    )
    billable = f"*Billable extra time*\n{usage.billable_minutes} min"
    if for_staff and usage.billing_estimate is not None:
        billable += f" (estimate {usage.currency} {usage.billing_estimate})"
    next_line = (
        _session_line(usage.next_session, account.timezone)
        if usage.next_session
        else "nothing booked"
    )
    text = (
        f"{escape(account.company)}: {package.name}, {balance_line(balance)}; "
        f"{usage.billable_minutes} billable min."
    )
    return Message(
        text=text,
        blocks=[
            HeaderBlock(text=PlainTextObject(text=f"{account.company}: usage"[:150])),
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{package.name}*, contract from {day_text(contract.start)} "
                    f"to {day_text(term_end)}"
                )
            ),
            SectionBlock(
                fields=[
                    MarkdownTextObject(text=minutes),
                    MarkdownTextObject(text=window),
                    MarkdownTextObject(text=status),
                    MarkdownTextObject(text=billable),
                    MarkdownTextObject(text=contacts),
                    MarkdownTextObject(text=buyer),
                ]
            ),
            ContextBlock(elements=[MarkdownTextObject(text=f"Next session: {next_line}")]),
            *([customer_ids_block(usage.customer_teams)] if for_staff else []),
            *([unreachable_block(account)] if for_staff and account.unreachable_reason else []),
            *(
                sections(
                    "*Open support cases*",
                    case_lines(
                        cases,
                        account.timezone,
                        now,
                        for_staff,
                        effective_country(account.country, account.timezone),
                    )
                    or ["none"],
                )
                if now is not None
                else []
            ),
        ],
    )


def customer_ids_block(teams: Sequence[CustomerTeam]) -> ContextBlock:
    """For staff: the Slack workspaces and organizations the customer is known by (their
    people are the buyers here), where each came from, and how to correct them."""
    fix = "`/oura-book contact buyer @person` sets them from the customer contact"
    if not teams:
        text = f"Customer's Slack: not known yet, so no customer can use the buttons. {fix}."
    else:
        known = ", ".join(f"{t.kind} `{t.team_id}` ({t.source})" for t in teams)
        text = f"Customer's Slack: {known}. Wrong? {fix}."
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def session_list(account: Account, sessions: list[OnboardingSession], now: datetime) -> Message:
    upcoming = [s for s in sessions if s.state == SessionState.BOOKED and s.starts_at >= now]
    past = [s for s in sessions if s not in upcoming]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"{account.company}: sessions"[:150]))
    ]

    def describe(session: OnboardingSession) -> str:
        line = _session_line(session, account.timezone)
        if session.state == SessionState.BOOKED and session.starts_at < now:
            line += ", not logged yet (`done &lt;id&gt;`)"
        elif session.state != SessionState.BOOKED:
            line += f", {session.state}"
        if session.billable_minutes and session.state != SessionState.CANCELLED:
            line += f", {session.billable_minutes} min billable"
        return line

    for title, group in (("Upcoming", upcoming), ("Past and cancelled", list(reversed(past)))):
        lines = [describe(s) for s in group[:LIST_LIMIT]] or ["none"]
        if len(group) > LIST_LIMIT:
            lines.append(f"…and {len(group) - LIST_LIMIT} more")
        blocks.extend(sections(f"*{title}*", lines))
        blocks.append(DividerBlock())
    text = (
        f"{escape(account.company)}: {plural(len(sessions), 'session')}, "
        f"{len(upcoming)} upcoming, {len(past)} past or cancelled"
    )
    return Message(text=text, blocks=blocks[:-1])


# -- the booking modal ------------------------------------------------------------------------


def minutes_input(label: str, initial: int) -> InputBlock:
    """A session's length in whole minutes, 1 to the most a session may last."""
    return InputBlock(
        block_id=ids.FIELD_MINUTES,
        label=PlainTextObject(text=f"{label} (at most {MAX_SESSION_MINUTES})"),
        element=NumberInputElement(
            action_id=ids.FIELD_VALUE,
            is_decimal_allowed=False,
            initial_value=str(initial),
            min_value="1",
            max_value=str(MAX_SESSION_MINUTES),
        ),
    )


def booking_modal(metadata: str, company: str, initial: datetime) -> View:
    """The booking form; `metadata` (signed) names the channel whose account it books for."""
    types = [Option(value=t.value, label=t.label) for t in SessionType]
    return form_modal(
        ids.BOOKING_MODAL,
        metadata,
        "Book a session",
        "Book",
        [
            section(f"For *{escape(company)}*"),
            InputBlock(
                block_id=ids.FIELD_TYPE,
                label=PlainTextObject(text="Session type"),
                element=StaticSelectElement(
                    action_id=ids.FIELD_VALUE, options=types, initial_option=types[0]
                ),
            ),
            InputBlock(
                block_id=ids.FIELD_STARTS_AT,
                label=PlainTextObject(text="Starts"),
                element=DateTimePickerElement(
                    action_id=ids.FIELD_VALUE, initial_date_time=int(initial.timestamp())
                ),
            ),
            minutes_input("Minutes", MAX_SESSION_MINUTES),
            InputBlock(
                block_id=ids.FIELD_BILLABLE,
                optional=True,
                label=PlainTextObject(text="Extra time"),
                hint=PlainTextObject(
                    text="Needed only when the booking goes past what the package has left."
                ),
                element=CheckboxesElement(
                    action_id=ids.FIELD_VALUE,
                    options=[Option(value="billable", label="Confirm billable extra time")],
                ),
            ),
        ],
    )


def schedule_list(account: Account, posts: list[Post], now: datetime) -> Message:
    """What the clock will post in the channel, and when (the account's business hours)."""
    lines = []
    for post in posts[:LIST_LIMIT]:
        when = date_token(max(post.send_at, now), account.timezone)
        what = post.kind.label
        if post.period is not None:
            what += f" (period {post.period.index} of {post.period.count})"
        elif post.session is not None:
            what += f" for #{post.session.id}"
        elif post.order is not None:
            what += f" for order #{post.order.id} ({days_left_text(post.days_before or 0)} "
            "before it closes)"
        elif post.days_before:
            what += f" ({days_left_text(post.days_before)} before)"
        lines.append(f"{when}: {what}")
    if len(posts) > LIST_LIMIT:
        lines.append(f"…and {len(posts) - LIST_LIMIT} more")
    title = f"*Automated posts still to come for {escape(account.company)}*"
    blocks = sections(title, lines or ["none: nothing is due any more"])
    count = f"{escape(account.company)}: {plural(len(posts), 'automated post')} to come"
    return Message(text=count, blocks=blocks)
