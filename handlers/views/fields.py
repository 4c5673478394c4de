"""Reading the fields our forms share, each mistake noted under its own field."""

from __future__ import annotations

from typing import Any

from bot.blocks import ids
from bot.blocks.base import error_text
from bot.domain.entitlement import check_session_minutes
from bot.domain.errors import OuraError
from bot.domain.meeting import agenda_note, meeting_url
from bot.domain.packages import MAX_SESSION_MINUTES, SessionType
from bot.domain.text import Text
from bot.i18n import _, say
from handlers.payloads import field, selected

Errors = dict[str, str]


def session_type(view: dict[str, Any], errors: Errors) -> SessionType | None:
    chosen = selected(view, ids.FIELD_TYPE)
    if chosen in set(SessionType):
        return SessionType(chosen)
    errors[ids.FIELD_TYPE] = _("Choose a session type.")
    return None


def minutes(raw: object, errors: Errors) -> int:
    try:
        return check_session_minutes(int(str(raw or "")))
    except ValueError:
        errors[ids.FIELD_MINUTES] = _(
            "Give the length in whole minutes, 1 to {most}.", most=MAX_SESSION_MINUTES
        )
    except OuraError as error:
        errors[ids.FIELD_MINUTES] = error_text(error)
    return 0


def billable_log_hint(reason: Text | str, number: int, minutes: int) -> str:
    """Under a log form's minutes: the time goes past what is included, and the typed command
    that logs it billed (a form never confirms billable time on the side)."""
    typed = f"`/oura-book done {number} {minutes}m billable`"  # a name
    # Translators: under a form's field; {reason} says what is left, {command} is the
    # command to type, kept as it is.
    return _(
        "{reason} To log it with the extra time billed, type {command}.",
        reason=say(reason),
        command=typed,
    )


def join_url(view: dict[str, Any], errors: Errors) -> str | None:
    """The booking's own join link (a form's text is as typed: nothing to unescape)."""
    typed = str(field(view, ids.FIELD_JOIN_URL).get("value") or "").strip()
    if not typed:
        return None
    try:
        return meeting_url(typed)
    except OuraError as error:
        errors[ids.FIELD_JOIN_URL] = error_text(error)
    return None


def agenda(view: dict[str, Any], errors: Errors) -> str:
    """The line staff add to the type's agenda (empty: none)."""
    try:
        return agenda_note(str(field(view, ids.FIELD_AGENDA).get("value") or ""))
    except OuraError as error:
        errors[ids.FIELD_AGENDA] = error_text(error)
    return ""
