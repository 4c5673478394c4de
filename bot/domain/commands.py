"""The `/oura-book` text forms (SPEC §4): parsing only, into plain command objects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

from bot.domain.availability import BadHours, WorkingHours, parse_working_hours
from bot.domain.contracts import MAX_TERM_MONTHS, MIN_TERM_MONTHS
from bot.domain.country import country_code
from bot.domain.entitlement import check_session_minutes
from bot.domain.errors import InvalidCommand
from bot.domain.meeting import agenda_note, meeting_url
from bot.domain.packages import (
    DEFAULT_SESSION_MINUTES,
    DEFAULT_TERM_MONTHS,
    MAX_SESSION_MINUTES,
    PACKAGES,
    SessionType,
    package_by_id,
)
from bot.domain.report import Month, parse_month
from bot.domain.session_log import MAX_ATTENDEES, MAX_NOTE
from bot.domain.slacktext import as_typed, escape, has_control, unescape
from bot.domain.support import MAX_REFERENCE, MAX_RINGS, RETURN_WINDOW_DAYS
from bot.domain.text import LANGUAGES, Text
from bot.domain.timeutil import check_year

COMMAND = "/oura-book"

# The forms are code: the same in every language.
FORMS: dict[str, str] = {
    "help": f"{COMMAND} help",
    "link": f"{COMMAND} link <package> <YYYY-MM-DD> <company name…>",  # a name
    # A booking's `link` takes one word; `agenda` takes the rest of the line, so it comes last.
    "book": f"{COMMAND} <type> <YYYY-MM-DD> <HH:MM> [<N>m] [billable] [anyway] "  # a name
    "[link <https URL>] [agenda <text…>]",  # a name
    "usage": f"{COMMAND} usage",
    "list": f"{COMMAND} list",
    "schedule": f"{COMMAND} schedule",
    "reconnect": f"{COMMAND} reconnect",
    "cancel": f"{COMMAND} cancel <id>",
    "done": f"{COMMAND} done <id> [<N>m] [billable]",
    "move": f"{COMMAND} move <id> <YYYY-MM-DD> <HH:MM> [billable] [anyway]",  # a name
    # The session log (issue 16): staff-only notes, and quiet corrections.
    "note": f"{COMMAND} note <id> <text…>",
    "attendees": f"{COMMAND} attendees <id> <names…>",
    "unlog": f"{COMMAND} unlog <id>",
    "delete": f"{COMMAND} delete <id>",
    "timezone": f"{COMMAND} timezone <Area/City>",
    "country": f"{COMMAND} country <CC>",
    "language": f"{COMMAND} language fi|en",  # a name
    "contact": f"{COMMAND} contact vendor|buyer <@user>",  # a name
    "meeting-link": f"{COMMAND} meeting-link [<https URL>|off]",  # a name
    # The support desk (issue 7).
    "order": f"{COMMAND} order <YYYY-MM-DD> <rings> [reference…]",
    "order fix": f"{COMMAND} order fix <id> <YYYY-MM-DD> <rings> [reference…]",  # a name
    "orders": f"{COMMAND} orders",
    "support": f"{COMMAND} support",
    "report": f"{COMMAND} report [YYYY-MM]",
    # The weekly digest (issue 17), on demand.
    "digest": f"{COMMAND} digest",
    # Meetings (issue 15): the staff member's calendar feed, sent as a DM.
    "calendar": f"{COMMAND} calendar [rotate]",
    # Working hours (issue 15).
    "hours": f"{COMMAND} hours <HH:MM>-<HH:MM> [days]",  # a name
    # A customer's contracts and their history (issue 16).
    "renew": f"{COMMAND} renew <package> <YYYY-MM-DD> [<N> months]",
    "contract fix": f"{COMMAND} contract fix start|term|package <value>",  # a name
    "history": f"{COMMAND} history [<id>] [page <N>]",
    "move channel": f"{COMMAND} move channel <#channel>",  # a name
    # The living balance in the channel (issue 17): post it again and pin it.
    "pin": f"{COMMAND} pin",
}

PACKAGE_IDS = ", ".join(f"`{p}`" for p in PACKAGES)
SESSION_TYPE_IDS = ", ".join(f"`{t.value}`" for t in SessionType)
MAX_COMPANY_NAME = 120

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$", re.ASCII)
_MINUTES = re.compile(r"^(\d{1,4})(?:m|min|mins|minutes)$", re.ASCII | re.IGNORECASE)
_SESSION_ID = re.compile(r"^#?(\d{1,9})$", re.ASCII)
_QUOTED_MAX = 40
# A person as Slack sends them: `<@U…>` or `<@U…|name>` (`W…` on Enterprise Grid).
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,20})(?:\|[^<>]*)?>$", re.ASCII)
# Slack's text splits into words at spaces, but a `<…>` of Slack's markup is one word even when
# its label has spaces (a `<` the person typed arrives as `&lt;`, so every `<` is Slack's).
_WORD = re.compile(r"(?:<[^<>]*>|[^\s<]|<)+")


@dataclass(frozen=True)
class OpenBookingModal:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Link:
    package_id: str
    start: date
    company: str


@dataclass(frozen=True)
class Book:
    session_type: SessionType
    day: date
    time_of_day: time
    minutes: int
    billable: bool
    join_url: str | None = None  # the session's own join link (`link <url>`)
    agenda_note: str = ""  # a line added to the type's agenda (`agenda <text…>`)
    anyway: bool = False  # book it even if it clashes with the vendor contact's time


@dataclass(frozen=True)
class Usage:
    pass


@dataclass(frozen=True)
class ListSessions:
    pass


@dataclass(frozen=True)
class Schedule:
    pass


@dataclass(frozen=True)
class ShowDigest:
    """The typist's weekly digest, now (staff only; any channel)."""


