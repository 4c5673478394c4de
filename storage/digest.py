"""What the weekly digest reads: who gets one (vendor contacts), their working hours, and per
account its sessions, what is about to lapse, open cases and whether its channel is reachable.
A fixed number of queries per person, never one per account."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.domain.country import effective_country
from bot.domain.digest import (
    AccountDigest,
    Digest,
    DigestHours,
    DigestSession,
    digest_key,
    iso_week,
    lapses,
    next_digest_at,
    week_bounds,
)
from bot.domain.entitlement import contract_covering
from bot.domain.packages import SessionState, SessionType
from bot.domain.support import order_cases
from bot.domain.timeutil import zone
from storage.facts import balance_of, terms_of
from storage.models import Account, Contract, OnboardingSession, StaffMember
from storage.overview import open_cases
from storage.session_log import done_keys


def vendor_contacts(db: Session) -> list[str]:
    """Everyone who is the vendor contact of at least one account, and whom Slack has not
    deactivated: the people who get a digest."""
    gone = select(StaffMember.user_id).where(col(StaffMember.deactivated_at).is_not(None))
    return list(
        db.exec(
            select(Account.vendor_contact_id)
            .where(col(Account.vendor_contact_id).not_in(gone))
            .distinct()
            .order_by(col(Account.vendor_contact_id))
        ).all()
    )


def digest_hours(db: Session, user_id: str) -> DigestHours:
    """The person's working hours, or the digest's defaults when they set none."""
    staff = db.get(StaffMember, user_id)
    if staff is None:
        return DigestHours()
    days = frozenset(int(d) for d in staff.work_days if d.isdigit())
    return DigestHours(staff.work_start_minute, staff.work_end_minute, days)


def ledger_home(db: Session, user_id: str) -> tuple[int, int] | None:
    """An (account, contract) of the person's to file their digest's ledger row under (the
    ledger's rows belong to a contract); None when none of their accounts has a contract."""
    row = db.exec(
        select(Contract.account_id, Contract.id)
        .join(Account, col(Account.id) == col(Contract.account_id))
        .where(col(Account.vendor_contact_id) == user_id)
        .order_by(col(Contract.account_id), col(Contract.id))
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1] or 0)


def read_digest(db: Session, user_id: str, tz_name: str, now: datetime) -> Digest:
    """The digest of `user_id` for the week of `now` in their zone `tz_name`."""
    accounts = list(
        db.exec(
            select(Account)
            .where(col(Account.vendor_contact_id) == user_id)
            .order_by(col(Account.company), col(Account.id))
        ).all()
    )
    ids = [a.id for a in accounts if a.id is not None]
    start, end = week_bounds(now, tz_name)
    this_week: dict[int, list[DigestSession]] = defaultdict(list)
    to_log: dict[int, list[DigestSession]] = defaultdict(list)
    for session in db.exec(
        select(OnboardingSession)
        .where(
            col(OnboardingSession.account_id).in_(ids),
            col(OnboardingSession.state).in_([SessionState.BOOKED, SessionState.HELD]),
            # This week's, and the booked ones before it that may have ended unlogged.
            col(OnboardingSession.starts_at) < end,
        )
        .where(
            (col(OnboardingSession.starts_at) >= start)
            | (col(OnboardingSession.state) == SessionState.BOOKED)
        )
        .order_by(col(OnboardingSession.starts_at), col(OnboardingSession.id))
    ).all():
        minutes = session.minutes_held or session.minutes_booked
        line = DigestSession(
            session.number, SessionType(session.session_type), session.starts_at, minutes
        )
        if session.starts_at >= start:
            this_week[session.account_id].append(line)
        ended = session.starts_at + timedelta(minutes=session.minutes_booked) <= now
        if session.state == SessionState.BOOKED and ended:
            to_log[session.account_id].append(line)
    contracts: dict[int, list[Contract]] = defaultdict(list)
    for contract in db.exec(
        select(Contract)
        .where(col(Contract.account_id).in_(ids))
        .order_by(col(Contract.start), col(Contract.id))
    ).all():
        contracts[contract.account_id].append(contract)
    cases = open_cases(db, ids)
    found = []
    for account in accounts:
        assert account.id is not None
        country = effective_country(account.country, account.timezone)
        terms = [terms_of(c, account.timezone) for c in contracts[account.id]]
        index = contract_covering(terms, now)
        lapsing = (
            ()
            if index is None
            else tuple(lapses(terms[index], balance_of(contracts[account.id][index]), now))
        )
        found.append(
            AccountDigest(
                account_id=account.id,
                company=account.company,
                channel_id=account.channel_id,
                timezone=account.timezone,
                this_week=tuple(this_week[account.id]),
                to_log=tuple(to_log[account.id]),
                lapsing=lapsing,
                open_cases=tuple(order_cases(cases[account.id], now, account.timezone, country)),
                unreachable_reason=account.unreachable_reason,
            )
        )
    week = iso_week(now.astimezone(zone(tz_name)).date())
    return Digest(user_id, tz_name, week, tuple(found))


def planned_digests(db: Session, now: datetime) -> list[tuple[str, str, datetime | None]]:
    """Per vendor contact: (user, the zone used, when their next digest may go out). Offline
    there is no Slack to ask for a person's zone: the zone of their first account stands in."""
    planned = []
    for user in vendor_contacts(db):
        home = ledger_home(db, user)
        if home is None:
            continue
        account = db.get(Account, home[0])
        assert account is not None
        planned.append((user, account.timezone, next_digest(db, user, account.timezone, now)))
    return planned


def next_digest(db: Session, user_id: str, tz_name: str, now: datetime) -> datetime | None:
    """When `user_id`'s next digest may go out, in their zone `tz_name` (None: no working
    day in two weeks); this week's once it is sent, the next week's."""
    week = iso_week(now.astimezone(zone(tz_name)).date())
    sent = bool(done_keys(db, [digest_key(user_id, week)]))
    country = effective_country(None, tz_name)
    return next_digest_at(now, tz_name, country, digest_hours(db, user_id), sent)
