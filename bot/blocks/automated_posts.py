"""The clock's posts in the shared channel: customer-safe text (no billing, no internal notes)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from slack_sdk.models.blocks import (
    Block,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.base import Message, date_token, day_text, escape
from bot.blocks.buttons import channel_actions, slot_buttons
from bot.blocks.meetings import reminder_meeting
from bot.domain.entitlement import minutes_tally, status_updates_tally
from bot.domain.packages import PACKAGES
from bot.domain.schedule import ContractFacts, Post, PostKind, pace_at
from bot.domain.support import RETURN_WINDOW_DAYS, local_today, window_last_day
from bot.i18n import N_, _, n_
from storage.models import Account


def _request_button() -> str:
    """The channel's button customers are pointed to, as its label reads in their language."""
    return _("Request a session")


def _support_button() -> str:
    return _("Get support")


def _listed(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    # Translators: the end of a list, e.g. "120 included minutes and 11 status updates";
    # {items} is the list's first items joined by commas, {last} its last one.
    return _("{items} and {last}", items=", ".join(items[:-1]), last=items[-1])


def _window_warning_lead(company: str, last_day: date, today: date) -> str:
    """How many days are left to use the included minutes, as the post's first sentence."""
    days = (last_day - today).days
    if days <= 0:
        return _(
            ":hourglass: {company}: today is the last day to use the included consultation and "
            "training minutes.",
            company=company,
        )
    return n_(
        ":hourglass: {company}: {n} day left to use the included consultation and training "
        "minutes.",
        ":hourglass: {company}: {n} days left to use the included consultation and training "
        "minutes.",
        days,
        company=company,
    )


def pace_warning_text(facts: ContractFacts, now: datetime) -> str:
    """The pace warning: what will lapse at this pace (`bot.domain.pace`), customer-safe."""
    pace = pace_at(facts, now)
    last_day = facts.terms.window_end - timedelta(days=1)
    return _sentences(
        # Translators: minutes: at the pace so far, about {lapse} of the {included} included
        # minutes will go unused when they lapse after {last_day}.
        _(
            ":chart_with_downwards_trend: {company}: at this pace, about {lapse} of the "
            "{included} included minutes will lapse unused after {last_day}.",
            company=escape(facts.company),
            lapse=pace.lapse,
            included=pace.included,
            last_day=day_text(last_day),
        ),
        n_(
            "So far {n} minute is used or booked.",
            "So far {n} minutes are used or booked.",
            pace.spent,
        ),
        # Translators: {button} is the label of the channel's button "Request a session".
        _("Use *{button}* to plan the next sessions.", button=_request_button()),
    )


def _sentences(*parts: str) -> str:
    return " ".join(parts)


def post_message(post: Post, facts: ContractFacts, now: datetime | None = None) -> Message:
    """A post's text for the customer's channel, in the language of the moment (the account's:
    the clock sets it); `now` (default: when it is due to go out) counts the days a warning
    has left. Its kind travels in the message metadata, not here."""
    terms, balance, company = facts.terms, facts.balance, escape(facts.company)
    today = local_today(max(now or post.send_at, post.send_at), facts.timezone)
    blocks: list[Block] = []
    match post.kind:
        case PostKind.STATUS_NUDGE | PostKind.STATUS_LAST_CALL:
            assert post.period is not None
            period = post.period
            dates = {
                "company": company,
                "index": period.index,
                "count": period.count,
                "start": day_text(period.start),
                "end": day_text(period.end - timedelta(days=1)),
            }
            if post.kind is PostKind.STATUS_NUDGE:
                # Translators: {index} of {count}: which of the contract's status-update periods
                # this is; {start} and {end}: its first and last day.
                lead = _(
                    ":bell: Time for a project status update for {company}: period {index} of "
                    "{count} ({start} to {end}) has none booked yet.",
                    **dates,
                )
            else:
                lead = _(
                    ":hourglass_flowing_sand: Last call for this period's status update for "
                    "{company}: period {index} of {count} ({start} to {end}) has none booked yet.",
                    **dates,
                )
            text = _sentences(
                lead,
                n_(
                    "{n} status update left in the package.",
                    "{n} status updates left in the package.",
                    balance.status_updates_left,
                ),
                # Translators: {button} is the label of the channel's button "Request a session".
                _("Use *{button}* to book one.", button=_request_button()),
            )
            blocks = [SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
        case PostKind.WINDOW_WARNING:
            last_day = terms.window_end - timedelta(days=1)
            text = _sentences(
                _window_warning_lead(company, last_day, today),
                # Translators: minutes: {left} of the {included} minutes are left.
                _(
                    "{left} of {included} are left, and they lapse after {last_day}.",
                    left=balance.minutes_left,
                    included=balance.included_minutes,
                    last_day=day_text(last_day),
                ),
                # Translators: {button} is the label of the channel's button "Request a session".
                _("Use *{button}* to use them in time.", button=_request_button()),
            )
            blocks = [SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
        case PostKind.TERM_WARNING:
            last_day = terms.term_end - timedelta(days=1)
            left = []
            if balance.minutes_left > 0:
                left.append(
                    n_(
                        "{n} included minute",
                        "{n} included minutes",
                        balance.minutes_left,
                    )
                )
            if balance.status_updates_left > 0:
                left.append(
                    n_("{n} status update", "{n} status updates", balance.status_updates_left)
                )
            # Translators: {term} is the package's name (Launch Kit, Pro Lite Success, …).
            ends = _(
                ":hourglass: {company}: the {term} term ends on {last_day}.",
                company=company,
                term=terms.package.name,
                last_day=day_text(last_day),
            )
            if left:
                text = _sentences(
                    ends,
                    # Translators: {items}: what is left, e.g. "11 status updates".
                    _("Still included until then: {items}.", items=_listed(left)),
                    # Translators: {button} is the label of the channel's button "Request a
                    # session".
                    _("Use *{button}* to use them.", button=_request_button()),
                )
            elif facts.successor is not None:
                text = _sentences(ends, _next_contract(facts.successor))
            else:
                text = _sentences(
                    ends,
                    _(
                        "Everything included has been used; for more, ask your Oura contact "
                        "here about a renewal or extra hours."
                    ),
                )
            blocks = [SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
        case PostKind.PACE_WARNING:
            text = pace_warning_text(facts, max(now or post.send_at, post.send_at))
            blocks = [SectionBlock(text=MarkdownTextObject(text=text))]
            if facts.free_slots:
                blocks.append(slot_buttons(facts.free_slots, facts.timezone))
            blocks.append(channel_actions())
        case PostKind.WINDOW_CLOSED | PostKind.TERM_CLOSED:
            if post.kind is PostKind.WINDOW_CLOSED:
                ended = _(
                    ":checkered_flag: {company}: The {days}-day window for included minutes "
                    "has ended.",
                    company=company,
                    days=terms.package.window_days,
                )
            else:
                # Translators: {term} is the package's name (Launch Kit, Pro Lite Success, …).
                ended = _(
                    ":checkered_flag: {company}: The {term} term has ended.",
                    company=company,
                    term=terms.package.name,
                )
            minutes, updates = minutes_tally(balance, True), status_updates_tally(balance, True)
            lines = [
                ended,
                _(
                    "Included minutes: {used} used, {lapsed} lapsed (of {included}).",
                    used=minutes.used,
                    lapsed=minutes.lapsed,
                    included=minutes.included,
                ),
            ]
            if balance.status_updates:
                lines.append(
                    _(
                        "Status updates: {used} used, {lapsed} lapsed (of {included}).",
                        used=updates.used,
                        lapsed=updates.lapsed,
                        included=updates.included,
                    )
                )
            lines.append(
                _next_contract(facts.successor)
                if facts.successor is not None
                else _(
                    "Next step: to keep going, ask your Oura contact here about a renewal or "
                    "extra hours."
                )
            )
            text = "\n".join(lines)
            blocks = [SectionBlock(text=MarkdownTextObject(text=text))]
        case PostKind.SESSION_REMINDER:
            session = post.session
            assert session is not None
            when = date_token(session.starts_at, facts.timezone, session.minutes)
            params = {"type": _(session.session_type.label), "id": session.number, "when": when}
            last_hour = session.starts_at - post.due_at <= timedelta(hours=1)
            if last_hour:
                # Translators: {type}: the kind of session (Kickoff, Onboarding, …); {when}:
                # its date and time.
                text = _(
                    ":alarm_clock: Reminder: the *{type}* session #{id} starts in an hour: {when}.",
                    **params,
                )
            else:
                text = _(
                    ":alarm_clock: Reminder: the *{type}* session #{id} is coming up: {when}.",
                    **params,
                )
            text, actions = reminder_meeting(text, session, facts.company, last_hour)
            blocks = [SectionBlock(text=MarkdownTextObject(text=text)), actions]
        case PostKind.RETURN_WINDOW:
            order = post.order
            assert order is not None
            last_day = window_last_day(order.received_on)
            # The customer's own reference, escaped, in parentheses after the order's number.
            reference = f" ({escape(order.reference)})" if order.reference else ""
            # Information, not an invitation: when the window closes, and where to go if
            # something is wrong.
            text = _sentences(
                # Translators: {reference} is empty or the customer's order reference in
                # parentheses with a space before it, e.g. " (PO-1)"; {n} rings were received on
                # {received}; the window for returns closes at the end of {last_day}.
                n_(
                    ":package: {company}: for order #{id}{reference}, {n} ring received on "
                    "{received}, the {days}-day window for returns and exchanges closes at the "
                    "end of {last_day}.",
                    ":package: {company}: for order #{id}{reference}, {n} rings received on "
                    "{received}, the {days}-day window for returns and exchanges closes at the "
                    "end of {last_day}.",
                    order.rings,
                    company=company,
                    id=order.id,
                    reference=reference,
                    received=day_text(order.received_on),
                    days=RETURN_WINDOW_DAYS,
                    last_day=day_text(last_day),
                ),
                # Translators: {button} is the label of the channel's button "Get support".
                _(
                    "If something is wrong with the order, use *{button}* before then.",
                    button=_support_button(),
                ),
            )
            blocks = [SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
    return Message(text=text, blocks=blocks)


# Why Slack refuses the channel for good, by Slack's error code: shown to staff (the vendor
# contact's DM, the App Home), translated where it is shown.
REFUSALS = {
    "is_archived": N_("the channel is archived"),
    "channel_not_found": N_("the channel no longer exists, or the app can't see it"),
    "account_inactive": N_("the app's Slack account is inactive"),
    "restricted_action": N_("posting in the channel is restricted"),
    "not_in_channel": N_("the app is not in the channel and can't join it"),
    "method_not_supported_for_channel_type": N_("the app was removed from this private channel"),
}
UNKNOWN_REFUSAL = N_("Slack refuses the posts")


def refusal_text(code: str) -> str:
    # Translators: {reason} is why Slack refuses the posts (e.g. "the channel is archived");
    # {code} is Slack's own error code, shown as it is.
    return _(
        "{reason} (Slack said `{code}`)",
        reason=_(REFUSALS.get(code, UNKNOWN_REFUSAL)),
        code=escape(code),
    )


def unreachable_dm(account: Account, code: str) -> Message:
    """To the vendor contact, once, when Slack first refuses the channel for good."""
    # Translators: {channel} becomes a link to the channel; {reason} is why Slack refuses the
    # posts. Keep `/oura-book reconnect` as it is: it is the command to type.
    text = _(
        ":warning: I can't post in <#{channel}> for *{company}* any more: {reason}. Its "
        "reminders, warnings and nudges are on hold. Once the channel is back (unarchive it, "
        "or invite me again), type `/oura-book reconnect` there.",
        channel=account.channel_id,
        company=escape(account.company),
        reason=refusal_text(code),
    )
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def _next_contract(successor: tuple[str, date]) -> str:
    """The account's renewal, where a closing post would otherwise ask for one."""
    package_id, start = successor
    # Translators: {package} is a package's name (Launch Kit, …), {start} a day.
    return _(
        "Your next contract, {package}, starts on {start}.",
        package=PACKAGES[package_id].name,
        start=day_text(start),
    )
