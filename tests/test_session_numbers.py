"""Per-account session numbers: people read and type #1, #2 … of their account; buttons and
metadata keep the global id (signed HTTP, SQLite and PostgreSQL)."""

from __future__ import annotations

from conftest import RunningBot, text_of
from sqlmodel import Session, select

from storage.models import OnboardingSession

BETA = "C_BETA"


def rows(bot: RunningBot) -> list[OnboardingSession]:
    with Session(bot.engine) as db:
        return list(db.exec(select(OnboardingSession).order_by(OnboardingSession.id)).all())


def test_each_account_counts_its_own_sessions_and_commands_take_the_number(
    bot: RunningBot,
) -> None:
    bot.link("premium", "2027-01-04")
    bot.link("premium", "2027-01-04", channel_id=BETA, company="Beta Oy")
    bot.command("kickoff 2027-02-01 10:00 30m")
    booked = bot.command("onboarding 2027-02-02 10:00 30m", channel_id=BETA)
    bot.command("training 2027-02-03 10:00 30m", channel_id=BETA)
    assert [(s.id, s.account_id, s.number) for s in rows(bot)] == [(1, 1, 1), (2, 2, 1), (3, 2, 2)]
    assert "*Onboarding* #1:" in text_of(booked)
    # The channel's post says #1; its buttons carry the session's id.
    first_post = bot.fake.wait_for_posts(BETA, 2)[0].args
    assert "*Onboarding* #1:" in text_of(first_post)
    buttons = [
        element
        for block in first_post["blocks"]
        if block.get("type") == "actions"
        for element in block["elements"]
    ]
    assert {b["value"] for b in buttons if b["action_id"] == "cancel_session"} == {"2"}

    listed = text_of(bot.command("list", channel_id=BETA))
    assert "*Onboarding* #1:" in listed and "*Software training* #2:" in listed
    assert "#3" not in listed

    # `cancel 2` in Beta's channel is Beta's #2 (id 3), not the session whose id is 2.
    cancelled = bot.command("cancel #2", channel_id=BETA)
    assert "Cancelled *Software training* #2:" in text_of(cancelled)
    assert [s.state for s in rows(bot)] == ["booked", "booked", "cancelled"]

    missing = bot.command("move 3 2027-02-05 10:00", channel_id=BETA)
    assert "There is no session #3 for *Beta Oy*" in text_of(missing)
    assert [s.starts_at.day for s in rows(bot)] == [1, 2, 3]

    # Cancelled numbers are not given again.
    bot.command("onboarding 2027-02-06 10:00 30m", channel_id=BETA)
    assert rows(bot)[-1].number == 3
