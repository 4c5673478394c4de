"""One page of accounts with what each has used and left: the staff App Home reads this.

A page costs a fixed number of queries whatever its size (the count, the accounts, their
contracts, their next sessions), never one per account.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.domain.country import effective_country
from bot.domain.entitlement import contract_covering
from bot.domain.overview import AccountSummary, NextSession
from bot.domain.packages import SessionState, SessionType
from bot.domain.support import CaseFacts, CaseState, is_overdue, order_cases
from storage.facts import balance_of, case_facts, terms_of
from storage.models import Account, Contract, OnboardingSession, StaffMember, SupportCase
from storage.session_log import unlogged_too_long


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
    rows = db.exec(
        select(Account, StaffMember.deactivated_at)
        # In the same query: whether Slack deactivated the vendor contact ("no contact").
        .outerjoin(StaffMember, col(StaffMember.user_id) == col(Account.vendor_contact_id))
        .where(*filters)
        .order_by(func.lower(Account.company), col(Account.id))
        .offset(max(offset, 0))
        .limit(max(limit, 0))
    ).all()
    accounts = [account for account, _ in rows]
    gone = {account.id for account, deactivated_at in rows if deactivated_at is not None}
    ids = [a.id for a in accounts if a.id is not None]
    if not ids:
        return [], int(total)
    contracts = _contracts(db, ids)
    upcoming = _next_sessions(db, ids, now)
    cases = open_cases(db, ids)
    summaries = [_summary(a, contracts[a.id], upcoming.get(a.id), now) for a in accounts]
    unlogged: dict[int | None, list[int]] = defaultdict(list)
    for session, _account in unlogged_too_long(db, now, ids):
        unlogged[session.account_id].append(session.number)
    notes = last_notes(db, ids)
    return [
        replace(
            _with_cases(s, cases[s.account_id], now, effective_country(a.country, a.timezone)),
            contact_deactivated=a.id in gone,
            unlogged_numbers=tuple(unlogged[s.account_id]),
            last_note=notes.get(s.account_id),
        )
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


def open_cases(db: Session, account_ids: list[int]) -> dict[int, list[CaseFacts]]:
    """The accounts' support cases not yet resolved (one query for all), unordered."""
    by_account: dict[int, list[CaseFacts]] = defaultdict(list)
    for case in db.exec(
        select(SupportCase).where(
            col(SupportCase.account_id).in_(account_ids),
            col(SupportCase.state) != CaseState.RESOLVED.value,
        )
    ).all():
        by_account[case.account_id].append(case_facts(case))
    return by_account


def open_cases_in_order(db: Session, account: Account, now: datetime) -> list[CaseFacts]:
    """One account's cases not yet resolved, overdue untaken ones first (as the usage card and
    the support desk list them)."""
    assert account.id is not None
    cases = open_cases(db, [account.id])[account.id]
    country = effective_country(account.country, account.timezone)
    return order_cases(cases, now, account.timezone, country)


def last_notes(db: Session, account_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Each account's latest session (by start) with a staff note: its number and the note.
    One probe per account of the page, as `_next_sessions`."""
    noted = aliased(OnboardingSession)
    latest_id = (
        select(noted.id)
        .where(col(noted.account_id) == col(Account.id), col(noted.note) != "")
        .order_by(col(noted.starts_at).desc(), col(noted.id).desc())
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )
    latest = select(latest_id).where(col(Account.id).in_(account_ids))
    rows = db.exec(
        select(
            OnboardingSession.account_id, OnboardingSession.number, OnboardingSession.note
        ).where(col(OnboardingSession.id).in_(latest))
    ).all()
    return {account_id: (number, note) for account_id, number, note in rows}


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
    """Each account's first booked session that has not started yet (one query for all).

    Per account, one probe of (account_id, state, starts_at) for its first entry from `now`:
    the cost follows the page's accounts, not how many sessions are booked ahead in all (a join
    on the earliest start per account let SQLite walk every booked future session).
    """
    ahead = aliased(OnboardingSession)
    first_id = (
        select(ahead.id)
        .where(
            col(ahead.account_id) == col(Account.id),
            col(ahead.state) == SessionState.BOOKED,
            col(ahead.starts_at) >= now,
        )
        # Two sessions at the same moment: the first booked wins.
        .order_by(col(ahead.starts_at), col(ahead.id))
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )
    firsts = select(first_id).where(col(Account.id).in_(account_ids))
    rows = db.exec(
        select(
            OnboardingSession.id,
            OnboardingSession.number,
            OnboardingSession.account_id,
            OnboardingSession.session_type,
            OnboardingSession.starts_at,
            OnboardingSession.minutes_held,
            OnboardingSession.minutes_booked,
        ).where(col(OnboardingSession.id).in_(firsts))
    ).all()
    return {
        account_id: NextSession(
            id=session_id,
            session_type=SessionType(session_type),
            starts_at=starts_at,
            minutes=held or booked,
            number=number,
        )
        for session_id, number, account_id, session_type, starts_at, held, booked in rows
    }


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
        window_closed=current.window_closed(now),
        term_closed=current.term_closed(now),
    )
