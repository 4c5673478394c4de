"""Add-to-calendar links: the public "new event" page of Google Calendar and of Outlook on the
web, filled in through the address alone (no API, no credentials).

Neither vendor documents these addresses as an API; their parameters are the ones widely
published and used:
- Google: `https://calendar.google.com/calendar/render?action=TEMPLATE&text=…&dates=…&details=…
  &location=…`, `dates` as `YYYYMMDDTHHMMSSZ/YYYYMMDDTHHMMSSZ` in UTC (Google's own "event
  publisher guide", google.com/googlecalendar/event_publisher_guide_detail.html, and the
  community reference github.com/InteractionDesignFoundation/add-event-to-calendar-docs,
  services/google.md).
- Outlook: `https://outlook.office.com/calendar/0/deeplink/compose?path=/calendar/action/compose
  &rru=addevent&subject=…&startdt=…&enddt=…&body=…&location=…`, times as ISO 8601 with an offset
  or `Z` (labnol.org/apps/calendar.html, as quoted in the answer at
  mcmap.net/q/1925388/-create-a-calendar-link-for-outlook-office-365-calendar; the same
  parameters at phst.hateblo.jp/entry/2022/02/03/180000, which notes the body takes `<br>` for
  a line break, not a newline).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

GOOGLE = "https://calendar.google.com/calendar/render"  # not for people: an address
OUTLOOK = "https://outlook.office.com/calendar/0/deeplink/compose"  # not for people: an address
# A Block Kit button's `url` holds at most 3,000 characters.
URL_LIMIT = 3000
ELLIPSIS = "…"


@dataclass(frozen=True)
class CalendarEvent:
    """One session as a calendar event: plain text, already in the reader's language."""

    title: str
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    details: str  # lines, plain text
    location: str = ""  # the join link, or nothing


def _google_dates(event: CalendarEvent) -> str:
    def utc(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    return f"{utc(event.starts_at)}/{utc(event.ends_at)}"


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _google(event: CalendarEvent, details: str) -> str:
    params = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": _google_dates(event),
        "details": details,
        "location": event.location,
    }
    return f"{GOOGLE}?{urlencode(params)}"


def _outlook(event: CalendarEvent, details: str) -> str:
    # Outlook reads the body as HTML: the text escaped, its lines joined with <br>.
    body = "<br>".join(html.escape(line, quote=False) for line in details.split("\n"))
    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": _iso_utc(event.starts_at),
        "enddt": _iso_utc(event.ends_at),
        "body": body,
        "location": event.location,
    }
    return f"{OUTLOOK}?{urlencode(params)}"


def _fitted(build: Callable[[CalendarEvent, str], str], event: CalendarEvent) -> str:
    """The address with as much of the details as fits in a button's url (cut with `…`)."""
    url = build(event, event.details)
    if len(url) <= URL_LIMIT:
        return url
    # The longest start of the details that still fits: found by halving, not char by char.
    low, high = 0, len(event.details)
    while low < high:
        middle = (low + high + 1) // 2
        if len(build(event, event.details[:middle].rstrip() + ELLIPSIS)) <= URL_LIMIT:
            low = middle
        else:
            high = middle - 1
    details = event.details[:low].rstrip() + ELLIPSIS if low else ""
    return build(event, details)


def google_url(event: CalendarEvent) -> str:
    return _fitted(_google, event)


def outlook_url(event: CalendarEvent) -> str:
    return _fitted(_outlook, event)
