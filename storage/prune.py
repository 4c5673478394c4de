"""Pruning, run by the clock (never inside a request): each statement deletes a bounded
batch in its own short transaction, so a writer waiting for SQLite's lock waits one batch."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlmodel import col

from bot.domain.entitlement import ContractTerms
from bot.domain.ledger_keys import last_moment
from bot.domain.packages import package_by_id
from storage.engine import read_session, write_session
from storage.models import Account, Contract, PostLedger, ProcessedEvent, SeenRequest

BATCH = 2_000
# Between batches on SQLite: the web's writers get the lock before the next batch takes it.
PAUSE_SECONDS = 0.02


def _pause(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        time.sleep(PAUSE_SECONDS)


def forget_markers_before(engine: Engine, before: datetime, batch: int | None = None) -> int:
    """Delete replay markers (request signatures, event ids) older than `before`; how many."""
    batch = batch or BATCH
    deleted = 0
    for model, key, stamp in (
        (SeenRequest, SeenRequest.signature, SeenRequest.seen_at),
        (ProcessedEvent, ProcessedEvent.event_id, ProcessedEvent.received_at),
    ):
        while True:
            with write_session(engine) as db:
                oldest = select(key).where(col(stamp) < before).limit(batch).scalar_subquery()
                count = db.execute(delete(model).where(col(key).in_(oldest))).rowcount
            deleted += count
            if count < batch:
                break
            _pause(engine)
    return deleted


def prune_spent_posts(
    engine: Engine, now: datetime, keep_for: timedelta, batch: int | None = None
) -> int:
    """Delete ledger rows whose post lapsed (`bot.domain.ledger_keys`) more than `keep_for`
    ago; how many. A post claimed at all was claimed before it lapsed, so only rows claimed
    before `now - keep_for` are read, a batch at a time in id order."""
    batch = batch or BATCH
    cutoff = now - keep_for
    deleted, after = 0, 0
    while True:
        with read_session(engine) as db:
            rows = db.execute(
                select(
                    PostLedger.id,
                    PostLedger.key,
                    Contract.package_id,
                    Contract.start,
                    Contract.term_months,
                    Account.timezone,
                )
                .join(Contract, col(Contract.id) == col(PostLedger.contract_id))
                .join(Account, col(Account.id) == col(Contract.account_id))
                .where(col(PostLedger.id) > after, col(PostLedger.claimed_at) < cutoff)
                .order_by(col(PostLedger.id))
                .limit(batch)
            ).all()
        if not rows:
            return deleted
        after = rows[-1][0]
        spent = []
        for row_id, key, package_id, start, term_months, timezone in rows:
            package = package_by_id(package_id)
            if package is None:
                continue
            term_end = ContractTerms(package, start, term_months, timezone).term_end
            moment = last_moment(key, term_end)
            if moment is not None and moment < cutoff:
                spent.append(row_id)
        if spent:
            with write_session(engine) as db:
                deleted += db.execute(
                    delete(PostLedger).where(col(PostLedger.id).in_(spent))
                ).rowcount
            _pause(engine)
