"""The living balance in the customer's channel (issue 17): posted once per account after the
welcome (or on the first change of an account linked before), pinned, and edited in place
with `chat.update` after every change; `/oura-book pin` posts it anew. Over signed HTTP, on
SQLite and PostgreSQL, with the fake Slack recording what the channel shows."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from conftest import (
    CHANNEL,
    STAFF,
    VENDOR_TEAM,
    RunningBot,
    serve_bot,
    settings_for,
    text_of,
)
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.blocks.balance import balance_post
from bot.clock import Sweeper, clock_web_client
from bot.domain.packages import SessionType
from bot.domain.timeutil import local_midnight_utc
from bot.i18n import speaking
from bot.sandbox.fakeslack import FakeSlack
from bot.services.balance import BalanceMessages
from bot.services.booking import Actor, BookingService
from bot.services.container import Services
from handlers.balance import refresh_balance
from storage.models import Account, BalanceMessage, OnboardingSession

HEADER = "Your onboarding balance"


def balance_row(bot: RunningBot) -> BalanceMessage:
    with Session(bot.engine) as db:
        [row] = db.exec(select(BalanceMessage)).all()
        return row


def balance_posts(fake: FakeSlack) -> list[Any]:
    return [c for c in fake.posts(CHANNEL) if HEADER in text_of(c.args)]


def shown(fake: FakeSlack, ts: str) -> dict[str, Any]:
    """What the channel shows at `ts`: the post, or the last edit Slack applied."""
    shown = None
    for call in fake.calls:
        edits = call.method in ("chat.postMessage", "chat.update")
        if call.ok and edits and call.result.get("ts") == ts:
            shown = call.args
    assert shown is not None, f"nothing at {ts}"
    return shown


def rendered_now(bot: RunningBot, at: datetime | None = None) -> dict[str, Any]:
    """The balance rendered from a fresh read of the database, as the app would send it (at
    `at`, default now)."""
    row = balance_row(bot)
    booking = BookingService(bot.engine, "Europe/Helsinki", now=lambda: at or datetime.now(UTC))
    _version, usage = BalanceMessages(booking).snapshot(row.account_id)
    with speaking(usage.account.language):
        return balance_post(usage).as_kwargs()


def settled(bot: RunningBot) -> BalanceMessage:
    """Wait until the newest version is shown (the edits run after each reply)."""

    def done() -> BalanceMessage | None:
        row = balance_row(bot)
        return row if row.ts and row.shown_version == row.version else None

    return bot.fake.wait_for(done, timeout=30, message="the balance settled")


def same_as_database(bot: RunningBot, ts: str, at: datetime | None = None) -> str:
    """What the channel shows at `ts`, checked against the database's facts as of `at`."""
    expected, actual = rendered_now(bot, at), shown(bot.fake, ts)
    assert actual["text"] == expected["text"]
    assert actual["blocks"] == expected["blocks"]
    return text_of(actual)


def test_balance_is_posted_after_the_welcome_pinned_and_edited_in_place(
    bot: RunningBot,
) -> None:
    today = date.today()
    start, ahead, past = (
        today - timedelta(days=28),
        today + timedelta(days=8),
        today - timedelta(days=20),
    )
    bot.command(f"link launch-kit {start} Acme Oy")
    welcome, balance = bot.fake.wait_for_posts(CHANNEL, 2)
    assert "onboarding" in text_of(welcome.args) and HEADER in text_of(balance.args)
    ts = balance.result["ts"]
    bot.fake.wait_for(lambda: bot.fake.calls_to("pins.add"))
    [pin] = bot.fake.calls_to("pins.add")
    assert (pin.args["channel"], pin.args["timestamp"]) == (CHANNEL, ts)
    first = text_of(balance.args)
    assert "0 used of 240, *240 left*" in first and "nothing booked" in first
    assert "Request a session" in first

    changes = [
        (f"kickoff {ahead} 14:00 45m anyway", "45 used of 240, *195 left*"),
        (f"move 1 {ahead + timedelta(days=1)} 10:00 anyway", "45 used of 240, *195 left*"),
        (f"onboarding {past} 10:00 60m anyway", "105 used of 240, *135 left*"),
        ("done 2 30m", "75 used of 240, *165 left*"),
        ("unlog 2", "105 used of 240, *135 left*"),
        ("cancel 1", "60 used of 240, *180 left*"),
        ("contract fix package pro-lite", "60 used of 120, *60 left*"),
        (f"renew launch-kit {start + timedelta(days=400)}", "60 used of 120, *60 left*"),
    ]
    for typed, expected in changes:
        updates = len(bot.fake.calls_to("chat.update"))
        bot.command(typed)
        bot.fake.wait_for(lambda n=updates: len(bot.fake.calls_to("chat.update")) > n)
        row = settled(bot)
        assert row.ts == ts  # the same message, edited
        assert expected in same_as_database(bot, ts), typed
    assert len(balance_posts(bot.fake)) == 1
    assert len(bot.fake.calls_to("pins.add")) == 1


