"""The living balance's bookkeeping: which message is the account's, and which version of its
facts was last shown, so concurrent edits end on the newest (`bot.balance_refresh` sends
them), and when its text changes by time alone (the clock edits it then)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy.exc import IntegrityError

from bot.domain.living_balance import next_change
from bot.services.booking import BookingService, Usage
from storage import balance
from storage.balance import Ticket
from storage.engine import read_session, write_session
from storage.facts import terms_of
from storage.models import Account


class Snapshot(NamedTuple):
    """The version, the facts as of a moment, and when their text changes by time alone."""

    version: int
    usage: Usage
    refresh_at: datetime | None


class BalanceMessages:
    def __init__(self, booking: BookingService) -> None:
        self.booking = booking
        self.engine = booking.engine

    def ticket(self, account_id: int, channel_id: str, repost: bool = False) -> Ticket:
        """Count one more change of the account (after its own transaction committed)."""
        now = self.booking.now()
        for attempt in range(2):
            try:
                with write_session(self.engine) as db:
                    return balance.take_ticket(db, account_id, channel_id, now, repost)
            except IntegrityError:
                if attempt:  # the row exists now; a second clash is not a race
                    raise
        raise AssertionError("unreachable")

    def snapshot(self, account_id: int) -> tuple[int, Usage]:
        """The version, read before the facts it covers, and the facts as of now."""
        version, usage, _refresh_at = self.read(account_id)
        return version, usage

    def read(self, account_id: int) -> Snapshot:
        """As `snapshot`, with the moment the facts' text would change by time alone."""
        now = self.booking.now()
        with read_session(self.engine) as db:
            version = balance.current_version(db, account_id)
            account = db.get(Account, account_id)
            assert account is not None
            usage = self.booking.read_usage(db, account, now)
        terms = [terms_of(contract, account.timezone) for contract in usage.contracts]
        start = usage.next_session.starts_at if usage.next_session else None
        return Snapshot(version, usage, next_change(terms, start, now))

    def version(self, account_id: int) -> int:
        with read_session(self.engine) as db:
            return balance.current_version(db, account_id)

    def posted(self, account_id: int, channel_id: str, ts: str) -> bool:
        """False: the account moved to another channel while this one was posted."""
        with write_session(self.engine) as db:
            return balance.record_posted(db, account_id, channel_id, ts)

    def post_failed(self, account_id: int) -> None:
        with write_session(self.engine) as db:
            balance.release_claim(db, account_id)

    def lost(self, account_id: int, ts: str) -> bool:
        with write_session(self.engine) as db:
            return balance.claim_lost(db, account_id, ts, self.booking.now())

    def shown(self, account_id: int, version: int, refresh_at: datetime | None) -> None:
        with write_session(self.engine) as db:
            balance.record_shown(db, account_id, version, refresh_at)

    def due(self, now: datetime, limit: int) -> list[tuple[int, datetime]]:
        """Balances whose text has changed by time alone (account id, refresh_at as read)."""
        with read_session(self.engine) as db:
            return balance.due_refreshes(db, now, limit)

    def claim_refresh(self, account_id: int, seen: datetime, retry_after: timedelta) -> bool:
        """Take one due refresh, if no other clock took it since it was read."""
        retry_at = self.booking.now() + retry_after
        with write_session(self.engine) as db:
            return balance.claim_refresh(db, account_id, seen, retry_at)

    def account(self, account_id: int) -> Account | None:
        with read_session(self.engine) as db:
            return db.get(Account, account_id)