@dataclass(frozen=True)
class Reconnect:
    """The channel Slack refused is fixed: let the clock post there again."""


@dataclass(frozen=True)
class Pin:
    """Post the channel's living balance again (someone deleted it) and pin it."""


@dataclass(frozen=True)
class Cancel:
    session_id: int


@dataclass(frozen=True)
class LogHeld:
    session_id: int
    minutes: int | None
    billable: bool


@dataclass(frozen=True)
class Move:
    session_id: int
    day: date
    time_of_day: time
    billable: bool
    anyway: bool = False


@dataclass(frozen=True)
class SetSessionText:
    """A session's staff-only note or attendees (`field`), as typed."""

    session_id: int
    field: str  # "note" or "attendees"
    text: str


@dataclass(frozen=True)
class Unlog:
    """A logged session back to booked (a quiet correction)."""

    session_id: int


@dataclass(frozen=True)
class Delete:
    """A booking made by mistake, deleted soon after: no cancellation post."""

    session_id: int


@dataclass(frozen=True)
class SetTimezone:
    timezone: str


@dataclass(frozen=True)
class SetCountry:
    country: str  # ISO 3166 alpha-2, one the holidays package knows


@dataclass(frozen=True)
class SetLanguage:
    """What the account's shared channel is written in (its posts, the clock's included)."""

    language: str  # one of LANGUAGES


@dataclass(frozen=True)
class SetContact:
    role: str  # "vendor" or "buyer"
    user_id: str


@dataclass(frozen=True)
class ShowMeetingLink:
    """The typist's own personal meeting link."""


@dataclass(frozen=True)
class SetMeetingLink:
    """Set the typist's personal meeting link (None: clear it)."""

    url: str | None


@dataclass(frozen=True)
class OpenOrderModal:
    pass


@dataclass(frozen=True)
class RecordOrder:
    received_on: date
    rings: int
    reference: str


@dataclass(frozen=True)
class CorrectOrder:
    order_id: int
    received_on: date
    rings: int
    reference: str


@dataclass(frozen=True)
class ListOrders:
    pass


@dataclass(frozen=True)
class OpenSupportModal:
    pass


@dataclass(frozen=True)
class WorkingHoursCommand:
    """`hours` alone shows the typist's working hours; with a range (and days) sets them."""

    hours: WorkingHours | None


