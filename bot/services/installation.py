"""What Slack says of the installation and of staff accounts: an uninstall stops the clock,
a deactivated vendor contact is flagged on the App Home."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from storage.installation import mark_uninstalled, set_deactivated

log = logging.getLogger("oura.installation")


class InstallationService:
    def __init__(
        self, engine: Engine, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.engine = engine
        self.now = now

    def uninstalled(self, reason: str) -> bool:
        """Slack uninstalled the app or revoked its bot token: the clock sends nothing from
        now on, and the data stays until a person deletes it. Logged once."""
        if not mark_uninstalled(self.engine, reason, self.now()):
            return False
        log.warning(
            "Slack says the app is uninstalled (%s): the clock sends nothing until it is "
            "installed again; the data is kept until someone deletes it (oura-bot customer "
            "delete)",
            reason,
        )
        return True

    def user_changed(self, user_id: str, deleted: bool) -> bool:
        """A staff member's Slack account was deactivated (or reactivated)."""
        changed = set_deactivated(self.engine, user_id, deleted, self.now())
        if changed:
            log.info(
                "staff member %s is %s in Slack", user_id, "deactivated" if deleted else "back"
            )
        return changed
