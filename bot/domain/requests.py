"""A buyer's request for a session (SPEC §4): the states it goes through and its limits."""

from __future__ import annotations

from enum import StrEnum

MAX_PREFERRED_TIMES = 3
MAX_NOTE = 1000


class RequestState(StrEnum):
    """open -> confirmed | proposed -> confirmed | declined"""

    OPEN = "open"
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


# Still waiting for the vendor contact, or for the buyer to accept a proposed time.
OPEN_STATES = (RequestState.OPEN, RequestState.PROPOSED)
