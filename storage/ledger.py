"""The post ledger: a post is claimed with one statement that only one process can win."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Engine, case, func, or_, update
from sqlmodel import Session, col, select

from storage.engine import insert_into, write_session
from storage.models import PostLedger

CLAIMED, SENT, FAILED, SKIPPED = "claimed", "sent", "failed", "skipped"
# Slack refused the post for good (the channel is gone, or the message can never be taken).
UNDELIVERABLE = "undeliverable"
# A claim older than this belongs to a process that died mid-send. Claims are stamped when they
# are made (and renewed before a late send), and the lease outlasts the longest send the
# clock's Web API client can make (`bot.clock.longest_send`, checked when a Sweeper is made), so
# a post is never claimed again while its first send can still succeed.
CLAIM_LEASE = timedelta(minutes=10)


def settled_keys(db: Session, contract_ids: Iterable[int], now: datetime) -> dict[int, set[str]]:
    """Per contract, the keys nobody should send now: sent, skipped, freshly claimed, or
    failed and not yet due for another try."""
    rows = db.exec(
        select(PostLedger.contract_id, PostLedger.key).where(
            col(PostLedger.contract_id).in_(list(contract_ids)),
            or_(
                col(PostLedger.state).in_([SENT, SKIPPED, UNDELIVERABLE]),
                (col(PostLedger.state) == CLAIMED)
                & (col(PostLedger.claimed_at) > now - CLAIM_LEASE),
                (col(PostLedger.state) == FAILED) & (col(PostLedger.next_attempt_at) > now),
            ),
        )
    ).all()
    keys: dict[int, set[str]] = defaultdict(set)
    for contract_id, key in rows:
        keys[contract_id].add(key)
    return keys


def retry_times(db: Session, contract_ids: Iterable[int], now: datetime) -> dict[int, datetime]:
    """Per contract, the soonest moment a failed or abandoned post may be tried again."""
    rows = db.exec(
        select(
            PostLedger.contract_id,
            PostLedger.state,
            PostLedger.next_attempt_at,
            PostLedger.claimed_at,
        ).where(
            col(PostLedger.contract_id).in_(list(contract_ids)),
            col(PostLedger.state).in_([CLAIMED, FAILED]),
        )
    ).all()
    soonest: dict[int, datetime] = {}
    for contract_id, state, next_attempt_at, claimed_at in rows:
        moment = next_attempt_at if state == FAILED else (claimed_at + CLAIM_LEASE)
        if moment is None:
            continue
        if contract_id not in soonest or moment < soonest[contract_id]:
            soonest[contract_id] = moment
    return soonest


class Claim(NamedTuple):
    won: bool
    attempt: int
    # Since when an earlier try may have reached Slack unseen (None: none can have): the
    # post must be looked for in the channel's history before it is sent again.
    unsure_since: datetime | None = None


def claim(
    engine: Engine,
    key: str,
    kind: str,
    account_id: int,
    contract_id: int,
    worker: str,
    now: datetime,
) -> Claim:
    """Claim a post before sending it: only one caller ever wins a key, unless the last try
    failed or its claimer died, when one caller wins it again. `now` is the moment of the
    claim itself (not of the sweep that asks): it starts the lease. A claimer that died may
    have posted, so taking its claim over makes the post unsure from that claim on."""
    with write_session(engine) as db:
        inserted = db.execute(
            insert_into(engine, PostLedger)
            .values(
                key=key,
                kind=kind,
                account_id=account_id,
                contract_id=contract_id,
                state=CLAIMED,
                attempts=1,
                claimed_by=worker,
                claimed_at=now,
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(PostLedger.id)
        ).first()
        if inserted is not None:
            return Claim(True, 1)
        retried = db.execute(
            update(PostLedger)
            .where(
                col(PostLedger.key) == key,
                or_(
                    (col(PostLedger.state) == FAILED) & (col(PostLedger.next_attempt_at) <= now),
                    (col(PostLedger.state) == CLAIMED)
                    & (col(PostLedger.claimed_at) <= now - CLAIM_LEASE),
                ),
            )
            .values(
                state=CLAIMED,
                claimed_by=worker,
                claimed_at=now,
                attempts=col(PostLedger.attempts) + 1,
                # SET reads the row as it was: a dead claimer's claim time.
                unsure_since=case(
                    (
                        col(PostLedger.state) == CLAIMED,
                        func.coalesce(col(PostLedger.unsure_since), col(PostLedger.claimed_at)),
                    ),
                    else_=col(PostLedger.unsure_since),
                ),
            )
            .returning(PostLedger.attempts, PostLedger.unsure_since)
        ).first()
        if retried is None:
            return Claim(False, 0)
        return Claim(True, int(retried[0]), retried[1])


def _still_held(key: str, worker: str, attempt: int) -> tuple[Any, ...]:
    """The post is claimed by this worker, in this attempt: its lease has not passed on."""
    return (
        col(PostLedger.key) == key,
        col(PostLedger.state) == CLAIMED,
        col(PostLedger.claimed_by) == worker,
        col(PostLedger.attempts) == attempt,
    )


def renew(engine: Engine, key: str, worker: str, attempt: int, now: datetime) -> bool:
    """Restart the lease of a claim this worker still holds (this attempt of it). False: the
    lease ran out and another worker claimed the post, so this one must not send it."""
    with write_session(engine) as db:
        renewed = db.execute(
            update(PostLedger)
            .where(*_still_held(key, worker, attempt))
            .values(claimed_at=now)
            .returning(PostLedger.id)
        ).first()
        return renewed is not None


def mark_sent(engine: Engine, key: str, channel_id: str, ts: str | None, now: datetime) -> None:
    with write_session(engine) as db:
        db.execute(
            update(PostLedger)
            .where(col(PostLedger.key) == key)
            .values(
                state=SENT,
                channel_id=channel_id,
                ts=ts,
                sent_at=now,
                last_error=None,
                unsure_since=None,
            )
        )


def mark_failed(
    engine: Engine, key: str, error: str, retry_at: datetime, unsure_since: datetime | None
) -> None:
    """A try failed; `unsure_since`: since when a try may have reached Slack unseen (None:
    certainly not, so the next try posts without looking in the channel's history)."""
    with write_session(engine) as db:
        db.execute(
            update(PostLedger)
            .where(col(PostLedger.key) == key, col(PostLedger.state) == CLAIMED)
            .values(
                state=FAILED,
                last_error=error[:200],
                next_attempt_at=retry_at,
                unsure_since=unsure_since,
            )
        )


def release(engine: Engine, key: str, worker: str, attempt: int, retry_at: datetime) -> bool:
    """Give a claim back untried (this sweep may not look in the channel's history any more):
    the try is not counted and the post stays as unsure as it was."""
    with write_session(engine) as db:
        released = db.execute(
            update(PostLedger)
            .where(*_still_held(key, worker, attempt))
            .values(
                state=FAILED,
                next_attempt_at=retry_at,
                attempts=col(PostLedger.attempts) - 1,
                last_error="waiting for a look in the channel's history",  # not for people
            )
            .returning(PostLedger.id)
        ).first()
        return released is not None


def record_skipped(
    engine: Engine, key: str, kind: str, account_id: int, contract_id: int, now: datetime
) -> None:
    """A superseded post: written down so that no sweep ever sends it."""
    with write_session(engine) as db:
        db.execute(
            insert_into(engine, PostLedger)
            .values(
                key=key,
                kind=kind,
                account_id=account_id,
                contract_id=contract_id,
                state=SKIPPED,
                attempts=0,
                claimed_at=now,
            )
            .on_conflict_do_nothing(index_elements=["key"])
        )


def give_up(engine: Engine, key: str, error: str) -> None:
    """Never try this post again: Slack refused it for good."""
    with write_session(engine) as db:
        db.execute(
            update(PostLedger)
            .where(col(PostLedger.key) == key)
            .values(state=UNDELIVERABLE, last_error=error[:200], next_attempt_at=None)
        )
