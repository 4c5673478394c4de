"""Working hours and free slots in Slack (issue 15): the `/oura-book hours` reply, the free
slots in the booking and request forms, and a clash as each reader is told of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    StaticSelectElement,
)

from bot.blocks import ids
from bot.blocks.base import Message, date_token, escape, section, text_message
from bot.blocks.buttons import button
from bot.domain.availability import (
    CONFIRM_CLASH_IN_FORM,
    NeedsClashConfirmation,
    WorkingHours,
)
from bot.domain.commands import form_code
from bot.domain.timeutil import zone
from bot.i18n import _, moment_text, say
from bot.services.availability import Slots
from bot.services.requests import RequestView

ANOTHER_TIME = "other"  # not for people: the request form's "Another time" option value


def hours_reply(hours: WorkingHours, timezone: str, changed: bool) -> Message:
    """The answer to `/oura-book hours`: the typist's hours, read in their own time zone."""
    code = f"`{hours.code()}`"
    if changed:
        # Translators: {hours} is working hours as code, e.g. `09:00-17:00 mon-fri`; {zone} a
        # time zone name.
        return text_message(
            _(
                "Your working hours are now {hours}, in your Slack time zone {zone}. Customers "
                "are offered free slots inside them, and a booking outside them asks for "
                "confirmation.",
                hours=code,
                zone=timezone,
            )
        )
    # Translators: {hours} is working hours as code; {zone} a time zone name; {form} the
    # command that changes them, as code.
    return text_message(
        _(
            "Your working hours are {hours}, in your Slack time zone {zone}. Change them with "
            "{form}.",
            hours=code,
            zone=timezone,
            form=form_code("hours"),
        )
    )


# -- a clash, as each reader is told ------------------------------------------------------------


def clash_in_form(error: NeedsClashConfirmation) -> str:
    """Under a form's field, which is plain text: times written out in the vendor contact's
    zone, with the zone's abbreviation."""

    def when(moment: datetime, minutes: int) -> str:
        local = moment.astimezone(zone(error.vendor_zone))
        return f"{moment_text(local)} {local.tzname()} " + _("({minutes} min)", minutes=minutes)

    return say(error.text(when, CONFIRM_CLASH_IN_FORM))


def clash_checkbox() -> InputBlock:
    """The booking form's confirmation of a clash (ticked only when a clash is named)."""
    return InputBlock(
        block_id=ids.FIELD_CLASH,
        optional=True,
        # Translators: a form field's label, about clashes with other sessions.
        label=PlainTextObject(text=_("Clashes")),
        hint=PlainTextObject(
            text=_(
                "Needed only when the time overlaps another session of the vendor contact or "
                "falls outside their working hours."
            )
        ),
        element=CheckboxesElement(
            action_id=ids.FIELD_VALUE,
            # Translators: a checkbox, at most 75 characters.
            options=[Option(value="anyway", label=_("Book anyway"))],
        ),
    )


def _mention(user_id: str) -> str:
    """A person as Slack shows them (a value, not an f-string, inside a marked sentence)."""
    return f"<@{user_id}>"


def free_slots_context(slots: Slots) -> list[Block]:
    """The booking form's list of the vendor contact's next free slots (date tokens render
    in a context block, each reader in their own zone)."""
    who = _mention(slots.vendor_id)
    if not slots.starts:
        text = _("{who} has no free slot in the next four weeks.", who=who)
    else:
        times = ", ".join(date_token(start, slots.vendor_zone) for start in slots.starts)
        # Translators: {who} is the vendor contact; {minutes} a length; {times} a list of
        # dates and times.
        text = _(
            "Free slots of {who} ({minutes} min): {times}",
            who=who,
            minutes=slots.minutes,
            times=times,
        )
    return [ContextBlock(elements=[MarkdownTextObject(text=f":calendar: {text}")])]


def slot_select(slots: Slots, reader_zone: str, chosen: datetime | None = None) -> InputBlock:
    """The request form's choice of the vendor contact's next free slots, plus "Another time".
    Options are plain text (no date tokens), so each is written out in the reader's own time
    zone (their Slack one, else the account's), with the zone's abbreviation."""
    tz = zone(reader_zone)
    picked = str(int(chosen.timestamp())) if chosen is not None else None
    options = []
    for start in slots.starts:
        local = start.astimezone(tz)
        label = f"{moment_text(local)} {local.tzname()}"[:75]
        options.append(Option(value=str(int(start.timestamp())), label=label))
    # Translators: the last choice of the request form's free slots, at most 75 characters.
    other = Option(value=ANOTHER_TIME, label=_("Another time (pick below)"))
    options.append(other)
    return InputBlock(
        block_id=ids.FIELD_SLOT,
        optional=True,
        # Translators: label of the request form's choice of free times.
        label=PlainTextObject(text=_("A free time of your Oura contact")),
        hint=PlainTextObject(text=_("Or choose “Another time” and pick up to three times below.")),
        element=StaticSelectElement(
            action_id=ids.FIELD_VALUE,
            options=options,
            # A pace warning's slot button: that slot, while it is still offered.
            initial_option=next((o for o in options if o.value == picked), None),
        ),
    )


# -- the vendor contact's DM about a requested time that clashes -------------------------------


def clash_prompt(view: RequestView, choice: str, error: NeedsClashConfirmation) -> Message:
    """The vendor contact is asked to confirm a requested time that is now busy for them.
    `choice`: what the "Book anyway" button confirms (the time, and what else was confirmed)."""
    # Translators: {company} the customer; {reason} says what the time clashes with (whole
    # sentences); the button below is "Book anyway".
    text = _(
        "Request #{id} for *{company}*: that time is busy. {reason} Book it anyway below, or "
        "propose another time.",
        id=view.request.id,
        company=escape(view.account.company),
        reason=say(
            error.reason(lambda moment, minutes: date_token(moment, error.vendor_zone, minutes))
        ),
    )
    request_id = view.request.id
    return Message(
        text=text,
        blocks=[
            section(text),
            ActionsBlock(
                block_id=ids.request_clash_actions(request_id),
                elements=[
                    # Translators: a button, at most 75 characters.
                    button(
                        _("Book anyway"), ids.CONFIRM_CLASH, f"{request_id}:{choice}", "primary"
                    ),
                    button(_("Propose another time"), ids.PROPOSE_TIME, str(request_id)),
                    button(_("Decline"), ids.DECLINE_REQUEST, str(request_id), "danger"),
                ],
            ),
        ],
    )


def with_busy_note(message: Message, busy: Sequence[datetime], timezone: str) -> Message:
    """The vendor contact's request DM, saying which of the customer's times are busy for
    them (booked, or outside their working hours) as it is sent."""
    if not busy:
        return message
    times = ", ".join(date_token(moment, timezone) for moment in busy)
    # Translators: {times} is a list of dates and times the customer asked for.
    note = ":warning: " + _(
        "Busy for you: {times}. Confirming one asks you to book it anyway.", times=times
    )
    blocks = [*message.blocks]
    blocks.insert(1, ContextBlock(elements=[MarkdownTextObject(text=note)]))
    return Message(text=message.text, blocks=blocks)
