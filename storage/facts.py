"""Rows to the plain facts the domain rules work on, and the clock's next-look time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from bot.domain.country import effective_country
from bot.domain.entitlement import Balance, ContractTerms
from bot.domain.packages import PACKAGES, SessionState, SessionType
from bot.domain.schedule import ContractFacts, OrderFacts, SessionFacts, next_check
from bot.domain.support import CaseCategory, CaseFacts, CaseState
from storage.ledger import retry_times, settled_keys
from storage.meetings import join_link, meeting_urls_of
from storage.models import Account, Contract, CustomerOrder, OnboardingSession, SupportCase


def terms_of(contract: Contract, timezone: str) -> ContractTerms:
    return ContractTerms(
        package=PACKAGES[contract.package_id],
        start=contract.start,
        term_months=contract.term_months,
        timezone=timezone,
    )


def balance_of(contract: Contract) -> Balance:
    return Balance(
        included_minutes=contract.included_minutes,
        minutes_spent=contract.minutes_spent,
        status_updates=contract.status_updates,
        status_updates_spent=contract.status_updates_spent,
    )


def session_facts(session: OnboardingSession, contact_url: str | None = None) -> SessionFacts:
    """`contact_url`: the vendor contact's personal meeting link, used when the session has
    no join link of its own."""
    assert session.id is not None
    return SessionFacts(
        id=session.id,
        number=session.number,
        session_type=SessionType(session.session_type),
        starts_at=session.starts_at,
        minutes=session.minutes_held or session.minutes_booked,
        state=SessionState(session.state),
        scheduled_at=session.updated_at,
        join_url=join_link(session.join_url, contact_url),
        agenda_note=session.agenda_note,
    )


def case_facts(case: SupportCase) -> CaseFacts:
    assert case.id is not None
    return CaseFacts(
        id=case.id,
        category=CaseCategory(case.category),
        state=CaseState(case.state),
        created_at=case.created_at,
        taken_by=case.taken_by,
        outside_window=case.within_window is False,
        order_id=case.order_id,
    )


def order_facts(order: CustomerOrder) -> OrderFacts:
    assert order.id is not None
    return OrderFacts(
        id=order.id, received_on=order.received_on, rings=order.rings, reference=order.reference
    )


def load_facts(db: Session, contract_ids: Iterable[int]) -> list[ContractFacts]:
    ids = list(contract_ids)
    if not ids:
        return []
    pairs = db.exec(
        select(Contract, Account)
        .join(Account, col(Account.id) == col(Contract.account_id))
        .where(col(Contract.id).in_(ids))
    ).all()
    contacts = {contract.id: account.vendor_contact_id for contract, account in pairs}
    meeting_urls = meeting_urls_of(db, contacts.values())
    sessions: dict[int, list[SessionFacts]] = defaultdict(list)
    for session in db.exec(
        select(OnboardingSession).where(
            col(OnboardingSession.contract_id).in_(ids),
            OnboardingSession.state != SessionState.CANCELLED,
        )
    ).all():
        contact_url = meeting_urls.get(contacts.get(session.contract_id) or "")
        sessions[session.contract_id].append(session_facts(session, contact_url))
    orders: dict[int, list[OrderFacts]] = defaultdict(list)
    for order in db.exec(
        select(CustomerOrder)
        .where(col(CustomerOrder.contract_id).in_(ids))
        .order_by(col(CustomerOrder.id))
    ).all():
        orders[order.contract_id].append(order_facts(order))
    successors = _successors(db, {account.id for _, account in pairs if account.id})
    facts = []
    for contract, account in pairs:
        assert contract.id is not None and account.id is not None
        facts.append(
            ContractFacts(
                contract_id=contract.id,
                account_id=account.id,
                channel_id=account.channel_id,
                company=account.company,
                terms=terms_of(contract, account.timezone),
                balance=balance_of(contract),
                sessions=tuple(sorted(sessions[contract.id], key=lambda s: s.starts_at)),
                orders=tuple(orders[contract.id]),
                country=effective_country(account.country, account.timezone),
                language=account.language,
                successor=next(
                    (
                        (package_id, start)
                        for package_id, start in successors.get(account.id, [])
                        if start > contract.start
                    ),
                    None,
                ),
            )
        )
    return facts


def _successors(db: Session, account_ids: set[int]) -> dict[int, list[tuple[str, date]]]:
    """Every contract's package and start, per account, in start order (renewals)."""
    if not account_ids:
        return {}
    rows = db.exec(
        select(Contract.account_id, Contract.package_id, Contract.start)
        .where(col(Contract.account_id).in_(account_ids))
        .order_by(col(Contract.start))
    ).all()
    found: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for account_id, package_id, start in rows:
        found[account_id].append((package_id, start))
    return found


