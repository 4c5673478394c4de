"""What a contract entitles a customer to, and how a session is paid for (SPEC §2, §3).

A session is paid for from the contract's included minutes (or, for a status update, one of
its status updates) while the session falls in the window and enough is left; whatever the
included part cannot cover is billable, and billable time needs staff's explicit confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.domain.errors import InvalidCommand, RuleViolation
from bot.domain.packages import MAX_SESSION_MINUTES, Package, SessionType
from bot.domain.text import Plural, Text
from bot.domain.timeutil import add_days, add_months, local_midnight_utc, require_aware


@dataclass(frozen=True)
class ContractTerms:
    package: Package
    start: date
    term_months: int
    timezone: str

    @property
    def term_end(self) -> date:
        """The first day after the term."""
        return add_months(self.start, self.term_months)

    @property
    def window_end(self) -> date:
        """The first day after the window for the included minutes."""
        if self.package.window_days is None:
            return self.term_end
        return min(add_days(self.start, self.package.window_days), self.term_end)

    def _covers(self, moment: datetime, end: date) -> bool:
        require_aware(moment, "session start")  # not for people
        begins = local_midnight_utc(self.start, self.timezone)
        return begins <= moment < local_midnight_utc(end, self.timezone)

    def in_term(self, moment: datetime) -> bool:
        return self._covers(moment, self.term_end)

    def in_window(self, moment: datetime) -> bool:
        return self._covers(moment, self.window_end)

    def window_closed(self, now: datetime) -> bool:
        """The window for the included minutes has ended (what was left lapsed)."""
        return now >= local_midnight_utc(self.window_end, self.timezone)

    def term_closed(self, now: datetime) -> bool:
        return now >= local_midnight_utc(self.term_end, self.timezone)

    def covers_session(self, session_type: SessionType, moment: datetime) -> bool:
        """Whether a session at `moment` may use this contract's included entitlement."""
        if session_type.uses_status_update:
            return self.in_term(moment)
        return self.in_window(moment)


@dataclass(frozen=True)
class Balance:
    """A contract's entitlement and what is spent (reserved by bookings, used by held ones)."""

    included_minutes: int
    minutes_spent: int
    status_updates: int
    status_updates_spent: int

    @property
    def minutes_left(self) -> int:
        return self.included_minutes - self.minutes_spent

    @property
    def status_updates_left(self) -> int:
        return self.status_updates - self.status_updates_spent

    def release(self, allocation: Allocation) -> Balance:
        return replace(
            self,
            minutes_spent=self.minutes_spent - allocation.included_minutes,
            status_updates_spent=self.status_updates_spent - int(allocation.uses_status_update),
        )


@dataclass(frozen=True)
class Tally:
    """What an entitlement came to: used, and left. Once its window or term closed, what was
    left lapsed: the closed summary, the usage card, the App Home and the report all say so
    from this one tally, so they never disagree."""

    used: int
    left: int
    included: int
    closed: bool = False

    @property
    def lapsed(self) -> int:
        return self.left if self.closed else 0


def minutes_tally(balance: Balance, closed: bool) -> Tally:
    return Tally(balance.minutes_spent, balance.minutes_left, balance.included_minutes, closed)


def status_updates_tally(balance: Balance, closed: bool) -> Tally:
    return Tally(
        balance.status_updates_spent, balance.status_updates_left, balance.status_updates, closed
    )


@dataclass(frozen=True)
class Allocation:
    """How one session is paid for."""

    included_minutes: int = 0
    billable_minutes: int = 0
    uses_status_update: bool = False

    @property
    def is_billable(self) -> bool:
        return self.billable_minutes > 0


def check_session_minutes(minutes: int) -> int:
    if minutes > MAX_SESSION_MINUTES:
        # Translators: {max} and {minutes} are minutes; "m" after them is the typed unit.
        raise RuleViolation(
            "A session is at most {max} minutes; {minutes}m is too long. "
            "Book {max}m or less, and a second session for the rest.",
            max=MAX_SESSION_MINUTES,
            minutes=minutes,
        )
    if minutes < 1:
        raise InvalidCommand("A session lasts at least 1 minute, e.g. `45m`.")
    return minutes


