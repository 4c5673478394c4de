"""Messages and modals of the support desk: orders for staff, cases for everyone.

What goes into the shared channel is customer-safe: a case's reference, category and who
follows up, never its description or the staff-facing return-window flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.base import (
    LIST_LIMIT,
    Message,
    day_text,
    escape,
    form_modal,
    plural,
    quote_section,
    section,
    text_message,
)
from bot.blocks.buttons import button, channel_actions
from bot.domain.support import (
    MAX_DESCRIPTION,
    MAX_REFERENCE,
    MAX_RINGS,
    RETURN_WINDOW_DAYS,
    CaseCategory,
    ReturnWindow,
    window_last_day,
)
from bot.services.support import CaseView, OrderChange
from storage.models import Account, CustomerOrder

# Slack allows at most 100 options in a static select.
MAX_ORDER_OPTIONS = 100


def _rings(n: int) -> str:
    return f"{n} ring{'' if n == 1 else 's'}"


def _stored_day(day: object) -> str:
    """A date kept as ISO text (an order's details before a correction), written out like
    every other date."""
    return day_text(date.fromisoformat(str(day)))


def order_line(order: CustomerOrder) -> str:
    ref = f" ({escape(order.reference)})" if order.reference else ""
    return f"order #{order.id}{ref}: {_rings(order.rings)}, received {day_text(order.received_on)}"


def order_window_text(order: CustomerOrder, today: date) -> str:
    last_day = window_last_day(order.received_on)
    if today <= last_day:
        return f"returns until the end of {day_text(last_day)}"
    return f"return window closed at the end of {day_text(last_day)}"


# -- orders (staff) ----------------------------------------------------------------------------


def order_modal(metadata: str, company: str, today: date) -> View:
    return form_modal(
        ids.ORDER_MODAL,
        metadata,
        "Record an order",
        "Record",
        [
            section(
                f"An order of *{escape(company)}*'s, with the date the customer received it: "
                f"returns and exchanges are possible for {RETURN_WINDOW_DAYS} days after."
            ),
            InputBlock(
                block_id=ids.FIELD_RECEIVED_ON,
                label=PlainTextObject(text="Received on"),
                element=DatePickerElement(
                    action_id=ids.FIELD_VALUE, initial_date=today.isoformat()
                ),
            ),
            InputBlock(
                block_id=ids.FIELD_RINGS,
                label=PlainTextObject(text="Rings"),
                element=NumberInputElement(
                    action_id=ids.FIELD_VALUE,
                    is_decimal_allowed=False,
                    min_value="1",
                    max_value=str(MAX_RINGS),
                ),
            ),
            InputBlock(
                block_id=ids.FIELD_REFERENCE,
                optional=True,
                label=PlainTextObject(text="Reference (order number, PO…)"),
                element=PlainTextInputElement(action_id=ids.FIELD_VALUE, max_length=MAX_REFERENCE),
            ),
        ],
    )


def order_reply(change: OrderChange) -> Message:
    order = change.order
    if change.before is None:
        last_day = window_last_day(order.received_on)
        return text_message(
            f"Recorded for *{escape(change.account.company)}*: {order_line(order)}. Returns and "
            f"exchanges are possible until the end of {day_text(last_day)}."
        )
    before = change.before
    was_reference = f", {escape(str(before['reference']))}" if before["reference"] else ""
    return text_message(
        f"Corrected for *{escape(change.account.company)}*: {order_line(order)} "
        f"(was {_rings(int(str(before['rings'])))} received {_stored_day(before['received_on'])}"
        f"{was_reference})."
    )


def order_list(account: Account, orders: Sequence[CustomerOrder], today: date) -> Message:
    lines = [f"• {order_line(o)}, {order_window_text(o, today)}" for o in orders[:LIST_LIMIT]]
    if len(orders) > LIST_LIMIT:
        lines.append(f"…and {len(orders) - LIST_LIMIT} more")
    title = f"*Orders of {escape(account.company)}*"
    body = "\n".join([title, *(lines or ["none on record yet: `/oura-book order …`"])])
    return Message(
        text=f"{escape(account.company)}: {plural(len(orders), 'order')} on record",
        blocks=[section(body)],
    )


# -- asking for help -----------------------------------------------------------------------------


def support_modal(
    metadata: str, company: str, orders: Sequence[CustomerOrder], today: date
) -> View:
    categories = [Option(value=c.value, label=c.label) for c in CaseCategory]
    blocks: list[Block] = [
        section("Ask your Oura contact for help."),
        InputBlock(
            block_id=ids.FIELD_CATEGORY,
            label=PlainTextObject(text="What about"),
            element=StaticSelectElement(action_id=ids.FIELD_VALUE, options=categories),
        ),
    ]
    if orders:
        options = [
            Option(
                value=str(o.id),
                label=f"#{o.id} {_rings(o.rings)}, received {day_text(o.received_on)}"[:75],
            )
            for o in orders[:MAX_ORDER_OPTIONS]
        ]
        blocks.append(
            InputBlock(
                block_id=ids.FIELD_ORDER,
                optional=True,
                label=PlainTextObject(text="The order it concerns (returns, exchanges)"),
                element=StaticSelectElement(action_id=ids.FIELD_VALUE, options=options),
            )
        )
    else:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="No orders are on record yet, so returns and exchanges can't be "
                        "chosen here: describe the order below and your Oura contact will help."
                    )
                ]
            )
        )
    blocks.append(
        InputBlock(
            block_id=ids.FIELD_DESCRIPTION,
            label=PlainTextObject(text="Describe what you need"),
            element=PlainTextInputElement(
                action_id=ids.FIELD_VALUE, multiline=True, max_length=MAX_DESCRIPTION
            ),
        )
    )
    return form_modal(ids.SUPPORT_MODAL, metadata, "Get support", "Send", blocks)


def case_acknowledgement(view: CaseView) -> Message:
    """The channel's note: customer-safe (no description, no window flag)."""
    case, account = view.case, view.account
    text = (
        f":speech_balloon: <@{case.opened_by}> opened support case *{view.ref}* "
        f"({view.category.label}). <@{account.vendor_contact_id}> will follow up here."
    )
    return Message(text=text, blocks=[section(text)])


def case_opener_note(view: CaseView, window: ReturnWindow | None) -> str:
    """What the person who opened the case is told privately."""
    vendor = f"<@{view.account.vendor_contact_id}>"
    if window is not None and not window.is_open and view.order is not None:
        return (
            f"Order #{view.order.id} was received on {day_text(window.received_on)}, so its "
            f"{RETURN_WINDOW_DAYS}-day window for returns and exchanges closed at the end of "
            f"{day_text(window.last_day)}. Your case *{view.ref}* is recorded all the same, "
            f"marked as outside the window, and {vendor} will decide what can be done."
        )
    return f"Your support case *{view.ref}* is recorded; {vendor} will follow up in the channel."


def case_dm(view: CaseView) -> Message:
    case, account = view.case, view.account
    lines = [
        f"*{escape(account.company)}*: <@{case.opened_by}> opened support case *{view.ref}* "
        f"({view.category.label}) in <#{account.channel_id}>.",
    ]
    if view.order is not None:
        lines.append(f"About {order_line(view.order)}.")
    if case.within_window is True and case.window_last_day is not None:
        lines.append(f"Within the return window (last day {day_text(case.window_last_day)}).")
    elif case.within_window is False and case.window_last_day is not None:
        lines.append(
            f":warning: *Outside the return window*: it closed at the end of "
            f"{day_text(case.window_last_day)}. Your decision."
        )
    return Message(
        text=f"Support case {view.ref} from {escape(account.company)} ({view.category.label})",
        blocks=[
            section("\n".join(lines)),
            quote_section(case.description),
            ActionsBlock(
                block_id=ids.case_actions(case.id),
                elements=[
                    button("Take", ids.TAKE_CASE, str(case.id), "primary"),
                    button("Resolve", ids.RESOLVE_CASE, str(case.id)),
                ],
            ),
        ],
    )


def case_taken_dm(view: CaseView) -> Message:
    case = view.case
    text = (
        f"Support case *{view.ref}* for *{escape(view.account.company)}* "
        f"({view.category.label}): taken by <@{case.taken_by}>."
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            ActionsBlock(
                block_id=ids.case_actions(case.id),
                elements=[button("Resolve", ids.RESOLVE_CASE, str(case.id), "primary")],
            ),
        ],
    )


def case_resolved_dm(view: CaseView, problem: str | None = None) -> Message:
    text = (
        f"Support case *{view.ref}* for *{escape(view.account.company)}* "
        f"({view.category.label}): resolved by <@{view.case.resolved_by}>; "
        "the channel has been told."
    )
    if problem:
        text += f"\n:warning: {problem}"
    return Message(text=text, blocks=[section(text)])


def case_resolved_post(view: CaseView) -> Message:
    text = (
        f":white_check_mark: Support case *{view.ref}* ({view.category.label}) is resolved. "
        "Something else? Use *Get support*."
    )
    return Message(text=text, blocks=[section(text), channel_actions()])
