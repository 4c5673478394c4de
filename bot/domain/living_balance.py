"""When the living balance's text changes by time alone (issue 17): the clock edits it then.

What it shows depends on the moment in four ways: which contract is current (a term starts or
ends), whether the window has closed (used/left becomes used/lapsed), whether the term has
ended, and which session is next (one drops off once its start has passed)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.domain.entitlement import ContractTerms
from bot.domain.timeutil import local_midnight_utc, require_aware

# A session is "next" while its start is at or after now: it drops off just after.
SESSION_GONE_AFTER = timedelta(seconds=1)


def next_change(
    contracts: Iterable[ContractTerms], next_session_start: datetime | None, now: datetime
) -> datetime | None:
    """The first moment after `now` at which the balance rendered at `now` would read
    differently with nothing else changed; None when no such moment is known."""
    require_aware(now, "now")  # not for people
    moments = []
    for terms in contracts:
        for day in (terms.start, terms.window_end, terms.term_end):
            moments.append(local_midnight_utc(day, terms.timezone))
    if next_session_start is not None:
        moments.append(next_session_start + SESSION_GONE_AFTER)
    return min((moment for moment in moments if moment > now), default=None)
