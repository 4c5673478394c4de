"""The living balance: one message per account in its channel, edited in place after every
change (`handlers.balance`). Customer-safe: what is used and left, the window and term, the
next session and the "Request a session" button; nothing billable, no estimate, no staff
notes. Its sentences are the customer's usage card's (`usage_card(for_staff=False)`)."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk.models.blocks import (
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.base import Message, day_text, escape, text_message
from bot.blocks.buttons import channel_actions
from bot.blocks.sessions import balance_line, lapsed_line, session_line
from bot.domain.entitlement import minutes_tally, status_updates_tally
from bot.i18n import _, n_
from bot.services.booking import Usage


def balance_post(usage: Usage) -> Message:
    account, terms, balance = usage.account, usage.terms, usage.balance
    package = terms.package
    window_end = terms.window_end - timedelta(days=1)
    term_end = terms.term_end - timedelta(days=1)
    details = _(
        "({held} already used, {reserved} booked ahead)",
        held=usage.minutes_held,
        reserved=usage.minutes_reserved,
    )
    minutes_now = minutes_tally(balance, usage.window_closed)
    if minutes_now.closed:
        # Translators: a field of the usage card once the window has ended; the numbers are
        # those of the closed summary; {details} says where the minutes went.
        minutes = _(
            "*Included minutes*\n{used} used, *{lapsed} lapsed* (of {included})\n{details}",
            used=minutes_now.used,
            lapsed=minutes_now.lapsed,
            included=minutes_now.included,
            details=details,
        )
        window = _("*Window*\nended on {end}", end=day_text(window_end))
    else:
        # Translators: a field of the usage card; {details} says where the minutes went.
        minutes = _(
            "*Included minutes*\n{spent} used of {included}, *{left} left*\n{details}",
            spent=balance.minutes_spent,
            included=balance.included_minutes,
            left=balance.minutes_left,
            details=details,
        )
        if package.window_days:
            window = n_(
                "*Window*\nfirst {n} day, until {end}",
                "*Window*\nfirst {n} days, until {end}",
                package.window_days,
                end=day_text(window_end),
            )
        else:
            window = _("*Window*\nthe contract term, until {end}", end=day_text(window_end))
    fields = [MarkdownTextObject(text=minutes), MarkdownTextObject(text=window)]
    updates_now = status_updates_tally(balance, usage.term_closed)
    if balance.status_updates and updates_now.closed:
        status = _(
            "*Status updates*\n{used} used, *{lapsed} lapsed* (of {included})",
            used=updates_now.used,
            lapsed=updates_now.lapsed,
            included=updates_now.included,
        )
        fields.append(MarkdownTextObject(text=status))
    elif balance.status_updates:
        status = _(
            "*Status updates*\n{spent} used of {included}, *{left} left*",
            spent=balance.status_updates_spent,
            included=balance.status_updates,
            left=balance.status_updates_left,
        )
        fields.append(MarkdownTextObject(text=status))
    contract_line = _(
        "*{package}*, contract from {start} to {end}",
        package=package.name,
        start=day_text(usage.contract.start),
        end=day_text(term_end),
    )
    if usage.term_closed:
        contract_line += " " + _("(ended)")
    next_line = (
        session_line(usage.next_session, account.timezone)
        if usage.next_session
        else _("nothing booked")
    )
    next_text = _("Next session: {next}", next=next_line)
    # Translators: the living balance's notification text; {balance} says what is left.
    text = _(
        "{company}: {balance}. {next}",
        company=escape(account.company),
        balance=lapsed_line(minutes_now) if minutes_now.closed else balance_line(balance),
        next=next_text,
    )
    return Message(
        text=text,
        blocks=[
            # Translators: the header (plain text) of the living balance pinned in the channel.
            HeaderBlock(text=PlainTextObject(text=_("Your onboarding balance")[:150])),
            SectionBlock(text=MarkdownTextObject(text=contract_line)),
            SectionBlock(fields=fields),
            SectionBlock(text=MarkdownTextObject(text=next_text)),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        # Translators: under the living balance pinned in the channel.
                        text=_("Kept up to date after every booking, change and session.")
                    )
                ]
            ),
            channel_actions(),
        ],
    )


def pin_reply(ts: str | None) -> Message:
    """To the staff member who typed `/oura-book pin`."""
    if ts is None:
        return text_message(
            _("I could not post the balance in this channel; Slack refused it. Try again later.")
        )
    return text_message(
        _(
            "Posted the balance in this channel again and pinned it (where Slack lets the app "
            "pin). It is kept up to date from now on."
        )
    )
