"""The buttons on the bot's posts and their action ids, in one place for handlers and builders."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ConfirmObject, PlainTextObject

from bot.blocks import ids


def button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=text), action_id=action_id, value=value, style=style
    )


def channel_actions() -> ActionsBlock:
    """For anyone in the shared channel: buyers get the request form, staff the booking form;
    anyone linked can ask for support."""
    return ActionsBlock(
        block_id=ids.CHANNEL_ACTIONS,
        elements=[
            button("Request a session", ids.REQUEST_SESSION, "request", "primary"),
            button("Show usage", ids.SHOW_USAGE, "usage"),
            button("Get support", ids.GET_SUPPORT, "support"),
        ],
    )


def session_actions(session_id: int) -> ActionsBlock:
    """Staff-only buttons on a booked session's post (buyers are politely refused)."""
    cancel = button("Cancel (staff)", ids.CANCEL_SESSION, str(session_id), "danger")
    cancel.confirm = ConfirmObject(
        title="Cancel this session?",
        text=f"Session #{session_id} will be cancelled and its time given back.",
        confirm="Cancel it",
        deny="Keep it",
    )
    return ActionsBlock(
        block_id=ids.session_actions(session_id),
        elements=[
            button("Request a session", ids.REQUEST_SESSION, "request", "primary"),
            button("Show usage", ids.SHOW_USAGE, "usage"),
            button("Get support", ids.GET_SUPPORT, "support"),
            cancel,
            button("Log as held (staff)", ids.LOG_HELD, str(session_id)),
        ],
    )
