"""Deliveries from Slack that must act once: Events API events (Slack retries and repeats them)
and signed requests (someone may replay one, to this process or another)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from storage.dedupe import first_delivery, first_use_of_signature

# Old markers are useless: a replay that old fails the signature's 5-minute window. The clock
# deletes them (`bot.jobs.prune`), never a request.
FORGET_AFTER = timedelta(hours=1)


class Deliveries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

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
        return first_use_of_signature(self.engine, signature, datetime.now(UTC))
