"""Where each account's living balance is (`BalanceMessage`) and its version counters.

A change raises `version` once its own transaction has committed; whoever renders the message
reads the version before the facts, and edits again while the version moved on meanwhile
(`bot.balance_refresh`). Posting a new message is claimed first, so one account gets one.
`refresh_at` is when the text shown would change by time alone; the clock claims a due one
with one conditional update and edits the message (`bot.balance_refresh.refresh_due`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import Account, BalanceMessage

# A claim to post that old was left by a process that died while posting: take it over.
CLAIM_EXPIRES = timedelta(minutes=2)


class Where(NamedTuple):
    """A balance message in Slack."""

    channel_id: str
    ts: str


@dataclass(frozen=True)
class Ticket:
    """One change told to the balance: the version it raised the counter to, where the
    message is (ts None: none yet), and whether this caller is to post it."""

    version: int
    channel_id: str
    ts: str | None
    post: bool
    # The message a new post replaces: in the same channel (a repost) or in the channel the
    # account left (a move). Deleted once the new one is up, so no stale copy stays.
    replaces: Where | None = None


def take_ticket(
    db: Session, account_id: int, channel_id: str, now: datetime, repost: bool = False
) -> Ticket:
    """Raise the account's version (inside the caller's write transaction, the row locked).
    The caller posts a new message if there is none and no live claim to post one, if the
    account moved to another channel, or if `repost` (a staff member asked)."""
    row = db.exec(
        select(BalanceMessage).where(BalanceMessage.account_id == account_id).with_for_update()
    ).first()
    if row is None:
        # A concurrent first insert fails on the primary key; the caller retries once.
        row = BalanceMessage(account_id=account_id, channel_id=channel_id, claimed_at=now)
        row.version = 1
        db.add(row)
        db.flush()
        return Ticket(1, channel_id, None, post=True)
    row.version += 1
    row.updated_at = now
    claim_free = row.claimed_at is None or row.claimed_at < now - CLAIM_EXPIRES
    moved = row.channel_id != channel_id
    post = repost or moved or (row.ts is None and claim_free)
    old = Where(row.channel_id, row.ts) if row.ts else None
    if post:
        row.ts, row.channel_id, row.claimed_at = None, channel_id, now
    db.add(row)
    db.flush()
    if post:
        return Ticket(row.version, channel_id, None, post, old)
    return Ticket(row.version, channel_id, old.ts if old else None, post)


def current_version(db: Session, account_id: int) -> int:
    version = db.exec(
        select(BalanceMessage.version).where(BalanceMessage.account_id == account_id)
    ).first()
    return version or 0


def record_posted(db: Session, account_id: int, channel_id: str, ts: str) -> bool:
    """The new message is in the channel: edits go to it from now on. False if the account
    moved to another channel meanwhile (the caller deletes what it posted)."""
    result = db.execute(
        update(BalanceMessage)
        .where(
            col(BalanceMessage.account_id) == account_id,
            col(BalanceMessage.channel_id) == channel_id,
        )
        .values(ts=ts, claimed_at=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_claim(db: Session, account_id: int) -> None:
    """Posting failed: the next change tries again."""
    db.execute(
        update(BalanceMessage)
        .where(col(BalanceMessage.account_id) == account_id, col(BalanceMessage.ts).is_(None))
        .values(claimed_at=None)
    )


def claim_lost(db: Session, account_id: int, ts: str, now: datetime) -> bool:
    """Slack no longer has the message at `ts`: the one caller that gets True posts anew."""
    result = db.execute(
        update(BalanceMessage)
        .where(col(BalanceMessage.account_id) == account_id, col(BalanceMessage.ts) == ts)
        .values(ts=None, claimed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def record_shown(db: Session, account_id: int, version: int, refresh_at: datetime | None) -> None:
    """`version` was rendered, and its text changes by time alone at `refresh_at`. An older
    version's render changes nothing. The same version rendered twice (at two moments) keeps
    the earlier refresh: at worst the clock edits once more than needed, never too late."""
    row = db.exec(
        select(BalanceMessage).where(BalanceMessage.account_id == account_id).with_for_update()
    ).first()
    if row is None or row.shown_version > version:
        return
    if row.shown_version == version and row.refresh_at is not None:
        refresh_at = row.refresh_at if refresh_at is None else min(row.refresh_at, refresh_at)
    row.shown_version, row.refresh_at = version, refresh_at
    db.add(row)


def due_refreshes(db: Session, now: datetime, limit: int) -> list[tuple[int, datetime]]:
    """Balances whose text has changed by time alone: (account id, refresh_at as read), the
    most overdue first. Not those of channels Slack refused for good (the clock leaves them
    alone until someone fixes the channel), nor those being posted (no ts yet)."""
    due = col(BalanceMessage.refresh_at)
    rows = db.exec(
        select(BalanceMessage.account_id, due)
        .join(Account, col(Account.id) == col(BalanceMessage.account_id))
        .where(
            due <= now,
            col(BalanceMessage.ts).is_not(None),
            col(Account.unreachable_reason).is_(None),
        )
        .order_by(due, col(BalanceMessage.account_id))
        .limit(limit)
    ).all()
    return [(account_id, at) for account_id, at in rows if at is not None]


def claim_refresh(db: Session, account_id: int, seen: datetime, retry_at: datetime) -> bool:
    """One conditional update: the clock that still finds `seen` takes the refresh and puts
    it off to `retry_at` (should it die or Slack fail, a later sweep tries again); a second
    clock finds it changed and leaves it. The edit's render sets the real next moment."""
    result = db.execute(
        update(BalanceMessage)
        .where(
            col(BalanceMessage.account_id) == account_id,
            col(BalanceMessage.refresh_at) == seen,
        )
        .values(refresh_at=retry_at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def follow_channel(db: Session, old_channel_id: str, new_channel_id: str) -> None:
    """Slack gave the channel a new id (`channel_id_changed`): the message is the same one, in
    the same conversation, so the balance follows the id instead of being posted again."""
    db.execute(
        update(BalanceMessage)
        .where(col(BalanceMessage.channel_id) == old_channel_id)
        .values(channel_id=new_channel_id)
    )
