"""The living balance's bookkeeping: which message is the account's, and which version of its
facts was last shown, so concurrent edits end on the newest (`handlers.balance` sends them)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.services.booking import BookingService, Usage
from storage import balance
from storage.balance import Ticket
from storage.engine import read_session, write_session
from storage.models import Account


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
        now = self.booking.now()
        with read_session(self.engine) as db:
            version = balance.current_version(db, account_id)
            account = db.get(Account, account_id)
            assert account is not None
            return version, self.booking.read_usage(db, account, now)

    def version(self, account_id: int) -> int:
        with read_session(self.engine) as db:
            return balance.current_version(db, account_id)

    def posted(self, account_id: int, channel_id: str, ts: str) -> None:
        with write_session(self.engine) as db:
            balance.record_posted(db, account_id, channel_id, ts)

    def post_failed(self, account_id: int) -> None:
        with write_session(self.engine) as db:
            balance.release_claim(db, account_id)

    def lost(self, account_id: int, ts: str) -> bool:
        with write_session(self.engine) as db:
            return balance.claim_lost(db, account_id, ts, self.booking.now())

    def shown(self, account_id: int, version: int) -> None:
        with write_session(self.engine) as db:
            balance.record_shown(db, account_id, version)
