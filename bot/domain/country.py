"""An account's country and its public holidays: business hours skip them.

The country is set by staff or follows the account's time zone (the tz database's `zone.tab`,
shipped in the `tzdata` package). A zone with no single country (UTC) has no holidays.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources

import holidays


@cache
def _zone_countries() -> dict[str, str]:
    """Zone name to its one ISO 3166 alpha-2 code."""
    found: dict[str, str] = {}
    base = resources.files("tzdata").joinpath("zoneinfo")
    # zone1970.tab may list several countries for a zone: only a single one counts. zone.tab
    # names exactly one per zone, so it is read last and wins.
    for name in ("zone1970.tab", "zone.tab"):  # not for people
        try:
            text = base.joinpath(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) >= 3 and "," not in fields[0]:
                found[fields[2]] = fields[0]
    return found


def country_for_timezone(tz_name: str) -> str | None:
    """The country a time zone belongs to (`Europe/Helsinki` → FI), or None (UTC)."""
    return _zone_countries().get(tz_name)


def is_known_country(code: str) -> bool:
    """An alpha-2 code the holidays package has a calendar for."""
    return code in holidays.list_supported_countries()


def effective_country(country: str | None, tz_name: str) -> str | None:
    """The account's own country if set, else its time zone's."""
    return country or country_for_timezone(tz_name)


@cache
def _holidays(country: str, year: int) -> frozenset[date]:
    # One frozen set per country and year: the package's calendars fill in lazily as they are
    # asked, which is not something to share between threads.
    return frozenset(holidays.country_holidays(country, years=year))


def is_holiday(day: date, country: str | None) -> bool:
    if country is None or not is_known_country(country):
        return False
    return day in _holidays(country, day.year)


def is_business_day(day: date, country: str | None) -> bool:
    return day.weekday() < 5 and not is_holiday(day, country)


def country_code(text: str) -> str | None:
    """`text` as a known alpha-2 code (any case), or None."""
    code = text.strip().upper()
    if len(code) == 2 and code.isascii() and code.isalpha() and is_known_country(code):
        return code
    return None
