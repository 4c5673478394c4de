"""The clock against a real database and the fake Slack: every due post goes out exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from conftest import STAFF
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_pace_clock import skip_pace_warnings

from bot.clock import METADATA_EVENT, Sweeper, clock_web_client
from bot.domain.packages import SessionType
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import Actor, BookingService
from storage.ledger import CLAIM_LEASE, claim
from storage.models import Contract, PostLedger

ACTOR = Actor(user_id=STAFF, team_id="T_VENDOR")
# Wednesday 2027-03-03, 10:00 in Helsinki: business hours there.
WEDNESDAY = datetime(2027, 3, 3, 8, 0, tzinfo=UTC)


class Now:
    """A clock the test moves by hand; the booking service and the sweeper share it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def now() -> Now:
    return Now(WEDNESDAY)


@pytest.fixture
def service(engine: Engine, now: Now) -> BookingService:
    return BookingService(engine, "Europe/Helsinki", now=now)


def sweeper(engine: Engine, fake: FakeSlack, name: str = "clock-1") -> Sweeper:
    client = clock_web_client("xoxb-test", fake.api_url)
    return Sweeper(engine, client, worker=name, pace_seconds=0)


def posted_keys(fake: FakeSlack) -> list[str]:
    keys = []
    for call in fake.posts():
        metadata = call.args.get("metadata") or {}
        assert metadata.get("event_type") == METADATA_EVENT
        keys.append(metadata["event_payload"]["key"])
    return keys


def reminders(keys: list[str]) -> list[list[str]]:
    """The session reminders among sent keys, as [session, id, which]."""
    return [key.split(":")[:3] for key in keys if key.startswith("session:")]


def launch_kit(service: BookingService, channel: str, start: date = date(2027, 1, 4)) -> None:
    """A Launch Kit with nothing booked; its pace warnings (tests/test_pace_clock.py) are
    recorded as skipped, so the sweeps here post only the window's posts."""
    service.link(ACTOR, channel, "launch-kit", start, f"Customer {channel}")
    skip_pace_warnings(service.engine)


def ledger(engine: Engine) -> dict[str, PostLedger]:
    """The ledger, but for the pace warnings `launch_kit` recorded as skipped."""
    with Session(engine) as db:
        rows = db.exec(select(PostLedger).where(PostLedger.kind != "pace-warning")).all()
        return {row.key: row for row in rows}


def test_a_due_window_warning_is_posted_once_across_two_sweeps(
    service: BookingService, engine: Engine, fake_slack: FakeSlack
) -> None:
    launch_kit(service, "C1")  # day 59 of 90: the 30-day warning is due (2027-03-04 is day 60)
    clock = sweeper(engine, fake_slack)
    thursday = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)
    first = clock.sweep(thursday)
    second = clock.sweep(thursday)
    assert first.sent == ["contract:1:window-warning:30"]
    assert second.sent == []
    [post] = fake_slack.posts("C1")
    assert "240 of 240 are left" in post.args["text"]
    actions = [e["action_id"] for e in post.args["blocks"][1]["elements"]]
    assert actions == ["request_session", "show_usage", "get_support"]
    row = ledger(engine)["contract:1:window-warning:30"]
    assert (row.state, row.channel_id, row.ts) == ("sent", "C1", post.result["ts"])


def test_nothing_is_posted_outside_business_hours(
    service: BookingService, engine: Engine, fake_slack: FakeSlack
) -> None:
    launch_kit(service, "C1")
    clock = sweeper(engine, fake_slack)
    saturday_noon = datetime(2027, 3, 6, 10, 0, tzinfo=UTC)
    thursday_night = datetime(2027, 3, 4, 20, 0, tzinfo=UTC)  # 22:00 in Helsinki
    assert clock.sweep(thursday_night).sent == []
    assert clock.sweep(saturday_noon).sent == []
    assert fake_slack.posts() == []
    with Session(engine) as db:
        contract = db.exec(select(Contract)).one()
    # The next look is Monday morning in Helsinki, not every sweep until then.
    assert contract.next_post_at == datetime(2027, 3, 8, 7, 0, tzinfo=UTC)
    assert clock.sweep(datetime(2027, 3, 8, 7, 0, tzinfo=UTC)).sent == [
        "contract:1:window-warning:30"
    ]


def test_a_clock_that_was_down_sends_only_the_latest_warning(
    service: BookingService, engine: Engine, fake_slack: FakeSlack
) -> None:
    launch_kit(service, "C1")
    report = sweeper(engine, fake_slack).sweep(datetime(2027, 3, 30, 8, 0, tzinfo=UTC))
    assert report.sent == ["contract:1:window-warning:7"]
    assert sorted(report.superseded) == [
        "contract:1:window-warning:14",
        "contract:1:window-warning:30",
    ]
    assert ledger(engine)["contract:1:window-warning:30"].state == "skipped"
    assert len(fake_slack.posts()) == 1


