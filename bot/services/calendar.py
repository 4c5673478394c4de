"""Sessions in people's calendars: what an invite is made of (the session, its account, its join
link), and each staff member's calendar feed with its secret token."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.domain.errors import NotFound
from storage.customers import customer_ids
from storage.engine import read_session, write_session
from storage.meetings import (
    feed_owner,
    feed_sessions,
    join_link_of,
    session_in_channel,
    set_feed_token_hash,
)
from storage.models import Account, OnboardingSession

# The feed lists booked sessions from this long ago on (and everything ahead).
FEED_PAST = timedelta(days=30)
# `secrets.token_urlsafe(32)`: 32 random bytes (256 bits) as 43 URL-safe characters.
TOKEN_BYTES = 32
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$", re.ASCII)


@dataclass(frozen=True)
class Meeting:
    """A session as an invite shows it: with its account and the link to join it (or none)."""

    session: OnboardingSession
    account: Account
    join_url: str | None


def token_hash(token: str) -> str:
    """What is stored of a feed token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class CalendarService:
    def __init__(
        self, engine: Engine, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.engine = engine
        self.now = now

    def meeting(self, session: OnboardingSession, account: Account) -> Meeting:
        """A session as it stands after a change, with the join link it has now."""
        with read_session(self.engine) as db:
            return Meeting(session, account, join_link_of(db, session, account))

    def meeting_in_channel(self, channel_id: str, session_id: int) -> Meeting:
        """A session of the channel's account as it is now (NotFound for any other)."""
        with read_session(self.engine) as db:
            found = session_in_channel(db, channel_id, session_id)
            if found is None:
                raise NotFound("There is no session #{id} in this channel.", id=session_id)
            session, account = found
            return Meeting(session, account, join_link_of(db, session, account))

    def is_customer_team(self, account: Account, team_id: str) -> bool:
        """Whether the workspace or organization is one the account's customer is known by."""
        with read_session(self.engine) as db:
            return team_id in customer_ids(db, account.id or 0)

    def feed(self, token: str, now: datetime | None = None) -> list[Meeting] | None:
        """The booked sessions in the feed of whoever holds `token` (None: no such token)."""
        if not _TOKEN.match(token):
            return None
        since = (now or self.now()) - FEED_PAST
        with read_session(self.engine) as db:
            user_id = feed_owner(db, token_hash(token))
            if user_id is None:
                return None
            return [Meeting(*row) for row in feed_sessions(db, user_id, since)]

    def feed_of(self, user_id: str, now: datetime | None = None) -> list[Meeting]:
        """The sessions a staff member's feed lists (the sandbox shows it without a token)."""
        since = (now or self.now()) - FEED_PAST
        with read_session(self.engine) as db:
            return [Meeting(*row) for row in feed_sessions(db, user_id, since)]

    def issue_feed_token(self, user_id: str, rotate: bool) -> str | None:
        """A new feed token for the staff member: on first use, or replacing the old one when
        `rotate`. None when they have one and did not ask to replace it (only its hash is
        kept, so the old address cannot be told again)."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with write_session(self.engine) as db:
            written = set_feed_token_hash(db, user_id, token_hash(token), self.now(), rotate)
        return token if written else None
