"""`/oura-book order | order fix | orders | support` (staff): orders on record, and the order
and support forms."""

from __future__ import annotations

from bot.blocks.base import Message, text_message
from bot.blocks.support import order_list, order_reply
from bot.domain import commands
from bot.domain.support import local_today
from bot.i18n import _
from handlers.commands.sessions import Typed
from handlers.forms import Form


def run(command: commands.Command, typed: Typed, trigger_id: str | None) -> Message | None:
    desk, actor, channel_id = typed.services.support, typed.actor, typed.channel_id
    match command:
        case commands.RecordOrder(received_on, rings, reference):
            return order_reply(desk.record_order(actor, channel_id, received_on, rings, reference))
        case commands.CorrectOrder(order_id, received_on, rings, reference):
            change = desk.correct_order(actor, channel_id, order_id, received_on, rings, reference)
            return order_reply(change)
        case commands.ListOrders():
            account, orders = desk.orders(channel_id)
            return order_list(account, orders, local_today(typed.now, account.timezone))
    account = typed.services.booking.account_for_channel(channel_id)
    if account is None or account.id is None:
        return text_message(
            # Translators: {form} is the command that links a channel, as code.
            _(
                "This channel is not linked to a customer yet. Use {form} first.",
                form=commands.form_code("link"),
            )
        )
    is_order = isinstance(command, commands.OpenOrderModal)
    if not trigger_id:
        form = commands.form_code("order" if is_order else "support")
        # Translators: {form} is the command that opens the form, as code.
        return text_message(_("The form could not be opened here; type {form} again.", form=form))
    opening = Form(typed.services, typed.client, trigger_id, channel_id)
    if is_order:
        opening.order(typed.now)
    else:
        opening.support(typed.now)
    return None
