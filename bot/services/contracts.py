"""A customer's contracts over time: a renewal (a new contract for the channel's account),
corrections of the current contract, and the account's audit trail (issue 16).

Lock order as in `bot.services.booking`: the account row (renew), then session rows in
ascending id, then contract rows in ascending id.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain.contracts import (
    Paid,
    overlap_refusal,
    overlapping,
    overspend_refusal,
    overspent,
    refit,
)
from bot.domain.entitlement import Balance, ContractTerms
from bot.domain.errors import NotFound, RuleViolation
from bot.domain.packages import PACKAGES, SessionState, SessionType, package_by_id
from bot.domain.slacktext import escape
from bot.domain.timeutil import local_midnight_utc
from bot.services.booking import BookingService
from bot.services.books import (
    Actor,
    account_in_channel,
    contracts_of,
    current_contract,
    lock_contract,
    lock_contracts,
    not_linked,
    reallocate,
    rebalance_freed,
    record_audit,
)
from bot.services.rebalance import Absorbed
from storage.engine import read_session, write_session
from storage.facts import mark_reachable, refresh_next_post_at, terms_of
from storage.models import Account, AuditEvent, Contract, OnboardingSession

HISTORY_PAGE = 10  # audit events per page of `/oura-book history`


@dataclass(frozen=True)
class Renewal:
    account: Account
    contract: Contract
    # Booked sessions in the new term, paid for from the new contract from now on.
    repaid: tuple[int, ...] = ()


@dataclass(frozen=True)
class ContractFix:
    account: Account
    contract: Contract
    field: str
    before: str
    after: str
    # Sessions whose payment the correction changed (more billable, or freed minutes taken).
    absorbed: tuple[Absorbed, ...] = ()
    reduced: tuple[int, ...] = ()


@dataclass(frozen=True)
class HistoryPage:
    account: Account
    session_id: int | None
    events: list[AuditEvent]
    page: int
    pages: int
    # What people call the sessions named (global id -> its number in the account).
    numbers: dict[int, int] = field(default_factory=dict)

    @property
    def session_number(self) -> int | None:
        return self.numbers.get(self.session_id) if self.session_id is not None else None


class ContractService:
    def __init__(self, booking: BookingService) -> None:
        self.booking = booking

    @property
    def now(self) -> Callable[[], datetime]:
        return self.booking.now

    # -- renew ---------------------------------------------------------------------------------

    def renew(
        self, actor: Actor, channel_id: str, package_id: str, start: date, term_months: int
    ) -> Renewal:
        """A new contract for the account: it takes over at its start (in the account's time
        zone); the contracts before keep their sessions and history. Terms may not overlap."""
        package = package_by_id(package_id)
        if package is None:
            # Translators: {package} is a package id as code.
            raise NotFound("No package {package}.", package="`" + escape(package_id) + "`")
        now = self.now()
        with write_session(self.booking.engine) as db:
            account = _lock_account(db, channel_id)
            contracts = contracts_of(db, account)
            terms = ContractTerms(package, start, term_months, account.timezone)
            clash = overlapping(terms, [terms_of(c, account.timezone) for c in contracts])
            if clash is not None:
                raise overlap_refusal(terms, clash)
            # Lock order: sessions, then contracts (ascending id), as everywhere.
            moving = _booked_in_term(db, account, terms)
            lock_contracts(db, {c.id for c in contracts if c.id is not None})
            contract = Contract(
                account_id=account.id,
                package_id=package.id,
                start=start,
                term_months=term_months,
                included_minutes=package.included_minutes,
                status_updates=package.status_updates,
            )
            db.add(contract)
            db.flush()
            assert contract.id is not None
            for session in moving:
                # Nothing confirmed grows: the new contract only adds included time.
                reallocate(db, account, session, session.starts_at, session.minutes_booked, False)
                db.add(session)
            repaid = tuple(s.number for s in moving)  # their numbers in the account
            record_audit(
                db,
                actor,
                "renew",
                account,
                details={
                    "contract_id": contract.id,
                    "package": package.id,
                    "start": start.isoformat(),
                    "term_months": term_months,
                    "repaid_sessions": list(repaid),
                },
                at=now,
            )
            refresh_next_post_at(db, [c.id for c in contracts_of(db, account)], now)
            db.refresh(contract)
            return Renewal(account, contract, repaid)

    # -- contract fix ----------------------------------------------------------------------------

    def fix(self, actor: Actor, channel_id: str, field: str, value: Any) -> ContractFix:
        """Correct the current contract's start, term or package (its entitlement follows the
        package). The sessions it pays for are paid again under the corrected terms in the same
        transaction; refused, naming them, when a session would need more billable time than
        staff confirmed."""
        now = self.now()
        with write_session(self.booking.engine) as db:
            account = account_in_channel(db, channel_id)
            if account is None:
                raise not_linked()
            current = current_contract(db, account, now)
            assert current.id is not None
            sessions = _lock_live_sessions(db, current.id)
            contract = lock_contract(db, current.id)
            # Bookings made between the two locks: no more can come now (a booking locks the
            # contract). They are locked without waiting: one that a change holds is waiting
            # for this contract, and waiting for it would close a circle.
            booked_since = _live_ids(db, current.id) - {s.id for s in sessions}
            if booked_since:
                sessions += _lock_live_sessions(db, current.id, booked_since)
            if _live_ids(db, current.id) != {s.id for s in sessions}:
                raise RuleViolation(
                    "Someone else just changed this contract's balance; please try again."
                )
            # Nothing is written until the corrected contract is known to pay for its
            # sessions: the counters and the entitlement change together.
            with db.no_autoflush:
                before = _field_value(contract, field)
                _set_field(contract, field, value)
                after = _field_value(contract, field)
                if before == after:
                    raise RuleViolation("Nothing was changed.")
                terms = terms_of(contract, account.timezone)
                others = [
                    terms_of(c, account.timezone)
                    for c in contracts_of(db, account)
                    if c.id != contract.id
                ]
                clash = overlapping(terms, others)
                if clash is not None:
                    raise overlap_refusal(terms, clash)
                entitlement = Balance(contract.included_minutes, 0, contract.status_updates, 0)
                paid = [_paid(s) for s in sessions]
                refitted = refit(paid, terms, entitlement)
                refused = overspent(refitted)
                by_id = {s.id: s for s in sessions}
                if refused:
                    # Named to people by their numbers in the account.
                    raise overspend_refusal([by_id[i].number for i in refused])
                reduced = []
                for new in refitted:
                    session = by_id[new.session_id]
                    if (new.included_minutes, new.uses_status_update) != (
                        session.included_minutes,
                        session.uses_status_update,
                    ):
                        reduced.append(session.number)
                    session.included_minutes = new.included_minutes
                    session.billable_minutes = new.billable_minutes
                    session.uses_status_update = new.uses_status_update
                    db.add(session)
                # The counters are what the refitted sessions hold (checked by the table's bounds).
                contract.minutes_spent = sum(p.included_minutes for p in refitted)
                contract.status_updates_spent = sum(int(p.uses_status_update) for p in refitted)
                db.add(contract)
            db.flush()
            record_audit(
                db,
                actor,
                "contract_fix",
                account,
                details={
                    "contract_id": contract.id,
                    "field": field,
                    "from": before,
                    "to": after,
                    "sessions_changed": reduced,  # their numbers in the account
                },
                at=now,
            )
            absorbed = rebalance_freed(db, actor, account, {contract.id}, now)
            # Only this contract's plan changes (and only its row is locked).
            refresh_next_post_at(db, [contract.id], now)
            db.refresh(contract)
            return ContractFix(account, contract, field, before, after, absorbed, tuple(reduced))

    # -- moving an account ---------------------------------------------------------------------

    def move_account(self, actor: Actor, channel_id: str, to_channel_id: str) -> Account:
        """The channel's account (its contracts, sessions and history) moves to another
        channel: the clock and the buttons follow it there. Refused when that channel holds an
        account already."""
        if to_channel_id == channel_id:
            raise RuleViolation("The account is already linked to this channel.")
        try:
            with write_session(self.booking.engine) as db:
                account = _lock_account(db, channel_id)
                taken = account_in_channel(db, to_channel_id)
                if taken is not None:
                    raise _channel_taken(to_channel_id, taken)
                account.channel_id = to_channel_id
                db.add(account)
                db.flush()
                # Slack's refusals were about the old channel: the clock tries the new one.
                assert account.id is not None
                if mark_reachable(db, account.id, self.now()):
                    db.refresh(account)
                record_audit(
                    db,
                    actor,
                    "move_channel",
                    account,
                    details={"from": channel_id, "to": to_channel_id},
                    at=self.now(),
                )
                db.flush()
                return account
        except IntegrityError:
            # Another request linked that channel between our check and our write.
            taken = self.booking.account_for_channel(to_channel_id)
            if taken is None:
                raise
            raise _channel_taken(to_channel_id, taken) from None

    # -- history -------------------------------------------------------------------------------

    def history(
        self, channel_id: str, session_id: int | None, page: int, per_page: int = HISTORY_PAGE
    ) -> HistoryPage:
        """The account's audit trail (or one session's), newest first, one page of it."""
        with read_session(self.booking.engine) as db:
            account = account_in_channel(db, channel_id)
            if account is None:
                raise not_linked()
            if session_id is not None:
                self.booking.session_in_channel(channel_id, session_id)  # NotFound if not its
            return _history(db, account, session_id, page, per_page)

    def account_history(self, account_id: int, per_page: int = HISTORY_PAGE) -> HistoryPage:
        """The first page of an account's audit trail (the App Home's view of it)."""
        with read_session(self.booking.engine) as db:
            account = db.get(Account, account_id)
            if account is None:
                raise NotFound("This account no longer exists.")
            return _history(db, account, None, 1, per_page)


def _history(
    db: Session, account: Account, session_id: int | None, page: int, per_page: int
) -> HistoryPage:
    where = [col(AuditEvent.account_id) == account.id]
    if session_id is not None:
        where.append(col(AuditEvent.session_id) == session_id)
    total = db.exec(select(func.count()).select_from(AuditEvent).where(*where)).one()
    pages = max((int(total) + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    events = db.exec(
        select(AuditEvent)
        .where(*where)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    named = {e.session_id for e in events if e.session_id is not None}
    if session_id is not None:
        named.add(session_id)
    numbers = {
        int(i): int(n)
        for i, n in db.exec(
            select(OnboardingSession.id, OnboardingSession.number).where(
                col(OnboardingSession.id).in_(sorted(named))
            )
        ).all()
        if i is not None
    }
    return HistoryPage(account, session_id, list(events), page, pages, numbers)


def _channel_taken(channel_id: str, account: Account) -> RuleViolation:
    channel = f"<#{channel_id}>"
    # Translators: {channel} is a channel as Slack shows it; {company} the customer there.
    return RuleViolation(
        "{channel} already holds *{company}*: a channel holds one customer.",
        channel=channel,
        company=escape(account.company),
    )


def _lock_account(db: Session, channel_id: str) -> Account:
    """The channel's account, row-locked: contracts are added to it one at a time."""
    account = db.exec(
        select(Account)
        .where(Account.channel_id == channel_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if account is None:
        raise not_linked()
    return account


def _lock_live_sessions(
    db: Session, contract_id: int, only: set[int | None] | None = None
) -> list[OnboardingSession]:
    """The contract's booked and held sessions, locked in id order; `only` these, skipping
    any another transaction holds (the caller sees they are missing)."""
    query = select(OnboardingSession).where(
        OnboardingSession.contract_id == contract_id,
        OnboardingSession.state != SessionState.CANCELLED,
    )
    if only is not None:
        query = query.where(col(OnboardingSession.id).in_(only))
    return list(
        db.exec(
            query.order_by(col(OnboardingSession.id))
            .with_for_update(skip_locked=only is not None)
            .execution_options(populate_existing=True)
        ).all()
    )


def _live_ids(db: Session, contract_id: int) -> set[int | None]:
    return set(
        db.exec(
            select(OnboardingSession.id).where(
                OnboardingSession.contract_id == contract_id,
                OnboardingSession.state != SessionState.CANCELLED,
            )
        ).all()
    )


def _paid(session: OnboardingSession) -> Paid:
    assert session.id is not None
    return Paid(
        session_id=session.id,
        session_type=SessionType(session.session_type),
        starts_at=session.starts_at,
        minutes=session.minutes_held or session.minutes_booked,
        included_minutes=session.included_minutes,
        billable_minutes=session.billable_minutes,
        uses_status_update=session.uses_status_update,
        billable_confirmed_minutes=session.billable_confirmed_minutes,
    )


def _field_value(contract: Contract, field: str) -> str:
    """A corrected field as the audit and the reply show it."""
    if field == "start":
        return contract.start.isoformat()
    if field == "term":
        return str(contract.term_months)
    return contract.package_id


def _set_field(contract: Contract, field: str, value: Any) -> None:
    if field == "start":
        contract.start = value
    elif field == "term":
        contract.term_months = int(value)
    else:
        package = PACKAGES[str(value)]
        contract.package_id = package.id
        # The entitlement follows the package: the contract was sold as this one.
        contract.included_minutes = package.included_minutes
        contract.status_updates = package.status_updates


def details_of(event: AuditEvent) -> dict[str, Any]:
    try:
        details = json.loads(event.details or "{}")
    except ValueError:
        return {}
    return details if isinstance(details, dict) else {}


def _booked_in_term(db: Session, account: Account, terms: ContractTerms) -> list[OnboardingSession]:
    """Booked sessions that fall in a new contract's term, locked, in start order: another
    contract paid for them (as time outside its term); the one in force at their start will."""
    begins = local_midnight_utc(terms.start, terms.timezone)
    ends = local_midnight_utc(terms.term_end, terms.timezone)
    return sorted(
        db.exec(
            select(OnboardingSession)
            .where(
                OnboardingSession.account_id == account.id,
                OnboardingSession.state == SessionState.BOOKED,
                col(OnboardingSession.starts_at) >= begins,
                col(OnboardingSession.starts_at) < ends,
            )
            .order_by(col(OnboardingSession.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all(),
        key=lambda s: (s.starts_at, s.id or 0),
    )
