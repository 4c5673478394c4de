"""`/oura-book renew`, `contract fix` and `history`: a customer's contracts over time and the
account's audit trail. A renewal is also told in the channel, in the account's language."""

from __future__ import annotations

from bot.blocks.base import Message, text_message
from bot.blocks.contracts import (
    fix_reply,
    history_list,
    moved_account_reply,
    renew_reply,
    renewal_post,
)
from bot.blocks.sessions import welcome_post
from bot.domain import commands
from handlers.balance import refresh_balance
from handlers.commands.sessions import Typed, _customer_ids
from handlers.replies import post_for_account, with_warning


def run(
    command: commands.Renew | commands.FixContract | commands.History | commands.MoveChannel,
    typed: Typed,
) -> Message:
    services, actor, channel = typed.services, typed.actor, typed.channel_id
    match command:
        case commands.Renew(package_id, start, months):
            renewal = services.contracts.renew(actor, channel, package_id, start, months)
            problem = post_for_account(
                typed.client,
                renewal.account,
                lambda: renewal_post(renewal.account, renewal.contract),
            )
            refresh_balance(typed.client, services, renewal.account)
            reply = renew_reply(renewal)
            return text_message(with_warning(reply.text, problem)) if problem else reply
        case commands.FixContract(field, value):
            fix = services.contracts.fix(actor, channel, field, value)
            refresh_balance(typed.client, services, fix.account)
            return fix_reply(fix)
        case commands.History(number, page):
            # Typed: the session's number in the account; the More button carries its id.
            session_id = (
                None if number is None else services.booking.session_id_for_number(channel, number)
            )
            return history_list(services.contracts.history(channel, session_id, page))
        case commands.MoveChannel(to_channel):
            account = services.contracts.move_account(actor, channel, to_channel)
            # Whom the new channel is shared with are the customer's too (Slack Connect).
            shared = _customer_ids(typed.client, to_channel, typed.home, actor.team_id)
            if shared:
                source = "conversations.info"  # not for people: the audit's source
                services.booking.record_customer_ids(to_channel, shared, source)
            contract = services.booking.usage(to_channel, typed.now).contract
            # The new channel is told what it is for, in the account's language.
            problem = post_for_account(
                typed.client, account, lambda: welcome_post(account, contract.package_id)
            )
            refresh_balance(typed.client, services, account)  # posted anew in the new channel
            reply = moved_account_reply(account, channel)
            return text_message(with_warning(reply.text, problem)) if problem else reply
