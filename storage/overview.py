"""One page of accounts with what each has used and left: the staff App Home reads this.

A page costs a fixed number of queries whatever its size (the count, the accounts, their
contracts, their next sessions), never one per account.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from bot.domain.country import effective_country
from bot.domain.entitlement import contract_covering
from bot.domain.overview import AccountSummary, NextSession
from bot.domain.packages import SessionState, SessionType
from bot.domain.support import CaseFacts, CaseState, is_overdue, order_cases
from storage.facts import balance_of, case_facts, terms_of
from storage.models import Account, Contract, OnboardingSession, SupportCase


def account_overview(
    db: Session,
    *,
    vendor_contact_id: str | None,
    offset: int,
    limit: int,
    now: datetime,
) -> tuple[list[AccountSummary], int]:
    """One page of accounts (by company name, case-insensitively, then id) and how many in all.

    `vendor_contact_id=None` means every account; otherwise only that staff user's accounts.
    Each account is described by its current contract: the one whose term covers `now`, else
    the latest started, else the earliest (as bookings choose theirs).
    """
    filters = [] if vendor_contact_id is None else [Account.vendor_contact_id == vendor_contact_id]
    total = db.exec(select(func.count()).select_from(Account).where(*filters)).one()
    accounts = list(
        db.exec(
            select(Account)
            .where(*filters)
            .order_by(func.lower(Account.company), col(Account.id))
            .offset(max(offset, 0))
            .limit(max(limit, 0))
        ).all()
    )
    ids = [a.id for a in accounts if a.id is not None]
    if not ids:
        return [], int(total)
    contracts = _contracts(db, ids)
    upcoming = _next_sessions(db, ids, now)
    cases = _open_cases(db, ids)
    summaries = [_summary(a, contracts[a.id], upcoming.get(a.id), now) for a in accounts]
    return [
        _with_cases(s, cases[s.account_id], now, effective_country(a.country, a.timezone))
        for s, a in zip(summaries, accounts, strict=True)
    ], int(total)


def _with_cases(
    summary: AccountSummary, cases: list[CaseFacts], now: datetime, country: str | None
) -> AccountSummary:
    tz = summary.timezone
    return replace(
        summary,
        open_cases=tuple(order_cases(cases, now, tz, country)),
        overdue_case_ids=frozenset(
            c.id
            for c in cases
            if is_overdue(c.created_at, c.taken_by is not None, now, tz, country)
        ),
    )


def _open_cases(db: Session, account_ids: list[int]) -> dict[int, list[CaseFacts]]:
    by_account: dict[int, list[CaseFacts]] = defaultdict(list)
    for case in db.exec(
        select(SupportCase).where(
            col(SupportCase.account_id).in_(account_ids),
            col(SupportCase.state) != CaseState.RESOLVED.value,
        )
    ).all():
        by_account[case.account_id].append(case_facts(case))
    return by_account


def _contracts(db: Session, account_ids: list[int]) -> dict[int | None, list[Contract]]:
    by_account: dict[int | None, list[Contract]] = defaultdict(list)
    for contract in db.exec(
        select(Contract)
        .where(col(Contract.account_id).in_(account_ids))
        .order_by(col(Contract.start), col(Contract.id))
    ).all():
        by_account[contract.account_id].append(contract)
    return by_account


def _next_sessions(
    db: Session, account_ids: list[int], now: datetime
) -> dict[int | None, NextSession]:
    """Each account's first booked session that has not started yet (one query for all)."""
    booked_ahead = (
        col(OnboardingSession.state) == SessionState.BOOKED,
        col(OnboardingSession.starts_at) >= now,
    )
    first = (
        select(
            col(OnboardingSession.account_id).label("account_id"),
            func.min(OnboardingSession.starts_at).label("starts_at"),
        )
        .where(col(OnboardingSession.account_id).in_(account_ids), *booked_ahead)
        .group_by(col(OnboardingSession.account_id))
        .subquery()
    )
    rows = db.exec(
        select(OnboardingSession)
        .join(
            first,
            and_(
                col(OnboardingSession.account_id) == first.c.account_id,
                col(OnboardingSession.starts_at) == first.c.starts_at,
            ),
        )
        .where(*booked_ahead)
        .order_by(col(OnboardingSession.id))
    ).all()
    found: dict[int | None, NextSession] = {}
    for session in rows:
        if session.account_id in found or session.id is None:
            continue  # two sessions at the same moment: the first booked wins
        found[session.account_id] = NextSession(
            id=session.id,
            session_type=SessionType(session.session_type),
            starts_at=session.starts_at,
            minutes=session.minutes_held or session.minutes_booked,
        )
    return found


def _summary(
    account: Account, contracts: list[Contract], upcoming: NextSession | None, now: datetime
) -> AccountSummary:
    assert account.id is not None
    common = {
        "account_id": account.id,
        "company": account.company,
        "channel_id": account.channel_id,
        "timezone": account.timezone,
        "vendor_contact_id": account.vendor_contact_id,
        "next_session": upcoming,
        "unreachable_reason": account.unreachable_reason,
    }
    terms = [terms_of(c, account.timezone) for c in contracts]
    index = contract_covering(terms, now)
    if index is None:
        return AccountSummary(
            **common,
            package_id=None,
            package_name="No contract",
            minutes_used=0,
            minutes_left=0,
            minutes_included=0,
            status_updates_used=0,
            status_updates_left=0,
            status_updates_included=0,
            window_end=None,
            term_end=None,
        )
    contract, current = contracts[index], terms[index]
    balance = balance_of(contract)
    return AccountSummary(
        **common,
        package_id=contract.package_id,
        package_name=current.package.name,
        minutes_used=balance.minutes_spent,
        minutes_left=balance.minutes_left,
        minutes_included=balance.included_minutes,
        status_updates_used=balance.status_updates_spent,
        status_updates_left=balance.status_updates_left,
        status_updates_included=balance.status_updates,
        window_end=current.window_end - timedelta(days=1),
        term_end=current.term_end - timedelta(days=1),
    )


def account_channel(db: Session, account_id: int) -> str | None:
    """The channel linked to an account (the usage card is read by channel)."""
    return db.exec(select(Account.channel_id).where(Account.id == account_id)).first()
