"""Every typed value is checked where it comes in, with a message that says what is wrong and
what is right, and nothing changes: time zone names, years, control characters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import CHANNEL, RunningBot, text_of
from sqlalchemy import text

from bot.domain.errors import InvalidCommand
from bot.domain.packages import SessionType
from bot.domain.slacktext import printable
from bot.domain.timeutil import zone
from bot.services.booking import Actor
from bot.services.requests import RequestService


def _audit_count(bot: RunningBot) -> int:
    with bot.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM audit_event")).scalar() or 0)


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("Europe", "Use an IANA name such as `Europe/Helsinki`"),
        ("europe/helsinki", "Did you mean `Europe/Helsinki`?"),
        ("America/New_Yrok", "Did you mean `America/New_York`?"),
        ("Europe/" + "x" * 90, "is not a time zone I know"),
    ],
)
def test_a_time_zone_is_checked_against_the_tz_database(
    bot: RunningBot, typed: str, hint: str
) -> None:
    bot.link("premium")
    before = _audit_count(bot)
    reply = text_of(bot.command(f"timezone {typed}"))
    assert "is not a time zone I know" in reply and hint in reply
    assert "Sorry" not in reply
    assert bot.booking.account_for_channel(CHANNEL).timezone == "Europe/Helsinki"  # type: ignore[union-attr]
    assert _audit_count(bot) == before


def test_a_zone_name_is_one_the_database_knows_exactly() -> None:
    assert str(zone("Europe/Helsinki")) == "Europe/Helsinki"
    with pytest.raises(InvalidCommand, match="Did you mean `Europe/Helsinki`"):
        zone("Europe/Helsinky")


@pytest.mark.parametrize(
    "command",
    [
        "link premium 0001-01-01 Ancient Oy",
        "link premium 9999-12-31 Future Oy",
        "kickoff 0001-01-01 10:00",
        "kickoff 9999-12-31 23:00",
        "move 1 9999-12-31 10:00",
        "order 0001-01-02 3",
    ],
)
def test_years_far_off_are_refused_with_the_range(bot: RunningBot, command: str) -> None:
    if not command.startswith("link"):
        bot.link("premium")
    before = _audit_count(bot)
    reply = text_of(bot.command(command))
    assert "must be between 2000 and 2100" in reply, reply
    assert _audit_count(bot) == before


def test_a_report_month_far_off_is_refused(bot: RunningBot) -> None:
    reply = text_of(bot.command("report 9999-12"))
    assert "YYYY-MM" in reply and "Sorry" not in reply


def test_a_company_name_with_a_control_character_is_refused(bot: RunningBot) -> None:
    reply = text_of(bot.command("link premium 2027-01-04 Acme\x00 Oy"))
    assert "control character" in reply
    assert bot.booking.account_for_channel(CHANNEL) is None


def test_free_text_loses_its_control_characters_but_keeps_its_lines(bot: RunningBot) -> None:
    bot.link("premium")
    account = bot.booking.account_for_channel(CHANNEL)
    assert account is not None and account.id is not None
    view = RequestService(bot.booking).create(
        Actor("U_BUYER", "T_CUSTOMER"),
        account.id,
        SessionType.TRAINING,
        45,
        [datetime(2030, 1, 8, 10, tzinfo=UTC)],
        "first line\x00\nsecond\x07 line",
    )
    assert view.request.note == "first line\nsecond line"
    assert printable("a\tb\x1bc", lines=False) == "abc"
