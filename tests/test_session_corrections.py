"""Staff-only notes and attendance, and quiet corrections: a held session's minutes, unlog,
and deleting a booking made by mistake (its post removed, no cancellation post), each audited
with the value before and after (signed HTTP, SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from conftest import CHANNEL, RunningBot, text_of
from sqlmodel import Session, select
from test_home import opened

from storage.models import AuditEvent, Contract, OnboardingSession


def rows(bot: RunningBot) -> list[OnboardingSession]:
    with Session(bot.engine) as db:
        return list(db.exec(select(OnboardingSession).order_by(OnboardingSession.id)).all())


def minutes_spent(bot: RunningBot) -> int:
    with Session(bot.engine) as db:
        return db.exec(select(Contract)).one().minutes_spent


def audits(bot: RunningBot, action: str) -> list[dict]:
    with Session(bot.engine) as db:
        found = db.exec(select(AuditEvent).where(AuditEvent.action == action)).all()
        return [json.loads(event.details) for event in found]


def channel_posts(bot: RunningBot) -> int:
    return len(bot.fake.posts(CHANNEL))


def link_and_book(bot: RunningBot, when: date, minutes: int = 45) -> None:
    bot.link("premium", (date.today() - timedelta(days=20)).isoformat())
    bot.command(f"training {when.isoformat()} 10:00 {minutes}m anyway")  # any weekday
    bot.fake.wait_for_posts(CHANNEL, 1)


def test_notes_and_attendees_are_kept_as_typed_and_shown_to_staff_only(bot: RunningBot) -> None:
    link_and_book(bot, date.today() - timedelta(days=1))
    posts = channel_posts(bot)
    refused = bot.command("note 1")
    assert "Give the text after the session id." in text_of(refused)

    # As Slack sends what was typed (should_escape): `<`, `>` and `&` escaped.
    reply = bot.command("note #1 Went through &lt;setup&gt; &amp; billing")
    assert "Saved the note of *Software training* #1:" in text_of(reply)
    bot.command("attendees 1 Anna, Ben")
    [session] = rows(bot)
    assert session.note == "Went through <setup> & billing"
    assert session.attendees == "Anna, Ben"
    assert audits(bot, "note") == [{"from": "", "to": "Went through <setup> & billing"}]

    listed = text_of(bot.command("list"))
    assert "Note: Went through &lt;setup&gt; &amp; billing" in listed
    assert "Attendees: Anna, Ben" in listed
    # The App Home (staff only) shows an account's latest note.
    assert "Last note (#1): Went through &lt;setup&gt; &amp; billing" in text_of(opened(bot))
    # Nothing of it reaches the customer's channel.
    assert channel_posts(bot) == posts


def test_a_held_sessions_minutes_are_corrected_and_unlog_books_it_again(bot: RunningBot) -> None:
    link_and_book(bot, date.today() - timedelta(days=1))
    posts = channel_posts(bot)
    bot.command("done 1")
    assert (rows(bot)[0].minutes_held, minutes_spent(bot)) == (45, 45)

    fixed = bot.command("done 1 30m")
    assert "(30 min) as held." in text_of(fixed)
    assert (rows(bot)[0].minutes_held, minutes_spent(bot)) == (30, 30)
    assert audits(bot, "minutes_fixed") == [{"from": 45, "to": 30}]

    unlogged = bot.command("unlog #1")
    assert "is booked again, not logged" in text_of(unlogged)
    session = rows(bot)[0]
    assert (session.state, session.minutes_held, session.logged_by) == ("booked", None, None)
    assert minutes_spent(bot) == 45
    [details] = audits(bot, "unlog")
    assert details["from"]["state"] == "held" and details["from"]["minutes_held"] == 30
    assert details["to"]["included_minutes"] == 45

    again = bot.command("unlog 1")
    assert "Session #1 is not logged" in text_of(again)
    assert channel_posts(bot) == posts  # all quiet


def test_a_booking_made_by_mistake_is_deleted_with_its_post(bot: RunningBot) -> None:
    link_and_book(bot, date.today() + timedelta(days=3))
    [post] = bot.fake.posts(CHANNEL)
    assert rows(bot)[0].post_ts == post.result["ts"]

    reply = bot.command("delete 1")
    assert "Deleted *Software training* #1:" in text_of(reply)
    [deleted] = bot.fake.calls_to("chat.delete")
    assert (deleted.args["channel"], deleted.args["ts"]) == (CHANNEL, post.result["ts"])
    assert channel_posts(bot) == 1  # no cancellation post
    assert (rows(bot)[0].state, minutes_spent(bot)) == ("cancelled", 0)
    [details] = audits(bot, "delete")
    assert (details["from"], details["to"]) == ("booked", "deleted")
    assert "#1 was already deleted" in text_of(bot.command("delete 1"))


def test_where_slack_keeps_the_post_it_becomes_a_neutral_line(bot: RunningBot) -> None:
    link_and_book(bot, date.today() + timedelta(days=3))
    [post] = bot.fake.posts(CHANNEL)
    bot.fake.fail("chat.delete", 200, error="cant_delete_message")
    bot.command("delete 1")
    # (The channel's living balance is edited too: `test_balance_message`.)
    [update] = [c for c in bot.fake.calls_to("chat.update") if c.args["ts"] == post.result["ts"]]
    assert "This booking was removed." in text_of(update.args)
    assert rows(bot)[0].state == "cancelled"


def test_a_booking_older_than_15_minutes_is_cancelled_not_deleted(bot: RunningBot) -> None:
    link_and_book(bot, date.today() + timedelta(days=3))
    with Session(bot.engine) as db:
        session = db.exec(select(OnboardingSession)).one()
        session.created_at = datetime.now(UTC) - timedelta(minutes=16)
        db.add(session)
        db.commit()
    refused = bot.command("delete 1")
    assert "more than 15 minutes ago" in text_of(refused) and "cancel" in text_of(refused)
    assert (rows(bot)[0].state, minutes_spent(bot)) == ("booked", 45)
    assert bot.fake.calls_to("chat.delete") == []
