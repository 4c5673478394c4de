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
    quote_section,
    section,
    sections,
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
from bot.i18n import _, n_
from bot.services.support import CaseView, OrderChange
from storage.models import Account, CustomerOrder

# Slack allows at most 100 options in a static select.
MAX_ORDER_OPTIONS = 100


def _user(user_id: str | None) -> str:
    """A Slack mention of a person (built outside the marked sentence it goes into)."""
    return f"<@{user_id}>"


def _channel(channel_id: str) -> str:
    """A Slack link to a channel."""
    return f"<#{channel_id}>"


def _rings(n: int) -> str:
    return n_("{n} ring", "{n} rings", n)


def _stored_day(day: object) -> str:
    """A date kept as ISO text (an order's details before a correction), written out like
    every other date."""
    return day_text(date.fromisoformat(str(day)))


def order_line(order: CustomerOrder) -> str:
    if order.reference:
        # Translators: one order in a list or a sentence; {reference} is the customer's own
        # order number, {rings} "2 rings", {day} the day the customer received the order.
        return _(
            "order #{id} ({reference}): {rings}, received {day}",
            id=order.id,
            reference=escape(order.reference),
            rings=_rings(order.rings),
            day=day_text(order.received_on),
        )
    return _(
        "order #{id}: {rings}, received {day}",
        id=order.id,
        rings=_rings(order.rings),
        day=day_text(order.received_on),
    )


def order_window_text(order: CustomerOrder, today: date) -> str:
    last_day = window_last_day(order.received_on)
    if today <= last_day:
        # Translators: follows an order in the list of orders; {day} is the window's last day.
        return _("returns until the end of {day}", day=day_text(last_day))
    return _("return window closed at the end of {day}", day=day_text(last_day))


# -- orders (staff) ----------------------------------------------------------------------------


def order_modal(metadata: str, company: str, today: date) -> View:
    return form_modal(
        ids.ORDER_MODAL,
        metadata,
        # Translators: a modal's title, at most 24 characters.
        _("Record an order"),
        # Translators: the modal's submit button, at most 24 characters.
        _("Record"),
        [
            section(
                n_(
                    "An order of *{company}*'s, with the date the customer received it: "
                    "returns and exchanges are possible for {n} day after.",
                    "An order of *{company}*'s, with the date the customer received it: "
                    "returns and exchanges are possible for {n} days after.",
                    RETURN_WINDOW_DAYS,
                    company=escape(company),
                )
            ),
            InputBlock(
                block_id=ids.FIELD_RECEIVED_ON,
                # Translators: label of the date the customer received the order.
                label=PlainTextObject(text=_("Received on")),
                element=DatePickerElement(
                    action_id=ids.FIELD_VALUE, initial_date=today.isoformat()
                ),
            ),
            InputBlock(
                block_id=ids.FIELD_RINGS,
                # Translators: label of the number of rings in the order.
                label=PlainTextObject(text=_("Rings")),
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
                label=PlainTextObject(text=_("Reference (order number, PO…)")),
                element=PlainTextInputElement(action_id=ids.FIELD_VALUE, max_length=MAX_REFERENCE),
            ),
        ],
    )


def order_reply(change: OrderChange) -> Message:
    order = change.order
    company = escape(change.account.company)
    if change.before is None:
        last_day = window_last_day(order.received_on)
        # Translators: {order} is one order as "order #3: 2 rings, received …".
        return text_message(
            _(
                "Recorded for *{company}*: {order}. Returns and exchanges are possible until "
                "the end of {day}.",
                company=company,
                order=order_line(order),
                day=day_text(last_day),
            )
        )
    before = change.before
    was_reference = f", {escape(str(before['reference']))}" if before["reference"] else ""
    # Translators: {order} is the order as it is now; {rings} and {day} what it said before,
    # {reference} the reference it had (with its comma) or nothing.
    return text_message(
        _(
            "Corrected for *{company}*: {order} (was {rings} received {day}{reference}).",
            company=company,
            order=order_line(order),
            rings=_rings(int(str(before["rings"]))),
            day=_stored_day(before["received_on"]),
            reference=was_reference,
        )
    )


