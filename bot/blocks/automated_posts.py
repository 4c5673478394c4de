"""The clock's posts in the shared channel: customer-safe text (no billing, no internal notes)."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.base import Message, date_token, day_text, escape
from bot.blocks.buttons import channel_actions
from bot.domain.schedule import ContractFacts, Post, PostKind
from bot.domain.support import RETURN_WINDOW_DAYS, window_last_day
from storage.models import Account


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def post_message(post: Post, facts: ContractFacts) -> Message:
    terms, balance, company = facts.terms, facts.balance, escape(facts.company)
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
                f"{_plural(balance.status_updates_left, 'status update')} left in the package."
            )
            blocks = [SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
        case PostKind.WINDOW_WARNING:
            last_day = terms.window_end - timedelta(days=1)
            text = (
                f":hourglass: {company}: {balance.minutes_left} of {balance.included_minutes} "
                "included consultation and training minutes are left; they can be used "
                f"until the end of {day_text(last_day)}. Book a session so they don't lapse."
            )
            blocks = [SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
        case PostKind.TERM_WARNING:
            last_day = terms.term_end - timedelta(days=1)
            left = [f"{balance.minutes_left} included minutes"]
            if balance.status_updates:
                left.append(_plural(balance.status_updates_left, "status update"))
            text = (
                f":hourglass: {company}: the {terms.package.name} term ends with "
                f"{day_text(last_day)}. Still included until then: {' and '.join(left)}."
            )
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
            text = (
                f":package: {company}: order #{order.id}{ref} of "
                f"{_plural(order.rings, 'ring')} was received on {day_text(order.received_on)}. "
                f"Returns and exchanges for it are possible until the end of "
                f"{day_text(last_day)} ({RETURN_WINDOW_DAYS} days after receipt). "
                "Use *Get support* to start one."
            )
            blocks = [SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=f"Oura onboarding · {post.kind.label}")])
    )
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
