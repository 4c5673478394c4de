"""The clash check of a booking or a move, run inside its transaction (issue 15).

The vendor contact's staff row is locked first, so two bookings of one person's time decide
one after the other: the second sees the first's session. Lock order, with
`bot.services.booking`'s: the session row, then the staff row, then contract rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.domain.availability import NeedsClashConfirmation, clashes, outside_hours
from storage.availability import busy_sessions, hours_of, lock_staff_member
from storage.models import Account


@dataclass(frozen=True)
class ClashCheck:
    """How a booking is checked against its vendor contact's time. `vendor_zone`: their Slack
    time zone (the caller asks Slack; the account's zone when Slack does not say);
    `confirmed`: staff said to book it even if it clashes (`anyway`, the form's checkbox)."""

    vendor_zone: str
    confirmed: bool = False


def check_vendor_time(
    db: Session,
    account: Account,
    starts_at: datetime,
    minutes: int,
    check: ClashCheck,
    now: datetime,
    leave_out: int | None = None,
) -> None:
    """Refuse (`NeedsClashConfirmation`) a time that overlaps another booked session of the
    account's vendor contact or falls outside their working hours, unless confirmed. (Public
    holidays are left out of the free slots offered, but staff who book one know what they
    do: it is not asked about.) A session that has already started is a record of what
    happened (booked to log it): nothing to check."""
    vendor = account.vendor_contact_id
    member = lock_staff_member(db, vendor)
    if check.confirmed or starts_at < now:
        return
    ends_at = starts_at + timedelta(minutes=minutes)
    overlapping = clashes(
        starts_at, ends_at, busy_sessions(db, vendor, starts_at, ends_at, leave_out)
    )
    hours = hours_of(member)
    outside = outside_hours(starts_at, ends_at, hours, check.vendor_zone)
    if overlapping or outside:
        raise NeedsClashConfirmation(
            starts_at,
            ends_at,
            overlapping,
            hours if outside else None,
            vendor,
            check.vendor_zone,
        )
