"""Local wall-clock time <-> UTC, and calendar arithmetic for contract terms."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from difflib import get_close_matches
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from bot.domain.errors import InvalidCommand
from bot.domain.slacktext import escape
from bot.domain.text import Text

# Dates people type or pick are kept to these years: arithmetic near year 1 or 9999 overflows,
# and no contract of ours is that old or that far ahead.
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_ZONE_NAME = 64  # what the account's time zone column holds


@cache
def known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    if name in known_zones():
        return ZoneInfo(name)
    near = get_close_matches(name, known_zones(), n=1) if len(name) <= MAX_ZONE_NAME else []
    shown = f"`{escape(name if len(name) <= MAX_ZONE_NAME else name[:MAX_ZONE_NAME] + '…')}`"
    if near:
        # Translators: {name} is what was typed and {near} a known zone name, both as code.
        raise InvalidCommand(
            "{name} is not a time zone I know. Did you mean {near}? "
            "Use an IANA name such as `Europe/Helsinki`.",
            name=shown,
            near="`" + near[0] + "`",
        )
    raise InvalidCommand(
        "{name} is not a time zone I know. Use an IANA name such as `Europe/Helsinki`.",
        name=shown,
    )


def check_year(day: date, what: Text | None = None) -> date:
    """`day` if it is within the years we keep; `what` names it in the error."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        # Translators: {what} names the date ("The date", "The start date"); {first} and
        # {last} are years; {day} is the date as typed.
        raise InvalidCommand(
            "{what} must be between {first} and {last}; {day} is not.",
            what=what or Text("The date"),
            first=FIRST_YEAR,
            last=LAST_YEAR,
            day=day.isoformat(),
        )
    return day


def is_valid_zone(name: str) -> bool:
    try:
        zone(name)
    except InvalidCommand:
        return False
    return True


def local_to_utc(day: date, time_of_day: time, tz_name: str) -> datetime:
    """The UTC instant of a wall-clock time in a zone; refuses times a DST jump skips."""
    tz = zone(tz_name)
    local = datetime.combine(day, time_of_day, tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        # Translators: {time} is HH:MM, {day} YYYY-MM-DD, {zone} a time zone name.
        raise InvalidCommand(
            "{time} does not exist on {day} in {zone} (the clocks jump forward then). "
            "Pick another time.",
            time=time_of_day.strftime("%H:%M"),
            day=day.isoformat(),
            zone=tz_name,
        )
    return instant


def local_midnight_utc(day: date, tz_name: str) -> datetime:
    """When `day` begins in the zone, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=zone(tz_name)).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """Same day of the month `months` later, clamped to the month's end (31 Jan + 1: 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)


def require_aware(moment: datetime, what: str = "time") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {moment!r}")
    return moment


WORKING_HOURS = range(9, 17)  # a session (at most 60 minutes) starting 09:00 to 16:00 ends by 17:00


def suggested_start(now: datetime, tz_name: str) -> datetime:
    """The booking form's first suggestion: the next working hour in the zone `tz_name` (the
    user's), strictly after `now`: a weekday, on the hour, from 09:00 to 16:00 so that a
    session ends by 17:00. Not "tomorrow at this hour", which is 03:00 for someone at night."""
    require_aware(now, "now")
    tz = zone(tz_name)
    today = now.astimezone(tz).date()
    for days in range(8):  # a week always holds a working hour
        day = today + timedelta(days=days)
        if day.weekday() >= 5:
            continue
        for hour in WORKING_HOURS:
            start = datetime.combine(day, time(hour), tzinfo=tz)
            if start > now:
                return start.astimezone(UTC)
    raise AssertionError("unreachable: every week has a working hour")
