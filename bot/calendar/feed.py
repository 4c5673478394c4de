"""GET /calendar/<token>.ics: a staff member's sessions for their calendar app to subscribe to.

Calendar apps cannot sign a request, so the token in the path is the secret: 256 random bits,
of which only the SHA-256 is stored (`bot.services.calendar`). An unknown or replaced token is
a plain 404. The body's hash is its ETag, so an app that asks again with `If-None-Match` gets
a 304 while nothing changed."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from bot.calendar.invite import feed
from bot.domain.errors import Unavailable
from bot.i18n import language_of, speaking
from bot.services.calendar import CalendarService

log = logging.getLogger("oura.web")

FEED_PREFIX = "/calendar/"
FEED_SUFFIX = ".ics"
CONTENT_TYPE = "text/calendar; charset=utf-8"


def feed_path(token: str) -> str:
    return f"{FEED_PREFIX}{token}{FEED_SUFFIX}"


def serve_feed(
    calendar: CalendarService,
    environ: dict[str, Any],
    start_response: Callable[..., Any],
    default_language: str,
) -> Iterable[bytes]:
    path: str = environ.get("PATH_INFO") or ""
    token = path[len(FEED_PREFIX) : -len(FEED_SUFFIX)] if path.endswith(FEED_SUFFIX) else ""
    try:
        meetings = calendar.feed(token)
    except Unavailable:
        return _plain(start_response, "503 Service Unavailable", b"try again later\n")
    if meetings is None:
        return _plain(start_response, "404 Not Found", b"no such calendar\n")
    # The address says what it is written in (`?lang=fi`, set when it was handed out).
    asked = parse_qs(environ.get("QUERY_STRING") or "").get("lang", [""])[0]
    with speaking(language_of(asked) or default_language):
        body = feed(meetings)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = [("ETag", etag), ("Cache-Control", "private, max-age=300")]
    tags = _tags(environ.get("HTTP_IF_NONE_MATCH") or "")
    if etag in tags or "*" in tags:
        start_response("304 Not Modified", headers)
        return [b""]
    headers += [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))]
    start_response("200 OK", headers)
    return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def _tags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header (a weak `W/"…"` matches as well)."""
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return tags - {""}


def _plain(start_response: Callable[..., Any], status: str, body: bytes) -> Iterable[bytes]:
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
