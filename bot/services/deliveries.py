"""Deliveries from Slack that must act once: Events API events (Slack retries and repeats them)
and signed requests (someone may replay one, to this process or another)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from storage.dedupe import first_delivery, first_use_of_signature, forget_before

# Old markers are useless: a replay that old fails the signature's 5-minute window.
FORGET_AFTER = timedelta(hours=1)
PRUNE_EVERY_SECONDS = 300


class Deliveries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._last_prune = 0.0
        self._prune_lock = threading.Lock()

    def first(self, event_id: str | None) -> bool:
        """True the first time an event id is seen (and for an event without one)."""
        if not event_id:
            return True
        return first_delivery(self.engine, event_id, datetime.now(UTC))

    def first_request(self, signature: str | None) -> bool:
        """True the first time a request signature is seen by any process; a replay gets
        False and must change nothing. Asked after the ack, so the ack never waits on it.
        Requests without a signature (Socket Mode: the socket is authenticated) pass."""
        if not signature:
            return True
        now = datetime.now(UTC)
        first = first_use_of_signature(self.engine, signature, now)
        self._prune(now)
        return first

    def _prune(self, now: datetime) -> None:
        with self._prune_lock:
            if time.monotonic() - self._last_prune < PRUNE_EVERY_SECONDS:
                return
            self._last_prune = time.monotonic()
        forget_before(self.engine, now - FORGET_AFTER)
