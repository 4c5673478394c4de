"""The `/oura-book` text forms (SPEC §4) and every way they can be malformed.

Parsing only: no Slack, no database. A malformed command is refused with a short, specific
message that shows the right form; nothing here changes any state.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.commands import (
    FORMS,
    MAX_COMPANY_NAME,
    Book,
    CalendarFeed,
    Cancel,
    CorrectOrder,
    Help,
    Link,
    ListOrders,
    ListSessions,
    LogHeld,
    Move,
    OpenBookingModal,
    OpenOrderModal,
    OpenSupportModal,
    RecordOrder,
    SetTimezone,
    Usage,
    help_text,
    parse,
)
from bot.domain.errors import InvalidCommand, OuraError, RuleViolation
from bot.domain.packages import SessionType
from bot.domain.slacktext import escape

COMMAND_TYPES = (
    OpenBookingModal,
    Help,
    Link,
    Book,
    Usage,
    ListSessions,
    Cancel,
    LogHeld,
    Move,
    SetTimezone,
    OpenOrderModal,
    RecordOrder,
    CorrectOrder,
    ListOrders,
    OpenSupportModal,
)
SESSION_TYPES = ["kickoff", "onboarding", "training", "status"]


def refused(text: str, error: type[OuraError] = InvalidCommand) -> str:
    """The message shown for `text`, which must be refused with `error`."""
    with pytest.raises(error) as caught:
        parse(text)
    message = str(caught.value)
    assert message.strip()
    return message


def shows_form(message: str, form: str) -> bool:
    # Messages are mrkdwn: the form's `<…>` placeholders are escaped, or Slack takes them for links.
    return f"`{escape(FORMS[form])}`" in message


# -- no text, help ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_no_text_opens_the_booking_modal(text):
    assert parse(text) == OpenBookingModal()


@pytest.mark.parametrize("text", ["help", "HELP", "  help  "])
def test_help(text):
    assert parse(text) == Help()


def test_help_text_lists_every_form_packages_and_session_types():
    text = str(help_text())
    for form in FORMS.values():
        assert escape(form) in text  # mrkdwn: `<package>` escaped, or Slack takes it for a link
    for package_id in ("launch-kit", "pro-lite", "premium"):
        assert f"`{package_id}`" in text
    for session_type in SESSION_TYPES:
        assert f"`{session_type}`" in text
    assert "60" in text


# -- link ------------------------------------------------------------------------------------


@pytest.mark.parametrize("package_id", ["launch-kit", "pro-lite", "premium"])
def test_link_each_package(package_id):
    assert parse(f"link {package_id} 2027-01-04 Acme") == Link(package_id, date(2027, 1, 4), "Acme")


def test_link_keeps_a_multi_word_company_name():
    command = parse("link premium 2027-01-04 Acme Health Oy (Finland)")
    assert command == Link("premium", date(2027, 1, 4), "Acme Health Oy (Finland)")


def test_link_verb_and_package_are_case_insensitive():
    assert parse("Link Launch-Kit 2027-01-04 Acme Oy") == Link(
        "launch-kit", date(2027, 1, 4), "Acme Oy"
    )


@pytest.mark.parametrize(
    "text",
    ["link", "link premium", "link premium 2027-01-04", "link 2027-01-04 Acme"],
)
def test_link_with_missing_parts_is_refused_with_the_form(text):
    message = refused(text)
    assert shows_form(message, "link")


def test_link_with_an_unknown_package_lists_the_valid_packages():
    message = refused("link gold 2027-01-04 Acme Oy")
    assert "`gold`" in message
    for package_id in ("launch-kit", "pro-lite", "premium"):
        assert f"`{package_id}`" in message
    assert shows_form(message, "link")


@pytest.mark.parametrize("bad", ["2027-02-30", "27-1-4", "2027-1-4", "04.01.2027", "tomorrow"])
def test_link_with_a_bad_date_is_refused_showing_the_date_form(bad):
    message = refused(f"link premium {bad} Acme Oy")
    assert f"`{bad}`" in message
    assert "YYYY-MM-DD" in message
    assert shows_form(message, "link")


def test_link_company_name_length_limit():
    name = "A" * MAX_COMPANY_NAME
    assert parse(f"link premium 2027-01-04 {name}") == Link("premium", date(2027, 1, 4), name)
    message = refused(f"link premium 2027-01-04 {name}B")
    assert str(MAX_COMPANY_NAME) in message
    assert shows_form(message, "link")


def test_over_long_multi_word_company_name_is_refused():
    name = " ".join(["Acme"] * 40)  # 199 characters
    message = refused(f"link pro-lite 2027-01-04 {name}")
    assert shows_form(message, "link")


# -- book ------------------------------------------------------------------------------------


@pytest.mark.parametrize("session_type", SESSION_TYPES)
def test_book_each_type_defaults_to_sixty_minutes(session_type):
    command = parse(f"{session_type} 2027-03-15 14:00")
    assert command == Book(SessionType(session_type), date(2027, 3, 15), time(14, 0), 60, False)


@pytest.mark.parametrize("session_type", SESSION_TYPES)
def test_book_with_a_duration(session_type):
    command = parse(f"{session_type} 2027-03-15 09:30 45m")
    assert command == Book(SessionType(session_type), date(2027, 3, 15), time(9, 30), 45, False)


@pytest.mark.parametrize("session_type", SESSION_TYPES)
def test_book_billable(session_type):
    command = parse(f"{session_type} 2027-03-15 14:00 billable")
    assert command == Book(SessionType(session_type), date(2027, 3, 15), time(14, 0), 60, True)


@pytest.mark.parametrize("options", ["30m billable", "billable 30m", "30M BILLABLE"])
def test_book_duration_and_billable_in_either_order(options):
    command = parse(f"training 2027-03-15 14:00 {options}")
    assert command == Book(SessionType.TRAINING, date(2027, 3, 15), time(14, 0), 30, True)


@pytest.mark.parametrize("duration", ["45m", "45min", "45mins", "45minutes"])
def test_book_duration_spellings(duration):
    command = parse(f"kickoff 2027-03-15 14:00 {duration}")
    assert isinstance(command, Book)
    assert command.minutes == 45


def test_book_accepts_sixty_and_one_minute():
    assert parse("kickoff 2027-03-15 14:00 60m").minutes == 60
    assert parse("kickoff 2027-03-15 14:00 1m").minutes == 1


def test_book_accepts_a_single_digit_hour():
    assert parse("kickoff 2027-03-15 9:05").time_of_day == time(9, 5)


@pytest.mark.parametrize("text", ["KICKOFF 2027-03-15 14:00", "Kickoff 2027-03-15 14:00"])
def test_session_type_is_case_insensitive(text):
    assert parse(text) == Book(SessionType.KICKOFF, date(2027, 3, 15), time(14, 0), 60, False)


@pytest.mark.parametrize("duration", ["90m", "61m", "120m"])
def test_book_longer_than_sixty_minutes_is_refused_naming_the_cap(duration):
    message = refused(f"training 2027-03-15 14:00 {duration}", RuleViolation)
    assert "60" in message
    assert duration in message


def test_book_zero_minutes_is_refused():
    message = refused("training 2027-03-15 14:00 0m")
    assert "1 minute" in message
    assert "`45m`" in message


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ("abc", "`abc`"),
        ("45", "`45`"),
        ("45h", "`45h`"),
        ("billable billable", "`billable`"),
        ("30m 45m", "`45m`"),
        ("30m billable 45m", "`45m`"),
    ],
)
def test_book_with_unknown_or_repeated_options_is_refused(extra, named):
    message = refused(f"onboarding 2027-03-15 14:00 {extra}")
    assert named in message
    assert shows_form(message, "book")


def test_book_duration_without_m_is_refused_showing_the_duration_form():
    message = refused("kickoff 2027-03-15 14:00 45")
    assert "&lt;N&gt;m" in message  # mrkdwn: shown by Slack as <N>m


@pytest.mark.parametrize("bad", ["24:00", "9:60", "14.00", "1400", "2pm", "14:0", "-1:00"])
def test_book_with_a_bad_time_shows_the_hh_mm_form(bad):
    message = refused(f"kickoff 2027-03-15 {bad}")
    assert f"`{bad}`" in message
    assert "HH:MM" in message
    assert shows_form(message, "book")


@pytest.mark.parametrize("bad", ["2027-02-30", "2027-13-01", "15.3.2027", "27-3-15"])
def test_book_with_a_bad_date_shows_the_date_form(bad):
    message = refused(f"kickoff {bad} 14:00")
    assert "YYYY-MM-DD" in message
    assert shows_form(message, "book")


@pytest.mark.parametrize("text", ["kickoff", "kickoff 2027-03-15", "status"])
def test_book_without_date_or_time_is_refused(text):
    message = refused(text)
    assert "date" in message
    assert "time" in message
    assert shows_form(message, "book")


def test_book_with_time_before_date_is_refused():
    message = refused("kickoff 14:00 2027-03-15")
    assert "`14:00`" in message
    assert "YYYY-MM-DD" in message


# -- usage, list -----------------------------------------------------------------------------


def test_usage_and_list():
    assert parse("usage") == Usage()
    assert parse("LIST") == ListSessions()


@pytest.mark.parametrize("verb", ["usage", "list"])
def test_usage_and_list_with_extra_words_are_refused(verb):
    message = refused(f"{verb} acme")
    assert shows_form(message, verb)


# -- cancel, done ----------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["#12", "12"])
def test_cancel_by_id(token):
    assert parse(f"cancel {token}") == Cancel(12)


@pytest.mark.parametrize("token", ["#12", "12"])
def test_done_by_id(token):
    assert parse(f"done {token}") == LogHeld(12, None, False)


@pytest.mark.parametrize("verb", ["cancel", "done", "move"])
def test_session_id_is_required(verb):
    message = refused(verb)
    assert "/oura-book list" in message
    assert shows_form(message, verb)


@pytest.mark.parametrize("verb", ["cancel", "done", "move"])
@pytest.mark.parametrize("token", ["abc", "#", "#x12", "-3", "1.5"])
def test_non_numeric_session_id_is_refused(verb, token):
    message = refused(f"{verb} {token} 2027-03-15 14:00")
    assert f"`{token}`" in message
    assert "session id" in message
    assert shows_form(message, verb)


def test_cancel_with_extra_words_is_refused():
    message = refused("cancel 12 now")
    assert shows_form(message, "cancel")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("done 12 45m", LogHeld(12, 45, False)),
        ("done #12 billable", LogHeld(12, None, True)),
        ("done 12 45m billable", LogHeld(12, 45, True)),
        ("done 12 billable 45m", LogHeld(12, 45, True)),
        ("DONE 7 60m", LogHeld(7, 60, False)),
    ],
)
def test_done_with_minutes_and_billable(text, expected):
    assert parse(text) == expected


def test_done_longer_than_sixty_minutes_is_refused():
    message = refused("done 12 75m", RuleViolation)
    assert "60" in message


@pytest.mark.parametrize("extra", ["45", "abc", "45m 30m", "billable billable"])
def test_done_with_bad_options_is_refused(extra):
    message = refused(f"done 12 {extra}")
    assert shows_form(message, "done")


# -- move, timezone --------------------------------------------------------------------------


def test_move():
    assert parse("move #12 2027-03-16 10:00") == Move(12, date(2027, 3, 16), time(10, 0), False)


@pytest.mark.parametrize(
    "text", ["move 12 2027-03-16 10:00 billable", "Move 12 2027-03-16 10:00 BILLABLE"]
)
def test_move_billable(text):
    assert parse(text) == Move(12, date(2027, 3, 16), time(10, 0), True)


@pytest.mark.parametrize("text", ["move 12", "move 12 2027-03-16"])
def test_move_with_missing_parts_is_refused(text):
    message = refused(text)
    assert shows_form(message, "move")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("move 12 2027-03-16 10:00 45m", "`45m`"),
        ("move 12 2027-03-16 10:00 billable billable", "`billable`"),
        ("move 12 2027-02-30 10:00", "YYYY-MM-DD"),
        ("move 12 2027-03-16 25:00", "HH:MM"),
    ],
)
def test_move_with_bad_parts_is_refused(text, named):
    message = refused(text)
    assert named in message
    assert shows_form(message, "move")


@pytest.mark.parametrize("verb", ["timezone", "tz", "TimeZone"])
def test_timezone(verb):
    assert parse(f"{verb} America/New_York") == SetTimezone("America/New_York")


@pytest.mark.parametrize("text", ["timezone", "timezone Europe/Helsinki America/New_York"])
def test_timezone_needs_exactly_one_argument(text):
    message = refused(text)
    assert "IANA" in message
    assert shows_form(message, "timezone")


# -- unknown verb ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["book 2027-03-15 14:00", "kick-off", "hello there"])
def test_unknown_verb_points_to_session_types_and_help(text):
    message = refused(text)
    assert f"`{text.split()[0]}`" in message
    for session_type in SESSION_TYPES:
        assert f"`{session_type}`" in message
    assert f"`{FORMS['help']}`" in message


def test_unknown_verb_is_quoted_only_in_part():
    message = refused("x" * 400)
    assert len(message) < 300


# -- the parser's contract for any text ------------------------------------------------------


@given(st.text())
def test_any_text_gives_a_command_or_a_user_error(text):
    try:
        command = parse(text)
    except OuraError as error:
        message = str(error)
        assert message.strip()
        assert len(message) < 500
    else:
        assert isinstance(command, COMMAND_TYPES)


WORDS = st.sampled_from(
    [
        *SESSION_TYPES,
        "link",
        "help",
        "usage",
        "list",
        "cancel",
        "done",
        "move",
        "timezone",
        "premium",
        "launch-kit",
        "2027-03-15",
        "2027-02-30",
        "14:00",
        "24:00",
        "45m",
        "90m",
        "0m",
        "billable",
        "#12",
        "12",
        "order",
        "orders",
        "fix",
        "support",
        "0",
        "1000001",
    ]
)
TOKENS = st.lists(WORDS | st.text(min_size=1, max_size=40), max_size=8)


@given(TOKENS)
def test_command_like_text_gives_a_command_or_a_short_user_error(tokens):
    text = " ".join(tokens)
    try:
        command = parse(text)
    except OuraError as error:
        message = str(error)
        assert message.strip()
        assert len(message) < 500
    else:
        assert isinstance(command, COMMAND_TYPES)


@pytest.mark.parametrize(
    "template",
    [
        "kickoff {} 14:00",  # bad date
        "kickoff 2027-03-15 {}",  # bad time
        "kickoff 2027-03-15 14:00 {}",  # not understood option
        "kickoff 2027-03-15 14:00 9{}m",  # not a duration
        "cancel {}",  # not a session id
        "link premium {} Acme",  # bad date
        "order {} 40",  # bad date
        "order 2027-03-15 {}",  # bad ring count
        "order fix {} 2027-03-15 40",  # bad order id
    ],
)
def test_error_message_stays_short_for_a_very_long_token(template):
    message = refused(template.format("9" * 1000 if "{}m" in template else "x" * 1000))
    assert len(message) < 500


@pytest.mark.parametrize(
    "text", ["cancel \u0661\u0662", "kickoff 2027-03-15 \uff11\uff14:00", "done 1 \uff14\uff15m"]
)
def test_only_ascii_digits_are_numbers(text):
    refused(text)


def test_a_backtick_in_a_token_cannot_break_the_quoting():
    message = refused("kickoff 2027-03-15 1`4:00")
    assert message.count("`") % 2 == 0


# -- the support desk: orders and support ------------------------------------------------------


def test_order_alone_opens_the_order_form():
    assert parse("order") == OpenOrderModal()
    assert parse("ORDER") == OpenOrderModal()


def test_order_with_date_rings_and_a_multi_word_reference():
    assert parse("order 2027-03-15 40 PO 4471 (Helsinki)") == RecordOrder(
        date(2027, 3, 15), 40, "PO 4471 (Helsinki)"
    )
    assert parse("order 2027-03-15 1") == RecordOrder(date(2027, 3, 15), 1, "")


def test_order_fix_corrects_an_order_by_id():
    assert parse("order fix 3 2027-03-15 38 PO-9") == CorrectOrder(3, date(2027, 3, 15), 38, "PO-9")
    assert parse("order FIX #3 2027-03-15 38") == CorrectOrder(3, date(2027, 3, 15), 38, "")


def test_orders_and_support():
    assert parse("orders") == ListOrders()
    assert parse("support") == OpenSupportModal()


@pytest.mark.parametrize(
    ("text", "form", "says"),
    [
        ("order 2027-03-15", "order", "ring count"),
        ("order 15.3.2027 40", "order", "is not a date in the form YYYY-MM-DD"),
        ("order 2027-02-30 40", "order", "is not a date"),
        ("order 2027-03-15 0", "order", "`0` is not a ring count"),
        ("order 2027-03-15 -4", "order", "`-4` is not a ring count"),
        ("order 2027-03-15 1000001", "order", "is not a ring count"),
        ("order 2027-03-15 forty", "order", "`forty` is not a ring count"),
        ("order 2027-03-15 4 " + "x" * 81, "order", "longer than 80 characters"),
        ("order fix", "order fix", "Give the order id"),
        ("order fix 3", "order fix", "Give the order id"),
        ("order fix 3 2027-03-15", "order fix", "Give the order id"),
        ("order fix three 2027-03-15 4", "order fix", "`three` is not an order id"),
        ("orders all", "orders", "takes nothing after it"),
        ("support now", "support", "takes nothing after it"),
    ],
)
def test_malformed_order_and_support_forms_are_refused_with_the_form(text, form, says):
    message = refused(text)
    assert says in message
    assert shows_form(message, form)


# -- calendar --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rotate"), [("calendar", False), ("Calendar", False), ("calendar rotate", True)]
)
def test_calendar_feed(text, rotate):
    assert parse(text) == CalendarFeed(rotate)
    assert "/oura-book calendar [rotate]" in str(help_text())


@pytest.mark.parametrize("text", ["calendar new", "calendar rotate now"])
def test_calendar_takes_only_rotate(text):
    with pytest.raises(InvalidCommand) as error:
        parse(text)
    assert "Only `rotate` can follow `calendar`" in str(error.value)
    assert "`/oura-book calendar [rotate]`" in str(error.value)