def refresh_next_post_at(db: Session, contract_ids: Iterable[int], now: datetime) -> None:
    """Recompute when the clock next needs to look at each contract."""
    ids = list(contract_ids)
    if not ids:
        return
    db.flush()
    settled = settled_keys(db, ids, now)
    retries = retry_times(db, ids, now)
    # Contracts are updated (so row-locked) in ascending id, the order every transaction
    # takes contract locks in (`bot.services.books.lock_contracts`), so two never wait on each
    # other.
    for facts in sorted(load_facts(db, ids), key=lambda f: f.contract_id):
        moment = next_check(facts, settled.get(facts.contract_id, set()), now)
        retry = retries.get(facts.contract_id)
        if retry is not None and (moment is None or retry < moment):
            moment = max(retry, now)
        db.execute(
            update(Contract)
            .where(col(Contract.id) == facts.contract_id)
            .values(next_post_at=moment)
        )


def bring_next_post_forward(db: Session, contract_id: int, moment: datetime) -> None:
    """Make the clock look at a contract no later than `moment`, in one statement.

    For a change that can only add posts (a new booking adds its reminders; spending a quota
    only makes other posts moot), a full replan is wasted work on the booking's hot path: a
    sweep that looks early finds nothing to send and replans the contract itself."""
    db.execute(
        update(Contract)
        .where(
            col(Contract.id) == contract_id,
            or_(col(Contract.next_post_at).is_(None), col(Contract.next_post_at) > moment),
        )
        .values(next_post_at=moment)
    )


def due_contract_ids(db: Session, now: datetime, limit: int) -> list[int]:
    """Contracts whose next look has come, of accounts whose channel can be posted in."""
    return list(
        db.exec(
            select(Contract.id)
            .join(Account, col(Account.id) == col(Contract.account_id))
            .where(col(Contract.next_post_at) <= now, col(Account.unreachable_reason).is_(None))
            .order_by(col(Contract.next_post_at))
            .limit(limit)
        ).all()
    )


def due_contracts_after(
    db: Session, now: datetime, after: tuple[datetime, int] | None, limit: int
) -> list[tuple[int, datetime]]:
    """Like `due_contract_ids`, one page at a time: (id, next_post_at) in that order, from
    past the `after` cursor, so a sweep goes on past contracts that stay due (a parked
    channel) instead of meeting them again at the head of each page."""
    query = (
        select(Contract.id, Contract.next_post_at)
        .join(Account, col(Account.id) == col(Contract.account_id))
        .where(col(Contract.next_post_at) <= now, col(Account.unreachable_reason).is_(None))
    )
    if after is not None:
        moment, last_id = after
        query = query.where(
            or_(
                col(Contract.next_post_at) > moment,
                and_(col(Contract.next_post_at) == moment, col(Contract.id) > last_id),
            )
        )
    rows = db.exec(query.order_by(col(Contract.next_post_at), col(Contract.id)).limit(limit))
    return [(int(i), at) for i, at in rows.all() if i is not None and at is not None]


def due_reminder_contract_ids(db: Session, now: datetime, horizon: timedelta) -> list[int]:
    """Due contracts with a booked session starting within `horizon` of `now`: those whose
    session reminders may be due, which a sweep sends before anything else."""
    soon = (
        select(OnboardingSession.contract_id)
        .where(
            OnboardingSession.state == SessionState.BOOKED,
            col(OnboardingSession.starts_at) > now,
            col(OnboardingSession.starts_at) <= now + horizon,
        )
        .distinct()
    )
    return list(
        db.exec(
            select(Contract.id)
            .join(Account, col(Account.id) == col(Contract.account_id))
            .where(
                col(Contract.id).in_(soon),
                col(Contract.next_post_at) <= now,
                col(Account.unreachable_reason).is_(None),
            )
            .order_by(col(Contract.next_post_at), col(Contract.id))
        ).all()
    )


def mark_unreachable(db: Session, account_id: int, reason: str, now: datetime) -> Account | None:
    """Record that Slack refuses posts to the account's channel for good, and stop planning
    its contracts. The account only for the first of several refusals (one notice to staff)."""
    marked = db.execute(
        update(Account)
        .where(col(Account.id) == account_id, col(Account.unreachable_reason).is_(None))
        .values(unreachable_reason=reason[:64], unreachable_since=now)
        .returning(Account.id)
    ).first()
    db.execute(
        update(Contract).where(col(Contract.account_id) == account_id).values(next_post_at=None)
    )
    return db.get(Account, account_id) if marked is not None else None


def mark_reachable(db: Session, account_id: int, now: datetime) -> bool:
    """The channel was fixed (unarchived, the app invited back): plan its contracts again."""
    cleared = db.execute(
        update(Account)
        .where(col(Account.id) == account_id, col(Account.unreachable_reason).is_not(None))
        .values(unreachable_reason=None, unreachable_since=None)
        .returning(Account.id)
    ).first()
    if cleared is None:
        return False
    ids = db.exec(select(Contract.id).where(Contract.account_id == account_id)).all()
    refresh_next_post_at(db, [i for i in ids if i is not None], now)
    return True
