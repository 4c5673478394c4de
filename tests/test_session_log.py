"""The session log DM: once a session's end has passed its vendor contact (and its booker)
get one DM, also with two clocks sweeping at once, and each button records what it says
(signed HTTP, SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import CHANNEL, SIGNING_SECRET, STAFF, STAFF_NY, VENDOR_TEAM, RunningBot, text_of
from slackfixtures import Person
from slackfixtures import block_action as fixture_click
from slackfixtures import view_submission as fixture_submission
from sqlmodel import Session, select
from test_home import opened

from bot.blocks import ids
from bot.clock import Sweeper, clock_web_client
from bot.domain.country import is_business_day
from bot.services.signer import MetadataSigner
from bot.settings import SettingsError, load_settings
from storage.models import AuditEvent, Contract, CustomerTeam, OnboardingSession, PostLedger

SIGNER = MetadataSigner(SIGNING_SECRET)
STAFF_DM, NY_DM = f"D_{STAFF}", f"D_{STAFF_NY}"


def rows(bot: RunningBot) -> list[OnboardingSession]:
    with Session(bot.engine) as db:
        return list(db.exec(select(OnboardingSession).order_by(OnboardingSession.id)).all())


def minutes_spent(bot: RunningBot) -> int:
    with Session(bot.engine) as db:
        return db.exec(select(Contract)).one().minutes_spent


def sweeper(bot: RunningBot, name: str) -> Sweeper:
    return Sweeper(bot.engine, clock_web_client("xoxb-test", bot.fake.api_url), name, 0)


def book_yesterday(bot: RunningBot, *lines: str, user_id: str = STAFF) -> None:
    """Link the channel (a contract from 20 days ago) and book `lines` (`<type> <HH:MM> <N>m`)
    for yesterday."""
    bot.link("premium", (date.today() - timedelta(days=20)).isoformat())
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    for line in lines:
        kind, at, minutes = line.split()
        bot.command(f"{kind} {yesterday} {at} {minutes}", user_id=user_id)


def click(bot: RunningBot, action_id: str, session_id: int, user_id: str = STAFF) -> str:
    """A click on the log DM's button; what the response_url was told (its text)."""
    key = f"{action_id}-{next(_clicks)}"
    payload = fixture_click(
        "block_actions.workspace.json",
        action_id,
        str(session_id),
        user=Person(user_id, VENDOR_TEAM),
        channel=f"D_{user_id}",
        response_url=bot.fake.response_url(key),
        message_ts="1700000000.000100",
    )
    assert bot.sender.interaction(payload).status == 200
    if action_id == ids.LOG_PROMPT_OTHER:
        return ""
    return text_of(bot.fake.wait_for_responses(key, 1)[0].body)


_clicks = iter(range(1, 1_000_000))


def log_dms(bot: RunningBot, dm: str = STAFF_DM) -> list[dict[str, Any]]:
    return [call.args for call in bot.fake.posts(dm)]


