"""What the staff App Home shows: a page of accounts, each as plain facts about its current
contract (nothing here knows Slack or the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.domain.packages import SessionType
from bot.domain.support import CaseFacts

# 20 accounts take 20 sections and 19 dividers; with the header, toggle, summary and the
# pagination row a full page is 45 blocks, well under Slack's 100 for a home tab.
PAGE_SIZE = 20


@dataclass(frozen=True)
class NextSession:
    id: int
    session_type: SessionType
    starts_at: datetime
    minutes: int
    number: int  # what people call it (#1, #2 … in its account)


@dataclass(frozen=True)
class AccountSummary:
    """An account and its current contract, as plain facts (nothing here knows Slack)."""

    account_id: int
    company: str
    channel_id: str
    timezone: str
    vendor_contact_id: str
    # None only for an account with no contract on record (the counters are then all 0).
    package_id: str | None
    package_name: str
    minutes_used: int
    minutes_left: int
    minutes_included: int
    status_updates_used: int
    status_updates_left: int
    status_updates_included: int
    # The last day (account-local date) of the included-minutes window and of the term.
    window_end: date | None
    term_end: date | None
    next_session: NextSession | None
    # Cases not yet resolved, overdue untaken ones first.
    open_cases: tuple[CaseFacts, ...] = ()
    # Of those, the ones untaken for over two business days (listed first).
    overdue_case_ids: frozenset[int] = frozenset()
    # Slack refuses posts to the account's channel for good (its error), if it does.
    unreachable_reason: str | None = None
    # Slack deactivated the vendor contact's account: the account has no contact.
    contact_deactivated: bool = False
    # The numbers of its sessions still not logged two business days after their end.
    unlogged_numbers: tuple[int, ...] = ()
    # Staff-only: the latest session with a note, as (its number, the note).
    last_note: tuple[int, str] | None = None
    # The window for the included minutes, and the term, have ended: what was left lapsed.
    window_closed: bool = False
    term_closed: bool = False


class Scope(StrEnum):
    MINE = "mine"
    ALL = "all"


@dataclass(frozen=True)
class HomePage:
    """What one home tab shows: which accounts, which page of how many."""

    scope: Scope
    page: int
    total: int
    accounts: list[AccountSummary]
    page_size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)


def page_count(total: int, page_size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // page_size))
