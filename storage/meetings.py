"""Where a session is held: its join link, and the personal meeting link staff set once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from storage.engine import insert_into
from storage.models import Account, OnboardingSession, StaffMember


def meeting_url_of(db: Session, user_id: str | None) -> str | None:
    """A staff member's personal meeting link (None: they set none)."""
    if not user_id:
        return None
    return db.exec(select(StaffMember.meeting_url).where(StaffMember.user_id == user_id)).first()


def meeting_urls_of(db: Session, user_ids: Iterable[str | None]) -> dict[str, str]:
    """The personal meeting links of several staff members at once (those that set one)."""
    wanted = sorted({u for u in user_ids if u})
    if not wanted:
        return {}
    rows = db.exec(
        select(StaffMember.user_id, StaffMember.meeting_url).where(
            col(StaffMember.user_id).in_(wanted), col(StaffMember.meeting_url).is_not(None)
        )
    ).all()
    return {user_id: url for user_id, url in rows if url}


def join_link(session_url: str | None, contact_url: str | None) -> str | None:
    """The one rule: the session's own link, else the vendor contact's personal one."""
    return session_url or contact_url or None


def join_link_of(db: Session, session: OnboardingSession, account: Account) -> str | None:
    """The link customers join `session` by: its own, else its account's vendor contact's
    personal meeting link, else none."""
    if session.join_url:
        return session.join_url
    return join_link(None, meeting_url_of(db, account.vendor_contact_id))


def set_meeting_url(db: Session, user_id: str, url: str | None, now: datetime) -> None:
    """Set (or with None, clear) a staff member's personal meeting link, in one statement
    whether or not they have a row yet; their other settings stay as they are."""
    statement = insert_into(db.get_bind(), StaffMember).values(
        user_id=user_id, meeting_url=url, updated_at=now
    )
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id"],
            set_={"meeting_url": statement.excluded.meeting_url, "updated_at": now},
        )
    )
