"""The support form (staff and the linked customer) and the staff order form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blocks import ids
from bot.blocks.support import case_acknowledgement, case_dm, case_opener_note, order_reply
from bot.domain.identity import Action
from bot.domain.support import MAX_RINGS, CaseCategory
from bot.i18n import N_, _
from handlers.context import follow_up
from handlers.errors import attempt
from handlers.guard import Asked, FollowUp, form, in_form
from handlers.payloads import field, id_value, picked_date, selected
from handlers.replies import NOT_IN_THAT_CHANNEL, STAFF_ONLY, message_person, post_for_account
from handlers.views import fields

# Whole sentences per category that needs an order (returns, exchanges): Finnish bends the
# category's word, so it is not put in as a word.
CHOOSE_ORDER = {
    CaseCategory.RETURN: N_("Choose the order the return is about."),
    CaseCategory.EXCHANGE: N_("Choose the order the exchange is about."),
}
CHOOSE_ORDER_ANY = N_("Choose the order this is about.")
NO_ORDER = {
    CaseCategory.RETURN: N_(
        "A return needs an order on record, and none is yet: "
        "choose another category and describe the order, or ask your Oura contact."
    ),
    CaseCategory.EXCHANGE: N_(
        "An exchange needs an order on record, and none is yet: "
        "choose another category and describe the order, or ask your Oura contact."
    ),
}
NO_ORDER_ANY = N_(
    "This needs an order on record, and none is yet: "
    "choose another category and describe the order, or ask your Oura contact."
)


def register(app: App) -> None:
    app.view(ids.SUPPORT_MODAL)(ack=submit_case, lazy=[follow_up])
    app.view(ids.ORDER_MODAL)(ack=submit_order, lazy=[follow_up])


@form(Action.OPEN_SUPPORT, NOT_IN_THAT_CHANNEL, at=ids.FIELD_CATEGORY)
def submit_case(asked: Asked, ack: Ack, view: dict[str, Any]) -> FollowUp | None:
    errors: fields.Errors = {}
    chosen = selected(view, ids.FIELD_CATEGORY)
    category = CaseCategory(chosen) if chosen in set(CaseCategory) else None
    if category is None:
        errors[ids.FIELD_CATEGORY] = _("Choose what you need help with.")
    order_value = selected(view, ids.FIELD_ORDER)
    order_id = id_value(str(order_value)) if order_value is not None else None
    if order_value is not None and order_id is None:
        errors[ids.FIELD_ORDER] = _("Choose one of the orders listed.")
    if category is not None and category.needs_order and order_id is None:
        if ids.FIELD_ORDER in view.get("state", {}).get("values", {}):
            errors[ids.FIELD_ORDER] = _(CHOOSE_ORDER.get(category, CHOOSE_ORDER_ANY))
        else:
            errors[ids.FIELD_CATEGORY] = _(NO_ORDER.get(category, NO_ORDER_ANY))
    description = str(field(view, ids.FIELD_DESCRIPTION).get("value") or "").strip()
    if not description:
        errors[ids.FIELD_DESCRIPTION] = _("Describe what you need help with.")
    if errors:
        ack(response_action="errors", errors=errors)
        return None
    account_id = asked.access.account_id
    assert category is not None and account_id is not None
    at = ids.FIELD_ORDER if order_id is not None else ids.FIELD_CATEGORY
    mistake, sorry = in_form(ack, at, sorry_at=ids.FIELD_CATEGORY)
    opened = attempt(
        "support form",  # not for people
        lambda: asked.services.support.open_case(
            asked.actor, account_id, category, order_id, description
        ),
        mistake,
        sorry,
        user=asked.user_id,
    )
    if opened is None:
        return None
    case, window = opened
    ack()

    def tell_everyone() -> None:
        # The channel reads its account's language, the Oura contact their own; the person who
        # opened the case is answered in theirs.
        post_for_account(asked.client, case.account, lambda: case_acknowledgement(case))
        note = case_opener_note(case, window)
        vendor = case.account.vendor_contact_id
        if not message_person(asked.client, asked.services, vendor, lambda: case_dm(case)):
            note += " " + _(
                "I couldn't reach your Oura contact directly; please mention them here."
            )
        asked.tell(note)

    return tell_everyone


@form(Action.RECORD_ORDER, STAFF_ONLY, at=ids.FIELD_RECEIVED_ON)
def submit_order(asked: Asked, ack: Ack, view: dict[str, Any]) -> FollowUp | None:
    errors: fields.Errors = {}
    received_on = picked_date(view, ids.FIELD_RECEIVED_ON)
    if received_on is None:
        errors[ids.FIELD_RECEIVED_ON] = _("Choose the date the customer received the order.")
    rings_text = str(field(view, ids.FIELD_RINGS).get("value") or "")
    rings = int(rings_text) if id_value(rings_text) is not None and len(rings_text) <= 6 else 0
    if not 1 <= rings <= MAX_RINGS:
        errors[ids.FIELD_RINGS] = _(
            "Give the ring count as a whole number from 1 to {most}.", most=MAX_RINGS
        )
    reference = str(field(view, ids.FIELD_REFERENCE).get("value") or "")
    if errors:
        ack(response_action="errors", errors=errors)
        return None
    assert received_on is not None
    channel = asked.channel_id or ""
    mistake, _sorry = in_form(ack, ids.FIELD_RECEIVED_ON)
    change = attempt(
        "order form",  # not for people
        lambda: asked.services.support.record_order(
            asked.actor, channel, received_on, rings, reference
        ),
        mistake,
        user=asked.user_id,
    )
    if change is None:
        return None
    ack()
    return lambda: asked.tell(order_reply(change).text)
