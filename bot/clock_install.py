"""The clock's gate on the installation: while Slack has the app uninstalled (or its bot token
revoked), sweeps send nothing and say so once; a reinstall is learnt from Slack accepting the
configured bot token again (`auth.test`), asked once a sweep while uninstalled."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from storage.installation import mark_reinstalled, uninstalled_since

log = logging.getLogger("oura.clock")


class InstallGate:
    def __init__(self, engine: Engine, client: WebClient | None) -> None:
        self.engine = engine
        self.client = client
        self._told = False

    def open(self, now: datetime) -> bool:
        """True if the sweep may send."""
        since = uninstalled_since(self.engine)
        if since is None:
            self._told = False
            return True
        if self._token_works():
            if mark_reinstalled(self.engine, now):
                log.warning("Slack accepts the bot token again: the app is installed, posts resume")
            self._told = False
            return True
        if not self._told:
            log.warning(
                "the app is uninstalled in Slack since %s: the clock sends nothing until it is "
                "installed again",
                since.isoformat(),
            )
            self._told = True
        return False

    def _token_works(self) -> bool:
        if self.client is None:
            return False
        try:
            return bool(self.client.auth_test().get("ok"))
        except SlackApiError:
            return False  # invalid_auth, token_revoked, account_inactive: still uninstalled
        except Exception:
            log.info("auth.test could not reach Slack: the app counts as uninstalled still")
            return False