def order_list(account: Account, orders: Sequence[CustomerOrder], today: date) -> Message:
    lines = [f"• {order_line(o)}, {order_window_text(o, today)}" for o in orders[:LIST_LIMIT]]
    if len(orders) > LIST_LIMIT:
        more = len(orders) - LIST_LIMIT
        lines.append(n_("…and {n} more", "…and {n} more", more))
    company = escape(account.company)
    title = _("*Orders of {company}*", company=company)
    # Forty orders with their windows pass a section's 3,000 characters: one section would cut
    # the last ones (and the "…and N more") off.
    blocks = sections(title, lines or [_("none on record yet: `/oura-book order …`")])
    return Message(
        text=n_(
            "{company}: {n} order on record",
            "{company}: {n} orders on record",
            len(orders),
            company=company,
        ),
        blocks=blocks,
    )


# -- asking for help -----------------------------------------------------------------------------


def support_modal(
    metadata: str, company: str, orders: Sequence[CustomerOrder], today: date
) -> View:
    categories = [Option(value=c.value, label=_(c.label)) for c in CaseCategory]
    blocks: list[Block] = [
        section(_("Ask your Oura contact for help.")),
        InputBlock(
            block_id=ids.FIELD_CATEGORY,
            # Translators: label of the choice of session type or support category.
            label=PlainTextObject(text=_("What about")),
            element=StaticSelectElement(action_id=ids.FIELD_VALUE, options=categories),
        ),
    ]
    if orders:
        options = [
            Option(
                value=str(o.id),
                # Translators: an option of at most 75 characters (longer is cut).
                label=_(
                    "#{id} {rings}, received {day}",
                    id=o.id,
                    rings=_rings(o.rings),
                    day=day_text(o.received_on),
                )[:75],
            )
            for o in orders[:MAX_ORDER_OPTIONS]
        ]
        blocks.append(
            InputBlock(
                block_id=ids.FIELD_ORDER,
                optional=True,
                label=PlainTextObject(text=_("The order it concerns (returns, exchanges)")),
                element=StaticSelectElement(action_id=ids.FIELD_VALUE, options=options),
            )
        )
    else:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=_(
                            "No orders are on record yet, so returns and exchanges can't be "
                            "chosen here: describe the order below and your Oura contact will "
                            "help."
                        )
                    )
                ]
            )
        )
    blocks.append(
        InputBlock(
            block_id=ids.FIELD_DESCRIPTION,
            label=PlainTextObject(text=_("Describe what you need")),
            element=PlainTextInputElement(
                action_id=ids.FIELD_VALUE, multiline=True, max_length=MAX_DESCRIPTION
            ),
        )
    )
    return form_modal(
        ids.SUPPORT_MODAL,
        metadata,
        # Translators: a modal's title, at most 24 characters; also the button that opens it.
        _("Get support"),
        # Translators: the modal's submit button, at most 24 characters.
        _("Send"),
        blocks,
    )


def case_acknowledgement(view: CaseView) -> Message:
    """The channel's note: customer-safe (no description, no window flag)."""
    case, account = view.case, view.account
    # Translators: {who} opened the case and {vendor} is their Oura contact (Slack mentions);
    # {ref} the case's reference (S-12), {category} its category.
    text = _(
        ":speech_balloon: {who} opened support case *{ref}* ({category}). "
        "{vendor} will follow up here.",
        who=_user(case.opened_by),
        ref=view.ref,
        category=_(view.category.label),
        vendor=_user(account.vendor_contact_id),
    )
    return Message(text=text, blocks=[section(text)])