def test_an_account_linked_before_gets_its_balance_on_its_first_change(bot: RunningBot) -> None:
    today = date.today()
    bot.booking.link(Actor(STAFF, VENDOR_TEAM), CHANNEL, "launch-kit", today, "Acme Oy")
    bot.command(f"kickoff {today + timedelta(days=9)} 14:00 45m anyway")
    bot.fake.wait_for(lambda: balance_posts(bot.fake), message="the balance posted")
    row = settled(bot)
    [post] = balance_posts(bot.fake)
    assert post.result["ts"] == row.ts
    [pin] = bot.fake.calls_to("pins.add")
    assert pin.args["timestamp"] == row.ts
    assert "45 used of 240, *195 left*" in same_as_database(bot, row.ts)
    bot.command("cancel 1")
    bot.fake.wait_for(lambda: bot.fake.calls_to("chat.update"))
    assert settled(bot).ts == row.ts
    assert "0 used of 240, *240 left*" in same_as_database(bot, row.ts)
    assert len(balance_posts(bot.fake)) == 1


def test_a_deleted_balance_is_posted_again_and_pin_posts_it_anew(bot: RunningBot) -> None:
    today = date.today()
    bot.link("launch-kit", str(today))
    first = balance_row(bot).ts
    assert first
    # Someone deleted the message: Slack answers the edit with message_not_found.
    bot.fake.fail("chat.update", 200, error="message_not_found", channel=CHANNEL)
    bot.command(f"kickoff {today + timedelta(days=9)} 14:00 45m anyway")
    bot.fake.wait_for(lambda: balance_posts(bot.fake), message="the balance posted again")
    second = settled(bot).ts
    assert second and second != first
    assert "45 used of 240, *195 left*" in same_as_database(bot, second)

    # Staff ask for it again; Slack will not pin it here, which is no error.
    bot.fake.fail("pins.add", 200, error="not_pinnable", channel=CHANNEL)
    reply = text_of(bot.command("pin"))
    assert "Posted the balance in this channel again" in reply
    third = settled(bot).ts
    assert third not in (first, second)
    assert [c.result["ts"] for c in balance_posts(bot.fake)] == [second, third]
    [deleted] = bot.fake.calls_to("chat.delete")  # the one it replaces, not to show two
    assert deleted.args["ts"] == second
    bot.command("cancel 1")
    bot.fake.wait_for(
        lambda: any(c.args.get("ts") == third for c in bot.fake.calls_to("chat.update"))
    )
    assert "0 used of 240, *240 left*" in same_as_database(bot, settled(bot).ts or "")
    assert settled(bot).ts == third


@pytest.mark.parametrize("bot_settings", [{"hourly_rate": Decimal("150")}])
def test_the_balance_is_customer_safe_and_in_the_accounts_language(bot: RunningBot) -> None:
    today = date.today()
    bot.link("launch-kit", str(today))
    bot.command("language fi")
    updates = len(bot.fake.calls_to("chat.update"))
    bot.command(
        f"kickoff {today + timedelta(days=9)} 14:00 60m anyway agenda Budget talk",
    )
    bot.command(f"training {today + timedelta(days=10)} 14:00 60m anyway")
    bot.command(f"training {today + timedelta(days=11)} 14:00 60m anyway")
    bot.command(f"training {today + timedelta(days=12)} 14:00 60m anyway")
    bot.command(f"onboarding {today + timedelta(days=13)} 14:00 60m billable anyway")
    bot.fake.wait_for(lambda: len(bot.fake.calls_to("chat.update")) >= updates + 5)
    text = same_as_database(bot, settled(bot).ts or "")
    assert "Your onboarding balance" not in text and "Pyydä" in text  # Finnish
    for staff_only in ("Budget talk", "€", "150", "laskutettav", "billable"):
        assert staff_only not in text, staff_only
    assert "<!date^" in text  # the next session, as a date token