def test_two_clocks_send_one_log_dm_and_held_records_the_booked_length(bot: RunningBot) -> None:
    book_yesterday(bot, "training 10:00 45m")
    [session] = rows(bot)
    clocks = [sweeper(bot, "clock-1"), sweeper(bot, "clock-2")]
    start = threading.Barrier(2)

    sent: list[str] = []

    def sweep(clock: Sweeper) -> None:
        start.wait()
        sent.extend(clock.sweep().log_dms)

    threads = [threading.Thread(target=sweep, args=(clock,)) for clock in clocks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sent == [f"log-prompt:{session.id}:{STAFF}"]
    assert clocks[0].sweep().log_dms == []  # and a later sweep sends nothing more
    [dm] = log_dms(bot)
    said = text_of(dm)
    assert "Log *Software training* #1:" in said and "*Acme Oy*" in said
    buttons = {
        element["action_id"]: element["value"]
        for block in dm["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }
    assert buttons == dict.fromkeys(
        (
            ids.LOG_PROMPT_HELD,
            ids.LOG_PROMPT_OTHER,
            ids.LOG_PROMPT_NO_SHOW,
            ids.LOG_PROMPT_NOT_HELD,
        ),
        str(session.id),
    )
    assert "Held, 45 min" in said
    with Session(bot.engine) as db:
        [entry] = db.exec(select(PostLedger).where(PostLedger.kind == "log_prompt")).all()
    assert (entry.key, entry.state, entry.attempts) == (
        f"log-prompt:{session.id}:{STAFF}",
        "sent",
        1,
    )

    channel_posts = len(bot.fake.posts(CHANNEL))
    answer = click(bot, ids.LOG_PROMPT_HELD, session.id or 0)
    assert "Logged *Software training* #1:" in answer and "as held" in answer
    [held] = rows(bot)
    assert (held.state, held.minutes_held, held.logged_by) == ("held", 45, STAFF)
    assert held.logged_at is not None
    assert minutes_spent(bot) == 45

    # A second click answers what was recorded, and changes nothing.
    again = click(bot, ids.LOG_PROMPT_NO_SHOW, session.id or 0)
    assert "#1 was already logged as held by <@U_STAFF>" in again
    assert rows(bot)[0].state == "held"
    # Nothing about the log was posted in the customer's channel.
    assert len(bot.fake.posts(CHANNEL)) == channel_posts


def test_the_booker_gets_their_own_dm_and_a_session_not_ended_gets_none(bot: RunningBot) -> None:
    book_yesterday(bot, "training 10:00 30m", user_id=STAFF_NY)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    bot.command(f"kickoff {tomorrow} 10:00 30m anyway")  # tomorrow may be a Saturday
    sweeper(bot, "clock-1").sweep()
    assert len(log_dms(bot, STAFF_DM)) == 1  # the vendor contact
    assert len(log_dms(bot, NY_DM)) == 1  # the booker
    with Session(bot.engine) as db:
        keys = db.exec(select(PostLedger.key).where(PostLedger.kind == "log_prompt")).all()
    first = rows(bot)[0].id
    assert sorted(keys) == sorted([f"log-prompt:{first}:{STAFF}", f"log-prompt:{first}:{STAFF_NY}"])


@pytest.mark.parametrize(
    "bot_settings, spent_after_no_show",
    [({}, 60), ({"no_show_counts": "released"}, 30)],
    ids=["no-show-used", "no-show-released"],
)
def test_no_show_follows_the_setting_and_didnt_happen_cancels_quietly(
    bot: RunningBot, spent_after_no_show: int
) -> None:
    book_yesterday(bot, "training 09:00 30m", "onboarding 11:00 30m", "kickoff 13:00 30m")
    first, second, third = (s.id or 0 for s in rows(bot))
    assert minutes_spent(bot) == 90
    channel_posts = len(bot.fake.posts(CHANNEL))

    answer = click(bot, ids.LOG_PROMPT_NO_SHOW, first)
    assert "#1" in answer and "no-show" in answer
    assert rows(bot)[0].state == "no_show"
    assert minutes_spent(bot) == spent_after_no_show + 30

    answer = click(bot, ids.LOG_PROMPT_NOT_HELD, second)
    assert "#2" in answer and "not held" in answer
    assert rows(bot)[1].state == "cancelled"
    assert minutes_spent(bot) == spent_after_no_show
    # No cancellation (nor anything else) was posted in the customer's channel.
    assert len(bot.fake.posts(CHANNEL)) == channel_posts

    again = click(bot, ids.LOG_PROMPT_HELD, second)
    assert "#2 was already logged as not held" in again
    # A no-show is logged: cancelling it changes nothing.
    assert "#1 was already logged as a no-show" in text_of(bot.command("cancel 1"))
    with Session(bot.engine) as db:
        actions = db.exec(
            select(AuditEvent.action).where(AuditEvent.session_id.in_([first, second]))
        ).all()  # type: ignore[union-attr]
    assert Counter(actions) == {"book": 2, "no_show": 1, "not_held": 1}
    assert third and rows(bot)[2].state == "booked"

    listed = text_of(bot.command("list"))
    assert "#1" in listed and "no-show" in listed
    # The staff usage card states the rule.
    rule = "counts as used" if spent_after_no_show == 60 else "is given back"
    assert f"No-shows: the reserved time {rule}." in text_of(bot.command("usage"))


def test_other_length_opens_a_form_that_logs_minutes_attendees_and_a_note(
    bot: RunningBot,
) -> None:
    book_yesterday(bot, "training 10:00 60m")
    [session] = rows(bot)
    sweeper(bot, "clock-1").sweep()
    click(bot, ids.LOG_PROMPT_OTHER, session.id or 0)
    [opened] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    view = opened.args["view"]
    assert view["callback_id"] == ids.LOG_SESSION_MODAL
    metadata = SIGNER.loads(view["private_metadata"])
    assert metadata is not None
    assert (metadata["channel_id"], metadata["session_id"]) == (CHANNEL, session.id)

    def submit(values: dict[str, str]) -> dict[str, Any]:
        state = {
            block: {ids.FIELD_VALUE: {"type": kind, "value": values[block]}}
            for block, kind in (
                (ids.FIELD_MINUTES, "number_input"),
                (ids.FIELD_ATTENDEES, "plain_text_input"),
                (ids.FIELD_NOTE, "plain_text_input"),
            )
        }
        payload = fixture_submission(
            "view_submission.workspace.json",
            ids.LOG_SESSION_MODAL,
            state,
            view["private_metadata"],
            user=Person(STAFF, VENDOR_TEAM),
            installed_team=VENDOR_TEAM,
        )
        reply = bot.sender.interaction(payload)
        assert reply.status == 200
        return reply.json() if reply.body else {}

    refused = submit({ids.FIELD_MINUTES: "75", ids.FIELD_ATTENDEES: "", ids.FIELD_NOTE: ""})
    assert refused["response_action"] == "errors" and ids.FIELD_MINUTES in refused["errors"]
    assert rows(bot)[0].state == "booked"

    submit(
        {
            ids.FIELD_MINUTES: "40",
            ids.FIELD_ATTENDEES: "Anna, Ben",
            ids.FIELD_NOTE: "Went through <setup> & billing",
        }
    )
    [held] = rows(bot)
    assert (held.state, held.minutes_held, held.attendees) == ("held", 40, "Anna, Ben")
    assert held.note == "Went through <setup> & billing"
    assert minutes_spent(bot) == 40
    # The DM's buttons give way to what was recorded.
    # (The channel's living balance is edited too: `test_balance_message`.)
    [update] = bot.fake.wait_for(
        lambda: [c for c in bot.fake.calls_to("chat.update") if c.args["channel"] == STAFF_DM]
    )
    assert "as held" in text_of(update.args)


def business_morning(after: date) -> datetime:
    """10:00 in Helsinki on the first business day (in Finland) from `after` on."""
    day = after
    while not is_business_day(day, "FI"):
        day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=ZoneInfo("Europe/Helsinki"))


def test_sessions_not_logged_two_business_days_on_are_flagged_and_reminded_once_a_day(
    bot: RunningBot,
) -> None:
    bot.link("premium", (date.today() - timedelta(days=30)).isoformat())
    week_ago = (date.today() - timedelta(days=7)).isoformat()
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    bot.command(f"training {week_ago} 10:00 30m")
    bot.command(f"kickoff {yesterday} 10:00 30m")
    listed = text_of(bot.command("list"))
    recent, late = (line for line in listed.splitlines() if " (30 min)" in line)
    assert "#1:" in late and ":hourglass: not logged 2 business days after its end" in late
    assert "#2:" in recent and "not logged yet" in recent and "hourglass" not in recent

    home = text_of(opened(bot))
    assert ":hourglass: not logged 2 business days after their end: #1" in home

    morning = business_morning(date.today())
    clock = sweeper(bot, "clock-1")
    first = [k for k in clock.sweep(morning).log_dms if k.startswith("unlogged:")]
    assert first == [f"unlogged:{STAFF}:{morning.date().isoformat()}"]
    [reminder] = [p.args for p in bot.fake.posts(STAFF_DM) if "still not logged" in p.args["text"]]
    said = text_of(reminder)
    assert "1 session is still not logged" in said and "*Software training* #1:" in said
    assert "#2" not in said and f"<#{CHANNEL}>" in said
    # Once a day: not again that day, nor in the evening; again the next business day.
    assert not [k for k in clock.sweep(morning + timedelta(hours=5)).log_dms if "unlogged" in k]
    evening = morning + timedelta(hours=10)
    next_day = business_morning(morning.date() + timedelta(days=1))
    assert not [k for k in clock.sweep(evening).log_dms if k.startswith("unlogged:")]
    assert [k for k in clock.sweep(next_day).log_dms if k.startswith("unlogged:")] == [
        f"unlogged:{STAFF}:{next_day.date().isoformat()}"
    ]

    # Logged: no longer flagged, nor reminded.
    bot.command("done 1")
    bot.command("done 2")
    assert "hourglass" not in text_of(bot.command("list"))
    later = business_morning(next_day.date() + timedelta(days=1))
    assert not [k for k in clock.sweep(later).log_dms if k.startswith("unlogged:")]


def test_the_no_show_rule_is_a_setting_with_two_values() -> None:
    assert load_settings({}, dotenv=False).no_show_counts == "used"
    released = load_settings({"OURA_NO_SHOW_COUNTS": "Released"}, dotenv=False)
    assert released.no_show_counts == "released"
    with pytest.raises(SettingsError, match="OURA_NO_SHOW_COUNTS must be used or released"):
        load_settings({"OURA_NO_SHOW_COUNTS": "maybe"}, dotenv=False)


def test_a_buyer_who_booked_gets_no_log_dm(bot: RunningBot) -> None:
    book_yesterday(bot, "training 10:00 30m")
    with Session(bot.engine) as db:
        # As when a buyer accepts a proposed time: the booking is theirs.
        session = db.exec(select(OnboardingSession)).one()
        session.booked_by, session.booked_by_team = "U_BUYER", "T_ACME"
        db.add(session)
        db.add(CustomerTeam(account_id=1, team_id="T_ACME", kind="workspace", source="buyer"))
        session_id = session.id
        db.commit()
    assert sweeper(bot, "clock-1").sweep().log_dms == [f"log-prompt:{session_id}:{STAFF}"]
    assert log_dms(bot, "D_U_BUYER") == []
