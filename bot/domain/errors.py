"""Errors a user is shown as they are: short, specific, and saying what the right form is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


class OuraError(Exception):
    """Something the user can fix. `str(error)` is the whole message shown to them."""


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
            "I can't reach the database right now, so nothing was changed. "
            "Please try again in a minute."
        )


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
        hint: str = "",
    ) -> None:
        self.session_id = session_id
        self.what = what  # "cancelled", "logged as held", "moved to" or "booked for"
        self.by_user_id = by_user_id
        self.at = at
        self.timezone = timezone
        self.starts_at = starts_at  # where a move or booking put the session
        self.hint = hint
        super().__init__(self.text(lambda moment: f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"))

    def text(self, when: Callable[[datetime], str]) -> str:
        """The message, with `when` writing each time."""
        what = self.what
        if self.starts_at is not None:
            what += f" {when(self.starts_at)}"
        said = f"#{self.session_id} was already {what} by <@{self.by_user_id}> at {when(self.at)}."
        return f"{said} {self.hint}" if self.hint else said
