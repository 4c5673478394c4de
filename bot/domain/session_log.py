"""The session log's rules: when a session's end has passed, and when a session still not
logged is flagged (two business days after its end, in the account's zone and country)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.packages import SessionState
from bot.domain.support import add_business_days

UNLOGGED_BUSINESS_DAYS = 2
# What staff may type about a session (staff-only): a short list of names, and a note.
MAX_ATTENDEES = 300
MAX_NOTE = 2000
# A booking made by mistake may be deleted (no cancellation post) this long after it was made.
DELETE_WITHIN = timedelta(minutes=15)


def session_end(starts_at: datetime, minutes: int) -> datetime:
    return starts_at + timedelta(minutes=minutes)


def is_unlogged_too_long(
    state: str,
    starts_at: datetime,
    minutes: int,
    now: datetime,
    tz_name: str,
    country: str | None,
) -> bool:
    """Booked, and still not logged two business days after its end."""
    if state != SessionState.BOOKED:
        return False
    end = session_end(starts_at, minutes)
    return now >= add_business_days(end, UNLOGGED_BUSINESS_DAYS, tz_name, country)
