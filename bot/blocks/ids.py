"""Every action_id, callback_id and block_id the app sends, in one place.

Builders put them on buttons, forms and blocks; listeners are registered on them and read forms
back by them. The values are part of what Slack stores in posted messages, so changing one
leaves the buttons on older posts without a listener: add a new id instead.
"""

from __future__ import annotations

# -- buttons (action_id) --------------------------------------------------------------------------
REQUEST_SESSION = "request_session"
# A pace warning's free slot of the vendor contact (issue 17): `request_slot_<n>`, value the
# slot's start (epoch seconds); it opens the request (or booking) form set to that time.
REQUEST_SLOT_PREFIX = "request_slot_"
SHOW_USAGE = "show_usage"
GET_SUPPORT = "get_support"
CANCEL_SESSION = "cancel_session"
LOG_HELD = "log_held"
CONFIRM_REQUEST = "confirm_request"
CONFIRM_BILLABLE = "confirm_request_billable"
# Book a requested time that clashes with the vendor contact's time (issue 15).
CONFIRM_CLASH = "confirm_request_clash"
PROPOSE_TIME = "propose_time"
DECLINE_REQUEST = "decline_request"
ACCEPT_PROPOSAL = "accept_proposal"
TAKE_CASE = "take_case"
RESOLVE_CASE = "resolve_case"
HOME_MINE = "home_mine"
HOME_ALL = "home_all"
# The pager's buttons are `home_page:prev` and `home_page:next` (ids must differ in a block).
HOME_PAGE = "home_page"
HOME_USAGE = "home_usage"
# A session's meeting: the .ics by DM (an action), and link buttons, which Slack also reports.
ADD_TO_CALENDAR = "add_to_calendar"
CALENDAR_GOOGLE = "calendar_google"
CALENDAR_OUTLOOK = "calendar_outlook"
JOIN_MEETING = "join_meeting"
# The log DM after a session's end (bot/log_prompts.py): each carries the session's id.
LOG_PROMPT_HELD = "log_prompt_held"
LOG_PROMPT_OTHER = "log_prompt_other"
LOG_PROMPT_NO_SHOW = "log_prompt_no_show"
LOG_PROMPT_NOT_HELD = "log_prompt_not_held"
# A customer asks to move or cancel a booked session (its id); the vendor contact answers in
# a DM: `<request id>:<time index>` (`+a`: a clash confirmed), or the request's id.
ASK_MOVE = "ask_move_session"
ASK_CANCEL = "ask_cancel_session"
CONFIRM_ASK = "confirm_session_ask"
CONFIRM_ASK_CLASH = "confirm_session_ask_clash"
CONFIRM_ASK_BILLABLE = "confirm_session_ask_billable"
DECLINE_ASK = "decline_session_ask"
# `/oura-book history`'s next page; its value is `<session id or nothing>:<page>`.
HISTORY_MORE = "history_more"

# -- forms and views (callback_id) -------------------------------------------------------------
BOOKING_MODAL = "book_session"
REQUEST_MODAL = "request_session_modal"
PROPOSE_MODAL = "propose_time_modal"
LOG_HELD_MODAL = "log_held_modal"
ASK_MOVE_MODAL = "ask_move_modal"
ASK_CANCEL_MODAL = "ask_cancel_modal"
LOG_SESSION_MODAL = "log_session_modal"
ORDER_MODAL = "record_order_modal"
SUPPORT_MODAL = "support_case_modal"
HOME_VIEW = "oura_home"
USAGE_MODAL = "home_usage_card"

# -- blocks holding buttons (block_id) ----------------------------------------------------------
CHANNEL_ACTIONS = "channel_actions"
HOME_SCOPE = "home_scope"
HOME_PAGES = "home_pages"


def session_actions(session_id: int) -> str:
    return f"session_actions_{session_id}"


def meeting_actions(session_id: int) -> str:
    return f"meeting_{session_id}"


def request_actions(request_id: int | None) -> str:
    return f"request_{request_id}"


def ask_actions(request_id: int | None) -> str:
    return f"session_ask_actions:{request_id}"


def request_billable_actions(request_id: int | None) -> str:
    return f"request_billable_{request_id}"


def request_clash_actions(request_id: int | None) -> str:
    return f"request_clash_{request_id}"


def proposal_actions(request_id: int | None) -> str:
    return f"proposal_{request_id}"


def case_actions(case_id: int | None) -> str:
    return f"case_{case_id}"


# -- form fields (input block_id; each input's own action_id is FIELD_VALUE) --------------------
FIELD_VALUE = "value"
FIELD_TYPE = "type"
FIELD_STARTS_AT = "starts_at"
FIELD_MINUTES = "minutes"
FIELD_BILLABLE = "billable"
FIELD_CLASH = "clash"  # the booking form's "Book anyway" checkbox
FIELD_SLOT = "slot"  # the request form's choice of the vendor contact's free slots
FIELD_NOTE = "note"
FIELD_ATTENDEES = "attendees"
FIELD_TIME = "time"
FIELD_CATEGORY = "category"
FIELD_ORDER = "order"
FIELD_DESCRIPTION = "description"
FIELD_RECEIVED_ON = "received_on"
FIELD_RINGS = "rings"
FIELD_REFERENCE = "reference"


def field_preferred_time(number: int) -> str:
    """The request form's preferred times, 1 to 3."""
    return f"time_{number}"


FIELD_JOIN_URL = "join_url"
FIELD_AGENDA = "agenda"


def request_slot(index: int) -> str:
    return f"{REQUEST_SLOT_PREFIX}{index}"
