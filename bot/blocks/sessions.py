"""Slack messages and views, built with slack_sdk's Block Kit classes so limits are checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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

from bot.blocks.buttons import channel_actions, session_actions
from bot.domain.entitlement import Balance
from bot.domain.packages import MAX_SESSION_MINUTES, PACKAGES, SessionStatus, SessionType
from bot.domain.schedule import Post
from bot.domain.support import OVERDUE_BUSINESS_DAYS, CaseFacts, is_overdue, order_cases
from bot.domain.timeutil import zone
from bot.services.booking import Booked, Usage, balance_of
from storage.models import Account, OnboardingSession

BOOKING_MODAL = "book_session"
SECTION_TEXT_LIMIT = 3000
LIST_LIMIT = 40


@dataclass
class Message:
    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        """Arguments for chat.postMessage / respond(), with every block validated."""
        for block in self.blocks:
            block.validate_json()
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


def section(text: str) -> SectionBlock:
    """A markdown section, cut to Slack's 3,000-character limit."""
    return SectionBlock(text=MarkdownTextObject(text=text[:3000]))


def text_message(text: str) -> Message:
    return Message(text=text, blocks=[section(text)])


# -- time -----------------------------------------------------------------------------------


def date_token(moment: datetime, timezone: str, minutes: int | None = None) -> str:
    """Slack renders this in each reader's own zone; the fallback names the account's zone."""
    local = moment.astimezone(zone(timezone))
    fallback = f"{local:%a %d %b %Y %H:%M} {local.tzname()}"
    token = f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"
    if minutes:
        token += f" ({minutes} min)"
    return token


def day_text(day: Any) -> str:
    return f"{day:%a %d %b %Y}"


# -- posts in the linked channel --------------------------------------------------------------


def _session_line(session: OnboardingSession, timezone: str) -> str:
    label = SessionType(session.session_type).label
    minutes = session.minutes_held or session.minutes_booked
    return f"*{label}* #{session.id}: {date_token(session.starts_at, timezone, minutes)}"


def _billable_note(session: OnboardingSession) -> str:
    if session.billable_minutes:
        return f"\n{session.billable_minutes} min of it is billable extra time."
    return ""


def booked_post(booked: Booked) -> Message:
    session, account = booked.session, booked.account
    assert session.id is not None
    line = _session_line(session, account.timezone)
    text = f":calendar: Booked for {account.company}: {line}{_billable_note(session)}"
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
        f":wave: This channel is now where {account.company} and Oura plan the "
        f"{package.name} onboarding. <@{account.vendor_contact_id}> is your "
        f"{package.contact_role}. Use the buttons to ask for a session or to see what your "
        "package has left."
    )
    return Message(
        text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
    )


def moved_post(booked: Booked) -> Message:
    session, account = booked.session, booked.account
    previous = date_token(booked.previous_start or session.starts_at, account.timezone)
    text = (
        f":arrows_counterclockwise: Moved: {_session_line(session, account.timezone)} "
        f"(was {previous}){_billable_note(session)}"
    )
    assert session.id is not None
    return Message(
        text=text,
        blocks=[SectionBlock(text=MarkdownTextObject(text=text)), session_actions(session.id)],
    )


def cancelled_post(booked: Booked) -> Message:
    text = f":x: Cancelled: {_session_line(booked.session, booked.account.timezone)}"
    return Message(
        text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
    )


# -- ephemeral replies to staff ---------------------------------------------------------------


def balance_line(balance: Balance) -> str:
    line = f"{balance.minutes_left} of {balance.included_minutes} included minutes left"
    if balance.status_updates:
        line += f", {balance.status_updates_left} of {balance.status_updates} status updates left"
    return line


def booking_reply(booked: Booked, verb: str = "Booked") -> Message:
    session = booked.session
    parts = [f"{verb} {_session_line(session, booked.account.timezone)}."]
    if session.status == SessionStatus.HELD:
        parts = [
            f"Logged {_session_line(session, booked.account.timezone)} as held, "
            f"{session.minutes_held} min."
        ]
    paid = []
    if session.included_minutes:
        paid.append(f"{session.included_minutes} included min")
    if session.uses_status_update:
        paid.append("1 included status update")
    if session.billable_minutes:
        paid.append(f"{session.billable_minutes} billable min")
    if paid and session.status != SessionStatus.CANCELLED:
        parts.append("Paid from: " + ", ".join(paid) + ".")
    parts.append(f"{booked.account.company}: {balance_line(balance_of(booked.contract))}.")
    return text_message(" ".join(parts))


def link_reply(account: Account, package_id: str, start: Any) -> Message:
    package = PACKAGES[package_id]
    return text_message(
        f"Linked this channel to *{account.company}*: {package.name} from {day_text(start)}. "
        f"Vendor contact: <@{account.vendor_contact_id}>. Account time zone: {account.timezone} "
        "(change it with `/oura-book timezone <Area/City>`)."
    )


