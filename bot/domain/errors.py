"""Errors a user is shown as they are: short, specific, and saying what the right form is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.domain.text import Text


class OuraError(Exception):
    """Something the user can fix. `message` is what they are told: a catalog message id and
    its parameters, written in their language where it reaches them; `str(error)` is English."""

    def __init__(self, message: str | Text, /, **params: Any) -> None:
        self.message = message if isinstance(message, Text) else Text(message, **params)
        super().__init__(str(self.message))


class InvalidCommand(OuraError):
    """The command text is malformed."""


class RuleViolation(OuraError):
    """Well-formed, but the package rules do not allow it."""


class NotFound(OuraError):
    """The account, contract or session named does not exist here."""


class Unavailable(OuraError):
    """The database could not be reached: nothing was changed, and trying again later helps."""

    def __init__(self) -> None:
        super().__init__(
            Text(
                "I can't reach the database right now, so nothing was changed. "
                "Please try again in a minute."
            )
        )


# What the last change of a session was, for `AlreadyChanged`.
CANCELLED, HELD, MOVED, BOOKED = "cancelled", "held", "moved", "booked"
NO_SHOW, NOT_HELD, DELETED = "no_show", "not_held", "deleted"


class AlreadyChanged(RuleViolation):
    """Someone else changed the session first (a race, or a repeated click); nothing was done.

    It carries who made that change and when, so the message can say so in each reader's own
    time (`bot.blocks.sessions.error_text`); `str()` says the same with the time in UTC."""

    def __init__(
        self,
        session_id: int,
        what: str,
        by_user_id: str,
        at: datetime,
        timezone: str,
        starts_at: datetime | None = None,
        hint: Text | None = None,
    ) -> None:
        self.session_id = session_id
        self.what = what  # CANCELLED, HELD, MOVED or BOOKED
        self.by_user_id = by_user_id
        self.at = at
        self.timezone = timezone
        self.starts_at = starts_at  # where a move or booking put the session
        self.hint = hint
        super().__init__(self.text(lambda moment: f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"))

    def text(self, when: Callable[[datetime], str]) -> Text:
        """The message, with `when` writing each time."""
        params: dict[str, Any] = {
            "id": self.session_id,
            "who": f"<@{self.by_user_id}>",
            "at": when(self.at),
        }
        if self.starts_at is not None:
            params["starts"] = when(self.starts_at)
        if self.what == CANCELLED:
            said = Text("#{id} was already cancelled by {who} at {at}.", **params)
        elif self.what == HELD:
            said = Text("#{id} was already logged as held by {who} at {at}.", **params)
        elif self.what == NO_SHOW:
            said = Text("#{id} was already logged as a no-show by {who} at {at}.", **params)
        elif self.what == DELETED:
            said = Text("#{id} was already deleted by {who} at {at}.", **params)
        elif self.what == NOT_HELD:
            said = Text("#{id} was already logged as not held by {who} at {at}.", **params)
        elif self.what == MOVED:
            said = Text("#{id} was already moved to {starts} by {who} at {at}.", **params)
        else:
            said = Text("#{id} was already booked for {starts} by {who} at {at}.", **params)
        if self.hint is None:
            return said
        return Text("{said} {hint}", said=said, hint=self.hint)
