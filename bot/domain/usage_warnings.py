"""The staff DMs at 80% and 100% of a contract's included minutes spent (issue 17): which are
reached, and what a sweep at a given moment does about them. The clock
(`bot.usage_warnings`), `/oura-book schedule` and `oura-bot preview` all ask this module, so
what they show is what the clock does.

Spent means reserved by booked sessions or used by held ones, so the 100% DM comes before any
billable time begins. A sweep sends at most one DM per contract: the highest threshold
reached (a lower one not yet sent is recorded as skipped), in business hours of the account's
zone; once the window has closed none is sent (nothing can be billable any more from these
minutes).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.entitlement import Balance, ContractTerms
from bot.domain.schedule import ContractFacts, in_business_hours, next_business_moment

# Percent of the included minutes spent (reserved by bookings or used) at which staff are told.
# 100: every included minute is spent, so the next booking would be billable.
USAGE_THRESHOLDS = (80, 100)


def usage_crossed(balance: Balance) -> list[int]:
    """The thresholds the contract's spent minutes have reached, lowest first."""
    if balance.included_minutes <= 0:
        return []
    spent = balance.minutes_spent * 100
    return [t for t in USAGE_THRESHOLDS if spent >= balance.included_minutes * t]


def usage_key(contract_id: int, threshold: int) -> str:
    return f"contract:{contract_id}:usage:{threshold}"


def usage_kind(threshold: int) -> str:
    """The ledger's kind of a threshold's warning (its storage query looks for it)."""
    return f"usage-{threshold}"


@dataclass(frozen=True)
class UsageStep:
    """What one sweep does about a contract's usage DMs."""

    send: int | None = None  # the threshold whose DM goes out
    # Recorded as never to be sent: a higher one goes out instead, or the window has closed.
    skip: tuple[int, ...] = ()


def usage_step(
    balance: Balance,
    terms: ContractTerms,
    country: str | None,
    settled: Collection[int],
    now: datetime,
) -> UsageStep:
    """The sweep at `now` (`country`: whose holidays business hours skip); `settled`: the
    thresholds whose DM is sent or never to be sent."""
    crossed = usage_crossed(balance)
    pending = [t for t in crossed if t not in settled]
    if not pending:
        return UsageStep()
    if terms.window_closed(now):
        return UsageStep(skip=tuple(pending))
    if not in_business_hours(now, terms.timezone, country):
        return UsageStep()  # waits for business hours
    highest = crossed[-1]
    return UsageStep(
        send=highest if highest in pending else None,
        skip=tuple(t for t in pending if t != highest),
    )


def next_usage_step(
    facts: ContractFacts, settled: Collection[int], now: datetime
) -> tuple[datetime, UsageStep] | None:
    """As things stand, the first sweep from `now` that sends a usage DM (the first in business
    hours: the clock sweeps every few minutes) and what it does; None when none will."""
    at = next_business_moment(now, facts.timezone, facts.country)
    step = usage_step(facts.balance, facts.terms, facts.country, settled, at)
    return (at, step) if step.send is not None else None


class UsageDmState(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"
    UNDELIVERABLE = "undeliverable"  # Slack refused it, or a try may have reached Slack
    DUE = "due"  # not sent yet: goes out at `at`


@dataclass(frozen=True)
class UsageDm:
    """A usage DM as `/oura-book schedule` shows it."""

    contract_id: int
    threshold: int
    state: UsageDmState
    at: datetime | None  # when it was sent, or will be (None: not known)


def usage_dms(
    facts: ContractFacts,
    settled: Mapping[int, tuple[UsageDmState, datetime | None]],
    now: datetime,
) -> list[UsageDm]:
    """A contract's usage DMs: those the ledger has settled (by threshold: their state and
    when sent), and the one the clock sends next as things stand."""
    shown = [
        UsageDm(facts.contract_id, threshold, state, at)
        for threshold, (state, at) in settled.items()
    ]
    ahead = next_usage_step(facts, settled.keys(), now)
    if ahead is not None:
        at, step = ahead
        assert step.send is not None
        shown.append(UsageDm(facts.contract_id, step.send, UsageDmState.DUE, at))
    return sorted(shown, key=lambda dm: dm.threshold)
