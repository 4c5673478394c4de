"""The weekly digest for staff (`/oura-book digest`, and the clock's Monday DM): one staff
member's accounts this week, read in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from bot.domain.digest import Digest
from storage.digest import next_digest, read_digest
from storage.engine import read_session


class DigestService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def digest(self, user_id: str, tz_name: str, now: datetime) -> Digest:
        """The digest of `user_id` for the week of `now` in their zone `tz_name`."""
        with read_session(self.engine) as db:
            return read_digest(db, user_id, tz_name, now)

    def next_at(self, user_id: str, tz_name: str, now: datetime) -> datetime | None:
        """When the clock sends `user_id` their next digest (None: no working day soon)."""
        with read_session(self.engine) as db:
            return next_digest(db, user_id, tz_name, now)