@dataclass(frozen=True)
class Report:
    """The usage report for a month (None: this month), sent to the typist as a CSV in a DM."""

    month: Month | None


@dataclass(frozen=True)
class CalendarFeed:
    """The address of the typist's calendar feed, by DM; `rotate` replaces the old address."""

    rotate: bool


@dataclass(frozen=True)
class Renew:
    """A new contract for the channel's account (a renewal or an upgrade)."""

    package_id: str
    start: date
    term_months: int


@dataclass(frozen=True)
class FixContract:
    """A correction of the current contract: `field` is start, term or package."""

    field: str
    value: date | int | str


@dataclass(frozen=True)
class MoveChannel:
    """Move the channel's account (contracts, sessions, history) to another channel."""

    channel_id: str


@dataclass(frozen=True)
class History:
    """The account's audit trail (or one session's), newest first, a page at a time."""

    session_id: int | None
    page: int


Command = (
    OpenBookingModal
    | Help
    | Link
    | Book
    | Usage
    | ListSessions
    | Schedule
    | ShowDigest
    | Reconnect
    | Pin
    | Cancel
    | LogHeld
    | Move
    | SetSessionText
    | Unlog
    | Delete
    | SetTimezone
    | SetCountry
    | SetLanguage
    | SetContact
    | ShowMeetingLink
    | SetMeetingLink
    | OpenOrderModal
    | RecordOrder
    | CorrectOrder
    | ListOrders
    | OpenSupportModal
    | Report
    | CalendarFeed
    | WorkingHoursCommand
    | Renew
    | FixContract
    | History
    | MoveChannel
)


def quoted(token: str) -> str:
    """A user's token echoed back as inline code: short, and unable to break the quoting or to
    act as Slack markup (cut first, then escaped, so no entity is cut in half)."""
    token = token.replace("`", "'")
    if len(token) > _QUOTED_MAX:
        token = token[: _QUOTED_MAX - 1] + "…"
    return f"`{escape(token)}`"


def form_code(form: str) -> str:
    """A form's usage as inline code for mrkdwn: its `<…>` placeholders escaped, or Slack
    would take them for links and show `link package YYYY-MM-DD`."""
    return f"`{escape(FORMS[form])}`"


def _wrong(form: str, problem: Text) -> InvalidCommand:
    """What is wrong, then the form to type (code, the same in every language)."""
    # Translators: {problem} is one of the parser's sentences; {form} is a command form as code.
    return InvalidCommand("{problem} Use {form}.", problem=problem, form=form_code(form))


def parse_date(token: str, form: str) -> date:
    if _DATE.match(token):
        try:
            day = date.fromisoformat(token)
        except ValueError:
            pass
        else:
            return check_year(day)
    # Translators: {token} is what was typed, as code.
    problem = Text(
        "{token} is not a date in the form YYYY-MM-DD (e.g. 2027-01-04).", token=quoted(token)
    )
    raise _wrong(form, problem)


def parse_time(token: str, form: str) -> time:
    match = _TIME.match(token)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    problem = Text(
        "{token} is not a time in the form HH:MM, 24-hour (e.g. 14:00).", token=quoted(token)
    )
    raise _wrong(form, problem)


def parse_minutes(token: str, form: str) -> int:
    match = _MINUTES.match(token)
    if not match:
        # Translators: {form} is `<N>m` (code): a number of minutes and the letter m.
        problem = Text(
            "{token} is not a duration in the form {form} (e.g. 45m).",
            token=quoted(token),
            form=escape("<N>m"),
        )
        raise _wrong(form, problem)
    return check_session_minutes(int(match[1]))


def parse_session_id(tokens: list[str], form: str) -> int:
    if not tokens:
        raise _wrong(form, Text("Which session? Give its id from `/oura-book list`."))
    match = _SESSION_ID.match(tokens[0])
    if not match:
        problem = Text(
            "{token} is not a session id (a number from `/oura-book list`).",
            token=quoted(tokens[0]),
        )
        raise _wrong(form, problem)
    return int(match[1])


