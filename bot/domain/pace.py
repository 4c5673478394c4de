"""The pace projection (issue 17): at the rate a contract spends its included minutes, how
many will lapse unused when its window (the Launch Kit's 90 days, else the term) closes.

The rule, on whole local days of the window [start, end):
    elapsed  = days from the start to `day`, over the days of the window (a fraction in (0, 1])
    spent    = minutes used by held sessions plus reserved by booked ones (`minutes_spent`)
    projected use = spent / elapsed, rounded up (the same rate to the end of the window)
    lapse    = included - projected use, floored at 0
A pace warning is worth posting when the lapse is at least a quarter of the included minutes.
On the window's first day nothing has elapsed: there is no projection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.entitlement import Balance

# The share of the included minutes that must be heading for lapse before a warning is worth it.
WARN_SHARE = (1, 4)


class Checkpoint(StrEnum):
    """Where in the window a pace warning is looked at; the value is in its ledger key."""

    HALF = "half"
    TWO_THIRDS = "two-thirds"

    @property
    def fraction(self) -> tuple[int, int]:
        return (1, 2) if self is Checkpoint.HALF else (2, 3)


def checkpoint_day(start: date, end: date, checkpoint: Checkpoint) -> date:
    """The day of the window [start, end) that `checkpoint` falls on (rounded down)."""
    num, den = checkpoint.fraction
    return date.fromordinal(start.toordinal() + (end - start).days * num // den)


@dataclass(frozen=True)
class Projection:
    included: int
    spent: int
    projected: int  # minutes spent by the window's end at this pace (may exceed `included`)
    lapse: int  # included minutes left unused then (never below 0)

    @property
    def worth_warning(self) -> bool:
        num, den = WARN_SHARE
        return self.included > 0 and self.lapse * den >= self.included * num


def project(balance: Balance, start: date, end: date, day: date) -> Projection | None:
    """The projection as of `day` for a window [start, end); None when nothing has elapsed
    yet (or the window is empty). After the window, elapsed is 1: what is spent is final."""
    total = (end - start).days
    elapsed = min(max((day - start).days, 0), total)
    if elapsed <= 0:
        return None
    spent = max(balance.minutes_spent, 0)
    projected = -(-spent * total // elapsed)  # rounded up: never overstate the lapse
    lapse = max(balance.included_minutes - projected, 0)
    return Projection(balance.included_minutes, spent, projected, lapse)
