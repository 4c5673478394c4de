"""The pace warning and the staff warnings at 80% and 100% of included minutes, as the clock
sends them (signed HTTP commands, the fake Slack Web API, SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from conftest import CHANNEL, STAFF, VENDOR_TEAM, RunningBot, text_of
from slackfixtures import Person
from slackfixtures import block_action as fixture_click
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_cli import run

from bot.clock import Sweeper, clock_web_client
from bot.domain.country import is_business_day
from bot.domain.pace import Checkpoint
from storage.ledger import record_skipped
from storage.models import Contract, PostLedger

HELSINKI = ZoneInfo("Europe/Helsinki")
STAFF_DM = f"D_{STAFF}"


def sweeper(bot: RunningBot) -> Sweeper:
    return Sweeper(bot.engine, clock_web_client("xoxb-test", bot.fake.api_url), "clock-1", 0)


def business_morning(after: date) -> datetime:
    """10:00 in Helsinki on the first Finnish business day after `after`."""
    day = after + timedelta(days=1)
    while not is_business_day(day, "FI"):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, tzinfo=HELSINKI).astimezone(UTC)


def saturday_after(day: date) -> datetime:
    while day.weekday() != 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, tzinfo=HELSINKI).astimezone(UTC)


def book(bot: RunningBot, minutes: int) -> None:
    """A training session five weeks on (it has not ended when the clock sweeps)."""
    day = (date.today() + timedelta(days=35)).isoformat()
    reply = bot.command(f"training {day} 10:00 {minutes}m anyway")
    assert "Booked" in text_of(reply), text_of(reply)


def usage_dms(bot: RunningBot) -> list[str]:
    return [
        text_of(call.args) for call in bot.fake.posts(STAFF_DM) if "included" in text_of(call.args)
    ]


def ledger(bot: RunningBot, kind_prefix: str) -> dict[str, str]:
    with Session(bot.engine) as db:
        rows = db.exec(select(PostLedger)).all()
    return {row.key: row.state for row in rows if row.kind.startswith(kind_prefix)}


def contract_id(bot: RunningBot) -> int:
    with Session(bot.engine) as db:
        return db.exec(select(Contract)).one().id or 0


def test_staff_are_warned_once_at_80_and_once_at_100_percent(bot: RunningBot) -> None:
    bot.link("pro-lite", (date.today() - timedelta(days=20)).isoformat())
    clock, now = sweeper(bot), business_morning(date.today())
    cid = contract_id(bot)
    book(bot, 60)  # 60 of 120: half
    assert clock.sweep(now).usage_dms == []
    book(bot, 36)  # 96 of 120: 80%
    assert clock.sweep(now).usage_dms == [f"contract:{cid}:usage:80"]
    assert clock.sweep(now + timedelta(minutes=5)).usage_dms == []  # once
    [warned] = usage_dms(bot)
    assert "Acme Oy" in warned and "96 of the 120 included minutes" in warned
    assert "Pro Lite Success" in warned

    book(bot, 24)  # 120 of 120: nothing included left, the next booking would be billable
    assert clock.sweep(now + timedelta(minutes=10)).usage_dms == [f"contract:{cid}:usage:100"]
    assert clock.sweep(now + timedelta(minutes=15)).usage_dms == []
    assert len(usage_dms(bot)) == 2
    assert "all 120 included minutes" in usage_dms(bot)[1]
    assert "billable" in usage_dms(bot)[1]
    assert ledger(bot, "usage") == {
        f"contract:{cid}:usage:80": "sent",
        f"contract:{cid}:usage:100": "sent",
    }
    # Nothing of it in the customer's channel.
    assert not [c for c in bot.fake.posts(CHANNEL) if "billable" in text_of(c.args)]


def test_both_thresholds_at_once_send_only_the_100_percent_one_in_business_hours(
    bot: RunningBot,
) -> None:
    bot.link("pro-lite", (date.today() - timedelta(days=20)).isoformat())
    clock, cid = sweeper(bot), contract_id(bot)
    book(bot, 60)
    book(bot, 60)
    # A Saturday: the warning waits for business hours.
    assert clock.sweep(saturday_after(date.today())).usage_dms == []
    assert usage_dms(bot) == []
    now = business_morning(date.today() + timedelta(days=7))
    assert clock.sweep(now).usage_dms == [f"contract:{cid}:usage:100"]
    assert ledger(bot, "usage") == {
        f"contract:{cid}:usage:80": "skipped",
        f"contract:{cid}:usage:100": "sent",
    }
    assert len(usage_dms(bot)) == 1


def test_schedule_shows_the_staff_dms_and_whether_they_were_sent(bot: RunningBot) -> None:
    bot.link("pro-lite", (date.today() - timedelta(days=20)).isoformat())
    clock, now = sweeper(bot), business_morning(date.today())
    dm_80 = f"Staff DM to <@{STAFF}>: 80% of included minutes used."
    book(bot, 60)  # 60 of 120: no threshold reached, no DM to come
    assert "Staff DM" not in text_of(bot.command("schedule"))

    book(bot, 36)  # 96 of 120: the 80% DM goes out at the next sweep in business hours
    asked = datetime.now(UTC)
    due = text_of(bot.command("schedule"))
    [goes_out] = re.findall(re.escape(dm_80) + r" Goes out <!date\^(\d+)\^", due)
    when = datetime.fromtimestamp(int(goes_out), UTC)
    assert when >= asked - timedelta(seconds=1)
    local = when.astimezone(HELSINKI)
    assert is_business_day(local.date(), "FI") and 9 <= local.hour < 17
    assert "100%" not in due

    clock.sweep(now)
    sent = text_of(bot.command("schedule"))
    [sent_at] = re.findall(re.escape(dm_80) + r" Sent <!date\^(\d+)\^", sent)
    assert abs(int(sent_at) - now.timestamp()) < 60
    assert "Goes out" not in sent

    book(bot, 24)  # 120 of 120: the 100% DM is to come, the 80% one stays sent
    both = text_of(bot.command("schedule"))
    assert f"{dm_80} Sent <!date^{sent_at}^" in both
    assert f"Staff DM to <@{STAFF}>: 100% of included minutes used. Goes out" in both


def test_preview_shows_the_staff_dm_at_80_or_100_percent(tmp_path: Path) -> None:
    def staff_dms(package: str, start: str, used: str) -> list[str]:
        result = run(["preview", "--package", package, "--start", start, "--used", used], tmp_path)
        assert result.returncode == 0, result.stderr
        return [line.strip() for line in result.stdout.splitlines() if "staff DM" in line]

    assert staff_dms("pro-lite", "2027-01-04", "95") == []  # under 80%
    # Spent from the start: the first business morning of the term (2 Jan 2027 is a Saturday).
    assert staff_dms("pro-lite", "2027-01-02", "96") == [
        "Mon 2027-01-04 09:00 EET  staff DM to the vendor contact: 80% of included minutes used "
        "(96 of 120 min)"
    ]
    # Both reached at once: as the clock does, only the 100% one goes out.
    assert staff_dms("launch-kit", "2027-01-04", "240") == [
        "Mon 2027-01-04 09:00 EET  staff DM to the vendor contact: 100% of included minutes used "
        "(240 of 240 min; the 80% one is skipped)"
    ]


def channel_pace_posts(bot: RunningBot) -> list[dict[str, Any]]:
    return [
        call.args
        for call in bot.fake.posts(CHANNEL)
        if (call.args.get("metadata") or {}).get("event_payload", {}).get("kind") == "pace-warning"
    ]


def test_the_pace_warning_is_posted_once_when_a_quarter_would_lapse(bot: RunningBot) -> None:
    # A Launch Kit that started 50 days ago: past its half (day 45) of the 90-day window.
    start = date.today() - timedelta(days=50)
    bot.link("launch-kit", start.isoformat())
    clock, cid = sweeper(bot), contract_id(bot)
    book(bot, 30)  # 30 of 240 by day 51 or so: most of the 240 would lapse
    now = business_morning(date.today())  # day 51 to 55: before the two-thirds (day 60)
    report = clock.sweep(now)
    assert f"contract:{cid}:pace:half" in report.sent
    [post] = channel_pace_posts(bot)
    said = text_of(post)
    assert "at this pace, about" in said and "of the 240 included minutes will lapse" in said
    assert "billable" not in said  # customer-safe
    assert clock.sweep(now + timedelta(minutes=5)).sent == []
    assert len(channel_pace_posts(bot)) == 1


def test_a_contract_on_pace_gets_no_pace_warning(bot: RunningBot) -> None:
    start = date.today() - timedelta(days=50)
    bot.link("launch-kit", start.isoformat())
    clock = sweeper(bot)
    for _ in range(3):
        book(bot, 60)  # 180 of 240 by day 50: on pace
    clock.sweep(business_morning(date.today()))
    assert channel_pace_posts(bot) == []


def preview(tmp_path: Path, package: str, *more: str) -> list[str]:
    result = run(["preview", "--package", package, "--start", "2027-01-04", *more], tmp_path)
    assert result.returncode == 0, result.stderr
    return [line.strip() for line in result.stdout.splitlines() if "pace warning" in line]


def test_preview_shows_the_pace_warnings_of_each_package(tmp_path: Path) -> None:
    # Nothing used: at either checkpoint all included minutes would lapse.
    assert preview(tmp_path, "launch-kit") == [
        "Thu 2027-02-18 09:00 EET  pace warning (half: about 240 of 240 min to lapse)",
        "Fri 2027-03-05 09:00 EET  pace warning (two-thirds: about 240 of 240 min to lapse)",
    ]
    for package in ("pro-lite", "premium"):
        assert preview(tmp_path, package) == [
            "Mon 2027-07-05 09:00 EEST  pace warning (half: about 120 of 120 min to lapse)",
            # Saturday 2027-09-04 is two thirds of the term: the post waits for Monday.
            "Mon 2027-09-06 09:00 EEST  pace warning (two-thirds: about 120 of 120 min to lapse)",
        ]
    # 120 of 240 used: on pace at the half, a quarter behind at two thirds (day 60).
    assert preview(tmp_path, "launch-kit", "--used", "120") == [
        "Fri 2027-03-05 09:00 EET  pace warning (two-thirds: about 60 of 240 min to lapse)",
    ]
    # On pace: none.
    assert preview(tmp_path, "launch-kit", "--used", "200") == []
    assert preview(tmp_path, "premium", "--used", "90") == []
    bad = run(
        ["preview", "--package", "premium", "--start", "2027-01-04", "--used", "500"], tmp_path
    )
    assert bad.returncode == 2 and "--used must be 0 to 120 minutes" in bad.stderr


def skip_pace_warnings(engine: Engine) -> None:
    """Record every contract's pace warnings as skipped: for tests of other posts whose
    contracts book nothing (so would be warned at the half of their window)."""
    with Session(engine) as db:
        contracts = db.exec(select(Contract)).all()
    for contract in contracts:
        assert contract.id is not None
        for checkpoint in Checkpoint:
            key = f"contract:{contract.id}:pace:{checkpoint}"
            record_skipped(
                engine, key, "pace-warning", contract.account_id, contract.id, datetime.now(UTC)
            )


def test_schedule_lists_the_pace_warnings_only_while_the_projection_says_so(
    bot: RunningBot,
) -> None:
    bot.link("pro-lite", (date.today() - timedelta(days=10)).isoformat())
    reply = text_of(bot.command("schedule"))
    assert reply.count("pace warning") == 2  # nothing booked yet: both would warn
    book(bot, 60)
    book(bot, 36)  # 96 of 120 by day 10: on pace at both checkpoints
    assert "pace warning" not in text_of(bot.command("schedule"))


def test_the_pace_warnings_free_slots_open_the_form_at_that_time(bot: RunningBot) -> None:
    bot.link("launch-kit", (date.today() - timedelta(days=50)).isoformat())
    now = business_morning(date.today())
    sweeper(bot).sweep(now)
    [post] = channel_pace_posts(bot)
    buttons = [
        element
        for block in post["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"].startswith("request_slot_")
    ]
    # The vendor contact's next free hours (weekdays 09:00-17:00 by default), after the sweep.
    assert [b["action_id"] for b in buttons] == [
        "request_slot_0",
        "request_slot_1",
        "request_slot_2",
    ]
    starts = [datetime.fromtimestamp(int(b["value"]), UTC) for b in buttons]
    assert starts == sorted(starts) and starts[0] >= now
    for start in starts:
        local = start.astimezone(HELSINKI)
        assert local.weekday() < 5 and 9 <= local.hour < 17
    assert buttons[0]["text"]["text"].endswith(starts[0].astimezone(HELSINKI).tzname() or "")

    bot.fake.reset()
    payload = fixture_click(
        "block_actions.workspace.json",
        buttons[1]["action_id"],
        buttons[1]["value"],
        user=Person(STAFF, VENDOR_TEAM),
        channel=CHANNEL,
        response_url=bot.fake.response_url("slot"),
        message_ts="1700000000.000100",
    )
    assert bot.sender.interaction(payload).status == 200
    [opened] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"), message="views.open")
    pickers = [
        block["element"].get("initial_date_time")
        for block in opened.args["view"]["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "datetimepicker"
    ]
    # Staff get the booking form, its start set to the slot clicked (if still ahead).
    if starts[1] > datetime.now(UTC):
        assert pickers == [int(starts[1].timestamp())]


def test_a_buyers_request_form_opens_with_the_slot_picked() -> None:
    from bot.blocks.availability import slot_select
    from bot.services.availability import Slots

    starts = [datetime(2027, 1, 11, 7, tzinfo=UTC), datetime(2027, 1, 11, 8, tzinfo=UTC)]
    slots = Slots("U_STAFF", "Europe/Helsinki", 60, starts)
    block = slot_select(slots, "Europe/Helsinki", starts[1]).to_dict()
    assert block["element"]["initial_option"]["value"] == str(int(starts[1].timestamp()))
    # A slot no longer free is not picked: the form opens with nothing chosen.
    gone = slot_select(slots, "Europe/Helsinki", datetime(2027, 1, 12, 7, tzinfo=UTC)).to_dict()
    assert "initial_option" not in gone["element"]
