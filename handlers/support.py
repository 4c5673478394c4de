"""The support desk's listeners: the "Get support" button and form, the vendor contact's Take /
Resolve buttons, the order form, and the `/oura-book order|orders|support` forms.

Every listener asks `authorize` first; what a form or button acts on comes from signed
metadata or is checked against the channel's account, so nobody reaches another account's case.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import buttons
from bot.blocks.sessions import Message, text_message
from bot.blocks.support import (
    ORDER_MODAL,
    SUPPORT_MODAL,
    case_acknowledgement,
    case_dm,
    case_opener_note,
    case_resolved_dm,
    case_resolved_post,
    case_taken_dm,
    order_list,
    order_modal,
    order_reply,
    support_modal,
)
from bot.domain import commands
from bot.domain.identity import Action
from bot.domain.support import MAX_RINGS, CaseCategory, local_today
from bot.services.booking import Actor
from bot.services.container import Services
from handlers.common import (
    NOT_HERE,
    STAFF_ONLY,
    actor_of,
    authorize,
    direct_message,
    guarded,
    in_dm,
    post_in_channel,
    requester_from,
    services_from,
    tell,
)
from handlers.payloads import (
    authorize_channel_form,
    channel_of,
    field,
    id_value,
    in_form,
    staff_dm_click,
)

NOT_LINKED = f"This channel is not linked to a customer yet. Use `{commands.FORMS['link']}` first."


def register(app: App) -> None:
    app.action(buttons.GET_SUPPORT)(get_support)
    app.action(buttons.TAKE_CASE)(take_case)
    app.action(buttons.RESOLVE_CASE)(resolve_case)
    app.view(SUPPORT_MODAL)(submit_case)
    app.view(ORDER_MODAL)(submit_order)


# -- `/oura-book order | orders | support` (staff; `answer` has authorized the command) ---------


def support_command(
    command: commands.Command,
    channel_id: str,
    trigger_id: str | None,
    actor: Actor,
    services: Services,
    client: WebClient,
    now: datetime,
) -> Message | None:
    desk = services.support
    match command:
        case commands.RecordOrder(received_on, rings, reference):
            return order_reply(desk.record_order(actor, channel_id, received_on, rings, reference))
        case commands.CorrectOrder(order_id, received_on, rings, reference):
            change = desk.correct_order(actor, channel_id, order_id, received_on, rings, reference)
            return order_reply(change)
        case commands.ListOrders():
            account, orders = desk.orders(channel_id)
            return order_list(account, orders, local_today(now, account.timezone))
    account = services.booking.account_for_channel(channel_id)
    if account is None or account.id is None:
        return text_message(NOT_LINKED)
    is_order = isinstance(command, commands.OpenOrderModal)
    if not trigger_id:
        form = commands.FORMS["order" if is_order else "support"]
        return text_message(f"The form could not be opened here; type `{form}` again.")
    metadata = services.signer.dumps({"channel_id": channel_id, "account_id": account.id})
    today = local_today(now, account.timezone)
    view = (
        order_modal(metadata, account.company, today)
        if is_order
        else support_modal(metadata, account.company, desk.orders_of_account(account.id), today)
    )
    client.views_open(trigger_id=trigger_id, view=view)
    return None


# -- "Get support" in the shared channel: staff and the linked customer ----------------------


def get_support(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    requester, channel = requester_from(body), channel_of(body)
    access = authorize(context, requester, channel, Action.OPEN_SUPPORT)
    if access is None or access.account_id is None:
        tell(client, channel, requester.user_id, NOT_HERE)
        return
    services = services_from(context)
    account_id = access.account_id

    def work() -> None:
        account = services.booking.account_for_channel(channel)
        assert account is not None
        metadata = services.signer.dumps({"channel_id": channel, "account_id": account_id})
        today = local_today(services.booking.clock(), account.timezone)
        orders = services.support.orders_of_account(account_id)
        view = support_modal(metadata, account.company, orders, today)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    guarded("get_support", body, client, work)


def submit_case(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    allowed = authorize_channel_form(
        ack,
        body,
        view,
        context,
        Action.OPEN_SUPPORT,
        "category",
        "This isn't available to you in that channel.",
    )
    if allowed is None:
        return
    requester, access, channel_id = allowed
    errors: dict[str, str] = {}
    selected = (field(view, "category").get("selected_option") or {}).get("value")
    category = CaseCategory(selected) if selected in set(CaseCategory) else None
    if category is None:
        errors["category"] = "Choose what you need help with."
    order_value = (field(view, "order").get("selected_option") or {}).get("value")
    order_id = id_value(str(order_value)) if order_value is not None else None
    if order_value is not None and order_id is None:
        errors["order"] = "Choose one of the orders listed."
    if category is not None and category.needs_order and order_id is None:
        has_orders = "order" in (view.get("state", {}).get("values", {}))
        if has_orders:
            errors["order"] = f"Choose the order the {category.label.lower()} is about."
        else:
            errors["category"] = (
                f"A {category.label.lower()} needs an order on record, and none is yet: "
                "choose another category and describe the order, or ask your vendor contact."
            )
    description = str(field(view, "description").get("value") or "").strip()
    if not description:
        errors["description"] = "Describe what you need help with."
    if errors:
        ack(response_action="errors", errors=errors)
        return
    assert category is not None and access.account_id is not None
    services = services_from(context)
    account_id = access.account_id
    opened = in_form(
        ack,
        f"support case by {requester.user_id}",
        lambda: services.support.open_case(
            actor_of(requester), account_id, category, order_id, description
        ),
        "order" if order_id is not None else "category",
        sorry_at="category",
    )
    if opened is None:
        return
    case, window = opened
    ack()
    post_in_channel(client, channel_id, case_acknowledgement(case))
    note = case_opener_note(case, window)
    if not direct_message(client, case.account.vendor_contact_id, case_dm(case)):
        note += " I couldn't reach your vendor contact directly; please mention them here."
    tell(client, channel_id, requester.user_id, note)


# -- the vendor contact's DM: Take / Resolve (staff only) ------------------------------------


def take_case(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    click = staff_dm_click(context, body, respond, Action.TAKE_CASE)
    if click is None:
        return
    requester, case_id = click
    services = services_from(context)
    case = in_dm(
        f"take_case {case_id}",
        respond,
        lambda: services.support.take(actor_of(requester), case_id),
    )
    if case is None:
        return
    respond(replace_original=True, **case_taken_dm(case).as_kwargs())


def resolve_case(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    click = staff_dm_click(context, body, respond, Action.RESOLVE_CASE)
    if click is None:
        return
    requester, case_id = click
    services = services_from(context)
    case = in_dm(
        f"resolve_case {case_id}",
        respond,
        lambda: services.support.resolve(actor_of(requester), case_id),
    )
    if case is None:
        return
    problem = post_in_channel(client, case.account.channel_id, case_resolved_post(case))
    respond(replace_original=True, **case_resolved_dm(case, problem).as_kwargs())


# -- the staff order form ------------------------------------------------------------------


def submit_order(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    allowed = authorize_channel_form(
        ack, body, view, context, Action.RECORD_ORDER, "received_on", STAFF_ONLY
    )
    if allowed is None:
        return
    requester, _access, channel_id = allowed
    errors: dict[str, str] = {}
    received_on = _date(field(view, "received_on").get("selected_date"))
    if received_on is None:
        errors["received_on"] = "Choose the date the customer received the order."
    rings_text = str(field(view, "rings").get("value") or "")
    rings = int(rings_text) if rings_text.isdigit() and len(rings_text) <= 6 else 0
    if not 1 <= rings <= MAX_RINGS:
        errors["rings"] = f"Give the ring count as a whole number from 1 to {MAX_RINGS}."
    reference = str(field(view, "reference").get("value") or "")
    if errors:
        ack(response_action="errors", errors=errors)
        return
    assert received_on is not None
    services = services_from(context)
    change = in_form(
        ack,
        f"order form by {requester.user_id}",
        lambda: services.support.record_order(
            actor_of(requester), channel_id, received_on, rings, reference
        ),
        "received_on",
    )
    if change is None:
        return
    ack()
    tell(client, channel_id, requester.user_id, order_reply(change).text)


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