def allocate(
    session_type: SessionType, minutes: int, balance: Balance, covered: bool
) -> Allocation:
    """Pay for a session: included entitlement first, the rest billable.

    `covered` says whether the session falls where the entitlement applies (the Launch Kit's
    90-day window, or the contract term).
    """
    check_session_minutes(minutes)
    if session_type.uses_status_update:
        if covered and balance.status_updates_left > 0:
            return Allocation(uses_status_update=True)
        return Allocation(billable_minutes=minutes)
    included = min(minutes, max(balance.minutes_left, 0)) if covered else 0
    return Allocation(included_minutes=included, billable_minutes=minutes - included)


def billable_reason(
    allocation: Allocation, session_type: SessionType, balance: Balance, covered: bool
) -> Text:
    """Why a booking would be billable (`billable_refusal` adds how to confirm it)."""
    if session_type.uses_status_update:
        if not covered:
            reason = Text("the session falls outside the contract term")
        else:
            # Translators: {included} is how many status updates the contract includes.
            reason = Text(
                "no status updates are left ({included} included)", included=balance.status_updates
            )
    elif not covered:
        reason = Text("the session falls outside the window for the included minutes")
    else:
        reason = Text(
            "only {left} of {included} included minutes are left",
            left=max(balance.minutes_left, 0),
            included=balance.included_minutes,
        )
    # Translators: {reason} is one of the reasons above (it starts in lower case).
    return Plural(
        "This would be {n} billable minute: {reason}.",
        "This would be {n} billable minutes: {reason}.",
        allocation.billable_minutes,
        reason=reason,
    )


def billable_refusal(
    allocation: Allocation,
    session_type: SessionType,
    balance: Balance,
    covered: bool,
    in_form: bool = False,
) -> Text:
    """Why a booking would be billable and how to confirm it, for staff who have not: typed,
    add `billable`; in the booking form, tick its checkbox."""
    how = CONFIRM_IN_FORM if in_form else CONFIRM_TYPED
    return refusal_with(billable_reason(allocation, session_type, balance, covered), how)


def refusal_with(reason: Text, how: Text) -> Text:
    """A billable refusal: why, then how to confirm."""
    # Translators: {reason} says why a booking is billable; {how} how to confirm it.
    return Text("{reason} {how}", reason=reason, how=how)


# How staff confirm billable time, by where they are: a typed command, or the booking form.
CONFIRM_TYPED = Text("Add `billable` to confirm the extra time is billed.")
# Translators: “Confirm billable extra time” is the booking form's checkbox: say it as it is
# translated there.
CONFIRM_IN_FORM = Text("Tick “Confirm billable extra time” to book it with the extra time billed.")


def needs_confirmation(allocation: Allocation, confirmed_billable_minutes: int) -> bool:
    """Billable time beyond what staff already confirmed needs a new confirmation."""
    return allocation.billable_minutes > confirmed_billable_minutes


def contract_covering(contracts: list[ContractTerms], moment: datetime) -> int | None:
    """Index of the contract a session at `moment` belongs to.

    The one whose term covers it; else the latest one already started (time after a term is
    billable against it); else the earliest (time before the first start is billable too).
    """
    if not contracts:
        return None
    for index, terms in enumerate(contracts):
        if terms.in_term(moment):
            return index
    started = [
        i for i, t in enumerate(contracts) if local_midnight_utc(t.start, t.timezone) <= moment
    ]
    if started:
        return max(started, key=lambda i: contracts[i].start)
    return min(range(len(contracts)), key=lambda i: contracts[i].start)


@dataclass(frozen=True)
class Billed:
    """How a booked session is paid for, when it may take freed included minutes."""

    session_id: int
    included_minutes: int
    billable_minutes: int


def absorb(free_minutes: int, billed: Sequence[Billed]) -> list[Billed]:
    """Freed included minutes taken by booked sessions that still carry billable minutes.

    `billed` are the sessions that may take them (in the window, paid in minutes), in start
    order: each in turn turns as much of its billable time into included time as is free.
    Returns the new allocations of the sessions that change, in the same order. Billable time
    only ever shrinks here, so nothing needs a new confirmation.
    """
    changed = []
    left = max(free_minutes, 0)
    for session in billed:
        if left == 0:
            break
        taken = min(left, session.billable_minutes)
        if taken <= 0:
            continue
        left -= taken
        changed.append(
            Billed(
                session.session_id,
                session.included_minutes + taken,
                session.billable_minutes - taken,
            )
        )
    return changed
