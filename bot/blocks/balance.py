"""The living balance: one message per account in its channel, edited in place after every
change (`handlers.balance`). Customer-safe: what is used and left, the window and term, the
next session and the "Request a session" button; nothing billable, no estimate, no staff
notes. Its sentences are the customer's usage card's (`usage_card(for_staff=False)`)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.base import Message, escape, text_message
from bot.blocks.buttons import channel_actions
from bot.blocks.sessions import (
    balance_line,
    contract_dates,
    lapsed_line,
    session_line,
    usage_fields,
)
from bot.domain.entitlement import minutes_tally
from bot.i18n import _
from bot.services.booking import Usage


def balance_post(usage: Usage) -> Message:
    account, balance = usage.account, usage.balance
    details = _(
        "({held} already used, {reserved} booked ahead)",
        held=usage.minutes_held,
        reserved=usage.minutes_reserved,
    )
    minutes_now = minutes_tally(balance, usage.window_closed)
    minutes, window, status = usage_fields(usage, details)
    fields = [MarkdownTextObject(text=minutes), MarkdownTextObject(text=window)]
    if status is not None:
        fields.append(MarkdownTextObject(text=status))
    contract_line = contract_dates(usage)
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
