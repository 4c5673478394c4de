"""Billable rebalancing: when included minutes come free (a cancel, a shorter log, a session
moved away, a contract fix), booked sessions that still carry billable minutes take them, in
start order, inside the same transaction and under the contract's row lock.

`bot.services.books.rebalance_freed` calls `absorb_freed` after a change has released what it
gave back; it spends the minutes absorbed on the contract and audits each session changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from bot.domain.entitlement import Billed, absorb
from bot.domain.packages import SessionState, SessionType
from storage.facts import terms_of
from storage.models import Account, Contract, OnboardingSession


@dataclass(frozen=True)
class Absorbed:
    """One booked session that took freed included minutes: how it was paid, and is now."""

    session_id: int
    number: int  # what people call it (#N in its account)
    included_before: int
    billable_before: int
    included_minutes: int
    billable_minutes: int

    @property
    def minutes(self) -> int:
        return self.included_minutes - self.included_before

    def details(self) -> dict[str, Any]:
        """The audit's before and after."""
        return {
            "from": {
                "included_minutes": self.included_before,
                "billable_minutes": self.billable_before,
            },
            "to": {
                "included_minutes": self.included_minutes,
                "billable_minutes": self.billable_minutes,
            },
        }


def absorb_freed(db: Session, account: Account, contract: Contract) -> list[Absorbed]:
    """Let the contract's booked billable sessions take its free included minutes.

    `contract` must be locked and read afresh. The sessions are locked with SKIP LOCKED: one
    locked by another change is being paid for again by that change itself (it locks the
    contract after us and takes what is left), and waiting for it here could close a circle
    with that change's wait for the contract. Changes only the session rows; the caller spends
    the total on the contract.
    """
    free = contract.included_minutes - contract.minutes_spent
    if free <= 0:
        return []
    candidates = db.exec(
        select(OnboardingSession)
        .where(
            OnboardingSession.contract_id == contract.id,
            OnboardingSession.state == SessionState.BOOKED,
            col(OnboardingSession.billable_minutes) > 0,
            col(OnboardingSession.uses_status_update).is_(False),
        )
        .order_by(col(OnboardingSession.starts_at), col(OnboardingSession.id))
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    terms = terms_of(contract, account.timezone)
    # Only time that could have been included takes freed minutes: not a status update's, not
    # a session outside the window.
    eligible = {
        s.id: s
        for s in candidates
        if s.id is not None
        and not SessionType(s.session_type).uses_status_update
        and terms.covers_session(SessionType(s.session_type), s.starts_at)
    }
    billed = [Billed(i, s.included_minutes, s.billable_minutes) for i, s in eligible.items()]
    absorbed = []
    for new in absorb(free, billed):
        session = eligible[new.session_id]
        absorbed.append(
            Absorbed(
                new.session_id,
                session.number,
                session.included_minutes,
                session.billable_minutes,
                new.included_minutes,
                new.billable_minutes,
            )
        )
        # billable_confirmed_minutes stays: it records what staff confirmed.
        session.included_minutes = new.included_minutes
        session.billable_minutes = new.billable_minutes
        db.add(session)
    return absorbed