def _options(tokens: list[str], form: str, allow_minutes: bool) -> tuple[int | None, bool]:
    """The optional trailing `[<N>m] [billable]`, in either order, each at most once."""
    minutes, billable, _ = _options_anyway(tokens, form, allow_minutes, allow_anyway=False)
    return minutes, billable


def _options_anyway(
    tokens: list[str], form: str, allow_minutes: bool, allow_anyway: bool = True
) -> tuple[int | None, bool, bool]:
    """The optional trailing `[<N>m] [billable] [anyway]`, in any order, each at most once."""
    minutes: int | None = None
    billable = anyway = False
    for token in tokens:
        if token.lower() == "billable" and not billable:
            billable = True
        elif allow_anyway and token.lower() == "anyway" and not anyway:
            anyway = True
        elif allow_minutes and minutes is None and token[:1].isdigit():
            minutes = parse_minutes(token, form)
        else:
            raise _wrong(form, Text("I did not understand {token}.", token=quoted(token)))
    return minutes, billable, anyway


def _no_arguments(tokens: list[str], form: str) -> None:
    if tokens:
        # Translators: {verb} is the command word, e.g. `usage`.
        verb = f"`{form}`"
        raise _wrong(form, Text("{verb} takes nothing after it.", verb=verb))


def parse(text: str) -> Command:
    """The command in `text` as Slack sends it: with `should_escape: true` (manifest.yml) a
    mention picked from Slack's list is `<@U…|name>`, a link `<http…>`, and a typed `&`, `<`
    or `>` is `&amp;`, `&lt;`, `&gt;`. This is the one place that text is read back into what
    the person typed (`as_typed`): the parser alone knows which word is a mention (kept as
    Slack's markup) and which is free text (a company name, an order reference)."""
    raw = _WORD.findall(text)
    tokens = [as_typed(word) for word in raw]
    if not tokens:
        return OpenBookingModal()
    verb, rest = tokens[0].lower(), tokens[1:]

    if verb == "help":
        return Help()
    if verb == "usage":
        _no_arguments(rest, "usage")
        return Usage()
    if verb == "list":
        _no_arguments(rest, "list")
        return ListSessions()
    if verb == "schedule":
        _no_arguments(rest, "schedule")
        return Schedule()
    if verb == "digest":
        _no_arguments(rest, "digest")
        return ShowDigest()
    if verb == "reconnect":
        _no_arguments(rest, "reconnect")
        return Reconnect()
    if verb == "pin":
        _no_arguments(rest, "pin")
        return Pin()
    if verb == "link":
        return _parse_link(rest)
    if verb == "cancel":
        session_id = parse_session_id(rest, "cancel")
        _no_arguments(rest[1:], "cancel")
        return Cancel(session_id)
    if verb == "done":
        session_id = parse_session_id(rest, "done")
        minutes, billable = _options(rest[1:], "done", allow_minutes=True)
        return LogHeld(session_id, minutes, billable)
    if verb == "move" and rest and rest[0].lower() == "channel":
        return _parse_move_channel(rest[1:], raw[2:])
    if verb == "move":
        session_id = parse_session_id(rest, "move")
        if len(rest) < 3:
            raise _wrong("move", Text("Give the session id, the new date and the new time."))
        _, billable, anyway = _options_anyway(rest[3:], "move", allow_minutes=False)
        day, time_of_day = parse_date(rest[1], "move"), parse_time(rest[2], "move")
        return Move(session_id, day, time_of_day, billable, anyway)
    if verb in ("note", "attendees"):
        return _parse_session_text(verb, rest)
    if verb in ("unlog", "delete"):
        session_id = parse_session_id(rest, verb)
        _no_arguments(rest[1:], verb)
        return Unlog(session_id) if verb == "unlog" else Delete(session_id)
    if verb in ("timezone", "tz"):
        if len(rest) != 1:
            raise _wrong("timezone", Text("Give one IANA time zone name."))
        return SetTimezone(rest[0])
    if verb == "country":
        return _parse_country(rest)
    if verb == "language":
        return _parse_language(rest)
    if verb == "contact":
        return _parse_contact(rest, raw[1:])
    if verb == "meeting-link":
        return _parse_meeting_link(rest, raw[1:])
    if verb == "order":
        return _parse_order(rest)
    if verb == "orders":
        _no_arguments(rest, "orders")
        return ListOrders()
    if verb == "support":
        _no_arguments(rest, "support")
        return OpenSupportModal()
    if verb == "report":
        return _parse_report(rest)
    if verb == "calendar":
        return _parse_calendar(rest)
    if verb == "hours":
        return _parse_hours(rest)
    if verb in ("renew", "contract", "history"):
        return _parse_contract_form(verb, rest)
    if verb in {t.value for t in SessionType}:
        return _parse_book(SessionType(verb), rest, raw[1:])
    # Translators: {token} is the word typed; {types} the session types as code; {help} is
    # the help command as code.
    raise InvalidCommand(
        "I don't know {token}. Session types are {types}; see {help} for everything else.",
        token=quoted(tokens[0]),
        types=SESSION_TYPE_IDS,
        help=form_code("help"),
    )


