"""Once-only markers: Events API deliveries and request signatures already seen (the clock
prunes old ones: `storage.prune`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from storage.engine import insert_into, write_session
from storage.models import ProcessedEvent, SeenRequest


def _first(engine: Engine, model: type, values: dict[str, object], key: str) -> bool:
    with write_session(engine) as db:
        row = db.execute(
            insert_into(engine, model)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[key])
            .returning(getattr(model, key))
        ).first()
        return row is not None


def first_delivery(engine: Engine, event_id: str, now: datetime) -> bool:
    """True the first time an event id is seen; Slack's retries and repeats get False."""
    return _first(engine, ProcessedEvent, {"event_id": event_id, "received_at": now}, "event_id")


def first_use_of_signature(engine: Engine, signature: str, now: datetime) -> bool:
    """True the first time a request signature is seen: a replayed request gets False."""
    return _first(engine, SeenRequest, {"signature": signature, "seen_at": now}, "signature")