def case_opener_note(view: CaseView, window: ReturnWindow | None) -> str:
    """What the person who opened the case is told privately."""
    vendor = _user(view.account.vendor_contact_id)
    if window is not None and not window.is_open and view.order is not None:
        # Translators: {days} is the length of the return window in days, {received} and
        # {last} are days, {vendor} the Oura contact (a Slack mention).
        return _(
            "Order #{id} was received on {received}, so its {days}-day window for returns and "
            "exchanges closed at the end of {last}. Your case *{ref}* is recorded all the "
            "same, marked as outside the window, and {vendor} will decide what can be done.",
            days=RETURN_WINDOW_DAYS,
            id=view.order.id,
            received=day_text(window.received_on),
            last=day_text(window.last_day),
            ref=view.ref,
            vendor=vendor,
        )
    return _(
        "Your support case *{ref}* is recorded; {vendor} will follow up in the channel.",
        ref=view.ref,
        vendor=vendor,
    )


def case_dm(view: CaseView) -> Message:
    case, account = view.case, view.account
    company = escape(account.company)
    category = _(view.category.label)
    lines = [
        # Translators: {channel} is the customer's shared channel (a Slack link).
        _(
            "*{company}*: {who} opened support case *{ref}* ({category}) in {channel}.",
            company=company,
            who=_user(case.opened_by),
            ref=view.ref,
            category=category,
            channel=_channel(account.channel_id),
        ),
    ]
    if view.order is not None:
        # Translators: {order} is one order as "order #3: 2 rings, received …".
        lines.append(_("About {order}.", order=order_line(view.order)))
    if case.within_window is True and case.window_last_day is not None:
        lines.append(
            _(
                "Within the return window (last day {day}).",
                day=day_text(case.window_last_day),
            )
        )
    elif case.within_window is False and case.window_last_day is not None:
        lines.append(
            _(
                ":warning: *Outside the return window*: it closed at the end of {day}. "
                "Your decision.",
                day=day_text(case.window_last_day),
            )
        )
    return Message(
        text=_(
            "Support case {ref} from {company} ({category})",
            ref=view.ref,
            company=company,
            category=category,
        ),
        blocks=[
            section("\n".join(lines)),
            quote_section(case.description),
            ActionsBlock(
                block_id=ids.case_actions(case.id),
                elements=[
                    # Translators: a button: take the support case on (staff).
                    button(_("Take"), ids.TAKE_CASE, str(case.id), "primary"),
                    # Translators: a button: mark the support case resolved (staff).
                    button(_("Resolve"), ids.RESOLVE_CASE, str(case.id)),
                ],
            ),
        ],
    )


def case_taken_dm(view: CaseView) -> Message:
    case = view.case
    text = _(
        "Support case *{ref}* for *{company}* ({category}): taken by {who}.",
        ref=view.ref,
        company=escape(view.account.company),
        category=_(view.category.label),
        who=_user(case.taken_by),
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            ActionsBlock(
                block_id=ids.case_actions(case.id),
                elements=[button(_("Resolve"), ids.RESOLVE_CASE, str(case.id), "primary")],
            ),
        ],
    )


def case_resolved_dm(view: CaseView, problem: str | None = None) -> Message:
    text = _(
        "Support case *{ref}* for *{company}* ({category}): resolved by {who}; "
        "the channel has been told.",
        ref=view.ref,
        company=escape(view.account.company),
        category=_(view.category.label),
        who=_user(view.case.resolved_by),
    )
    if problem:
        text += f"\n:warning: {problem}"
    return Message(text=text, blocks=[section(text)])


def case_resolved_post(view: CaseView) -> Message:
    # Translators: *Get support* names the button under this post: use its translation.
    text = _(
        ":white_check_mark: Support case *{ref}* ({category}) is resolved. "
        "Something else? Use *Get support*.",
        ref=view.ref,
        category=_(view.category.label),
    )
    return Message(text=text, blocks=[section(text), channel_actions()])
