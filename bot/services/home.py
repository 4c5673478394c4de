"""The staff App Home: a page of accounts, and one account's usage card opened from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import NotFound
from bot.domain.overview import PAGE_SIZE, AccountSummary, HomePage, Scope, page_count
from bot.domain.support import CaseFacts
from bot.services.booking import BookingService, Usage
from storage.engine import read_session
from storage.models import Account
from storage.overview import account_overview


@dataclass(frozen=True)
class AccountUsage:
    usage: Usage
    cases: list[CaseFacts]
    now: datetime


class HomeService:
    def __init__(self, booking: BookingService) -> None:
        self.booking = booking

    def page(self, user_id: str, scope: Scope, page: int, now: datetime | None = None) -> HomePage:
        """The asked-for page; one past the end (accounts went away meanwhile) shows the last."""
        now = now or self.booking.now()
        contact = user_id if scope is Scope.MINE else None
        page = max(page, 1)
        with read_session(self.booking.engine) as db:

            def read(page: int) -> tuple[list[AccountSummary], int]:
                offset = (page - 1) * PAGE_SIZE
                return account_overview(
                    db, vendor_contact_id=contact, offset=offset, limit=PAGE_SIZE, now=now
                )

            accounts, total = read(page)
            if page > page_count(total):
                page = page_count(total)
                accounts, total = read(page)
        return HomePage(scope=scope, page=page, total=total, accounts=accounts)

    def account_usage(self, account_id: int) -> AccountUsage:
        """One account's usage and open cases, in one read transaction (NotFound when the
        account is gone)."""
        now = self.booking.now()
        with read_session(self.booking.engine) as db:
            account = db.get(Account, account_id)
            if account is None:
                raise NotFound("This account no longer exists.")
            usage = self.booking.read_usage(db, account, now)
        return AccountUsage(usage, list(usage.open_cases), now)
