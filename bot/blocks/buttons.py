"""The buttons on the bot's posts and their action ids, in one place for handlers and builders."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ConfirmObject, PlainTextObject

REQUEST_SESSION = "request_session"
SHOW_USAGE = "show_usage"
CANCEL_SESSION = "cancel_session"
LOG_HELD = "log_held"
CONFIRM_REQUEST = "confirm_request"
CONFIRM_BILLABLE = "confirm_request_billable"
PROPOSE_TIME = "propose_time"
DECLINE_REQUEST = "decline_request"
ACCEPT_PROPOSAL = "accept_proposal"
GET_SUPPORT = "get_support"
TAKE_CASE = "take_case"
RESOLVE_CASE = "resolve_case"


def button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=text), action_id=action_id, value=value, style=style
    )


def channel_actions() -> ActionsBlock:
    """For anyone in the shared channel: buyers get the request form, staff the booking form;
    anyone linked can ask for support."""
    return ActionsBlock(
        block_id="channel_actions",
        elements=[
            button("Request a session", REQUEST_SESSION, "request", "primary"),
            button("Show usage", SHOW_USAGE, "usage"),
            button("Get support", GET_SUPPORT, "support"),
        ],
    )


def session_actions(session_id: int) -> ActionsBlock:
    """Staff-only buttons on a booked session's post (buyers are politely refused)."""
    cancel = button("Cancel (staff)", CANCEL_SESSION, str(session_id), "danger")
    cancel.confirm = ConfirmObject(
        title="Cancel this session?",
        text=f"Session #{session_id} will be cancelled and its time given back.",
        confirm="Cancel it",
        deny="Keep it",
    )
    return ActionsBlock(
        block_id=f"session_actions_{session_id}",
        elements=[
            button("Request a session", REQUEST_SESSION, "request", "primary"),
            button("Show usage", SHOW_USAGE, "usage"),
            button("Get support", GET_SUPPORT, "support"),
            cancel,
            button("Log as held (staff)", LOG_HELD, str(session_id)),
        ],
    )