def _parse_link(rest: list[str]) -> Link:
    if len(rest) < 3:
        problem = Text("Give the package, the contract start date and the company name.")
        raise _wrong("link", problem)
    package = package_by_id(rest[0])
    if package is None:
        problem = Text(
            "{token} is not a package; choose one of {packages}.",
            token=quoted(rest[0]),
            packages=PACKAGE_IDS,
        )
        raise _wrong("link", problem)
    start = parse_date(rest[1], "link")
    company = " ".join(rest[2:])
    if has_control(company):
        problem = Text("The company name has a control character in it; type it again.")
        raise _wrong("link", problem)
    if len(company) > MAX_COMPANY_NAME:
        problem = Text(
            "The company name is longer than {limit} characters.", limit=MAX_COMPANY_NAME
        )
        raise _wrong("link", problem)
    return Link(package.id, start, company)


def _parse_session_text(form: str, rest: list[str]) -> SetSessionText:
    """`note <id> <text…>` or `attendees <id> <names…>`: staff-only words about a session."""
    session_id = parse_session_id(rest, form)
    text = " ".join(rest[1:])
    limit = MAX_NOTE if form == "note" else MAX_ATTENDEES
    if not text:
        raise _wrong(form, Text("Give the text after the session id."))
    if has_control(text):
        raise _wrong(form, Text("There is a control character in it; type it again."))
    if len(text) > limit:
        raise _wrong(form, Text("At most {most} characters.", most=limit))
    return SetSessionText(session_id, form, text)


def _parse_contact(rest: list[str], raw: list[str]) -> SetContact:
    """`contact vendor|buyer <@person>`. `raw` is the same words as Slack sent them: a mention
    is Slack's `<@U…|name>`, or `&lt;@U…&gt;` when someone typed `<@U…>` by hand."""
    if len(rest) < 2 or rest[0].lower() not in ("vendor", "buyer"):
        problem = Text("Say which contact (`vendor` or `buyer`) and mention the person.")
        raise _wrong("contact", problem)
    match = _MENTION.match(unescape(raw[1]))
    if match and len(rest) == 2:
        return SetContact(rest[0].lower(), match[1])
    if match:
        raise _wrong("contact", Text("Mention one person, and nothing after them."))
    said = unescape(raw[1])
    if said.startswith("<!") or said.startswith("<#"):
        problem = Text("{token} is not a person: mention one person.", token=quoted(rest[1]))
        raise _wrong("contact", problem)
    if rest[1].startswith("@"):
        problem = Text(
            "{token} is a name typed as text, so Slack did not say who that is: type @ and pick "
            "the person from Slack's list.",
            token=quoted(" ".join(rest[1:])),
        )
        raise _wrong("contact", problem)
    problem = Text("{token} is not a mention of a Slack user.", token=quoted(rest[1]))
    raise _wrong("contact", problem)


_RINGS = re.compile(r"^\d{1,6}$", re.ASCII)


