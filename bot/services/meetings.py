"""A staff member's personal meeting link: set once, used by every session they are the vendor
contact of that has no link of its own (`storage.meetings.join_link_of`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from bot.services.books import Actor, record_audit
from storage.engine import read_session, write_session
from storage.meetings import meeting_url_of, set_meeting_url

AUDIT_ACTION = "meeting_link"  # not for people: the audit's action


class MeetingLinks:
    def __init__(self, engine: Engine, now: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.engine = engine
        self.now = now

    def of(self, user_id: str) -> str | None:
        with read_session(self.engine) as db:
            return meeting_url_of(db, user_id)

    def set(self, actor: Actor, url: str | None) -> str | None:
        """Set the actor's own link (None: clear it), audited with what it was; the link
        before."""
        now = self.now()
        with write_session(self.engine) as db:
            before = meeting_url_of(db, actor.user_id)
            set_meeting_url(db, actor.user_id, url, now)
            details = {"from": before, "to": url}
            record_audit(db, actor, AUDIT_ACTION, None, details=details, at=now)
            return before