def test_two_clocks_in_threads_post_each_due_post_once(
    service: BookingService, engine: Engine, fake_slack: FakeSlack
) -> None:
    for i in range(12):
        launch_kit(service, f"C{i}")
    thursday = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)
    clocks = [sweeper(engine, fake_slack, f"clock-{i}") for i in range(3)]
    barrier = threading.Barrier(len(clocks))

    def run(clock: Sweeper) -> None:
        barrier.wait()
        clock.sweep(thursday)

    threads = [threading.Thread(target=run, args=(c,)) for c in clocks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    counts = Counter(posted_keys(fake_slack))
    assert len(counts) == 12
    assert set(counts.values()) == {1}


def test_cancelled_session_gets_no_reminder(
    service: BookingService, engine: Engine, fake_slack: FakeSlack, now: Now
) -> None:
    service.link(ACTOR, "C1", "premium", date(2027, 1, 4), "Acme")
    start = WEDNESDAY + timedelta(hours=30)
    kept = service.book(ACTOR, "C1", SessionType.TRAINING, start, 30, False).session
    dropped = service.book(ACTOR, "C1", SessionType.KICKOFF, start, 30, False).session
    service.cancel(ACTOR, "C1", dropped.id)
    clock = sweeper(engine, fake_slack)
    report = clock.sweep(start - timedelta(hours=24))
    assert reminders(report.sent) == [["session", str(kept.id), "reminder-24h"]]
    report = clock.sweep(start - timedelta(minutes=59))
    assert reminders(report.sent) == [["session", str(kept.id), "reminder-1h"]]
    assert all(f"session:{dropped.id}:" not in key for key in posted_keys(fake_slack))


def test_a_moved_session_is_reminded_at_its_new_time(
    service: BookingService, engine: Engine, fake_slack: FakeSlack, now: Now
) -> None:
    service.link(ACTOR, "C1", "premium", date(2027, 1, 4), "Acme")
    start = WEDNESDAY + timedelta(days=3)
    session = service.book(ACTOR, "C1", SessionType.TRAINING, start, 30, False).session
    later = start + timedelta(days=2)
    service.move(ACTOR, "C1", session.id, later, False)
    clock = sweeper(engine, fake_slack)
    assert reminders(clock.sweep(start - timedelta(hours=1)).sent) == []
    report = clock.sweep(later - timedelta(hours=1))
    assert reminders(report.sent) == [["session", str(session.id), "reminder-1h"]]
    assert f"session:{session.id}:reminder-1h:{int(later.timestamp())}" in report.sent


def test_a_booked_status_update_stops_that_periods_nudge(
    service: BookingService, engine: Engine, fake_slack: FakeSlack, now: Now
) -> None:
    now.moment = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
    service.link(ACTOR, "C1", "premium", date(2027, 2, 1), "Acme")
    service.link(ACTOR, "C2", "premium", date(2027, 2, 1), "Beta")
    service.book(
        ACTOR, "C1", SessionType.STATUS_UPDATE, datetime(2027, 2, 10, 9, tzinfo=UTC), 30, False
    )
    report = sweeper(engine, fake_slack).sweep(now.moment)
    assert report.sent == ["contract:2:status-nudge:1"]
    [post] = fake_slack.posts("C2")
    assert "period 1 of 12" in post.args["text"]


def test_a_launch_kit_with_no_minutes_left_gets_no_window_warning(
    service: BookingService, engine: Engine, fake_slack: FakeSlack, now: Now
) -> None:
    now.moment = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
    launch_kit(service, "C1")
    launch_kit(service, "C2")
    for hour in range(4):
        service.book(
            ACTOR,
            "C1",
            SessionType.TRAINING,
            datetime(2027, 1, 11, 8 + hour, tzinfo=UTC),
            60,
            False,
        )
    report = sweeper(engine, fake_slack).sweep(datetime(2027, 3, 4, 8, 0, tzinfo=UTC))
    assert report.sent == ["contract:2:window-warning:30"]


def test_429s_and_500s_delay_posts_but_lose_none_and_double_none(
    service: BookingService, engine: Engine, fake_slack: FakeSlack
) -> None:
    for i in range(4):
        launch_kit(service, f"C{i}")
    fake_slack.fail("chat.postMessage", 429, times=1, retry_after=1)  # retried inside the SDK
    fake_slack.fail("chat.postMessage", 500, times=3)
    clock = sweeper(engine, fake_slack)
    moment = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)
    first = clock.sweep(moment)
    assert len(first.failed) == 3 and len(first.sent) == 1
    assert [f.status for f in fake_slack.faults] == [429, 500, 500, 500]
    # The failed ones are retried by later sweeps, after a back-off.
    assert clock.sweep(moment + timedelta(seconds=30)).sent == []
    later = clock.sweep(moment + timedelta(minutes=2))
    assert len(later.sent) == 3
    counts = Counter(posted_keys(fake_slack))
    assert len(counts) == 4 and set(counts.values()) == {1}
    assert {row.state for row in ledger(engine).values()} == {"sent"}
    assert max(row.attempts for row in ledger(engine).values()) == 2