def _parse_order(rest: list[str]) -> OpenOrderModal | RecordOrder | CorrectOrder:
    """`order` (the form), `order <date> <rings> [ref…]`, `order fix <id> <date> <rings> [ref…]`."""
    if not rest:
        return OpenOrderModal()
    if rest[0].lower() == "fix":
        form = "order fix"  # a name (a key of FORMS)
        match = _SESSION_ID.match(rest[1]) if len(rest) > 1 else None
        if len(rest) > 1 and match is None:
            problem = Text(
                "{token} is not an order id (a number from `orders`).", token=quoted(rest[1])
            )
            raise _wrong(form, problem)
        if match is None or len(rest) < 4:
            problem = Text("Give the order id, the date it was received and the ring count.")
            raise _wrong(form, problem)
        day, rings, reference = _order_details(rest[2:], form)
        return CorrectOrder(int(match[1]), day, rings, reference)
    if len(rest) < 2:
        problem = Text("Give the date the customer received the order and the ring count.")
        raise _wrong("order", problem)
    return RecordOrder(*_order_details(rest, "order"))


def _order_details(tokens: list[str], form: str) -> tuple[date, int, str]:
    day = parse_date(tokens[0], form)
    if not _RINGS.match(tokens[1]) or not 1 <= int(tokens[1]) <= MAX_RINGS:
        problem = Text(
            "{token} is not a ring count (a whole number, 1 or more).", token=quoted(tokens[1])
        )
        raise _wrong(form, problem)
    reference = " ".join(tokens[2:])
    if len(reference) > MAX_REFERENCE:
        problem = Text("The reference is longer than {limit} characters.", limit=MAX_REFERENCE)
        raise _wrong(form, problem)
    return day, int(tokens[1]), reference


def _parse_calendar(rest: list[str]) -> CalendarFeed:
    if not rest:
        return CalendarFeed(rotate=False)
    if len(rest) == 1 and rest[0].lower() == "rotate":
        return CalendarFeed(rotate=True)
    problem = Text("Only `rotate` can follow `calendar`: it replaces your feed's address.")
    raise _wrong("calendar", problem)


def _parse_report(rest: list[str]) -> Report:
    if len(rest) > 1:
        raise _wrong("report", Text("Give at most one month."))
    if not rest:
        return Report(None)
    try:
        return Report(parse_month(rest[0]))
    except ValueError:
        problem = Text(
            "{token} is not a month in the form YYYY-MM (e.g. 2027-01).", token=quoted(rest[0])
        )
        raise _wrong("report", problem) from None


def _parse_book(session_type: SessionType, rest: list[str], raw: list[str]) -> Book:
    if len(rest) < 2:
        # Translators: {session_type} is the session type as typed, e.g. kickoff.
        problem = Text(
            "Give the date and the local start time of the {session_type}.",
            session_type=session_type.value,
        )
        raise _wrong("book", problem)
    day = parse_date(rest[0], "book")
    time_of_day = parse_time(rest[1], "book")
    options, join_url, note = _meeting_options(rest[2:], raw[2:])
    minutes, billable, anyway = _options_anyway(options, "book", allow_minutes=True)
    minutes = minutes or DEFAULT_SESSION_MINUTES
    return Book(session_type, day, time_of_day, minutes, billable, join_url, note, anyway)


def _meeting_options(tokens: list[str], raw: list[str]) -> tuple[list[str], str | None, str]:
    """A booking's `link <https URL>` (one word, read from Slack's own `<…>` of it) and
    `agenda <text…>` (the rest of the line, words joined by one space); the other words are
    left for `_options`."""
    words = [token.lower() for token in tokens]
    note = ""
    if "agenda" in words:
        at = words.index("agenda")
        if at + 1 == len(tokens):
            raise _wrong("book", Text("Write the agenda line after `agenda`."))
        try:
            note = agenda_note(" ".join(tokens[at + 1 :]))
        except InvalidCommand as error:
            raise _wrong("book", error.message) from None
        tokens, raw, words = tokens[:at], raw[:at], words[:at]
    join_url: str | None = None
    if "link" in words:
        at = words.index("link")
        if at + 1 == len(tokens):
            raise _wrong("book", Text("Give the meeting link after `link`."))
        join_url = _join_url(raw[at + 1], "book")
        tokens = tokens[:at] + tokens[at + 2 :]
    return tokens, join_url, note


