"""The bookkeeping inside one write transaction: finding and locking accounts, contracts and
sessions; spending and releasing a session's allocation; what the audit trail records.

Every function here runs in the caller's transaction (`db`) and commits nothing. The lock order
all callers keep is told in `bot.services.booking`: session row, then staff row, then contract
rows in ascending id (`lock_contracts`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.domain.commands import form_code
from bot.domain.entitlement import (
    CONFIRM_IN_FORM,
    CONFIRM_TYPED,
    Allocation,
    allocate,
    billable_reason,
    contract_covering,
    needs_confirmation,
    refusal_with,
)
from bot.domain.errors import (
    BOOKED,
    CANCELLED,
    DELETED,
    HELD,
    MOVED,
    NO_SHOW,
    NOT_HELD,
    AlreadyChanged,
    NotFound,
    RuleViolation,
)
from bot.domain.packages import CANCELLED_STATES, USED_STATES, SessionState, SessionType
from bot.domain.slacktext import escape
from bot.domain.text import Text
from bot.services.rebalance import Absorbed, absorb_freed
from storage.facts import balance_of, terms_of
from storage.models import Account, AuditEvent, Contract, OnboardingSession


@dataclass(frozen=True)
class Actor:
    """Who asks: a Slack user and the team they belong to."""

    user_id: str
    team_id: str


# Raised by `reallocate` here as by a booking in `bot.services.booking`.
class NeedsBillableConfirmation(RuleViolation):
    """The booking goes past what is left; staff must confirm the billable part."""

    def __init__(self, reason: Text, allocation: Allocation) -> None:
        # As typed, the message says to add `billable`; a form says how to confirm there.
        super().__init__(refusal_with(reason, CONFIRM_TYPED))
        self.reason = reason
        self.allocation = allocation

    @property
    def in_form(self) -> Text:
        """The refusal as the booking form shows it, under its checkbox (`say` writes it)."""
        return refusal_with(self.reason, CONFIRM_IN_FORM)


def allocation_of(session: OnboardingSession) -> Allocation:
    """What a session holds of its contract now (what releasing it gives back)."""
    return Allocation(
        included_minutes=session.included_minutes,
        billable_minutes=session.billable_minutes,
        uses_status_update=session.uses_status_update,
    )


def not_linked() -> NotFound:
    # Translators: {form} is the command that links a channel, as code.
    return NotFound(
        "This channel is not linked to a customer yet. Link it first with {form}.",
        form=form_code("link"),
    )


def account_in_channel(db: Session, channel_id: str, lock: bool = False) -> Account | None:
    """The account linked to the channel, if any; with `lock`, its row locked and read afresh."""
    query = select(Account).where(Account.channel_id == channel_id)
    if lock:
        # FOR NO KEY UPDATE: rows that only refer to the account (audit events, sessions)
        # are still written meanwhile, so no change waits on a booking in a circle.
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    return db.exec(query).first()


def require_account(db: Session, channel_id: str) -> Account:
    """The channel's account, unlocked; `not_linked` when the channel has none."""
    account = account_in_channel(db, channel_id)
    if account is None:
        raise not_linked()
    return account


def next_session_number(db: Session, account_id: int | None) -> int:
    """The account's next session number (#1 for its first), under the account's lock."""
    highest = db.exec(
        select(func.max(OnboardingSession.number)).where(OnboardingSession.account_id == account_id)
    ).one()
    return int(highest or 0) + 1


def session_id_by_number(db: Session, account: Account | None, number: int) -> int:
    """The id of an account's session #`number` (NotFound when it has none)."""
    if account is None:
        raise not_linked()
    session_id = db.exec(
        select(OnboardingSession.id).where(
            OnboardingSession.account_id == account.id, OnboardingSession.number == number
        )
    ).first()
    if session_id is None:
        raise NotFound(
            "There is no session #{id} for *{company}*. See the ids with `/oura-book list`.",
            id=number,
            company=escape(account.company),
        )
    return session_id


def contracts_of(db: Session, account: Account) -> list[Contract]:
    """Every contract of the account, oldest first (unlocked)."""
    return list(
        db.exec(
            select(Contract).where(Contract.account_id == account.id).order_by(col(Contract.start))
        ).all()
    )


def contract_for(db: Session, account: Account, moment: datetime, lock: bool = False) -> Contract:
    """The contract whose term covers `moment`; with `lock`, its row locked and read afresh."""
    contracts = contracts_of(db, account)
    index = contract_covering([terms_of(c, account.timezone) for c in contracts], moment)
    if index is None:
        raise NotFound("*{company}* has no contract on record.", company=escape(account.company))
    contract = contracts[index]
    # A contract's term never changes once sold, so which one covers `moment` may be read
    # unlocked; its counters are read again under the lock.
    return lock_contract(db, contract.id) if lock else contract