def _book_many(bots: list[RunningBot], n: int) -> None:
    """`n` bookings at once, spread over `bots` (web processes), on distinct times."""
    today = date.today()

    def book(i: int) -> str:
        day = today + timedelta(days=7 + i // 8)
        typed = f"training {day} {9 + i % 8:02d}:00 15m billable anyway"
        return text_of(bots[i % len(bots)].command(typed, timeout=120))

    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(book, range(n)))
    assert all("Booked" in reply for reply in replies), replies


def test_fifty_bookings_from_two_web_processes_end_on_the_databases_balance(
    bot: RunningBot, database_url: str
) -> None:
    bot.link("launch-kit", str(date.today()))
    ts = balance_row(bot).ts
    # Edits are slow to answer, so they overtake each other on the way.
    bot.fake.slow("chat.update", 0.3, uneven=True)
    with serve_bot(bot.fake, database_url) as other:
        _book_many([bot, other], 50)
    row = settled(bot)
    assert row.ts == ts and not balance_posts(bot.fake)  # no second message
    text = same_as_database(bot, ts or "")
    assert "240 used of 240, *0 left*" in text


class HeldBackEdits(WebClient):
    """A web process whose edits reach Slack only once let go (`go`): an edit on a slow
    network that lands after a newer process's edit."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.waiting, self.go = threading.Event(), threading.Event()

    def chat_update(self, **kwargs: Any) -> Any:  # type: ignore[override]
        self.waiting.set()
        assert self.go.wait(30)
        return super().chat_update(**kwargs)


def test_an_older_edit_that_lands_last_is_put_right(
    fake_slack: FakeSlack, database_url: str, engine: Engine
) -> None:
    settings = settings_for(fake_slack, database_url)
    services = Services.build(settings, BookingService(engine, "Europe/Helsinki"))
    client = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    staff, today = Actor(STAFF, VENDOR_TEAM), date.today()
    account, _contract = services.booking.link(staff, CHANNEL, "launch-kit", today, "Acme Oy")
    refresh_balance(client, services, account)
    [post] = balance_posts(fake_slack)
    ts = post.result["ts"]

    def book(day: int) -> None:
        starts = datetime.combine(today + timedelta(days=day), time(12), UTC)
        services.booking.book(staff, CHANNEL, SessionType.TRAINING, starts, 30, False)

    book(7)
    slow = HeldBackEdits(token="xoxb-test", base_url=fake_slack.api_url)
    older = threading.Thread(target=refresh_balance, args=(slow, services, account))
    older.start()  # renders 30 minutes used, then waits on the network
    assert slow.waiting.wait(30)
    book(8)
    refresh_balance(client, services, account)  # renders 60 used and lands first
    assert "60 used of 240" in text_of(shown(fake_slack, ts))
    slow.go.set()
    older.join(30)
    edits = [text_of(c.args) for c in fake_slack.calls_to("chat.update")]
    assert "30 used of 240" in edits[1]  # the older edit landed last …
    row = BalanceMessages(services.booking).snapshot(account.id or 0)[1]
    with speaking("en"):
        expected = balance_post(row).as_kwargs()
    assert shown(fake_slack, ts)["blocks"] == expected["blocks"]  # … and was put right
    assert "60 used of 240, *180 left*" in text_of(shown(fake_slack, ts))


def clock(bot: RunningBot, name: str = "clock-1") -> Sweeper:
    return Sweeper(bot.engine, clock_web_client("xoxb-test", bot.fake.api_url), name, 0)


def test_the_clock_edits_the_balance_once_its_next_session_has_started(bot: RunningBot) -> None:
    today = date.today()
    bot.link("launch-kit", str(today))
    bot.command(f"kickoff {today + timedelta(days=3)} 10:00 45m anyway")
    bot.command(f"training {today + timedelta(days=9)} 10:00 30m anyway")
    row = settled(bot)
    with Session(bot.engine) as db:
        first = db.exec(select(OnboardingSession).order_by(OnboardingSession.starts_at)).first()
        assert first is not None
        kickoff = first.starts_at
    assert f"<!date^{int(kickoff.timestamp())}^" in same_as_database(bot, row.ts or "")
    edits = len(bot.fake.calls_to("chat.update"))

    report = clock(bot).sweep(kickoff - timedelta(minutes=5))  # nothing has changed by time
    assert report.balances == [] and len(bot.fake.calls_to("chat.update")) == edits

    after = kickoff + timedelta(minutes=5)
    report = clock(bot).sweep(after)
    assert report.balances == [row.account_id]
    [edit] = bot.fake.calls_to("chat.update")[edits:]
    assert (edit.args["channel"], edit.args["ts"]) == (CHANNEL, row.ts)  # the same message
    text = same_as_database(bot, row.ts or "", at=after)
    assert f"<!date^{int(kickoff.timestamp())}^" not in text  # the kickoff is next no more
    assert "75 used of 240, *165 left*" in text
    # The same clock again, and a second clock at once: the refresh was done once.
    assert clock(bot).sweep(after).balances == []
    assert clock(bot, "clock-2").sweep(after + timedelta(minutes=1)).balances == []
    assert len(bot.fake.calls_to("chat.update")) == edits + 1
    assert clock(bot).sweep(after, dry_run=True).balances == []


def test_the_clock_edits_the_balance_when_its_window_ends(bot: RunningBot) -> None:
    today = date.today()
    start = today - timedelta(days=89)  # the Launch Kit's 90 days end tonight
    bot.link("launch-kit", str(start))
    bot.command(f"onboarding {today - timedelta(days=10)} 10:00 60m anyway")
    row = settled(bot)
    with Session(bot.engine) as db:
        account = db.get(Account, row.account_id)
        assert account is not None
        window_end = local_midnight_utc(start + timedelta(days=90), account.timezone)
    assert row.refresh_at == window_end
    assert "60 used of 240, *180 left*" in same_as_database(bot, row.ts or "")
    edits = len(bot.fake.calls_to("chat.update"))

    after = window_end + timedelta(minutes=1)  # past midnight: an edit notifies nobody
    assert clock(bot).sweep(after).balances == [row.account_id]
    assert len(bot.fake.calls_to("chat.update")) == edits + 1
    text = same_as_database(bot, row.ts or "", at=after)  # as the domain says, after the end
    assert "60 used, *180 lapsed* (of 240)" in text and "ended on" in text
    assert balance_row(bot).refresh_at is not None  # the term's end is still to come


def test_a_moved_account_leaves_no_balance_behind(bot: RunningBot) -> None:
    bot.link("premium", str(date.today()))
    old = settled(bot).ts
    assert (CHANNEL, old) in bot.fake.pinned
    bot.command("move channel <#C_NEWACME|acme-new>")
    bot.fake.wait_for(lambda: bot.fake.calls_to("chat.delete"), message="the old one deleted")
    [deleted] = bot.fake.calls_to("chat.delete")
    assert (deleted.args["channel"], deleted.args["ts"]) == (CHANNEL, old)
    row = settled(bot)
    assert row.channel_id == "C_NEWACME"
    [post] = [c for c in bot.fake.posts("C_NEWACME") if HEADER in text_of(c.args)]
    assert post.result["ts"] == row.ts
    assert [pin for pin in bot.fake.pinned if pin[0] in (CHANNEL, "C_NEWACME")] == [
        ("C_NEWACME", row.ts)
    ]


def test_a_channel_given_a_new_id_keeps_its_balance(bot: RunningBot) -> None:
    """Slack gives a private channel a new id when it becomes shared: the same conversation,
    with the same message in it, so the balance follows the id and is edited in place."""
    today = date.today()
    bot.link("launch-kit", str(today))
    ts = settled(bot).ts
    event = {"type": "channel_id_changed", "old_channel_id": CHANNEL, "new_channel_id": "C_NEW"}
    assert bot.sender.event(event, event_id="Ev1").status == 200
    bot.fake.wait_for(lambda: bot.booking.account_for_channel("C_NEW") is not None)
    bot.command(f"kickoff {today + timedelta(days=9)} 14:00 45m anyway", channel_id="C_NEW")
    bot.fake.wait_for(lambda: bot.fake.calls_to("chat.update"))
    row = settled(bot)
    assert (row.channel_id, row.ts) == ("C_NEW", ts)
    [edit] = bot.fake.calls_to("chat.update")
    assert (edit.args["channel"], edit.args["ts"]) == ("C_NEW", ts)
    assert not balance_posts(bot.fake) and not bot.fake.calls_to("chat.delete")