def _join_url(word: str, form: str) -> str:
    """A meeting link as Slack sent it: `<https://…>` (or `<https://…|label>`) when Slack saw a
    link, its entities unescaped once."""
    try:
        return meeting_url(unescape(word))
    except InvalidCommand as error:
        problem = error.message
        if "url" in problem.params:
            # The address echoed back is typed text: escaped for mrkdwn, so it stays inert.
            problem = Text(problem.id, **{**problem.params, "url": escape(problem.params["url"])})
        raise _wrong(form, problem) from None


def _parse_meeting_link(rest: list[str], raw: list[str]) -> ShowMeetingLink | SetMeetingLink:
    """`meeting-link` (show), `meeting-link <https URL>` (set), `meeting-link off` (clear)."""
    if not rest:
        return ShowMeetingLink()
    if len(rest) > 1:
        raise _wrong("meeting-link", Text("Give one link, or `off` to remove yours."))
    if rest[0].lower() == "off":
        return SetMeetingLink(None)
    return SetMeetingLink(_join_url(raw[0], "meeting-link"))


def _parse_hours(rest: list[str]) -> WorkingHoursCommand:
    """`hours` (show them) or `hours <HH:MM>-<HH:MM> [days]` (days default to mon-fri)."""
    if not rest:
        return WorkingHoursCommand(None)
    try:
        return WorkingHoursCommand(parse_working_hours(rest[0], rest[1:]))
    except BadHours as bad:
        raise _wrong("hours", bad.problem) from None


def help_text() -> Text:
    """The answer to `/oura-book help`, written in the reader's language where it is shown
    (`say`): what the command does, every form (code, the same in every language), the rules."""
    # Translators: the reply to `/oura-book help` (Slack mrkdwn). Keep the ``` lines: what is
    # between them is code, except "open the booking form" (keep the spaces before it).
    # {forms}: the command forms; {packages}, {types}: lists of codes; {max}, {default}:
    # minutes; {days}: the return window in days.
    return Text(
        "*`/oura-book`* books and logs onboarding sessions for the account linked to this "
        "channel.\n"
        "```\n"
        "{command}                      open the booking form\n"
        "{forms}\n"
        "```\n"
        "Packages: {packages}. Session types: {types}. Sessions are at most {max} minutes "
        "(default {default}m). Times are read in your Slack time zone.\n"
        "`order` alone opens the order form; an order's date is when the customer received it "
        "(returns and exchanges: {days} days from then). `support` opens the support form.\n"
        "A booking's `link` gives it its own https join link (otherwise the vendor contact's "
        "from `meeting-link` is used); `agenda` adds one line to the session type's agenda and "
        "takes the rest of the line, so put it last. `meeting-link` alone shows your link, "
        "`meeting-link off` removes it.",
        command=COMMAND,
        forms="\n".join(escape(form) for form in FORMS.values()),
        packages=PACKAGE_IDS,
        types=SESSION_TYPE_IDS,
        max=MAX_SESSION_MINUTES,
        default=DEFAULT_SESSION_MINUTES,
        days=RETURN_WINDOW_DAYS,
    )


def _parse_country(rest: list[str]) -> SetCountry:
    """A two-letter ISO 3166 code of a country whose public holidays are known."""
    if len(rest) != 1:
        problem = Text("Give one two-letter country code, such as `FI`, `US` or `SE`.")
        raise _wrong("country", problem)
    code = country_code(rest[0])
    if code is None:
        problem = Text(
            "{token} is not a country code whose public holidays are known: give two letters, "
            "such as `FI`, `US` or `SE`.",
            token=quoted(rest[0]),
        )
        raise _wrong("country", problem)
    return SetCountry(code)


def _parse_language(rest: list[str]) -> SetLanguage:
    if len(rest) == 1 and rest[0].lower() in LANGUAGES:
        return SetLanguage(rest[0].lower())
    if rest:
        problem = Text(
            "{token} is not a language I write. Give `fi` (Finnish) or `en` (English).",
            token=quoted(" ".join(rest)),
        )
    else:
        problem = Text("Which language? Give `fi` (Finnish) or `en` (English).")
    raise _wrong("language", problem)


