"""Errors a user is shown as they are: short, specific, and saying what the right form is."""

from __future__ import annotations


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
