"""Events API deliveries: each acts once, however often Slack retries or repeats it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from storage.dedupe import first_delivery


class Deliveries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def first(self, event_id: str | None) -> bool:
        """True the first time an event id is seen (and for an event without one)."""
        if not event_id:
            return True
        return first_delivery(self.engine, event_id, datetime.now(UTC))
