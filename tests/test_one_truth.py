"""One truth after a close (issue 16): once the Launch Kit's window has ended, the closed
summary the clock posts, the usage card, the App Home and the monthly report all say the same
minutes lapsed; the App Home says the window ended. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from conftest import CHANNEL, STAFF, VENDOR_TEAM, text_of
from sqlalchemy import Engine
from test_clock_sweep import Now, sweeper

from bot.blocks.home import account_section
from bot.blocks.sessions import usage_card
from bot.domain.overview import Scope
from bot.domain.packages import SessionType
from bot.domain.report import Month
from bot.i18n import speaking
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import Actor, BookingService
from bot.services.home import HomeService
from storage.report import iter_report_rows

ACTOR = Actor(user_id=STAFF, team_id=VENDOR_TEAM)
# The window of a Launch Kit from Mon 2027-01-04 ends after Sat 2027-04-03 (day 90); the
# summary goes out on the next business morning in Helsinki (Easter Monday is a holiday).
BEFORE = datetime(2027, 3, 31, 8, 0, tzinfo=UTC)
AFTER = datetime(2027, 4, 6, 8, 0, tzinfo=UTC)


def test_card_home_summary_and_report_agree_once_the_window_closed(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    now = Now(datetime(2027, 1, 10, 8, 0, tzinfo=UTC))
    booking = BookingService(engine, "Europe/Helsinki", now=now)
    booking.link(ACTOR, CHANNEL, "launch-kit", date(2027, 1, 4), "Acme Oy")
    for day, minutes in ((11, 60), (12, 60), (13, 30)):
        starts = datetime(2027, 1, day, 8, 0, tzinfo=UTC)
        booking.book(ACTOR, CHANNEL, SessionType.TRAINING, starts, minutes, False)
    home = HomeService(booking)

    def card(at: datetime) -> str:
        with speaking("en"):
            return text_of(usage_card(booking.usage(CHANNEL, at)).as_kwargs())

    def home_section(at: datetime) -> str:
        [summary] = home.page(STAFF, Scope.ALL, 1, at).accounts
        with speaking("en"):
            return text_of({"blocks": [account_section(summary).to_dict()]})

    # While the window is open: left, and when it ends.
    assert "*90 left*" in card(BEFORE)
    assert "*90 left*" in home_section(BEFORE) and "*Window ends*" in home_section(BEFORE)

    now.moment = AFTER
    sent = sweeper(engine, fake_slack).sweep(AFTER).sent
    assert any(key.endswith("window-closed") for key in sent), sent
    summary = text_of(fake_slack.posts(CHANNEL)[-1].args)
    assert "Included minutes: 150 used, 90 lapsed (of 240)." in summary

    after = card(AFTER)
    assert "150 used, *90 lapsed* (of 240)" in after
    assert "90 of 240 included minutes lapsed" in after and "left" not in after.split("\n")[0]
    assert "ended on Sat 03 Apr 2027" in after
    section = home_section(AFTER)
    assert "150 used · *90 lapsed* of 240" in section
    assert "*Window ended*" in section and "Window ends" not in section

    [row] = iter_report_rows(engine, Month(2027, 4), None)
    assert (row.included_minutes_used_to_date, row.included_minutes_lapsed) == (150, 90)
    assert row.included_minutes_left == 0
    [march] = iter_report_rows(engine, Month(2027, 3), None)
    assert (march.included_minutes_left, march.included_minutes_lapsed) == (90, 0)


def test_the_card_says_the_term_ended(engine: Engine) -> None:
    booking = BookingService(engine, "Europe/Helsinki")
    booking.link(ACTOR, CHANNEL, "premium", date(2026, 1, 5), "Acme Oy")
    with speaking("en"):
        card = text_of(
            usage_card(booking.usage(CHANNEL, datetime(2027, 1, 6, tzinfo=UTC))).as_kwargs()
        )
    assert "(ended)" in card
    assert "0 used, *12 lapsed* (of 12)" in card  # status updates
    [summary] = (
        HomeService(booking).page(STAFF, Scope.ALL, 1, datetime(2027, 1, 6, tzinfo=UTC)).accounts
    )
    with speaking("en"):
        section = text_of({"blocks": [account_section(summary).to_dict()]})
    assert "*Term ended*" in section and "*12 lapsed* of 12" in section