def current_contract(db: Session, account: Account, now: datetime) -> Contract:
    """The contract covering `now` (unlocked); NotFound when the account has none."""
    return contract_for(db, account, now)


def lock_contract(db: Session, contract_id: int | None) -> Contract:
    # FOR UPDATE on PostgreSQL; on SQLite the write transaction already holds the write lock.
    return db.exec(
        select(Contract)
        .where(Contract.id == contract_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def lock_contracts(db: Session, contract_ids: set[int]) -> dict[int, Contract]:
    """Lock several contracts in ascending id, the one order every transaction uses."""
    return {contract_id: lock_contract(db, contract_id) for contract_id in sorted(contract_ids)}


def find_session(
    db: Session, channel_id: str, session_id: int, lock: bool = False
) -> tuple[Account, OnboardingSession]:
    """A session of the channel's account. With `lock`, its row is locked (before any contract)
    and read afresh, so a change decides from its state as it is now, not from a copy read
    before a concurrent change committed."""
    account = require_account(db, channel_id)
    query = select(OnboardingSession).where(
        OnboardingSession.id == session_id, OnboardingSession.account_id == account.id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    session = db.exec(query).first()
    if session is None:
        raise NotFound(
            "There is no session #{id} for *{company}*. See the ids with `/oura-book list`.",
            id=session_id,
            company=escape(account.company),
        )
    return account, session


def plan_allocation(
    account: Account,
    contract: Contract,
    session_type: SessionType,
    starts_at: datetime,
    minutes: int,
) -> tuple[Allocation, Text | None]:
    """How such a session would be paid from the contract, and why it is billable (if it is)."""
    terms = terms_of(contract, account.timezone)
    balance = balance_of(contract)
    covered = terms.covers_session(session_type, starts_at)
    allocation = allocate(session_type, minutes, balance, covered)
    refusal = (
        billable_reason(allocation, session_type, balance, covered)
        if allocation.is_billable
        else None
    )
    return allocation, refusal


def spend(db: Session, contract: Contract, allocation: Allocation, release: bool = False) -> None:
    """Move the contract's counters by one allocation, guarded so they never leave their bounds."""
    sign = -1 if release else 1
    minutes = sign * allocation.included_minutes
    status_updates = sign * int(allocation.uses_status_update)
    if not minutes and not status_updates:
        return
    result = db.execute(
        update(Contract)
        .where(
            col(Contract.id) == contract.id,
            col(Contract.minutes_spent) + minutes <= col(Contract.included_minutes),
            col(Contract.minutes_spent) + minutes >= 0,
            col(Contract.status_updates_spent) + status_updates <= col(Contract.status_updates),
            col(Contract.status_updates_spent) + status_updates >= 0,
        )
        .values(
            minutes_spent=col(Contract.minutes_spent) + minutes,
            status_updates_spent=col(Contract.status_updates_spent) + status_updates,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise RuleViolation("Someone else just changed this contract's balance; please try again.")
    db.expire(contract)


def reallocate(
    db: Session,
    account: Account,
    session: OnboardingSession,
    starts_at: datetime,
    minutes: int,
    billable: bool,
) -> tuple[Contract, bool]:
    """Release what a session holds, then pay for it again at its new time or length.

    Also says whether staff just confirmed more billable time than before.
    """
    target = contract_for(db, account, starts_at)
    assert target.id is not None
    locked = lock_contracts(db, {session.contract_id, target.id})
    spend(db, locked[session.contract_id], allocation_of(session), release=True)
    contract = locked[target.id]
    session_type = SessionType(session.session_type)
    allocation, refusal = plan_allocation(account, contract, session_type, starts_at, minutes)
    confirmed = billable or not needs_confirmation(allocation, session.billable_confirmed_minutes)
    if refusal and not confirmed:
        raise NeedsBillableConfirmation(refusal, allocation)
    spend(db, contract, allocation)
    newly_confirmed = billable and allocation.billable_minutes > session.billable_confirmed_minutes
    apply_allocation(session, allocation, billable)
    session.contract_id = contract.id
    return contract, newly_confirmed


def rebalance_freed(
    db: Session, actor: Actor, account: Account, contract_ids: set[int], now: datetime
) -> tuple[Absorbed, ...]:
    """After a change gave included minutes back: booked billable sessions of these contracts
    (already locked by the change) take them, in start order; each is audited as a
    `rebalance` with its before and after."""
    absorbed: list[Absorbed] = []
    for contract_id in sorted(contract_ids):
        contract = lock_contract(db, contract_id)
        taken = absorb_freed(db, account, contract)
        if not taken:
            continue
        spend(db, contract, Allocation(included_minutes=sum(a.minutes for a in taken)))
        for change in taken:
            session = db.get(OnboardingSession, change.session_id)
            record_audit(db, actor, "rebalance", account, session, change.details(), at=now)
        absorbed.extend(taken)
    return tuple(absorbed)


def paid_as(session: OnboardingSession) -> tuple[int, int, int, bool]:
    """How a session is paid for and from which contract: a change that leaves this, its time
    and its length as they were changes nothing."""
    return (
        session.contract_id,
        session.included_minutes,
        session.billable_minutes,
        session.uses_status_update,
    )


# The audit actions that change a session's state or time: the last one says who and when.
SESSION_CHANGES = (
    "book",
    "move",
    "cancel",
    "log_held",
    "no_show",
    "not_held",
    "unlog",
    "delete",
)


def already_changed(
    db: Session, account: Account, session: OnboardingSession, hint: Text
) -> AlreadyChanged:
    """The answer to a change that comes too late: what the session's last change was, by
    whom and when, read under the session's lock (so it is the change that won)."""
    assert session.id is not None
    event = db.exec(
        select(AuditEvent)
        .where(
            AuditEvent.session_id == session.id,
            col(AuditEvent.action).in_(SESSION_CHANGES),
        )
        .order_by(col(AuditEvent.id).desc())
        .limit(1)
    ).first()
    by, at = (event.actor_user_id, event.at) if event else (session.booked_by, session.updated_at)
    starts_at: datetime | None = None
    if session.state in CANCELLED_STATES:
        what = NOT_HELD if event is not None and event.action == "not_held" else CANCELLED
        what = DELETED if event is not None and event.action == "delete" else what
    elif session.state == SessionState.HELD:
        what = HELD
    elif session.state == SessionState.NO_SHOW:
        what = NO_SHOW
    else:
        what = MOVED if event is not None and event.action == "move" else BOOKED
        starts_at = session.starts_at
    # People know the session by its number in the account.
    return AlreadyChanged(session.number, what, by, at, account.timezone, starts_at, hint)


def apply_allocation(session: OnboardingSession, allocation: Allocation, billable: bool) -> None:
    """Record on the session how it is paid for (the contract's counters move in `spend`)."""
    session.included_minutes = allocation.included_minutes
    session.billable_minutes = allocation.billable_minutes
    session.uses_status_update = allocation.uses_status_update
    if billable:
        session.billable_confirmed_minutes = max(
            session.billable_confirmed_minutes, allocation.billable_minutes
        )


def session_totals(db: Session, contract_id: int | None) -> dict[str, int]:
    """The contract's minutes and status updates by use, summed over its sessions (the usage
    card's numbers)."""
    rows = db.exec(
        select(
            OnboardingSession.state,
            OnboardingSession.uses_status_update,
            func.coalesce(func.sum(OnboardingSession.included_minutes), 0),
            func.coalesce(func.sum(OnboardingSession.billable_minutes), 0),
            func.count(),
        )
        .where(
            OnboardingSession.contract_id == contract_id,
            OnboardingSession.state != SessionState.CANCELLED,
        )
        .group_by(OnboardingSession.state, OnboardingSession.uses_status_update)
    ).all()
    totals = dict.fromkeys(
        (
            "minutes_held",
            "minutes_reserved",
            "billable_minutes",
            "status_updates_held",
            "status_updates_booked",
        ),
        0,
    )
    for status, uses_status_update, included, billable, count in rows:
        # A no-show's time (when it counts as used) is used, as a held session's; so is a
        # late cancel's that staff counted.
        held = status in USED_STATES
        totals["minutes_held" if held else "minutes_reserved"] += int(included)
        totals["billable_minutes"] += int(billable)
        if uses_status_update:
            totals["status_updates_held" if held else "status_updates_booked"] += int(count)
    return totals


def allocation_details(session: OnboardingSession) -> dict[str, Any]:
    """How a session is paid for, as the audit trail records it."""
    return {
        "type": session.session_type,
        "starts_at": session.starts_at.isoformat(),
        "minutes": session.minutes_held or session.minutes_booked,
        "included_minutes": session.included_minutes,
        "billable_minutes": session.billable_minutes,
        "uses_status_update": session.uses_status_update,
    }


def meeting_details(session: OnboardingSession) -> dict[str, Any]:
    """A booking's own join link and agenda line, when it has them."""
    details: dict[str, Any] = {}
    if session.join_url:
        details["join_url"] = session.join_url
    if session.agenda_note:
        details["agenda_note"] = session.agenda_note
    return details


def record_audit(
    db: Session,
    actor: Actor,
    action: str,
    account: Account | None,
    session: OnboardingSession | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """One audit event: who did what to the account (and session), committed with the change;
    `account` None: a change of the actor's own settings (their hours, their meeting link)."""
    db.add(
        AuditEvent(
            at=at or datetime.now(UTC),
            actor_user_id=actor.user_id,
            actor_team_id=actor.team_id,
            action=action,
            account_id=account.id if account else None,
            session_id=session.id if session else None,
            details=json.dumps(details or {}, sort_keys=True),
        )
    )
