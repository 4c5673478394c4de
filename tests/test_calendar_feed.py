"""The staff calendar feed over HTTP: `/oura-book calendar` DMs the address (PUBLIC_URL + a
secret token), GET /calendar/<token>.ics lists exactly that staff member's booked sessions and
follows book, move and cancel; a rotated or unknown token gets 404; ETag and If-None-Match give
a 304 while nothing changed. Signed HTTP requests to the served app, the fake Slack behind it."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest
from conftest import STAFF, STAFF_NY, RunningBot, text_of
from icalendar import Calendar
from sqlmodel import Session, select

from bot.services.calendar import token_hash
from bot.settings import SettingsError, load_settings
from storage.models import OnboardingSession, StaffMember

PUBLIC = "https://oura-bot.example.com"
FEED_URL = re.compile(re.escape(PUBLIC) + r"(/calendar/[A-Za-z0-9_-]{43}\.ics)(\?lang=fi)?")
with_public_url = pytest.mark.parametrize("bot_settings", [{"public_url": PUBLIC}])


def fetch(bot: RunningBot, path: str, etag: str | None = None) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(bot.base_url + path)
    if etag is not None:
        request.add_header("If-None-Match", etag)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def feed_address(bot: RunningBot, text: str = "calendar", user_id: str = STAFF) -> tuple[str, str]:
    """Ask for the feed; (the reply, the path of the address DMed)."""
    before = len(bot.fake.posts(f"D_{user_id}"))
    reply = text_of(bot.command(text, user_id=user_id))
    [dm] = bot.fake.wait_for_posts(f"D_{user_id}", before + 1)[before:]
    match = FEED_URL.search(text_of(dm.args))
    assert match, text_of(dm.args)
    return reply, match[0].removeprefix(PUBLIC)


def events(body: bytes) -> list[tuple[str, datetime, str]]:
    calendar = Calendar.from_ical(body)
    return [
        (str(e["UID"]), e.decoded("DTSTART"), str(e["SUMMARY"])) for e in calendar.walk("VEVENT")
    ]


def session_ids(bot: RunningBot) -> list[int]:
    with Session(bot.engine) as db:
        rows = db.exec(select(OnboardingSession.id).order_by(OnboardingSession.id)).all()
        return [int(i) for i in rows if i is not None]


def number_of(bot: RunningBot, session_id: int) -> int:
    """What people type for a session: its number in its account."""
    with Session(bot.engine) as db:
        session = db.get(OnboardingSession, session_id)
        assert session is not None
        return session.number


def uid(session_id: int) -> str:
    return f"session-{session_id}@oura-onboarding-bot"


@with_public_url
def test_the_feed_lists_my_booked_sessions_and_follows_each_change(bot: RunningBot) -> None:
    bot.link("launch-kit", "2027-01-04")  # STAFF is its vendor contact
    bot.link("launch-kit", "2027-01-04", channel_id="C_OTHER", company="Other Oy")
    # Other Oy's vendor contact is someone else.
    bot.fake.add_user("U0OTTO", team_id="T_VENDOR")
    said = text_of(bot.command("contact vendor <@U0OTTO>", channel_id="C_OTHER"))
    assert "is now the vendor contact" in said
    reply, path = feed_address(bot)
    assert "I sent you the address of your calendar feed in a DM" in reply

    status, headers, body = fetch(bot, path)
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert events(body) == []

    bot.command("kickoff 2027-01-12 14:00 45m")  # mine: my account
    # Not mine; 10:00 in New York is after Otto's working hours.
    bot.command("training 2027-01-14 10:00 30m anyway", channel_id="C_OTHER", user_id=STAFF_NY)
    bot.command("onboarding 2027-01-15 10:00 30m", channel_id="C_OTHER")  # mine: I booked it
    mine, theirs, booked_by_me = session_ids(bot)
    status, headers, body = fetch(bot, path)
    assert events(body) == [
        (uid(mine), datetime(2027, 1, 12, 12, 0, tzinfo=UTC), "Kickoff · Acme Oy"),
        (uid(booked_by_me), datetime(2027, 1, 15, 8, 0, tzinfo=UTC), "Onboarding · Other Oy"),
    ]
    etag = headers["ETag"]

    # Nothing changed: 304, no body.
    status, headers, body = fetch(bot, path, etag=etag)
    assert (status, body, headers["ETag"]) == (304, b"", etag)

    bot.command(f"move {number_of(bot, mine)} 2027-01-13 09:00")
    status, headers, body = fetch(bot, path, etag=etag)
    assert status == 200 and headers["ETag"] != etag
    calendar = Calendar.from_ical(body)
    moved = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid(mine))
    assert moved.decoded("DTSTART") == datetime(2027, 1, 13, 7, 0, tzinfo=UTC)
    assert moved.decoded("SEQUENCE") == 1

    bot.command(f"cancel {number_of(bot, booked_by_me)}", channel_id="C_OTHER")
    status, headers, body = fetch(bot, path)
    assert [e[0] for e in events(body)] == [uid(mine)]
    assert theirs not in (mine, booked_by_me)


@with_public_url
def test_rotate_replaces_the_address_and_the_old_one_is_404(bot: RunningBot) -> None:
    bot.link("launch-kit", "2027-01-04")
    _, old = feed_address(bot)
    assert fetch(bot, old)[0] == 200

    # Asked again: the address cannot be told again (only its hash is kept); nothing changes.
    reply = text_of(bot.command("calendar"))
    assert "You already have a calendar feed" in reply
    assert fetch(bot, old)[0] == 200

    reply, new = feed_address(bot, "calendar rotate")
    assert "new address" in reply and new != old
    status, headers, body = fetch(bot, old)
    assert (status, body) == (404, b"no such calendar\n")
    assert headers["Content-Type"].startswith("text/plain")
    assert fetch(bot, new)[0] == 200

    # Only the SHA-256 of the token is stored.
    token = new.removeprefix("/calendar/").removesuffix(".ics")
    with Session(bot.engine) as db:
        staff = db.get(StaffMember, STAFF)
        assert staff is not None and staff.feed_token_hash == token_hash(token)
        assert token not in (staff.feed_token_hash or "")


@with_public_url
def test_unknown_tokens_and_other_paths_are_404(bot: RunningBot) -> None:
    bot.link("launch-kit", "2027-01-04")
    feed_address(bot)
    for path in (
        "/calendar/" + "A" * 43 + ".ics",
        "/calendar/short.ics",
        "/calendar/",
        "/calendar/" + "A" * 43,
        "/calendar/../healthz.ics",
    ):
        assert fetch(bot, path)[0] == 404, path


@with_public_url
def test_a_finnish_staff_member_gets_a_finnish_feed(bot: RunningBot) -> None:
    bot.fake.users[STAFF]["locale"] = "fi-FI"
    bot.link("launch-kit", "2027-01-04")
    bot.command("kickoff 2027-01-12 14:00 45m")
    reply, path = feed_address(bot)
    assert path.endswith("?lang=fi")
    assert "Lähetin kalenterisyötteesi osoitteen sinulle yksityisviestinä." in reply
    body = fetch(bot, path)[2]
    assert events(body)[0][2] == "Aloituspalaveri · Acme Oy"


def test_without_public_url_the_command_says_the_setting_is_missing(bot: RunningBot) -> None:
    reply = text_of(bot.command("calendar"))
    assert "PUBLIC_URL" in reply
    assert not bot.fake.posts(f"D_{STAFF}")
    with Session(bot.engine) as db:
        assert db.get(StaffMember, STAFF) is None


def test_the_command_is_for_staff_only(bot: RunningBot) -> None:
    bot.fake.add_user("U_ANNA", team_id="T_ACME")
    reply = text_of(bot.command("calendar", user_id="U_ANNA", team_id="T_ACME"))
    assert "Only the vendor's staff" in reply
    assert not bot.fake.posts("D_U_ANNA")


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("https://oura-bot.example.com", "https://oura-bot.example.com"),
        ("https://oura-bot.example.com/", "https://oura-bot.example.com"),
        ("http://localhost:3000/bot/", "http://localhost:3000/bot"),
    ],
)
def test_public_url_setting(value: str, kept: str) -> None:
    settings = load_settings({"PUBLIC_URL": value}, dotenv=False)
    assert settings.public_url == kept
    assert load_settings({}, dotenv=False).public_url is None


@pytest.mark.parametrize(
    "value",
    ["oura-bot.example.com", "ftp://example.com", "https://", "https://a.b/?x=1", "https://a b"],
)
def test_public_url_must_be_an_http_address(value: str) -> None:
    with pytest.raises(SettingsError, match="PUBLIC_URL"):
        load_settings({"PUBLIC_URL": value}, dotenv=False)


@with_public_url
def test_the_feed_keeps_30_days_of_the_past(bot: RunningBot) -> None:
    today = datetime.now(UTC).date()
    bot.link("premium", (today - timedelta(days=60)).isoformat())
    for days_ago in (40, 10):
        day = (today - timedelta(days=days_ago)).isoformat()
        assert "Booked" in text_of(bot.command(f"onboarding {day} 10:00 30m"))
    old, recent = session_ids(bot)
    _, path = feed_address(bot)
    assert [e[0] for e in events(fetch(bot, path)[2])] == [uid(recent)]
    assert old != recent
