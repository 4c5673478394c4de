"""The buttons on the bot's posts and their action ids, in one place for handlers and builders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ConfirmObject, PlainTextObject

from bot.blocks import ids
from bot.domain.timeutil import zone
from bot.i18n import _, moment_text


def button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=text), action_id=action_id, value=value, style=style
    )


def _shared_buttons() -> list[ButtonElement]:
    """What anyone linked in the channel may press, in the reader's language."""
    return [
        # Translators: a button, at most 75 characters (short reads best).
        button(_("Request a session"), ids.REQUEST_SESSION, "request", "primary"),
        # Translators: a button, at most 75 characters (short reads best).
        button(_("Show usage"), ids.SHOW_USAGE, "usage"),
        # Translators: a button, at most 75 characters (short reads best).
        button(_("Get support"), ids.GET_SUPPORT, "support"),
    ]


def channel_actions() -> ActionsBlock:
    """For anyone in the shared channel: buyers get the request form, staff the booking form;
    anyone linked can ask for support."""
    return ActionsBlock(block_id=ids.CHANNEL_ACTIONS, elements=_shared_buttons())


def session_actions(session_id: int, number: int) -> ActionsBlock:
    """Staff-only buttons on a booked session's post (buyers are politely refused). The
    buttons carry the session's id; people read its `number`."""
    # Translators: a button only staff may use, at most 75 characters.
    cancel = button(_("Cancel (staff)"), ids.CANCEL_SESSION, str(session_id), "danger")
    cancel.confirm = ConfirmObject(
        # Translators: the title of a confirmation dialog, at most 100 characters.
        title=_("Cancel this session?"),
        text=_("Session #{id} will be cancelled and its time given back.", id=number),
        # Translators: the dialog's buttons: confirm the cancellation, or keep the session.
        confirm=_("Cancel it"),
        deny=_("Keep it"),
    )
    return ActionsBlock(
        block_id=ids.session_actions(session_id),
        elements=[
            *_shared_buttons(),
            cancel,
            # Translators: a button only staff may use, at most 75 characters.
            button(_("Log as held (staff)"), ids.LOG_HELD, str(session_id)),
        ],
    )


def slot_buttons(starts: Sequence[datetime], tz_name: str) -> ActionsBlock:
    """A pace warning's buttons: the vendor contact's next free slots, written out in the
    account's zone (button text takes no date tokens); each opens the form set to its time."""
    tz = zone(tz_name)
    elements = []
    for index, start in enumerate(starts):
        local = start.astimezone(tz)
        label = f"{moment_text(local)} {local.tzname()}"[:75]
        elements.append(button(label, ids.request_slot(index), str(int(start.timestamp()))))
    return ActionsBlock(elements=elements)
