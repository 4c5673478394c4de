"""The weekly digest: one DM per vendor contact per week of their own zone, from Monday in
their working hours, also with two clocks sweeping at once; a clock down on Monday sends it
later that week; `/oura-book digest` shows it on demand (signed HTTP, SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import CHANNEL, STAFF, STAFF_NY, VENDOR_TEAM, RunningBot, text_of
from sqlmodel import Session, select
from test_cli import OURA_BOT, env_with

from bot.clock import Sweeper, clock_web_client
from bot.digest_clock import weekly_digests
from bot.domain.commands import ShowDigest, parse
from bot.domain.digest import DigestHours, digest_due, iso_week, next_digest_at
from bot.sandbox.fakeslack import FakeSlack
from bot.services.digest import DigestService
from storage.digest import planned_digests
from storage.models import Account, PostLedger, SupportCase

HELSINKI = ZoneInfo("Europe/Helsinki")
STAFF_DM = f"D_{STAFF}"
NEW_YORKER = "U0NYC"  # a mention Slack would send (`<@U…>`)


def sweeper(bot: RunningBot, name: str) -> Sweeper:
    return Sweeper(bot.engine, clock_web_client("xoxb-test", bot.fake.api_url), name, 0)


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = HELSINKI) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


def next_monday(after: date) -> date:
    return after + timedelta(days=7 - after.weekday())


def digests(bot: RunningBot, dm: str = STAFF_DM) -> list[str]:
    return [text_of(p.args) for p in bot.fake.posts(dm) if "Your week" in p.args["text"]]


def setup_account(bot: RunningBot, this_week: date) -> None:
    """A Launch Kit whose window closes within 30 days, a session that ended unlogged, one
    booked in the week of `this_week`, and an open support case."""
    today = date.today()
    bot.link("launch-kit", (today - timedelta(days=70)).isoformat())
    bot.command(f"training {(today - timedelta(days=1)).isoformat()} 10:00 30m anyway")
    bot.command(f"kickoff {(this_week + timedelta(days=1)).isoformat()} 10:00 30m anyway")
    with Session(bot.engine) as db:
        account = db.exec(select(Account)).one()
        db.add(
            SupportCase(
                account_id=account.id or 0,
                category="return",
                opened_by="U_BUYER",
                opened_by_team="T_CUSTOMER",
            )
        )
        db.commit()


def test_two_clocks_send_one_digest_a_week_in_the_persons_zone(bot: RunningBot) -> None:
    monday = next_monday(date.today())
    setup_account(bot, monday)
    clocks = [sweeper(bot, "clock-1"), sweeper(bot, "clock-2")]
    # Before the start of their working hours (09:00, the default) on Monday: nothing.
    assert weekly_digests(clocks[0], at(monday, 8, 50)) == []

    start = threading.Barrier(2)
    sent: list[str] = []
    nine = at(monday, 9)

    def sweep(clock: Sweeper) -> None:
        start.wait()
        sent.extend(weekly_digests(clock, nine))

    threads = [threading.Thread(target=sweep, args=(clock,)) for clock in clocks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    week = iso_week(monday)
    assert sent == [f"digest:{STAFF}:{week}"]
    [said] = digests(bot)
    assert f"*Your week {week}*: 1 account." in said
    assert f"*Acme Oy* <#{CHANNEL}>" in said
    assert "This week: *Kickoff* #2:" in said
    assert "To log (`/oura-book done &lt;N&gt;` in the channel): *Software training* #1:" in said
    window_last = date.today() - timedelta(days=70) + timedelta(days=89)
    assert f"About to lapse: 180 included minutes left, last day {window_last:%a %d %b %Y}" in said
    assert "1 open support case: S-1 Return" in said
    # Only vendor contacts get one.
    assert digests(bot, f"D_{STAFF_NY}") == []
    with Session(bot.engine) as db:
        [entry] = db.exec(select(PostLedger).where(PostLedger.kind == "digest")).all()
    assert (entry.key, entry.state, entry.attempts) == (f"digest:{STAFF}:{week}", "sent", 1)

    # Not again that week, whatever the day or the clock.
    for moment in (at(monday, 15), at(monday + timedelta(days=2), 10)):
        assert [weekly_digests(c, moment) for c in clocks] == [[], []]
    # The next week's goes out on its Monday.
    following = monday + timedelta(days=7)
    assert weekly_digests(clocks[1], at(following, 9)) == [f"digest:{STAFF}:{iso_week(following)}"]
    assert len(digests(bot)) == 2


def test_a_clock_down_on_monday_sends_it_later_that_week_but_not_at_the_weekend(
    bot: RunningBot,
) -> None:
    monday = next_monday(date.today())
    setup_account(bot, monday)
    clock = sweeper(bot, "clock-1")
    wednesday = monday + timedelta(days=2)
    # Evening is outside the hours; Wednesday morning it goes.
    assert weekly_digests(clock, at(wednesday, 18)) == []
    assert weekly_digests(clock, at(wednesday, 10)) == [f"digest:{STAFF}:{iso_week(monday)}"]
    # A week whose weekdays all passed unswept has none at the weekend, nor two the next.
    saturday = monday + timedelta(days=12)
    assert weekly_digests(clock, at(saturday, 10)) == []
    after = monday + timedelta(days=14)
    assert weekly_digests(clock, at(after, 9)) == [f"digest:{STAFF}:{iso_week(after)}"]
    assert len(digests(bot)) == 2


def test_the_digest_follows_working_hours_and_zone(bot: RunningBot) -> None:
    """Staff in New York, working 10:00-18:00: their Monday, their hours."""
    monday = next_monday(date.today())
    bot.fake.add_user(NEW_YORKER, tz="America/New_York", team_id=VENDOR_TEAM)
    bot.link("premium", (date.today() - timedelta(days=20)).isoformat())
    assert "<@U0NYC>" in text_of(bot.command(f"contact vendor <@{NEW_YORKER}>"))
    assert "10:00" in text_of(bot.command("hours 10:00-18:00 mon-fri", user_id=NEW_YORKER))
    new_york = ZoneInfo("America/New_York")
    clock = sweeper(bot, "clock-1")
    # 09:30 in New York is 16:30 in Helsinki: before their hours.
    assert weekly_digests(clock, at(monday, 9, 30, new_york)) == []
    assert weekly_digests(clock, at(monday, 10, 0, new_york)) == [
        f"digest:{NEW_YORKER}:{iso_week(monday)}"
    ]
    [said] = digests(bot, f"D_{NEW_YORKER}")
    assert "1 account has nothing this week." in said
    assert digests(bot) == []  # the former vendor contact gets none
    with Session(bot.engine) as db:
        [(user, tz, when)] = planned_digests(db, at(monday, 11, 0, new_york))
    # Offline the account's zone stands in for the person's.
    assert (user, tz) == (NEW_YORKER, "Europe/Helsinki")
    assert when is not None and when.astimezone(HELSINKI).date() == monday + timedelta(days=7)


def test_digest_command_shows_it_now_to_staff_only(bot: RunningBot) -> None:
    setup_account(bot, date.today())
    said = text_of(bot.command("digest"))
    assert "*Your week " in said and "*Acme Oy*" in said
    assert "*Software training* #1:" in said and "1 open support case: S-1" in said
    # Any channel, not only the account's.
    elsewhere = text_of(bot.command("digest", channel_id="C_ELSEWHERE"))
    assert "*Acme Oy*" in elsewhere
    # Someone who is no vendor contact is told so.
    assert "not the vendor contact of any account" in text_of(
        bot.command("digest", user_id=STAFF_NY)
    )
    assert "takes nothing after it" in text_of(bot.command("digest now"))
    # A customer is refused.
    bot.fake.add_user("U_BUYER", team_id="T_CUSTOMER")
    refused = text_of(bot.command("digest", user_id="U_BUYER", team_id="T_CUSTOMER"))
    assert "Only the vendor's staff" in refused and "Acme" not in refused


def test_digest_parses_and_its_window_skips_holidays() -> None:
    assert parse("digest") == ShowDigest()
    hours = DigestHours()
    independence_day = date(2027, 12, 6)  # a Monday, a public holiday in Finland
    assert independence_day.isoweekday() == 1
    assert not digest_due(at(independence_day, 10), "Europe/Helsinki", "FI", hours)
    assert digest_due(at(independence_day, 10), "Europe/Helsinki", None, hours)
    tuesday = independence_day + timedelta(days=1)
    assert digest_due(at(tuesday, 10), "Europe/Helsinki", "FI", hours)
    assert next_digest_at(at(independence_day, 7), "Europe/Helsinki", "FI", hours, False) == at(
        tuesday, 9
    )
    assert next_digest_at(at(tuesday, 12), "Europe/Helsinki", "FI", hours, True) == at(
        tuesday + timedelta(days=6), 9
    )
    assert not digest_due(at(tuesday + timedelta(days=4), 10), "Europe/Helsinki", "FI", hours)


def test_preview_lists_each_vendor_contacts_next_digest(
    bot: RunningBot, database_url: str, tmp_path: Path
) -> None:
    bot.link("premium", (date.today() - timedelta(days=20)).isoformat())
    result = subprocess.run(
        [OURA_BOT, "preview", "--digests"],
        cwd=tmp_path,
        env=env_with(DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Weekly digests (1 vendor contact):"
    assert lines[1].startswith(f"  {STAFF}: ") and "(in Europe/Helsinki," in lines[1]
    local = datetime.strptime(lines[1].split(": ")[1][:20], "%a %Y-%m-%d %H:%M")
    assert local.isoweekday() <= 5 and 9 <= local.hour < 17


def test_two_clock_processes_digest_jobs_send_one(
    bot: RunningBot, database_url: str, fake_slack: FakeSlack
) -> None:
    """The digest job `oura-bot clock` schedules beside its sweep, in two clocks at once."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from conftest import settings_for

    from bot import cli

    monday = next_monday(date.today())
    setup_account(bot, monday)
    settings = settings_for(fake_slack, database_url)
    jobs = []
    for _ in range(2):
        scheduler = BackgroundScheduler(timezone=UTC)
        clock = cli._sweeper(settings, bot.engine)
        clock.now = lambda: at(monday, 11)  # the clocks' time: a Monday morning
        cli._add_clock_jobs(scheduler, settings, clock, with_web=False)
        jobs.append(scheduler.get_job("digests").func)
    start = threading.Barrier(2)

    def run(job: Callable[[], None]) -> None:
        start.wait()
        job()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(digests(bot)) == 1
    for job in jobs:
        job()
    assert len(digests(bot)) == 1


def test_schedule_names_the_vendor_contacts_next_digest(bot: RunningBot) -> None:
    bot.link("premium", date.today().isoformat())
    clock = sweeper(bot, "clock-1")
    today = datetime.now(HELSINKI).date()
    this_monday = today - timedelta(days=today.weekday())
    # This week's digest goes out (on its first working day, whatever today is).
    for day in (this_monday + timedelta(days=i) for i in range(5)):
        if weekly_digests(clock, at(day, 10)):
            break
    said = text_of(bot.command("schedule"))
    assert "*Weekly digest*" in said
    expected = DigestService(bot.engine).next_at(STAFF, "Europe/Helsinki", datetime.now(UTC))
    assert expected is not None
    assert expected.astimezone(HELSINKI).date() >= next_monday(today)  # this week's was sent
    assert f"To <@{STAFF}>: next on <!date^{int(expected.timestamp())}^" in said
