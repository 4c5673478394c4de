"""Reading Bolt payloads: the channel, a button's value, a form's fields and its metadata."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.blocks import ids
from bot.domain.timeutil import FIRST_YEAR, LAST_YEAR


def channel_of(body: dict[str, Any]) -> str:
    return str((body.get("channel") or {}).get("id") or "")


def value_of(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def id_value(text: str) -> int | None:
    """A database id carried in a button's value; anything else is None."""
    # isdigit() alone takes "²" and other digits int() refuses.
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def field(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The state of one input of a submitted form (empty when Slack sent none)."""
    values = view.get("state", {}).get("values", {})
    return values.get(block_id, {}).get(ids.FIELD_VALUE, {}) or {}


def selected(view: dict[str, Any], block_id: str) -> Any:
    """The value of a select's chosen option, or None."""
    return (field(view, block_id).get("selected_option") or {}).get("value")


def picked_time(view: dict[str, Any], block_id: str) -> datetime | None:
    """A date-time picker's choice; None for anything Slack's picker could not have sent."""
    epoch = field(view, block_id).get("selected_date_time")
    if not isinstance(epoch, int) or isinstance(epoch, bool):
        return None
    try:
        moment = datetime.fromtimestamp(epoch, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment if FIRST_YEAR <= moment.year <= LAST_YEAR else None


def picked_date(view: dict[str, Any], block_id: str) -> date | None:
    value = field(view, block_id).get("selected_date")
    try:
        day = date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return day if day is None or FIRST_YEAR <= day.year <= LAST_YEAR else None
