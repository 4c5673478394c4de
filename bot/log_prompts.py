"""The log DM and the daily reminder of sessions not logged.

The log DM: once a session's end has passed, its vendor contact (and its booker, when
another person) gets one DM with buttons to log it (bot/blocks/session_log.py).

Each DM is a ledger entry (kind `log_prompt`, key `log-prompt:<session id>:<user>`), claimed
before it is sent, so several clocks sweeping at once send it once. A DM is not looked for in
history before a retry as channel posts are: a try that may have reached Slack (a 5xx, a
timeout) is given up instead, so nobody gets it twice; the session still shows as not logged
in `list` and on the App Home.

The reminder: sessions still not logged two business days after their end are listed in one
DM a day to their vendor contact (and booker), in business hours of that person's own zone
(key `unlogged:<user>:<their local date>`)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.blocks.session_log import log_prompt_dm, unlogged_reminder_dm
from bot.clock_dm import send_dm_once
from bot.domain.country import effective_country
from bot.domain.schedule import in_business_hours
from bot.domain.timeutil import is_valid_zone, zone
from handlers.slack_users import user_info
from storage.engine import read_session
from storage.models import Account, OnboardingSession
from storage.session_log import (
    customer_teams_of,
    done_keys,
    ended_unlogged,
    unlogged_too_long,
)

if TYPE_CHECKING:
    from bot.clock import Sweeper

log = logging.getLogger("oura.clock")

LOG_PROMPT = "log_prompt"  # the ledger's kind
# Sessions that ended longer ago than this get no DM (say, when the clock was down for long,
# or at the first sweep after an upgrade): they show as not logged in `list` instead.
LOOKBACK = timedelta(days=2)


def prompt_key(session_id: int, user_id: str) -> str:
    return f"log-prompt:{session_id}:{user_id}"


def recipients(
    session: OnboardingSession, account: Account, customer_teams: frozenset[str]
) -> list[str]:
    """The vendor contact, and the staff member who booked it when that is someone else. A
    buyer who booked (accepting a proposed time) is not staff: the log is staff-only."""
    people = [account.vendor_contact_id]
    by_customer = session.booked_by_team in customer_teams
    if session.booked_by and session.booked_by not in people and not by_customer:
        people.append(session.booked_by)
    return people


def send_log_prompts(sweeper: Sweeper, now: datetime, at: Callable[[], datetime]) -> list[str]:
    """Send the log DMs due at `now`; the keys of those sent. `at` gives the moment on the
    sweep's timeline: each claim is stamped when it is made (as the clock's posts are)."""
    if sweeper.client is None:
        return []
    with read_session(sweeper.engine) as db:
        ended = ended_unlogged(db, now, LOOKBACK)
        teams = customer_teams_of(db, [account.id or 0 for _session, account in ended])
        due = [
            (session, account, user, prompt_key(session.id or 0, user))
            for session, account in ended
            for user in recipients(session, account, teams[account.id or 0])
        ]
        done = done_keys(db, [key for *_rest, key in due])
    sent = []
    for session, account, user, key in due:
        if key not in done and _send_dm(sweeper, key, LOG_PROMPT, session, account, user, at):
            sent.append(key)
    return sent


def _send_dm(
    sweeper: Sweeper,
    key: str,
    kind: str,
    session: OnboardingSession,
    account: Account,
    user_id: str,
    at: Callable[[], datetime],
    late: list[tuple[OnboardingSession, Account]] | None = None,
) -> bool:
    """Claim `key` in the ledger, then DM `user_id` the log DM of `session` (or, with `late`,
    the reminder of those sessions); True when sent."""
    assert account.id is not None
    return send_dm_once(
        sweeper,
        key,
        kind,
        (account.id, session.contract_id),
        user_id,
        lambda: log_prompt_dm(account, session) if late is None else unlogged_reminder_dm(late),
        "log DM",
        at,
    )


UNLOGGED_REMINDER = "unlogged_reminder"  # the ledger's kind


def reminder_key(user_id: str, local_day: str) -> str:
    return f"unlogged:{user_id}:{local_day}"


def send_unlogged_reminders(
    sweeper: Sweeper, now: datetime, at: Callable[[], datetime]
) -> list[str]:
    """Once a day, in business hours of their own zone, each staff member whose sessions are
    still not logged two business days after their end gets one DM listing them."""
    if sweeper.client is None:
        return []
    with read_session(sweeper.engine) as db:
        late = unlogged_too_long(db, now)
        teams = customer_teams_of(db, [account.id or 0 for _session, account in late])
    by_person: dict[str, list[tuple[OnboardingSession, Account]]] = defaultdict(list)
    for session, account in late:
        for user in recipients(session, account, teams[account.id or 0]):
            by_person[user].append((session, account))
    sent = []
    for user, sessions in by_person.items():
        account = sessions[0][1]
        tz = _zone_of(sweeper, user) or account.timezone
        if not in_business_hours(now, tz, effective_country(None, tz)):
            continue
        key = reminder_key(user, now.astimezone(zone(tz)).date().isoformat())
        with read_session(sweeper.engine) as db:
            if done_keys(db, [key]):
                continue
        first = sessions[0][0]
        if _send_dm(sweeper, key, UNLOGGED_REMINDER, first, account, user, at, sessions):
            sent.append(key)
    return sent


def _zone_of(sweeper: Sweeper, user_id: str) -> str | None:
    assert sweeper.client is not None
    tz = (user_info(sweeper.client, user_id) or {}).get("tz")
    return tz if isinstance(tz, str) and is_valid_zone(tz) else None
