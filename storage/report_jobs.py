"""Report jobs: recorded by the command, claimed by one clock with one conditional update."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlmodel import col

from storage.engine import insert_into, read_session, write_session
from storage.models import ReportJob

PENDING, CLAIMED, SENT, FAILED = "pending", "claimed", "sent", "failed"
UNDELIVERABLE = "undeliverable"
# A claim older than this belongs to a clock that died mid-report (a live one renews it after
# every batch of rows and before each call to Slack).
REPORT_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    requested_by: str
    month: str
    language: str
    attempt: int
    file_id: str | None


def record_job(
    engine: Engine,
    requested_by: str,
    month: str,
    language: str,
    request_key: str | None,
    now: datetime,
) -> int | None:
    """The job's id; None when this very request (its key) was recorded already."""
    insert = insert_into(engine, ReportJob)
    with write_session(engine) as db:
        row = db.execute(
            insert.values(
                request_key=request_key,
                requested_by=requested_by,
                month=month,
                language=language,
                state=PENDING,
                attempts=0,
                requested_at=now,
            )
            .on_conflict_do_nothing(index_elements=["request_key"])
            .returning(ReportJob.id)
        ).first()
        return None if row is None else int(row[0])


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        col(ReportJob.state) == PENDING,
        (col(ReportJob.state) == FAILED) & (col(ReportJob.next_attempt_at) <= now),
        (col(ReportJob.state) == CLAIMED) & (col(ReportJob.claimed_at) <= now - REPORT_LEASE),
    )


def claim_next(engine: Engine, worker: str, now: datetime) -> ClaimedJob | None:
    """The oldest job due, claimed by `worker`; None when none is (or another clock won it).
    The update repeats the condition, so of two clocks picking the same job only one wins."""
    with read_session(engine) as db:
        found = db.execute(
            select(ReportJob.id).where(_claimable(now)).order_by(col(ReportJob.id)).limit(1)
        ).first()
    if found is None:
        return None
    with write_session(engine) as db:
        row = db.execute(
            update(ReportJob)
            .where(col(ReportJob.id) == found[0], _claimable(now))
            .values(
                state=CLAIMED,
                claimed_by=worker,
                claimed_at=now,
                attempts=col(ReportJob.attempts) + 1,
            )
            .returning(
                ReportJob.id,
                ReportJob.requested_by,
                ReportJob.month,
                ReportJob.language,
                ReportJob.attempts,
                ReportJob.file_id,
            )
        ).first()
    if row is None:
        return None
    return ClaimedJob(int(row[0]), row[1], row[2], row[3], int(row[4]), row[5])


def _mine(job: ClaimedJob):  # type: ignore[no-untyped-def]
    return (
        (col(ReportJob.id) == job.id)
        & (col(ReportJob.state) == CLAIMED)
        & (col(ReportJob.attempts) == job.attempt)
    )


def renew(engine: Engine, job: ClaimedJob, now: datetime) -> bool:
    """Restart the lease; False when another clock took the job over (this one must stop)."""
    with write_session(engine) as db:
        row = db.execute(
            update(ReportJob).where(_mine(job)).values(claimed_at=now).returning(ReportJob.id)
        ).first()
        return row is not None


def record_file(engine: Engine, job: ClaimedJob, file_id: str, now: datetime) -> bool:
    """The file Slack holds for this job, written down before it is shared (see file_id)."""
    with write_session(engine) as db:
        row = db.execute(
            update(ReportJob)
            .where(_mine(job))
            .values(file_id=file_id, claimed_at=now)
            .returning(ReportJob.id)
        ).first()
        return row is not None


def mark_sent(engine: Engine, job: ClaimedJob, rows: int | None, now: datetime) -> None:
    with write_session(engine) as db:
        db.execute(
            update(ReportJob)
            .where(col(ReportJob.id) == job.id)
            .values(state=SENT, rows=rows, sent_at=now, last_error=None)
        )


def mark_failed(engine: Engine, job: ClaimedJob, error: str, retry_at: datetime) -> None:
    with write_session(engine) as db:
        db.execute(
            update(ReportJob)
            .where(_mine(job))
            .values(state=FAILED, last_error=error[:200], next_attempt_at=retry_at)
        )


def give_up(engine: Engine, job: ClaimedJob, error: str) -> None:
    with write_session(engine) as db:
        db.execute(
            update(ReportJob)
            .where(col(ReportJob.id) == job.id)
            .values(state=UNDELIVERABLE, last_error=error[:200], next_attempt_at=None)
        )