def test_a_post_whose_sender_died_after_posting_is_not_posted_again(
    service: BookingService, engine: Engine, fake_slack: FakeSlack
) -> None:
    launch_kit(service, "C1")
    launch_kit(service, "C2")
    moment = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)
    fake_slack.now = lambda: moment.timestamp() + 1
    # Clock A claimed both, posted the first, and was killed before recording anything.
    for contract in (1, 2):
        key = f"contract:{contract}:window-warning:30"
        assert claim(engine, key, "window-warning", contract, contract, "dead", moment)[0]
    WebClient(token="x", base_url=fake_slack.api_url).chat_postMessage(
        channel="C1",
        text="(posted by the clock that died)",
        metadata={
            "event_type": METADATA_EVENT,
            "event_payload": {"key": "contract:1:window-warning:30"},
        },
    )
    clock = sweeper(engine, fake_slack)
    assert clock.sweep(moment + timedelta(minutes=1)).sent == []  # the claims are still fresh
    report = clock.sweep(moment + CLAIM_LEASE + timedelta(minutes=1))
    assert report.recovered == ["contract:1:window-warning:30"]
    assert report.sent == ["contract:2:window-warning:30"]
    assert Counter(posted_keys(fake_slack)) == {
        "contract:1:window-warning:30": 1,
        "contract:2:window-warning:30": 1,
    }


def test_dry_run_posts_and_records_nothing(
    service: BookingService, engine: Engine, fake_slack: FakeSlack
) -> None:
    launch_kit(service, "C1")
    report = sweeper(engine, fake_slack).sweep(datetime(2027, 3, 4, 8, 0, tzinfo=UTC), dry_run=True)
    assert [post.key for post, _, _ in report.would_send] == ["contract:1:window-warning:30"]
    assert fake_slack.posts() == []
    assert ledger(engine) == {}


def test_a_sweep_only_looks_at_contracts_with_something_due(
    service: BookingService, engine: Engine, fake_slack: FakeSlack, monkeypatch: Any
) -> None:
    for i in range(5):
        launch_kit(service, f"C{i}", start=date(2027, 1, 4) if i == 0 else date(2027, 2, 20))
    looked_at: list[list[int]] = []
    import bot.clock

    real = bot.clock.load_facts

    def spy(db: Session, ids: Iterator[int]) -> Any:
        ids = list(ids)
        looked_at.append(ids)
        return real(db, ids)

    monkeypatch.setattr(bot.clock, "load_facts", spy)
    sweeper(engine, fake_slack).sweep(datetime(2027, 3, 4, 8, 0, tzinfo=UTC))
    assert looked_at == [[1]]


def contract_next_post_at(engine: Engine) -> datetime | None:
    with Session(engine) as db:
        return db.exec(select(Contract.next_post_at)).one()


def test_a_booking_brings_the_next_look_forward_to_its_first_reminder(
    service: BookingService, engine: Engine, fake_slack: FakeSlack, now: Now
) -> None:
    # Nothing else is due until the 30-day window warning on 2027-04-15.
    launch_kit(service, "C1", start=date(2027, 2, 15))
    quiet = contract_next_post_at(engine)
    assert quiet is not None and quiet > datetime(2027, 4, 1, tzinfo=UTC)

    # Starting in 30 minutes: both reminders were due before the booking, so none will go out.
    service.book(ACTOR, "C1", SessionType.KICKOFF, WEDNESDAY + timedelta(minutes=30), 30, False)
    assert contract_next_post_at(engine) == quiet

    starts = datetime(2027, 3, 5, 10, 0, tzinfo=UTC)
    booked = service.book(ACTOR, "C1", SessionType.TRAINING, starts, 30, False)
    assert contract_next_post_at(engine) == starts - timedelta(hours=24)

    clock = sweeper(engine, fake_slack)
    now.moment = starts - timedelta(hours=24)
    epoch = int(starts.timestamp())
    assert clock.sweep(now.moment).sent == [f"session:{booked.session.id}:reminder-24h:{epoch}"]
    # The sweep replans the contract: next comes the one-hour reminder.
    assert contract_next_post_at(engine) == starts - timedelta(hours=1)
