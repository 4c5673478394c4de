"""Staff members' working hours and free slots (issue 15): `/oura-book hours`, the slots the
customer's request form offers and the booking form shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.availability import WorkingHours, clashes, free_slots, outside_hours
from bot.domain.country import country_for_timezone
from bot.services.booking import BookingService
from bot.services.books import Actor, record_audit
from storage.availability import busy_sessions, lock_staff_member, working_hours
from storage.engine import read_session, write_session

SLOTS_OFFERED = 10
SLOTS_SHOWN = 5  # in the booking form, under the start time


@dataclass(frozen=True)
class Slots:
    """A vendor contact's next free slots, and what they were computed with."""

    vendor_id: str
    vendor_zone: str
    minutes: int
    starts: list[datetime]


class AvailabilityService:
    def __init__(self, booking: BookingService) -> None:
        self.booking = booking
        self.engine = booking.engine

    def hours(self, user_id: str) -> WorkingHours:
        with read_session(self.engine) as db:
            return working_hours(db, user_id)

    def set_hours(self, actor: Actor, hours: WorkingHours) -> WorkingHours:
        """The typist's own working hours, kept and audited."""
        now = self.booking.now()
        with write_session(self.engine) as db:
            member = lock_staff_member(db, actor.user_id)
            before = {
                "start": member.work_start_minute,
                "end": member.work_end_minute,
                "days": member.work_days,
            }
            member.work_start_minute, member.work_end_minute = hours.start_minute, hours.end_minute
            member.work_days = hours.days_digits
            member.updated_at = now
            db.add(member)
            after = {"start": hours.start_minute, "end": hours.end_minute, "days": member.work_days}
            record_audit(
                db, actor, "working_hours", None, details={"from": before, "to": after}, at=now
            )
        return hours

    def free_slots(
        self,
        vendor_id: str,
        vendor_zone: str,
        now: datetime,
        minutes: int,
        count: int = SLOTS_OFFERED,
    ) -> Slots:
        """The vendor contact's next `count` free starts of `minutes`, from now on."""
        horizon = now + timedelta(days=29)
        with read_session(self.engine) as db:
            hours = working_hours(db, vendor_id)
            busy = busy_sessions(db, vendor_id, now, horizon)
        starts = free_slots(
            hours,
            vendor_zone,
            busy,
            now,
            length=minutes,
            count=count,
            country=country_for_timezone(vendor_zone),
        )
        return Slots(vendor_id, vendor_zone, minutes, starts)

    def busy_among(
        self, vendor_id: str, vendor_zone: str, starts: list[datetime], minutes: int
    ) -> list[datetime]:
        """Which of a customer's requested times are not free for the vendor contact."""
        return [
            start for start in starts if not self.is_free(vendor_id, vendor_zone, start, minutes)
        ]

    def is_free(self, vendor_id: str, vendor_zone: str, start: datetime, minutes: int) -> bool:
        """Whether a time is free as a booking's clash check sees it: inside working hours,
        nothing booked over it (a public holiday is only left out of the slots offered)."""
        end = start + timedelta(minutes=minutes)
        with read_session(self.engine) as db:
            hours = working_hours(db, vendor_id)
            busy = busy_sessions(db, vendor_id, start, end)
        return not clashes(start, end, busy) and not outside_hours(start, end, hours, vendor_zone)