# -- contracts and history (issue 16) ---------------------------------------------------------

_MONTHS = re.compile(r"^(\d{1,3})(?:months?)?$", re.ASCII | re.IGNORECASE)
_PAGE = re.compile(r"^\d{1,4}$", re.ASCII)
CONTRACT_FIELDS = ("start", "term", "package")  # not for people: typed words


def _parse_contract_form(verb: str, rest: list[str]) -> Renew | FixContract | History:
    if verb == "renew":
        return _parse_renew(rest)
    if verb == "history":
        return _parse_history(rest)
    form = "contract fix"  # a name (a key of FORMS)
    if len(rest) < 3 or rest[0].lower() != "fix" or rest[1].lower() not in CONTRACT_FIELDS:
        problem = Text("Say what to correct (`start`, `term` or `package`) and its new value.")
        raise _wrong(form, problem)
    field, values = rest[1].lower(), rest[2:]
    if field == "start":
        if len(values) != 1:
            raise _wrong(form, Text("Give one date."))
        return FixContract(field, parse_date(values[0], form))
    if field == "term":
        return FixContract(field, _parse_term(values, form))
    package = package_by_id(values[0]) if len(values) == 1 else None
    if package is None:
        problem = Text(
            "{token} is not a package; choose one of {packages}.",
            token=quoted(" ".join(values)),
            packages=PACKAGE_IDS,
        )
        raise _wrong(form, problem)
    return FixContract(field, package.id)


def _parse_term(tokens: list[str], form: str) -> int:
    """`<N> months`, `<N>months` or `<N>`: a term of 1 to 60 months."""
    match = _MONTHS.match("".join(tokens)) if tokens else None
    if match is None or not MIN_TERM_MONTHS <= int(match[1]) <= MAX_TERM_MONTHS:
        # Translators: {token} is what was typed, as code; {min} and {max} are months.
        problem = Text(
            "{token} is not a term: give {min} to {max} months, e.g. `12 months`.",
            token=quoted(" ".join(tokens)),
            min=MIN_TERM_MONTHS,
            max=MAX_TERM_MONTHS,
        )
        raise _wrong(form, problem)
    return int(match[1])


def _parse_renew(rest: list[str]) -> Renew:
    if len(rest) < 2:
        raise _wrong("renew", Text("Give the package and the new contract's start date."))
    package = package_by_id(rest[0])
    if package is None:
        problem = Text(
            "{token} is not a package; choose one of {packages}.",
            token=quoted(rest[0]),
            packages=PACKAGE_IDS,
        )
        raise _wrong("renew", problem)
    start = parse_date(rest[1], "renew")
    months = _parse_term(rest[2:], "renew") if rest[2:] else DEFAULT_TERM_MONTHS
    return Renew(package.id, start, months)


def _parse_history(rest: list[str]) -> History:
    session_id: int | None = None
    if rest and rest[0].lower() != "page":
        session_id = parse_session_id(rest, "history")
        rest = rest[1:]
    page = 1
    if rest:
        if len(rest) != 2 or rest[0].lower() != "page" or not _PAGE.match(rest[1]):
            problem = Text("I did not understand {token}.", token=quoted(" ".join(rest)))
            raise _wrong("history", problem)
        page = max(int(rest[1]), 1)
    return History(session_id, page)


# A channel as Slack sends it: `<#C…|name>` or `<#C…>` (private channels may be `G…`).
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9_]{2,20})(?:\|[^<>]*)?>$", re.ASCII)


def _parse_move_channel(rest: list[str], raw: list[str]) -> MoveChannel:
    """`move channel <#channel>`: `raw` is the words as Slack sent them (the mention)."""
    form = "move channel"  # a name (a key of FORMS)
    match = _CHANNEL.match(unescape(raw[0])) if len(raw) == 1 else None
    if match is None:
        problem = Text(
            "Name one channel, picked from Slack's list after typing #, e.g. `#acme-onboarding`."
        )
        raise _wrong(form, problem)
    return MoveChannel(match[1])
