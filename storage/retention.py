"""Retention: typed text past its time is emptied by the clock, a bounded batch at a time.

"Kept for N days" means the text is cleared N days after the row's age column; the row, its
counts and its times stay (billing and the record need them). Each rule is one line below.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update
from sqlmodel import col

from storage.engine import write_session
from storage.models import AuditEvent, OnboardingSession, SessionRequest, SupportCase

BATCH = 500
# Batches per rule per run: a run's work is bounded, what is left waits for the next hour.
MAX_BATCHES = 20
# Between batches on SQLite: the web's writers get the lock before the next batch takes it.
PAUSE_SECONDS = 0.02


@dataclass(frozen=True)
class Rule:
    """`model.column` is emptied (to `cleared`) once `model.age` is older than the days of the
    setting named `keep` (a `bot.settings.Settings` field)."""

    model: type
    column: str
    age: str
    keep: str
    cleared: str = ""

    @property
    def name(self) -> str:
        return f"{self.model.__tablename__}.{self.column}"  # type: ignore[attr-defined]


RULES: tuple[Rule, ...] = (
    # A case's description, counted from when it was resolved (an open case keeps it).
    Rule(SupportCase, "description", "resolved_at", "keep_case_descriptions_days"),
    # A buyer's note on a session request: a session note.
    Rule(SessionRequest, "note", "updated_at", "keep_session_notes_days"),
    Rule(AuditEvent, "details", "at", "keep_audit_details_days", cleared="{}"),
    # Staff's note on a session and who attended it (the customer's people), from its last change.
    Rule(OnboardingSession, "note", "updated_at", "keep_session_notes_days"),
    Rule(OnboardingSession, "attendees", "updated_at", "keep_session_notes_days"),
)


def clear_expired(
    engine: Engine,
    now: datetime,
    keep_days: Mapping[str, int | None],
    batch: int = BATCH,
    max_batches: int = MAX_BATCHES,
) -> dict[str, int]:
    """Empty what is past its time, rule by rule, `batch` rows per transaction and at most
    `max_batches` per rule; how many rows each rule cleared. A rule whose setting is None
    keeps its text for ever."""
    cleared: dict[str, int] = {}
    for rule in RULES:
        days = keep_days.get(rule.keep)
        if days is None:
            continue
        cleared[rule.name] = _clear(engine, rule, now - timedelta(days=days), batch, max_batches)
    return cleared


def _clear(engine: Engine, rule: Rule, before: datetime, batch: int, max_batches: int) -> int:
    model: Any = rule.model
    key, column, age = (
        col(model.id),
        col(getattr(model, rule.column)),
        col(getattr(model, rule.age)),
    )
    done = 0
    for _ in range(max_batches):
        with write_session(engine) as db:
            ids = list(
                db.execute(
                    select(key)
                    .where(age < before, column != rule.cleared)
                    .order_by(key)
                    .limit(batch)
                ).scalars()
            )
            if ids:
                db.execute(update(model).where(key.in_(ids)).values({rule.column: rule.cleared}))
        done += len(ids)
        if len(ids) < batch:
            break
        if engine.dialect.name == "sqlite":
            time.sleep(PAUSE_SECONDS)
    return done
