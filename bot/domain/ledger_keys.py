"""How long a post's ledger row matters: after its post's last moment (`Post.expires_at`) no
sweep sends it whatever the row says, so the row is spent. Read from the key alone (and the
contract's term for contract posts), as an upper bound in any time zone: an account whose zone
changed, a session moved (a new key) or an order's date corrected (a new key) cannot make a
pruned key due again."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from bot.domain.schedule import SUMMARY_STALE_DAYS
from bot.domain.support import window_last_day
from bot.domain.timeutil import add_days

_SESSION = re.compile(r"^session:\d+:reminder-\d+h:(\d+)$", re.ASCII)
_ORDER = re.compile(r"^contract:\d+:order:\d+:return-window-\d+d:(\d{4}-\d{2}-\d{2})$", re.ASCII)
_CONTRACT = re.compile(
    r"^contract:\d+:(status-nudge:\d+|status-last-call:\d+|window-warning:\d+|window-closed|"
    r"term-warning:\d+|term-closed|pace:(?:half|two-thirds)|usage:(?:80|100))$",
    re.ASCII,
)

# The clock's DMs. A log DM goes out within two days of its session's end (bot/log_prompts.py),
# and its row is kept 30 days past even the term's bound, so a pruned one is never due again;
# the daily reminder and the weekly digest name their local day and ISO week.
_LOG_PROMPT = re.compile(r"^log-prompt:\d+:[^:]+$", re.ASCII)
_UNLOGGED = re.compile(r"^unlogged:[^:]+:(\d{4}-\d{2}-\d{2})$", re.ASCII)
_DIGEST = re.compile(r"^digest:[^:]+:(\d{4})-W(\d{2})$", re.ASCII)


def _after_day(day: date) -> datetime:
    """Later than local midnight after `day` in every zone (UTC+14 to UTC-12)."""
    return datetime.combine(add_days(day, 1), time(0), UTC) + timedelta(hours=12)


def last_moment(key: str, term_end: date) -> datetime | None:
    """A moment after which the post keyed `key` can never be sent; None for a key of a form
    not known here (its row is kept)."""
    if match := _SESSION.match(key):
        # A reminder lapses when its session starts; the start is in the key.
        return datetime.fromtimestamp(int(match[1]), UTC)
    if match := _ORDER.match(key):
        return _after_day(window_last_day(date.fromisoformat(match[1])))
    if _CONTRACT.match(key) or _LOG_PROMPT.match(key):
        # Every contract post lapses by the closing summary's last day, a week after the term.
        return _after_day(add_days(term_end, SUMMARY_STALE_DAYS))
    if match := _UNLOGGED.match(key):
        return _after_day(date.fromisoformat(match[1]))
    if match := _DIGEST.match(key):
        return _after_day(date.fromisocalendar(int(match[1]), int(match[2]), 7))
    return None
