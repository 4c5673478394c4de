"""What makes a session a meeting: the agenda its type covers (the vendor's terms, spec section
3) and a join link that is safe to put in front of customers."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.domain.errors import InvalidCommand
from bot.domain.packages import SessionType
from bot.domain.slacktext import has_control
from bot.domain.text import N_

# The topics of each session type, in the order the vendor's terms list them.
AGENDAS: dict[SessionType, tuple[str, ...]] = {
    SessionType.KICKOFF: (
        N_("The purchased products and services"),
        N_("Ring fitting and ordering"),
        N_("Next steps"),
        N_("A proposed schedule"),
    ),
    SessionType.ONBOARDING: (
        N_("Recommended practice for mapping ring sizes"),
        N_("The ordering process"),
        N_("Ring distribution"),
        N_("Materials to share with end users"),
    ),
    SessionType.TRAINING: (
        N_("First admin log-in to Oura Teams and/or Health Risk Management"),
        N_("Adding coaches and admins, creating groups, inviting members"),
        N_("Navigating and retrieving data"),
    ),
    SessionType.STATUS_UPDATE: (
        N_("Progress"),
        N_("Open items"),
        N_("Next steps"),
    ),
}

# A line staff add to a booking's agenda; longer would not fit an invite's summary line.
AGENDA_NOTE_LIMIT = 300
MEETING_URL_LIMIT = 500
EXAMPLE_URL = "https://meet.google.com/abc-defg-hij"  # not for people: an example address


def agenda(session_type: SessionType | str) -> tuple[str, ...]:
    """The type's topics as catalog message ids (translate each where it is shown)."""
    return AGENDAS[SessionType(session_type)]


def meeting_url(text: str) -> str:
    """A join link as typed (Zoom, Google Meet, Teams, Whereby…): https, a host, no spaces.
    Slack wraps a typed URL in `<…>` (or `<url|label>`); that wrapping is taken off here."""
    url = text.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].split("|", 1)[0]
    if not url:
        raise InvalidCommand("Give the meeting link, such as {example}.", example=EXAMPLE_URL)
    parts = urlsplit(url)
    if (
        any(c.isspace() or c in '<>"' for c in url)
        or len(url) > MEETING_URL_LIMIT
        or parts.scheme.lower() != "https"
        or not parts.hostname
        or "." not in parts.hostname
    ):
        raise InvalidCommand(
            "{url} is not a meeting link: give one https:// address with a host, such as "
            "{example}.",
            url=url[:80],
            example=EXAMPLE_URL,
        )
    return url


def agenda_note(text: str) -> str:
    """The line staff add to a booking's agenda, as typed (already unescaped): one line, at
    most AGENDA_NOTE_LIMIT characters; empty is none."""
    note = " ".join(text.split())
    if has_control(text.replace("\n", " ").replace("\t", " ")):
        raise InvalidCommand("The agenda line has a control character in it; type it again.")
    if len(note) > AGENDA_NOTE_LIMIT:
        raise InvalidCommand(
            "The agenda line is longer than {limit} characters.", limit=AGENDA_NOTE_LIMIT
        )
    return note
