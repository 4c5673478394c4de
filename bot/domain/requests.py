"""A buyer's request for a session (SPEC §4): the states it goes through and its limits."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

MAX_PREFERRED_TIMES = 3
MAX_NOTE = 1000


class RequestKind(StrEnum):
    """What a request asks for: a new session, or a change to a booked one (`session_id`)."""

    NEW = "new"
    MOVE = "move"
    CANCEL = "cancel"


# A cancel asked this close to the session's start is late (OURA_LATE_CANCEL_HOURS).
DEFAULT_LATE_CANCEL_HOURS = 24


def is_late_cancel(starts_at: datetime, asked_at: datetime, hours: int) -> bool:
    """Whether a cancel asked at `asked_at` comes inside `hours` of the session's start."""
    return starts_at - asked_at < timedelta(hours=hours)


class RequestState(StrEnum):
    """open -> confirmed | proposed -> confirmed | declined"""

    OPEN = "open"
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


# Still waiting for the vendor contact, or for the buyer to accept a proposed time.
OPEN_STATES = (RequestState.OPEN, RequestState.PROPOSED)
