"""Staff members' working hours and busy time: the rows free slots and clash checks read.

A staff member is busy during every booked session of an account they are the vendor contact
of, and every booked session they booked themselves. The two halves of the query each have an
index that hands over one person's sessions in a time range (`ix_account_contact_company`
then `ix_onboarding_session_account_state_start`; `ix_onboarding_session_booked_by_state_start`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.domain.availability import Busy, WorkingHours
from bot.domain.packages import MAX_SESSION_MINUTES, SessionState
from storage.engine import insert_into
from storage.models import Account, OnboardingSession, StaffMember, utcnow


def busy_sessions(
    db: Session,
    user_id: str,
    start: datetime,
    end: datetime,
    leave_out: int | None = None,
) -> list[Busy]:
    """The staff member's booked sessions that overlap `start` to `end`, soonest first;
    `leave_out`: a session id not to count (the one being moved)."""
    # A session starting up to its longest length before `start` may still run into it.
    earliest = start - timedelta(minutes=MAX_SESSION_MINUTES)
    in_range = (
        col(OnboardingSession.state) == SessionState.BOOKED,
        col(OnboardingSession.starts_at) > earliest,
        col(OnboardingSession.starts_at) < end,
    )
    query = select(OnboardingSession, Account.company).join(
        Account, col(Account.id) == col(OnboardingSession.account_id)
    )
    theirs = query.where(col(Account.vendor_contact_id) == user_id, *in_range)
    booked = query.where(col(OnboardingSession.booked_by) == user_id, *in_range)
    found: dict[int, Busy] = {}
    for rows in (db.exec(theirs).all(), db.exec(booked).all()):
        for session, company in rows:
            if session.id is None or session.id == leave_out or session.id in found:
                continue
            busy = Busy(
                start=session.starts_at,
                end=session.starts_at + timedelta(minutes=session.minutes_booked),
                session_id=session.id,
                session_type=session.session_type,
                company=company,
            )
            if busy.overlaps(start, end):
                found[session.id] = busy
    return sorted(found.values(), key=lambda b: (b.start, b.session_id or 0))


def working_hours(db: Session, user_id: str) -> WorkingHours:
    """The staff member's working hours; the defaults (weekdays 09:00-17:00) if never set."""
    member = db.get(StaffMember, user_id)
    if member is None:
        return WorkingHours()
    return hours_of(member)


def hours_of(member: StaffMember) -> WorkingHours:
    return WorkingHours.stored(member.work_start_minute, member.work_end_minute, member.work_days)


def lock_staff_member(db: Session, user_id: str) -> StaffMember:
    """The staff member's row, created with the defaults if missing, locked until the
    transaction ends (FOR UPDATE on PostgreSQL; SQLite's write transaction already holds the
    database's write lock): two bookings of one person's time decide one after the other."""
    db.execute(
        insert_into(db.get_bind(), StaffMember)
        .values(user_id=user_id, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    return db.exec(
        select(StaffMember)
        .where(StaffMember.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
