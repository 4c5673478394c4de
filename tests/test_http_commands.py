"""`/oura-book` end to end: signed HTTP requests to the served app, the fake Slack behind it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import CHANNEL, STAFF, STAFF_NY, RunningBot, text_of
from sqlmodel import Session, select

from bot.domain.slacktext import escape
from storage.models import AuditEvent, Contract, OnboardingSession

TOKEN = re.compile(r"<!date\^(\d+)\^\{date_short_pretty\} at \{time\}\|([^>]+)>")


def epochs_in(text: str) -> list[int]:
    """The distinct date-token epochs, in order (the fallback text repeats the blocks)."""
    return list(dict.fromkeys(int(m[1]) for m in TOKEN.finditer(text)))


def contract_row(bot: RunningBot) -> Contract:
    with Session(bot.engine) as db:
        return db.exec(select(Contract)).one()


def sessions(bot: RunningBot) -> list[OnboardingSession]:
    with Session(bot.engine) as db:
        return list(db.exec(select(OnboardingSession).order_by(OnboardingSession.id)).all())


def channel_texts(bot: RunningBot) -> list[str]:
    return [text_of(call.args) for call in bot.fake.posts(CHANNEL)]


def test_link_book_45_minute_kickoff_posts_date_token_in_channel(bot: RunningBot) -> None:
    reply = bot.link("launch-kit", "2027-01-04")
    assert "Linked this channel to *Acme Oy*" in text_of(reply)
    assert reply["response_type"] == "ephemeral"

    reply = bot.command("kickoff 2027-01-12 14:00 45m")
    assert reply["response_type"] == "ephemeral"
    assert "195 of 240 included minutes left" in text_of(reply)

    [post] = bot.fake.wait_for_posts(CHANNEL, 1)
    posted = text_of(post.args)
    helsinki_2pm = datetime(2027, 1, 12, 14, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    assert epochs_in(posted) == [int(helsinki_2pm.timestamp())]
    assert int(helsinki_2pm.timestamp()) == int(
        datetime(2027, 1, 12, 12, 0, tzinfo=UTC).timestamp()
    )
    assert "Kickoff" in posted and "45 min" in posted
    assert "Tue 12 Jan 2027 14:00 EET" in posted  # fallback names the account's zone

    [session] = sessions(bot)
    assert session.starts_at == datetime(2027, 1, 12, 12, 0, tzinfo=UTC)
    assert (session.minutes_booked, session.included_minutes, session.billable_minutes) == (
        45,
        45,
        0,
    )
    assert contract_row(bot).minutes_spent == 45


def test_new_york_user_typing_14_00_in_the_dst_change_week(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    # US clocks go forward on Sunday 2027-03-14: 14:00 is 19:00Z before, 18:00Z after. (The
    # vendor contact works in Helsinki, where that is evening: `anyway`.)
    bot.command("training 2027-03-12 14:00 30m anyway", user_id=STAFF_NY)
    bot.command("training 2027-03-15 14:00 30m anyway", user_id=STAFF_NY)
    posts = bot.fake.wait_for_posts(CHANNEL, 2)
    expected = [
        datetime(2027, 3, 12, 19, 0, tzinfo=UTC),
        datetime(2027, 3, 15, 18, 0, tzinfo=UTC),
    ]
    assert [epochs_in(text_of(p.args))[0] for p in posts] == [int(e.timestamp()) for e in expected]
    assert [s.starts_at for s in sessions(bot)] == expected


def test_time_falls_back_to_account_zone_when_slack_has_no_tz(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("timezone Asia/Tokyo")
    bot.fake.add_user("U_NOTZ", tz="", team_id="T_VENDOR")
    bot.command("onboarding 2027-02-01 09:00 anyway", user_id="U_NOTZ")  # 02:00 in Helsinki
    [session] = sessions(bot)
    assert session.starts_at == datetime(2027, 2, 1, 0, 0, tzinfo=UTC)  # 09:00 JST


def test_90_minute_session_refused_naming_the_cap(bot: RunningBot) -> None:
    bot.link()
    reply = bot.command("onboarding 2027-01-12 10:00 90m")
    assert "at most 60 minutes" in text_of(reply)
    assert sessions(bot) == []
    assert contract_row(bot).minutes_spent == 0
    assert bot.fake.posts(CHANNEL) == []


def test_launch_kit_past_240_minutes_needs_billable_and_splits(bot: RunningBot) -> None:
    bot.link("launch-kit", "2027-01-04")
    for day in ("05", "06", "07", "08"):
        bot.command(f"training 2027-01-{day} 10:00 55m")
    assert contract_row(bot).minutes_spent == 220

    refused = bot.command("onboarding 2027-01-11 10:00 45m")
    assert "25 billable minutes" in text_of(refused)
    assert "only 20 of 240 included minutes are left" in text_of(refused)
    assert "`billable`" in text_of(refused)
    assert len(sessions(bot)) == 4
    assert contract_row(bot).minutes_spent == 220

    accepted = bot.command("onboarding 2027-01-11 10:00 45m billable")
    assert "20 included min, 25 billable min" in text_of(accepted)
    assert "0 of 240 included minutes left" in text_of(accepted)
    last = sessions(bot)[-1]
    assert (last.included_minutes, last.billable_minutes, last.billable_confirmed_minutes) == (
        20,
        25,
        25,
    )
    assert contract_row(bot).minutes_spent == 240
    with Session(bot.engine) as db:
        actions = [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["book", "billable_confirmed"]
    posted = bot.fake.wait_for_posts(CHANNEL, 5)[-1]
    assert "25 min of it is billable" in text_of(posted.args)


def test_launch_kit_session_after_day_90_is_billable(bot: RunningBot) -> None:
    bot.link("launch-kit", "2027-01-04")
    refused = bot.command("kickoff 2027-04-05 10:00 30m")  # day 92
    assert "outside the window" in text_of(refused)
    bot.command("kickoff 2027-04-05 10:00 30m billable")
    [session] = sessions(bot)
    assert (session.included_minutes, session.billable_minutes) == (0, 30)


def test_status_updates_count_against_the_package(bot: RunningBot) -> None:
    bot.link("pro-lite", "2027-01-04")
    for month in ("02", "04", "07", "10"):
        bot.command(f"status 2027-{month}-01 10:00 30m")
    assert contract_row(bot).status_updates_spent == 4
    assert contract_row(bot).minutes_spent == 0
    refused = bot.command("status 2027-11-01 10:00 30m")
    assert "no status updates are left" in text_of(refused)
    reply = bot.command("usage")
    assert "0 left" in text_of(reply) and "4 used of 4" in text_of(reply)


def test_usage_shows_used_and_left(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("kickoff 2027-01-12 14:00 45m")
    card = text_of(bot.command("usage"))
    assert "Premium Success" in card
    assert "45 used of 120" in card and "75 left" in card
    assert "0 used of 12" in card
    assert f"<@{STAFF}>" in card


def test_cancel_gives_the_minutes_back_and_tells_the_channel(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("kickoff 2027-01-12 14:00 45m")
    [session] = sessions(bot)
    reply = bot.command(f"cancel {session.id}")
    assert "120 of 120 included minutes left" in text_of(reply)
    assert contract_row(bot).minutes_spent == 0
    assert sessions(bot)[0].state == "cancelled"
    posts = bot.fake.wait_for_posts(CHANNEL, 2)
    assert "Cancelled" in text_of(posts[-1].args)
    again = bot.command(f"cancel {session.id}")
    assert "already cancelled" in text_of(again)
    assert contract_row(bot).minutes_spent == 0


def test_done_records_actual_minutes(bot: RunningBot) -> None:
    start = date.today() - timedelta(days=20)
    bot.link("premium", start.isoformat())
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    bot.command(f"training {yesterday} 10:00 60m")
    [session] = sessions(bot)

    reply = bot.command(f"done #{session.id} 40m")
    # The minutes held are said once, after the session's time.
    assert "(40 min) as held." in text_of(reply)
    assert reply["text"].count("40 min") == 1
    held = sessions(bot)[0]
    assert (held.state, held.minutes_held, held.included_minutes) == ("held", 40, 40)
    assert contract_row(bot).minutes_spent == 40

    assert "held" in text_of(bot.command("list"))
    refused = bot.command(f"cancel {session.id}")
    assert "already logged as held" in text_of(refused)


def test_done_refuses_a_session_in_the_future(bot: RunningBot) -> None:
    bot.link("premium", date.today().isoformat())
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    bot.command(f"kickoff {tomorrow} 10:00 30m anyway")  # the day may be a weekend
    [session] = sessions(bot)
    reply = bot.command(f"done {session.id}")
    assert "has not started yet" in text_of(reply)
    assert sessions(bot)[0].state == "booked"


def test_move_posts_in_channel_and_rechecks_the_window(bot: RunningBot) -> None:
    bot.link("launch-kit", "2027-01-04")
    bot.command("kickoff 2027-01-12 14:00 45m")
    [session] = sessions(bot)
    refused = bot.command(f"move {session.id} 2027-05-01 10:00 anyway")  # a Saturday
    assert "outside the window" in text_of(refused)
    assert sessions(bot)[0].starts_at == datetime(2027, 1, 12, 12, 0, tzinfo=UTC)

    bot.command(f"move {session.id} 2027-01-20 10:00")
    moved = sessions(bot)[0]
    assert moved.starts_at == datetime(2027, 1, 20, 8, 0, tzinfo=UTC)
    assert contract_row(bot).minutes_spent == 45
    posts = bot.fake.wait_for_posts(CHANNEL, 2)
    assert "Moved" in text_of(posts[-1].args)
    assert len(epochs_in(text_of(posts[-1].args))) == 2


def test_list_shows_ids_upcoming_and_past(bot: RunningBot) -> None:
    bot.link("premium", (date.today() - timedelta(days=30)).isoformat())
    past = (date.today() - timedelta(days=3)).isoformat()
    future = (date.today() + timedelta(days=3)).isoformat()
    bot.command(f"kickoff {past} 10:00 30m")
    bot.command(f"training {future} 10:00 30m anyway")  # the day may be a weekend
    listing = text_of(bot.command("list"))
    ids = [s.id for s in sessions(bot)]
    upcoming, _, older = listing.partition("Past and cancelled")
    assert f"#{ids[1]}" in upcoming and f"#{ids[0]}" not in upcoming
    assert f"#{ids[0]}" in older and "not logged yet" in older


def test_help_lists_every_form(bot: RunningBot) -> None:
    reply = text_of(bot.command("help"))
    # What Slack received is mrkdwn: the forms' `<…>` are escaped, or Slack takes them for links.
    for form in ("link <package>", "<type> <YYYY-MM-DD> <HH:MM>", "usage", "list", "cancel <id>"):
        assert escape(form) in reply
    assert escape("done <id>") in reply


def test_commands_in_an_unlinked_channel_say_how_to_link(bot: RunningBot) -> None:
    for text in ("usage", "list", "kickoff 2027-01-12 14:00", "cancel 1", "done 1"):
        reply = text_of(bot.command(text, channel_id="C_NOT_LINKED"))
        assert "not linked" in reply and "/oura-book link" in reply


def test_linking_a_channel_twice_is_refused(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    reply = bot.command("link launch-kit 2027-02-01 Other Co")
    assert "already linked to *Acme Oy*" in text_of(reply)
    assert contract_row(bot).package_id == "premium"


def test_malformed_commands_get_the_right_form_and_change_nothing(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    cases = {
        "kickoff 2027-13-01 10:00": "YYYY-MM-DD",
        "kickoff 2027-01-12 25:00": "HH:MM",
        "kickoff 2027-01-12": "/oura-book <type> <YYYY-MM-DD> <HH:MM>",
        "kickoff 2027-01-12 10:00 45": "<N>m",
        "kickoff 2027-01-12 10:00 45m please": "did not understand `please`",
        "link gold 2027-01-04 Acme": "`launch-kit`, `pro-lite`, `premium`",
        "link premium": "/oura-book link <package> <YYYY-MM-DD> <company name…>",
        "cancel": "/oura-book cancel <id>",
        "cancel abc": "not a session id",
        "cancel 999": "no session #999",
        "done x": "/oura-book done <id>",
        "done 999": "no session #999",
        "move 1": "/oura-book move <id>",
        "usage now": "/oura-book usage",
        "timezone Mars/Olympus": "IANA",
        "frobnicate": "/oura-book help",
    }
    for text, expected in cases.items():
        reply = text_of(bot.command(text))
        assert escape(expected) in reply, (text, reply)  # mrkdwn: `<…>` arrive escaped
    assert sessions(bot) == []
    assert contract_row(bot).minutes_spent == 0
    assert bot.fake.posts(CHANNEL) == []


def test_non_staff_cannot_use_the_command(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.fake.add_user("U_BUYER", team_id="T_CUSTOMER")
    reply = bot.command("kickoff 2027-01-12 10:00", user_id="U_BUYER", team_id="T_CUSTOMER")
    assert "Only the vendor's staff" in text_of(reply)
    assert sessions(bot) == []


def test_unsigned_or_badly_signed_requests_get_401_and_change_nothing(bot: RunningBot) -> None:
    url = bot.fake.response_url("never")
    common = {"user_id": STAFF, "channel_id": CHANNEL, "response_url": url}
    text = "link premium 2027-01-04 Acme Oy"
    stale = int(datetime.now(UTC).timestamp()) - 600
    attempts = [
        bot.sender.command(text, unsigned=True, **common),
        bot.sender.command(text, signature="v0=" + "0" * 64, **common),
        bot.sender.command(text, timestamp=stale, **common),
    ]
    assert [reply.status for reply in attempts] == [401, 401, 401]
    assert bot.booking.account_for_channel(CHANNEL) is None
    assert bot.fake.responses("never") == []


def test_healthz(bot: RunningBot) -> None:
    from urllib.request import urlopen

    with urlopen(bot.base_url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert response.read() == b"ok\n"


def test_channel_post_when_bot_is_not_in_the_channel(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.fake.not_in_channel.add(CHANNEL)
    bot.command("kickoff 2027-01-12 14:00 45m")
    # A public channel: the bot joins and posts.
    assert len(bot.fake.wait_for_posts(CHANNEL, 1)) == 1
    assert bot.fake.calls_to("conversations.join")