def case_lines(
    cases: Sequence[CaseFacts], timezone: str, now: datetime, for_staff: bool
) -> list[str]:
    """Open support cases, overdue untaken ones first; buyers see no internal flags."""
    lines = []
    for case in order_cases(cases, now, timezone)[:LIST_LIMIT]:
        status = f"taken by <@{case.taken_by}>" if case.taken_by else "waiting to be taken"
        opened = date_token(case.created_at, timezone)
        line = f"*{case.ref}* {case.category.label}: {status}, opened {opened}"
        if for_staff:
            if is_overdue(case.created_at, case.taken_by is not None, now, timezone):
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
    minutes = (
        f"*Included minutes*\n{balance.minutes_spent} used of {balance.included_minutes}, "
        f"*{balance.minutes_left} left*\n({usage.minutes_held} held, "
        f"{usage.minutes_reserved} reserved by bookings)"
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
    contacts = f"*Vendor contact*\n<@{account.vendor_contact_id}> ({package.contact_role})"
    buyer = (
        f"*Customer contact*\n<@{account.buyer_contact_id}>"
        if account.buyer_contact_id
        else "*Customer contact*\nnot named yet"
    )
    billable = f"*Billable extra time*\n{usage.billable_minutes} min"
    if for_staff and usage.billing_estimate is not None:
        billable += f" (estimate {usage.billing_estimate})"
    next_line = (
        _session_line(usage.next_session, account.timezone)
        if usage.next_session
        else "nothing booked"
    )
    text = (
        f"{account.company}: {package.name}, {balance_line(balance)}; "
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
            *(
                _sections(
                    "*Open support cases*",
                    case_lines(cases, account.timezone, now, for_staff) or ["none"],
                )
                if now is not None
                else []
            ),
        ],
    )


def session_list(account: Account, sessions: list[OnboardingSession], now: datetime) -> Message:
    upcoming = [s for s in sessions if s.status == SessionStatus.BOOKED and s.starts_at >= now]
    past = [s for s in sessions if s not in upcoming]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"{account.company}: sessions"[:150]))
    ]

    def describe(session: OnboardingSession) -> str:
        line = _session_line(session, account.timezone)
        if session.status == SessionStatus.BOOKED and session.starts_at < now:
            line += ", not logged yet (`done <id>`)"
        elif session.status != SessionStatus.BOOKED:
            line += f", {session.status}"
        if session.billable_minutes and session.status != SessionStatus.CANCELLED:
            line += f", {session.billable_minutes} min billable"
        return line

    for title, group in (("Upcoming", upcoming), ("Past and cancelled", list(reversed(past)))):
        lines = [describe(s) for s in group[:LIST_LIMIT]] or ["none"]
        if len(group) > LIST_LIMIT:
            lines.append(f"…and {len(group) - LIST_LIMIT} more")
        blocks.extend(_sections(f"*{title}*", lines))
        blocks.append(DividerBlock())
    text = f"{account.company}: {len(upcoming)} upcoming, {len(past)} past or cancelled sessions"
    return Message(text=text, blocks=blocks[:-1])


def _sections(title: str, lines: list[str]) -> list[Block]:
    """Lines split over as many sections as the 3,000-character limit needs."""
    sections: list[Block] = []
    chunk = title
    for line in lines:
        if len(chunk) + len(line) + 1 > SECTION_TEXT_LIMIT:
            sections.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
            chunk = line
        else:
            chunk += "\n" + line
    sections.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
    return sections


# -- the booking modal ------------------------------------------------------------------------


def form_modal(
    callback_id: str, metadata: str, title: str, submit: str, blocks: Sequence[Block]
) -> View:
    """A form in a modal, checked by slack_sdk against Slack's limits. `metadata` (signed) says
    what the form acts on; its submit handler reads it back."""
    view = View(
        type="modal",
        callback_id=callback_id,
        private_metadata=metadata,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text="Cancel"),
        blocks=list(blocks),
    )
    view.validate_json()
    return view


def booking_modal(metadata: str, company: str, initial: datetime) -> View:
    """The booking form; `metadata` (signed) names the channel whose account it books for."""
    types = [Option(value=t.value, label=t.label) for t in SessionType]
    return form_modal(
        BOOKING_MODAL,
        metadata,
        "Book a session",
        "Book",
        [
            section(f"For *{company}*"),
            InputBlock(
                block_id="type",
                label=PlainTextObject(text="Session type"),
                element=StaticSelectElement(
                    action_id="value", options=types, initial_option=types[0]
                ),
            ),
            InputBlock(
                block_id="starts_at",
                label=PlainTextObject(text="Starts"),
                element=DateTimePickerElement(
                    action_id="value", initial_date_time=int(initial.timestamp())
                ),
            ),
            InputBlock(
                block_id="minutes",
                label=PlainTextObject(text=f"Minutes (at most {MAX_SESSION_MINUTES})"),
                element=NumberInputElement(
                    action_id="value",
                    is_decimal_allowed=False,
                    initial_value=str(MAX_SESSION_MINUTES),
                    min_value="1",
                    max_value=str(MAX_SESSION_MINUTES),
                ),
            ),
            InputBlock(
                block_id="billable",
                optional=True,
                label=PlainTextObject(text="Extra time"),
                hint=PlainTextObject(
                    text="Needed only when the booking goes past what the package has left."
                ),
                element=CheckboxesElement(
                    action_id="value",
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
            what += f" for order #{post.order.id} ({post.days_before} days before it closes)"
        elif post.days_before:
            what += f" ({post.days_before} day{'s' if post.days_before > 1 else ''} before)"
        lines.append(f"{when}: {what}")
    if len(posts) > LIST_LIMIT:
        lines.append(f"…and {len(posts) - LIST_LIMIT} more")
    title = f"*Automated posts still to come for {account.company}*"
    blocks = _sections(title, lines or ["none: nothing is due any more"])
    return Message(text=f"{account.company}: {len(posts)} automated posts to come", blocks=blocks)
