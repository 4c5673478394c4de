"""The clock's weekly digest DM to each vendor contact (rules: bot/domain/digest.py).

A job of the clock's own beside the sweep (bot/jobs.py), as the reports are; like the log
DMs (bot/log_prompts.py), each digest is a ledger entry (kind `digest`, key
`digest:<user>:<YYYY-Www>` of the person's own zone), claimed before it is sent, so several
clocks sweeping at once send it once; a try that may have reached Slack is given up rather
than risk a second copy. The ledger's row is filed under one of the person's accounts and its
contract (the ledger's columns need both), as the log DMs file theirs under the session's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.blocks.base import Message
from bot.blocks.digest import digest_message
from bot.clock_dm import send_dm_once
from bot.domain.country import effective_country
from bot.domain.digest import digest_due, digest_key, iso_week
from bot.domain.timeutil import zone
from bot.log_prompts import _zone_of
from storage.digest import digest_hours, ledger_home, read_digest, vendor_contacts
from storage.engine import read_session
from storage.installation import uninstalled_since
from storage.models import Account
from storage.session_log import done_keys

if TYPE_CHECKING:
    from bot.clock import Sweeper

log = logging.getLogger("oura.clock")

DIGEST = "digest"  # the ledger's kind


def weekly_digests(sweeper: Sweeper, now: datetime | None = None) -> list[str]:
    """The clock's digest job (bot/jobs.py), beside the sweep: the digests due now, unless
    Slack has the app uninstalled (they wait, as posts do); the keys of those sent."""
    started = sweeper.now()
    now = now or started
    shift = now - started
    if uninstalled_since(sweeper.engine) is not None:
        return []
    return send_digests(sweeper, now, lambda: sweeper.now() + shift)


def person_zone(sweeper: Sweeper, db_zone: str | None, user_id: str) -> str | None:
    """The person's Slack zone, else the zone of their first account."""
    return _zone_of(sweeper, user_id) or db_zone


def send_digests(sweeper: Sweeper, now: datetime, at: Callable[[], datetime]) -> list[str]:
    """Send the digests due at `now`; the keys of those sent."""
    if sweeper.client is None:
        return []
    with read_session(sweeper.engine) as db:
        people = [
            (user, digest_hours(db, user), ledger_home(db, user)) for user in vendor_contacts(db)
        ]
        # Whatever their zone (UTC-12 to UTC+14), the week is one of these: a person whose
        # digests of them are both sent is not looked up in Slack at all.
        weeks = {iso_week((now + timedelta(hours=h)).date()) for h in (-12, 14)}
        done = done_keys(db, [digest_key(user, w) for user, *_ in people for w in weeks])
    sent = []
    for user, hours, home in people:
        if home is None:
            continue  # no contract to file the ledger's row under: nothing to tell either
        if all(digest_key(user, w) in done for w in weeks):
            continue
        with read_session(sweeper.engine) as db:
            account = db.get(Account, home[0])
        tz = person_zone(sweeper, account.timezone if account else None, user)
        if tz is None or not digest_due(now, tz, effective_country(None, tz), hours):
            continue
        key = digest_key(user, iso_week(now.astimezone(zone(tz)).date()))
        with read_session(sweeper.engine) as db:
            if done_keys(db, [key]):
                continue
        if _send(sweeper, key, user, tz, home, now, at):
            sent.append(key)
    return sent


def _send(
    sweeper: Sweeper,
    key: str,
    user_id: str,
    tz: str,
    home: tuple[int, int],
    now: datetime,
    at: Callable[[], datetime],
) -> bool:

    def build() -> Message:
        with read_session(sweeper.engine) as db:
            digest = read_digest(db, user_id, tz, now)
        return digest_message(digest)

    return send_dm_once(sweeper, key, DIGEST, home, user_id, build, "weekly digest", at)
