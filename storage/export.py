"""The rows of `oura-bot export`: a month's sessions (by start) or audit events (by time),
each in its account's time zone, optionally of one account (by channel id or company)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, or_
from sqlmodel import Session, col, select

from bot.domain.report import Month
from bot.domain.timeutil import add_days, local_midnight_utc, zone
from storage.engine import read_session
from storage.models import Account, AuditEvent, OnboardingSession


class UnknownAccount(LookupError):
    """No account has that channel id or company name."""


def _accounts(db: Session, account: str | None) -> list[Account]:
    query = select(Account).order_by(col(Account.id))
    if account is not None:
        query = query.where(
            or_(
                col(Account.channel_id) == account,
                func.lower(col(Account.company)) == account.strip().lower(),
            )
        )
    accounts = list(db.exec(query).all())
    if account is not None and not accounts:
        raise UnknownAccount(account)
    return accounts


def _in_month(moment: datetime, month: Month, timezone: str) -> bool:
    begins = local_midnight_utc(month.first_day, timezone)
    return begins <= moment < local_midnight_utc(month.next_first_day, timezone)


def _bounds(month: Month) -> tuple[datetime, datetime]:
    """A day's margin either side covers every time zone; the exact cut is per account."""
    return (
        local_midnight_utc(add_days(month.first_day, -1), "UTC"),
        local_midnight_utc(add_days(month.next_first_day, 1), "UTC"),
    )


def accounts_named(engine: Engine, account: str | None) -> list[Account]:
    """Every account, or the one with that channel id or company (UnknownAccount if none)."""
    with read_session(engine) as db:
        return _accounts(db, account)


def session_rows(engine: Engine, month: Month, accounts: list[Account]) -> Iterator[dict[str, Any]]:
    """One row per session that starts in the month, by account then start."""
    earliest, latest = _bounds(month)
    with read_session(engine) as db:
        for acct in accounts:
            sessions = db.exec(
                select(OnboardingSession)
                .where(
                    OnboardingSession.account_id == acct.id,
                    col(OnboardingSession.starts_at) >= earliest,
                    col(OnboardingSession.starts_at) < latest,
                )
                .order_by(col(OnboardingSession.starts_at), col(OnboardingSession.id))
            ).all()
            logged_by = _logged_by(db, [s.id for s in sessions if s.id is not None])
            for session in sessions:
                if not _in_month(session.starts_at, month, acct.timezone):
                    continue
                yield {
                    "session_id": session.id,
                    "account_id": acct.id,
                    "company": acct.company,
                    "channel_id": acct.channel_id,
                    "contract_id": session.contract_id,
                    "type": session.session_type,
                    "starts_at": session.starts_at.isoformat(),
                    "starts_local": session.starts_at.astimezone(zone(acct.timezone)).isoformat(),
                    "minutes_booked": session.minutes_booked,
                    "minutes_held": session.minutes_held,
                    "included_minutes": session.included_minutes,
                    "billable_minutes": session.billable_minutes,
                    "billable_confirmed_minutes": session.billable_confirmed_minutes,
                    "uses_status_update": session.uses_status_update,
                    "state": session.state,
                    "attendees": _attendees(session.attendees),
                    "note": session.note,
                    "booked_by": session.booked_by,
                    # Sessions logged before migration 0017 kept no `logged_by`: the audit
                    # trail says who.
                    "logged_by": session.logged_by or logged_by.get(session.id),
                }


def _attendees(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return " ".join(str(v) for v in value)


def _logged_by(db: Session, session_ids: list[int]) -> dict[int | None, str]:
    """Who last logged each session as held, from the audit trail."""
    if not session_ids:
        return {}
    events = db.exec(
        select(AuditEvent.session_id, AuditEvent.actor_user_id)
        .where(col(AuditEvent.session_id).in_(session_ids), AuditEvent.action == "log_held")
        .order_by(col(AuditEvent.id))
    ).all()
    return dict(events)  # the latest wins


def audit_rows(engine: Engine, month: Month, accounts: list[Account]) -> Iterator[dict[str, Any]]:
    """One row per audit event in the month, by account then time."""
    earliest, latest = _bounds(month)
    with read_session(engine) as db:
        for acct in accounts:
            events = db.exec(
                select(AuditEvent)
                .where(
                    AuditEvent.account_id == acct.id,
                    col(AuditEvent.at) >= earliest,
                    col(AuditEvent.at) < latest,
                )
                .order_by(col(AuditEvent.at), col(AuditEvent.id))
            ).all()
            for event in events:
                if not _in_month(event.at, month, acct.timezone):
                    continue
                yield {
                    "event_id": event.id,
                    "at": event.at.isoformat(),
                    "account_id": acct.id,
                    "company": acct.company,
                    "channel_id": acct.channel_id,
                    "session_id": event.session_id,
                    "action": event.action,
                    "actor_user_id": event.actor_user_id,
                    "actor_team_id": event.actor_team_id,
                    "details": event.details,
                }
