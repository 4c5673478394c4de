"""The clock's posts in the shared channel: customer-safe text (no billing, no internal notes)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from slack_sdk.models.blocks import (
    Block,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.base import Message, date_token, day_text, escape, plural
from bot.blocks.buttons import channel_actions
from bot.domain.schedule import ContractFacts, Post, PostKind
from bot.domain.support import RETURN_WINDOW_DAYS, local_today, window_last_day
from storage.models import Account

# What customers are pointed to: their own button, and their vendor contact for more.
REQUEST = "Use *Request a session*"
MORE = "ask your Oura contact here about a renewal or extra hours"


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _days_left(last_day: date, today: date) -> str:
    days = (last_day - today).days
    if days <= 0:
        return "today is the last day"
    return f"{plural(days, 'day')} left"


def post_message(post: Post, facts: ContractFacts, now: datetime | None = None) -> Message:
    """A post's text for the customer's channel; `now` (default: when it is due to go out)
    counts the days a warning has left. Its kind travels in the message metadata, not here."""
    terms, balance, company = facts.terms, facts.balance, escape(facts.company)
    today = local_today(max(now or post.send_at, post.send_at), facts.timezone)
    blocks: list[Block] = []
    match post.kind:
        case PostKind.STATUS_NUDGE | PostKind.STATUS_LAST_CALL:
            assert post.period is not None
            period = post.period
            last_day = period.end - timedelta(days=1)
            lead = (
                ":bell: Time for a project status update"
                if post.kind is PostKind.STATUS_NUDGE
                else ":hourglass_flowing_sand: Last call for this period's status update"
            )
            text = (
                f"{lead} for {company}: period {period.index} of {period.count} "
                f"({day_text(period.start)} to {day_text(last_day)}) has none booked yet. "
                f"{plural(balance.status_updates_left, 'status update')} left in the package. "
                f"{REQUEST} to book one."
            )
            blocks = [SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
        case PostKind.WINDOW_WARNING:
            last_day = terms.window_end - timedelta(days=1)
            text = (
                f":hourglass: {company}: {_days_left(last_day, today)} to use the included "
                f"consultation and training minutes. {balance.minutes_left} of "
                f"{balance.included_minutes} are left, and they lapse after "
                f"{day_text(last_day)}. {REQUEST} to use them in time."
            )
            blocks = [SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
        case PostKind.TERM_WARNING:
            last_day = terms.term_end - timedelta(days=1)
            left = []
            if balance.minutes_left > 0:
                left.append(plural(balance.minutes_left, "included minute"))
            if balance.status_updates_left > 0:
                left.append(plural(balance.status_updates_left, "status update"))
            term = terms.package.name
            ends = f":hourglass: {company}: the {term} term ends on {day_text(last_day)}."
            if left:
                text = f"{ends} Still included until then: {_listed(left)}. {REQUEST} to use them."
            else:
                text = f"{ends} Everything included has been used; for more, {MORE}."
            blocks = [SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
        case PostKind.WINDOW_CLOSED | PostKind.TERM_CLOSED:
            what = (
                f"The {terms.package.window_days}-day window for included minutes"
                if post.kind is PostKind.WINDOW_CLOSED
                else f"The {terms.package.name} term"
            )
            used = balance.minutes_spent
            lines = [
                f":checkered_flag: {company}: {what} has ended.",
                f"Included minutes: {used} used, {balance.minutes_left} lapsed "
                f"(of {balance.included_minutes}).",
            ]
            if balance.status_updates:
                lines.append(
                    f"Status updates: {balance.status_updates_spent} used, "
                    f"{balance.status_updates_left} lapsed (of {balance.status_updates})."
                )
            lines.append(f"Next step: to keep going, {MORE}.")
            text = "\n".join(lines)
            blocks = [SectionBlock(text=MarkdownTextObject(text=text))]
        case PostKind.SESSION_REMINDER:
            session = post.session
            assert session is not None
            when = date_token(session.starts_at, facts.timezone, session.minutes)
            soon = "in an hour" if session.starts_at - post.due_at <= timedelta(hours=1) else ""
            lead = f"starts {soon}" if soon else "is coming up"
            text = (
                f":alarm_clock: Reminder: the *{session.session_type.label}* session "
                f"#{session.id} {lead}: {when}."
            )
            blocks = [SectionBlock(text=MarkdownTextObject(text=text))]
        case PostKind.RETURN_WINDOW:
            order = post.order
            assert order is not None
            last_day = window_last_day(order.received_on)
            ref = f" ({escape(order.reference)})" if order.reference else ""
            # Information, not an invitation: when the window closes, and where to go if
            # something is wrong.
            text = (
                f":package: {company}: for order #{order.id}{ref}, "
                f"{plural(order.rings, 'ring')} received on {day_text(order.received_on)}, "
                f"the {RETURN_WINDOW_DAYS}-day window for returns and exchanges closes at the "
                f"end of {day_text(last_day)}. If something is wrong with the order, use "
                "*Get support* before then."
            )
            blocks = [SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
    return Message(text=text, blocks=blocks)


REFUSALS = {
    "is_archived": "the channel is archived",
    "channel_not_found": "the channel no longer exists, or the app can't see it",
    "account_inactive": "the app's Slack account is inactive",
    "restricted_action": "posting in the channel is restricted",
    "not_in_channel": "the app is not in the channel and can't join it",
    "method_not_supported_for_channel_type": "the app was removed from this private channel",
}


def refusal_text(code: str) -> str:
    return f"{REFUSALS.get(code, 'Slack refuses the posts')} (Slack said `{escape(code)}`)"


def unreachable_dm(account: Account, code: str) -> Message:
    """To the vendor contact, once, when Slack first refuses the channel for good."""
    text = (
        f":warning: I can't post in <#{account.channel_id}> for *{escape(account.company)}* any "
        f"more: {refusal_text(code)}. Its reminders, warnings and nudges are on hold. Once the "
        "channel is back (unarchive it, or invite me again), type `/oura-book reconnect` there."
    )
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])
