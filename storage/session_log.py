"""Queries of the session log: the sessions whose log DM is due, and the DMs already sent."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.domain.country import effective_country
from bot.domain.packages import MAX_SESSION_MINUTES, SessionState
from bot.domain.session_log import is_unlogged_too_long
from storage.ledger import SENT, UNDELIVERABLE
from storage.models import Account, CustomerTeam, OnboardingSession, PostLedger


def ended_unlogged(
    db: Session, now: datetime, lookback: timedelta
) -> list[tuple[OnboardingSession, Account]]:
    """Booked sessions whose end has passed within `lookback` of `now` (not logged yet),
    with their accounts. The index on (state, starts_at) finds them; the end is checked here."""
    since = now - lookback - timedelta(minutes=MAX_SESSION_MINUTES)
    rows = db.exec(
        select(OnboardingSession, Account)
        .join(Account, col(Account.id) == col(OnboardingSession.account_id))
        .where(
            col(OnboardingSession.state) == SessionState.BOOKED,
            col(OnboardingSession.starts_at) <= now,
            col(OnboardingSession.starts_at) >= since,
        )
        .order_by(col(OnboardingSession.starts_at), col(OnboardingSession.id))
    ).all()
    return [
        (session, account)
        for session, account in rows
        if now - lookback <= session.starts_at + timedelta(minutes=session.minutes_booked) <= now
    ]


def customer_teams_of(db: Session, account_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """Per account, the Slack workspaces and organizations its customer is known by."""
    wanted = sorted(set(account_ids))
    by_account: dict[int, set[str]] = {account_id: set() for account_id in wanted}
    for account_id, team_id in db.exec(
        select(CustomerTeam.account_id, CustomerTeam.team_id).where(
            col(CustomerTeam.account_id).in_(wanted)
        )
    ).all():
        by_account[account_id].add(team_id)
    return {account_id: frozenset(ids) for account_id, ids in by_account.items()}


def done_keys(db: Session, keys: Iterable[str]) -> set[str]:
    """Of `keys`, the ledger's DMs that are settled for good: sent, or never to be sent."""
    wanted = list(keys)
    if not wanted:
        return set()
    return set(
        db.exec(
            select(PostLedger.key).where(
                col(PostLedger.key).in_(wanted),
                col(PostLedger.state).in_([SENT, UNDELIVERABLE]),
            )
        ).all()
    )


def unlogged_too_long(
    db: Session, now: datetime, account_ids: list[int] | None = None
) -> list[tuple[OnboardingSession, Account]]:
    """Booked sessions still not logged two business days after their end (in each account's
    zone and country), oldest first; of `account_ids` only, when given. Two business days are
    at least two days, so only sessions that started two days ago are read."""
    query = (
        select(OnboardingSession, Account)
        .join(Account, col(Account.id) == col(OnboardingSession.account_id))
        .where(
            col(OnboardingSession.state) == SessionState.BOOKED,
            col(OnboardingSession.starts_at) <= now - timedelta(days=2),
        )
        .order_by(col(OnboardingSession.starts_at), col(OnboardingSession.id))
    )
    if account_ids is not None:
        query = query.where(col(OnboardingSession.account_id).in_(account_ids))
    return [
        (session, account)
        for session, account in db.exec(query).all()
        if is_unlogged_too_long(
            session.state,
            session.starts_at,
            session.minutes_booked,
            now,
            account.timezone,
            effective_country(account.country, account.timezone),
        )
    ]
