"""Sessions as meetings: a session's join link, the personal meeting link staff set once, and a
staff member's calendar feed (its token's hash and the sessions it lists)."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from bot.domain.packages import SessionState
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


def feed_owner(db: Session, token_hash: str) -> str | None:
    """The staff member whose feed token hashes to `token_hash`, or None. The row is found by
    the hash (unique), then the two are compared in constant time all the same."""
    row = db.exec(select(StaffMember).where(StaffMember.feed_token_hash == token_hash)).first()
    if row is None or row.feed_token_hash is None:
        return None
    if not hmac.compare_digest(row.feed_token_hash, token_hash):
        return None
    return row.user_id


def set_feed_token_hash(
    db: Session, user_id: str, token_hash: str, now: datetime, replace: bool
) -> bool:
    """Give the staff member a feed token (a row is made for them on first use), in one
    conditional statement: with `replace` the old token finds nothing from the commit on;
    without it, only someone with no token yet gets one. Says whether the token was set."""
    statement = insert_into(db.get_bind(), StaffMember).values(
        user_id=user_id, feed_token_hash=token_hash, updated_at=now
    )
    written = db.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id"],
            set_={"feed_token_hash": token_hash, "updated_at": now},
            where=None if replace else col(StaffMember.feed_token_hash).is_(None),
        ).returning(StaffMember.user_id)
    ).first()
    return written is not None


def feed_sessions(
    db: Session, user_id: str, since: datetime
) -> list[tuple[OnboardingSession, Account, str | None]]:
    """Booked sessions from `since` on of the accounts `user_id` is vendor contact for and
    those they booked, soonest first, each with its account and join link."""
    rows = db.exec(
        select(OnboardingSession, Account)
        .join(Account, col(Account.id) == col(OnboardingSession.account_id))
        .where(
            col(OnboardingSession.state) == SessionState.BOOKED,
            col(OnboardingSession.starts_at) >= since,
            or_(
                col(Account.vendor_contact_id) == user_id,
                col(OnboardingSession.booked_by) == user_id,
            ),
        )
        .order_by(col(OnboardingSession.starts_at), col(OnboardingSession.id))
    ).all()
    return [(session, account, join_link_of(db, session, account)) for session, account in rows]


def session_in_channel(
    db: Session, channel_id: str, session_id: int
) -> tuple[OnboardingSession, Account] | None:
    """A session of the account linked to the channel, with its account (None for any other)."""
    row = db.exec(
        select(OnboardingSession, Account)
        .join(Account, col(Account.id) == col(OnboardingSession.account_id))
        .where(col(Account.channel_id) == channel_id, col(OnboardingSession.id) == session_id)
    ).first()
    return (row[0], row[1]) if row is not None else None
