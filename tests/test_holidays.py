"""Public holidays in business hours (issue 13): the clock and the support desk skip them.

Every holiday date below is written out by hand from the Finnish and US 2027 calendars, not
taken from the holidays package the code uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import CHANNEL, STAFF, RunningBot, text_of
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from bot.clock import Sweeper, clock_web_client
from bot.domain import commands
from bot.domain.country import country_for_timezone, effective_country
from bot.domain.entitlement import Balance, ContractTerms
from bot.domain.errors import InvalidCommand
from bot.domain.packages import PREMIUM, SessionState, SessionType
from bot.domain.schedule import (
    ContractFacts,
    PostKind,
    SessionFacts,
    in_business_hours,
    next_check,
    plan,
)
from bot.domain.support import CaseCategory, add_business_days, is_overdue
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import Actor, BookingService
from bot.services.support import SupportDesk
from storage.models import Contract
from storage.overview import account_overview

HELSINKI = "Europe/Helsinki"
NEW_YORK = "America/New_York"
ACTOR = Actor(user_id=STAFF, team_id="T_VENDOR")

# The Finnish public holidays of 2027 that fall on weekdays.
FI_2027 = {
    date(2027, 1, 6): "Epiphany",
    date(2027, 3, 26): "Good Friday",
    date(2027, 3, 29): "Easter Monday",
    date(2027, 5, 6): "Ascension Day",
    date(2027, 6, 25): "Midsummer Eve",
    date(2027, 12, 6): "Independence Day",
    date(2027, 12, 24): "Christmas Eve",
}
# A contract starting on a holiday has its first status-update nudge due that day: it goes out
# at 09:00 on the next business day.
FI_NEXT_BUSINESS_DAY = {
    date(2027, 1, 6): date(2027, 1, 7),  # Wed -> Thu
    date(2027, 3, 26): date(2027, 3, 30),  # Good Friday -> past Easter to Tuesday
    date(2027, 3, 29): date(2027, 3, 30),  # Easter Monday -> Tuesday
    date(2027, 5, 6): date(2027, 5, 7),  # Ascension Thursday -> Friday
    date(2027, 6, 25): date(2027, 6, 28),  # Midsummer Eve (Fri) -> Monday
    date(2027, 12, 6): date(2027, 12, 7),  # Independence Day (Mon) -> Tuesday
    date(2027, 12, 24): date(2027, 12, 27),  # Christmas Eve (Fri) -> Monday
}


def at(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def premium(
    start: date,
    tz: str,
    country: str | None,
    contract_id: int = 1,
    sessions: Iterable[SessionFacts] = (),
) -> ContractFacts:
    return ContractFacts(
        contract_id=contract_id,
        account_id=100 + contract_id,
        channel_id=f"C{contract_id}",
        company="Acme Oy",
        terms=ContractTerms(package=PREMIUM, start=start, term_months=12, timezone=tz),
        balance=Balance(PREMIUM.included_minutes, 0, PREMIUM.status_updates, 0),
        sessions=tuple(sessions),
        country=country,
    )


def run_clock(
    contracts: list[ContractFacts], begin: datetime, end: datetime
) -> list[tuple[int, str, datetime]]:
    """Sweep as the real clock does, from `begin` to `end`: each contract is looked at when
    `next_check` says, and what `plan` sends then is recorded as sent."""
    done: dict[int, set[str]] = {f.contract_id: set() for f in contracts}
    sent: list[tuple[int, str, datetime]] = []
    now = begin
    while now < end:
        for facts in contracts:
            for post in plan(facts, done[facts.contract_id], now).send:
                sent.append((facts.contract_id, post.key.split(":", 2)[2], now))
                done[facts.contract_id].add(post.key)
            # Superseded posts are settled too, as the clock records them.
            for post in plan(facts, done[facts.contract_id], now).superseded:
                done[facts.contract_id].add(post.key)
        checks = [next_check(f, done[f.contract_id], now) for f in contracts]
        ahead = [c for c in checks if c is not None and c > now]
        if not ahead:
            break
        now = min(ahead)
    return sent


# -- the time zone's country ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "country"),
    [
        (HELSINKI, "FI"),
        (NEW_YORK, "US"),
        ("Europe/Stockholm", "SE"),
        ("America/Chicago", "US"),
        ("Asia/Tokyo", "JP"),
        ("UTC", None),
        ("Etc/GMT+3", None),
    ],
)
def test_the_country_follows_the_time_zone(tz: str, country: str | None) -> None:
    assert country_for_timezone(tz) == country
    assert effective_country(None, tz) == country
    assert effective_country("SE", tz) == "SE"  # an account's own setting wins


# -- the pure planner across 2027 ----------------------------------------------------------------


def test_a_finnish_account_posts_nothing_on_the_2027_finnish_holidays() -> None:
    # One contract starting on each holiday (its first nudge is due that day), and one from
    # the start of the year whose monthly nudges and term posts run all through 2027.
    contracts = [premium(date(2027, 1, 4), HELSINKI, "FI", contract_id=99)]
    contracts += [
        premium(day, HELSINKI, "FI", contract_id=i) for i, day in enumerate(FI_2027, start=1)
    ]
    sent = run_clock(contracts, at(HELSINKI, 2027, 1, 1, 0), at(HELSINKI, 2028, 1, 1, 0))
    local_days = [moment.astimezone(ZoneInfo(HELSINKI)).date() for _, _, moment in sent]
    assert len(sent) > 100
    assert not [day for day in local_days if day in FI_2027]
    assert not [day for day in local_days if day.weekday() >= 5]
    for i, holiday in enumerate(FI_2027, start=1):
        [first] = [moment for cid, key, moment in sent if cid == i and key == "status-nudge:1"]
        expected = FI_NEXT_BUSINESS_DAY[holiday]
        assert first == at(HELSINKI, expected.year, expected.month, expected.day, 9), holiday
    # The year-long contract's December nudge (due Mon 6 Dec) waits for Tuesday.
    [december] = [m for cid, key, m in sent if cid == 99 and key == "status-nudge:12"]
    assert december == at(HELSINKI, 2027, 12, 7, 9)


def test_without_a_country_the_same_contract_posts_on_those_days() -> None:
    # The control: the holidays above are what holds the posts back, not something else.
    contracts = [premium(day, HELSINKI, None, contract_id=i) for i, day in enumerate(FI_2027, 1)]
    sent = run_clock(contracts, at(HELSINKI, 2027, 1, 1, 0), at(HELSINKI, 2028, 1, 1, 0))
    for i, holiday in enumerate(FI_2027, start=1):
        [first] = [moment for cid, key, moment in sent if cid == i and key == "status-nudge:1"]
        assert first == at(HELSINKI, holiday.year, holiday.month, holiday.day, 9)


@pytest.mark.parametrize("holiday", list(FI_2027))
def test_nothing_is_sendable_at_noon_on_a_finnish_holiday(holiday: date) -> None:
    noon = at(HELSINKI, holiday.year, holiday.month, holiday.day, 12)
    assert not in_business_hours(noon, HELSINKI, "FI")
    assert in_business_hours(noon, HELSINKI, None)
    facts = premium(holiday, HELSINKI, "FI")
    assert plan(facts, set(), noon).send == []
    assert next_check(facts, set(), noon) == at(
        HELSINKI, *FI_NEXT_BUSINESS_DAY[holiday].timetuple()[:3], 9
    )


@pytest.mark.parametrize(
    ("holiday", "next_day"),
    [
        pytest.param(date(2027, 7, 5), date(2027, 7, 6), id="independence-day-observed"),
        pytest.param(date(2027, 11, 25), date(2027, 11, 26), id="thanksgiving"),
        pytest.param(date(2027, 1, 18), date(2027, 1, 19), id="mlk-day"),
    ],
)
def test_a_new_york_account_waits_out_us_holidays(holiday: date, next_day: date) -> None:
    country = effective_country(None, NEW_YORK)
    assert country == "US"
    facts = premium(holiday, NEW_YORK, country)
    sent = run_clock([facts], at(NEW_YORK, 2027, 1, 1, 0), at(NEW_YORK, 2028, 1, 1, 0))
    [first] = [moment for _, key, moment in sent if key == "status-nudge:1"]
    assert first == at(NEW_YORK, next_day.year, next_day.month, next_day.day, 9)
    noon = at(NEW_YORK, holiday.year, holiday.month, holiday.day, 12)
    assert plan(facts, set(), noon).send == []


def test_session_reminders_are_not_held_back_by_holidays() -> None:
    # A session at 12:00 on Midsummer Eve and one at 10:00 on Midsummer Day (Saturday): their
    # reminders are due on Midsummer Eve itself and go out then.
    eve = SessionFacts(
        id=1,
        session_type=SessionType.TRAINING,
        starts_at=at(HELSINKI, 2027, 6, 25, 12),
        minutes=60,
        state=SessionState.BOOKED,
        scheduled_at=at(HELSINKI, 2027, 6, 1, 12),
        number=1,
    )
    saturday = SessionFacts(
        id=2,
        session_type=SessionType.TRAINING,
        starts_at=at(HELSINKI, 2027, 6, 26, 10),
        minutes=60,
        state=SessionState.BOOKED,
        scheduled_at=at(HELSINKI, 2027, 6, 1, 12),
        number=2,
    )
    facts = premium(date(2027, 1, 4), HELSINKI, "FI", sessions=[eve, saturday])
    # The eve session's 24-hour reminder went out on Thursday.
    done = {f"session:1:reminder-24h:{int(eve.starts_at.timestamp())}"}
    day_before = at(HELSINKI, 2027, 6, 25, 10)
    hour_before = at(HELSINKI, 2027, 6, 25, 11)
    # The clock wakes for them on the holiday, not on Monday.
    assert next_check(facts, done, at(HELSINKI, 2027, 6, 25, 8)) == day_before
    assert [p.key for p in plan(facts, done, day_before).send if p.is_reminder] == [
        f"session:2:reminder-24h:{int(saturday.starts_at.timestamp())}"
    ]
    done.add(f"session:2:reminder-24h:{int(saturday.starts_at.timestamp())}")
    sent = plan(facts, done, hour_before).send
    assert [(p.kind, p.key) for p in sent] == [
        (PostKind.SESSION_REMINDER, f"session:1:reminder-1h:{int(eve.starts_at.timestamp())}")
    ]


# -- the support desk ----------------------------------------------------------------------------


def test_business_days_skip_midsummer_eve() -> None:
    # Opened Thu 24 Jun 2027 10:00 in Helsinki; Fri 25 Jun is Midsummer Eve, then a weekend:
    # the two business days are Mon 28 and Tue 29 June.
    opened = at(HELSINKI, 2027, 6, 24, 10)
    assert add_business_days(opened, 2, HELSINKI, "FI") == at(HELSINKI, 2027, 6, 29, 10)
    assert add_business_days(opened, 2, HELSINKI, None) == at(HELSINKI, 2027, 6, 28, 10)
    # Opened on the holiday itself: counted from the next business day's start.
    on_eve = at(HELSINKI, 2027, 6, 25, 14)
    assert add_business_days(on_eve, 2, HELSINKI, "FI") == at(HELSINKI, 2027, 6, 30, 0)


def test_a_case_opened_the_day_before_midsummer_is_not_overdue_over_the_long_weekend() -> None:
    opened = at(HELSINKI, 2027, 6, 24, 10)
    monday_evening = at(HELSINKI, 2027, 6, 28, 18)
    tuesday_before = at(HELSINKI, 2027, 6, 29, 9, 59)
    tuesday = at(HELSINKI, 2027, 6, 29, 10)
    assert not is_overdue(opened, False, monday_evening, HELSINKI, "FI")
    assert is_overdue(opened, False, monday_evening, HELSINKI, None)  # the control
    assert not is_overdue(opened, False, tuesday_before, HELSINKI, "FI")
    assert is_overdue(opened, False, tuesday, HELSINKI, "FI")


def test_the_desk_and_the_overview_count_the_accounts_holidays(engine: Engine) -> None:
    opened_at = at(HELSINKI, 2027, 6, 24, 10)
    moment = {"now": opened_at}
    booking = BookingService(engine, HELSINKI, now=lambda: moment["now"])
    account, _ = booking.link(ACTOR, "C1", "premium", date(2027, 1, 4), "Acme Oy")
    assert account.id is not None
    desk = SupportDesk(booking)
    desk.open_case(ACTOR, account.id, CaseCategory.PRODUCT_QUESTION, None, "How do rings pair?")

    def overdue(now: datetime) -> tuple[frozenset[int], list[int]]:
        with Session(engine) as db:
            [summary], _ = account_overview(db, vendor_contact_id=None, offset=0, limit=10, now=now)
        return summary.overdue_case_ids, [c.id for c in desk.open_cases(account.id or 0, now)]

    # Monday evening after Midsummer: not overdue in Finland (the zone's country) ...
    ids, listed = overdue(at(HELSINKI, 2027, 6, 28, 18))
    assert ids == frozenset() and len(listed) == 1
    assert overdue(at(HELSINKI, 2027, 6, 29, 10))[0] == frozenset(listed)
    # ... but it is for an account set to Sweden, where 25 June 2027 is a working Friday.
    booking.set_country(ACTOR, "C1", "SE")
    assert overdue(at(HELSINKI, 2027, 6, 28, 18))[0] == frozenset(listed)


# -- a real sweep ------------------------------------------------------------------------------


def test_a_post_due_on_independence_day_goes_out_the_next_business_morning(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    moment = {"now": at(HELSINKI, 2027, 11, 30, 12)}
    booking = BookingService(engine, HELSINKI, now=lambda: moment["now"])
    booking.link(ACTOR, "C1", "premium", date(2027, 12, 6), "Acme Oy")  # nudge 1 due Mon 6 Dec
    clock = Sweeper(
        engine, clock_web_client("xoxb-test", fake_slack.api_url), worker="c", pace_seconds=0
    )
    with Session(engine) as db:
        contract = db.exec(select(Contract)).one()
    # Planned for Tuesday 09:00 in Helsinki, not Independence Day.
    assert contract.next_post_at == at(HELSINKI, 2027, 12, 7, 9)
    for hour in (9, 12, 16):
        assert clock.sweep(at(HELSINKI, 2027, 12, 6, hour)).sent == []
    assert fake_slack.posts() == []
    assert clock.sweep(at(HELSINKI, 2027, 12, 7, 9)).sent == ["contract:1:status-nudge:1"]
    assert len(fake_slack.posts("C1")) == 1


# -- /oura-book country over signed HTTP ---------------------------------------------------


def _audit_count(bot: RunningBot) -> int:
    with bot.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM audit_event")).scalar() or 0)


def _next_post_at(bot: RunningBot) -> datetime | None:
    with Session(bot.engine) as db:
        return db.exec(select(Contract)).one().next_post_at


def test_country_sets_the_accounts_holidays_and_replans(bot: RunningBot) -> None:
    bot.link("premium", "2027-12-06")
    account = bot.booking.account_for_channel(CHANNEL)
    assert account is not None and account.country is None
    # In Helsinki the first nudge waits out Independence Day ...
    assert _next_post_at(bot) == at(HELSINKI, 2027, 12, 7, 9)
    before = _audit_count(bot)
    reply = text_of(bot.command("country se"))
    assert "SE" in reply and "Acme Oy" in reply
    account = bot.booking.account_for_channel(CHANNEL)
    assert account is not None and account.country == "SE"
    assert _audit_count(bot) == before + 1
    # ... which is a working Monday in Sweden.
    assert _next_post_at(bot) == at(HELSINKI, 2027, 12, 6, 9)


@pytest.mark.parametrize("typed", ["XX", "Finland", "F1", "", "FI US"])
def test_a_bad_country_code_is_refused_and_nothing_changes(bot: RunningBot, typed: str) -> None:
    bot.link("premium", "2027-12-06")
    bot.command("country FI")
    before = (_audit_count(bot), _next_post_at(bot))
    reply = text_of(bot.command(f"country {typed}".strip()))
    assert "`/oura-book country &lt;CC&gt;`" in reply
    assert "`FI`" in reply and "`US`" in reply
    assert "Sorry" not in reply
    account = bot.booking.account_for_channel(CHANNEL)
    assert account is not None and account.country == "FI"
    assert (_audit_count(bot), _next_post_at(bot)) == before


def test_country_needs_a_linked_channel(bot: RunningBot) -> None:
    reply = text_of(bot.command("country FI"))
    assert "link" in reply.lower()
    assert bot.booking.account_for_channel(CHANNEL) is None


def test_the_reply_and_help_name_the_form(bot: RunningBot) -> None:
    assert "/oura-book country &lt;CC&gt;" in text_of(bot.command("help"))


@pytest.mark.parametrize(("typed", "code"), [("country FI", "FI"), ("country us", "US")])
def test_country_parses_a_known_code_in_any_case(typed: str, code: str) -> None:
    assert commands.parse(typed) == commands.SetCountry(code)


@pytest.mark.parametrize("typed", ["country XX", "country FIN", "country", "country F I"])
def test_country_refuses_anything_else_naming_the_form(typed: str) -> None:
    with pytest.raises(
        InvalidCommand, match=r"such as `FI`, `US` or `SE`\. Use `/oura-book country"
    ):
        commands.parse(typed)
