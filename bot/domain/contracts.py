"""A customer's contracts over time (SPEC §2): a renewal is a new contract whose term may not
overlap another's; a wrong start, term or package is corrected on the contract itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot.domain.entitlement import Balance, ContractTerms
from bot.domain.errors import RuleViolation
from bot.domain.packages import SessionType

MIN_TERM_MONTHS = 1
MAX_TERM_MONTHS = 60


def last_day(terms: ContractTerms) -> date:
    """The last day of the term (`term_end` is the first day after it)."""
    return terms.term_end - timedelta(days=1)


def overlapping(new: ContractTerms, others: Sequence[ContractTerms]) -> ContractTerms | None:
    """The first of `others` (in start order) whose term shares a day with `new`'s."""
    for other in sorted(others, key=lambda t: t.start):
        if new.start < other.term_end and other.start < new.term_end:
            return other
    return None


def overlap_refusal(new: ContractTerms, clash: ContractTerms) -> RuleViolation:
    """Why a term cannot be: it overlaps another contract, with both terms' dates."""
    # Translators: dates are YYYY-MM-DD; {package} is the other contract's package name.
    return RuleViolation(
        "The term {start} to {end} overlaps the {package} contract from {other_start} to "
        "{other_end}. Terms may not overlap: start it on {free} or later.",
        start=new.start.isoformat(),
        end=last_day(new).isoformat(),
        package=clash.package.name,
        other_start=clash.start.isoformat(),
        other_end=last_day(clash).isoformat(),
        free=clash.term_end.isoformat(),
    )


def overspend_refusal(sessions: Sequence[int]) -> RuleViolation:
    """A contract fix refused: these sessions would need more than the contract would hold."""
    listed = ", ".join(f"#{i}" for i in sessions)
    # Translators: {sessions} lists session numbers, e.g. "#4, #7".
    return RuleViolation(
        "Nothing was changed: with that, the contract could not pay for sessions it has "
        "already booked or held ({sessions}). Move or cancel them first, or confirm them as "
        "billable.",
        sessions=listed,
    )


@dataclass(frozen=True)
class Paid:
    """A live (booked or held) session of a contract, and how it is paid for."""

    session_id: int
    session_type: SessionType
    starts_at: datetime
    minutes: int
    included_minutes: int
    billable_minutes: int
    uses_status_update: bool
    billable_confirmed_minutes: int


def refit(sessions: Sequence[Paid], terms: ContractTerms, balance: Balance) -> list[Paid]:
    """How a contract's live sessions are paid for once its terms or entitlement are corrected.

    Each session keeps what it had where the corrected contract still allows it, in start
    order: included time only while it falls where the entitlement applies and as far as the
    corrected entitlement (`balance`, nothing spent) lasts; a status update only while one is
    left. What can no longer be included becomes billable. Freed minutes are not handed out
    here (`absorb` does that afterwards). Returns every session, in start order.
    """
    minutes_left, updates_left = balance.included_minutes, balance.status_updates
    refitted = []
    for paid in sorted(sessions, key=lambda p: (p.starts_at, p.session_id)):
        covered = terms.covers_session(paid.session_type, paid.starts_at)
        if paid.session_type.uses_status_update:
            keeps = paid.uses_status_update and covered and updates_left > 0
            updates_left -= int(keeps)
            included, billable = 0, (0 if keeps else paid.minutes)
            refitted.append(
                replace(
                    paid,
                    included_minutes=included,
                    billable_minutes=billable,
                    uses_status_update=keeps,
                )
            )
            continue
        included = min(paid.included_minutes, minutes_left) if covered else 0
        minutes_left -= included
        refitted.append(
            replace(paid, included_minutes=included, billable_minutes=paid.minutes - included)
        )
    return refitted


def overspent(refitted: Sequence[Paid]) -> list[int]:
    """Sessions a correction would leave with more billable time than staff confirmed."""
    return [p.session_id for p in refitted if p.billable_minutes > p.billable_confirmed_minutes]
