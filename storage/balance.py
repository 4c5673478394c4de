"""Where each account's living balance is (`BalanceMessage`) and its version counters.

A change raises `version` once its own transaction has committed; whoever renders the message
reads the version before the facts, and edits again while the version moved on meanwhile
(`handlers.balance`). Posting a new message is claimed first, so one account gets one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import BalanceMessage

# A claim to post that old was left by a process that died while posting: take it over.
CLAIM_EXPIRES = timedelta(minutes=2)


@dataclass(frozen=True)
class Ticket:
    """One change told to the balance: the version it raised the counter to, where the
    message is (ts None: none yet), and whether this caller is to post it."""

    version: int
    channel_id: str
    ts: str | None
    post: bool
    # The message a repost in the same channel replaces (deleted once the new one is up).
    replaces: str | None = None


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
    old_ts = row.ts
    if post:
        row.ts, row.channel_id, row.claimed_at = None, channel_id, now
    db.add(row)
    db.flush()
    replaces = old_ts if post and not moved else None
    return Ticket(row.version, channel_id, None if post else old_ts, post, replaces)


def current_version(db: Session, account_id: int) -> int:
    version = db.exec(
        select(BalanceMessage.version).where(BalanceMessage.account_id == account_id)
    ).first()
    return version or 0


def record_posted(db: Session, account_id: int, channel_id: str, ts: str) -> None:
    """The new message is in the channel: edits go to it from now on."""
    db.execute(
        update(BalanceMessage)
        .where(col(BalanceMessage.account_id) == account_id)
        .values(channel_id=channel_id, ts=ts, claimed_at=None)
    )


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


def record_shown(db: Session, account_id: int, version: int) -> None:
    db.execute(
        update(BalanceMessage)
        .where(
            col(BalanceMessage.account_id) == account_id,
            col(BalanceMessage.shown_version) < version,
        )
        .values(shown_version=version)
    )
