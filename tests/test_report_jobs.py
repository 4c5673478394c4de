"""The report is built by the clock, not the web request: claimed once by one of several
clocks, retried after a failure, never sent twice; and the clock's prunes delete only what
may go, in batches."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import BOT_TOKEN, CHANNEL, STAFF, VENDOR_TEAM, RunningBot, serve_bot, text_of
from sqlalchemy import Engine, event, func, insert, select
from sqlmodel import Session
from test_slack_connect import signed_booking

import bot.reports
from bot.clock import Sweeper, clock_web_client
from bot.domain.digest import digest_key, iso_week
from bot.domain.entitlement import Balance, ContractTerms
from bot.domain.ledger_keys import last_moment
from bot.domain.packages import PACKAGES, SessionState, SessionType
from bot.domain.report import Month
from bot.domain.schedule import ContractFacts, OrderFacts, SessionFacts, timeline
from bot.jobs import KEEP_SPENT_POSTS, prune
from bot.reports import MAX_ATTEMPTS, ReportWorker
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import Actor, BookingService
from bot.services.report import ReportService
from storage import prune as pruning
from storage.models import Contract, OnboardingSession, PostLedger, ReportJob, SeenRequest
from storage.report_jobs import REPORT_LEASE

ACTOR = Actor(STAFF, VENDOR_TEAM)


class Now:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def worker(engine: Engine, fake: FakeSlack, name: str, now: Now | None = None) -> ReportWorker:
    client = clock_web_client(BOT_TOKEN, fake.api_url)
    if now is None:
        return ReportWorker(engine, client, None, name)
    return ReportWorker(engine, client, None, name, now=now)


def rows_of(upload: dict[str, object]) -> list[dict[str, str]]:
    content = upload["content"]
    assert isinstance(content, bytes)
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def jobs(engine: Engine) -> list[ReportJob]:
    with Session(engine) as db:
        return list(db.execute(select(ReportJob).order_by(ReportJob.id)).scalars())


def ask(engine: Engine, key: str = "trigger-1", month: str = "2027-01") -> None:
    year, number = (int(part) for part in month.split("-"))
    service = ReportService(BookingService(engine, "Europe/Helsinki"), "Europe/Helsinki", None)
    service.request(STAFF, Month(year, number), "fi", key, datetime.now(UTC))


def test_the_report_arrives_once_in_a_dm_when_two_clocks_run(bot: RunningBot) -> None:
    bot.link("launch-kit", "2027-01-04")
    bot.link("pro-lite", "2027-01-10", "C_BETA", "Beta Oy")
    reply = text_of(bot.command("report 2027-01"))
    assert "it will arrive in a DM shortly" in reply
    assert not bot.fake.uploaded_files()  # the web request built and sent nothing

    clocks = [worker(bot.engine, bot.fake, f"clock-{n}") for n in (1, 2)]
    start = threading.Barrier(2)
    sent: list[int] = []

    def run(clock: ReportWorker) -> None:
        start.wait()
        sent.append(clock.run_pending())

    threads = [threading.Thread(target=run, args=(clock,)) for clock in clocks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(sent) == [0, 1]
    [upload] = bot.fake.uploaded_files()
    assert upload["channel_id"] == f"D_{STAFF}"
    assert [(r["company"], r["package"]) for r in rows_of(upload)] == [
        ("Acme Oy", "launch-kit"),
        ("Beta Oy", "pro-lite"),
    ]
    assert [job.state for job in jobs(bot.engine)] == ["sent"]
    assert all(clock.run_pending() == 0 for clock in clocks)
    assert len(bot.fake.uploaded_files()) == 1


def test_the_same_request_recorded_twice_is_one_report(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    ask(engine, "same-trigger")
    ask(engine, "same-trigger")
    assert worker(engine, fake_slack, "clock").run_pending() == 1
    assert len(fake_slack.uploaded_files()) == 1


def test_the_dm_is_in_the_requesters_language(engine: Engine, fake_slack: FakeSlack) -> None:
    ask(engine)  # asked by a Finnish-speaking staff member
    worker(engine, fake_slack, "clock").run_pending()
    [upload] = fake_slack.uploaded_files()
    assert upload["initial_comment"] == "Käyttöraportti 2027-01: 0 sopimusta."
    assert "usage" not in str(upload["title"]) and "2027-01" in str(upload["title"])


@pytest.mark.parametrize("method", ["files.getUploadURLExternal", "files.completeUploadExternal"])
def test_a_failed_upload_is_tried_again_later(
    engine: Engine, fake_slack: FakeSlack, method: str
) -> None:
    BookingService(engine, "Europe/Helsinki").link(
        ACTOR, CHANNEL, "launch-kit", date(2027, 1, 4), "Acme Oy"
    )
    ask(engine)
    now = Now(datetime.now(UTC))
    clock = worker(engine, fake_slack, "clock", now)
    fake_slack.fail(method, 500)
    assert clock.run_pending() == 0
    assert not fake_slack.uploaded_files()
    [job] = jobs(engine)
    assert job.state == "failed" and job.next_attempt_at is not None
    assert clock.run_pending() == 0  # not before its back-off

    now.moment = job.next_attempt_at
    assert clock.run_pending() == 1
    [upload] = fake_slack.uploaded_files()
    assert [r["company"] for r in rows_of(upload)] == ["Acme Oy"]
    assert [job.state for job in jobs(engine)] == ["sent"]


def test_a_clock_that_died_after_sharing_is_not_followed_by_a_second_copy(
    engine: Engine, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask(engine)
    now = Now(datetime.now(UTC))

    def die(*_args: object) -> None:
        raise SystemExit("the clock process died")

    with monkeypatch.context() as patched:
        patched.setattr(bot.reports, "mark_sent", die)
        with pytest.raises(SystemExit):
            worker(engine, fake_slack, "clock-1", now).run_pending()
    assert len(fake_slack.uploaded_files()) == 1
    [job] = jobs(engine)
    assert job.state == "claimed" and job.file_id

    other = worker(engine, fake_slack, "clock-2", now)
    assert other.run_pending() == 0  # the first clock's lease still holds
    now.moment += REPORT_LEASE
    assert other.run_pending() == 1
    assert len(fake_slack.uploaded_files()) == 1  # Slack had it: no second copy
    assert [job.state for job in jobs(engine)] == ["sent"]


def test_a_clock_that_died_while_building_is_replaced_after_its_lease(
    engine: Engine, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask(engine)
    now = Now(datetime.now(UTC))

    def die(*_args: object, **_kwargs: object) -> None:
        raise SystemExit("the clock process died")

    with monkeypatch.context() as patched:
        patched.setattr(bot.reports, "iter_report_rows", die)
        with pytest.raises(SystemExit):
            worker(engine, fake_slack, "clock-1", now).run_pending()
    now.moment += REPORT_LEASE
    assert worker(engine, fake_slack, "clock-2", now).run_pending() == 1
    assert len(fake_slack.uploaded_files()) == 1


def test_a_report_slack_always_refuses_is_given_up_and_the_requester_told(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    ask(engine)
    now = Now(datetime.now(UTC))
    clock = worker(engine, fake_slack, "clock", now)
    fake_slack.fail("files.getUploadURLExternal", 400, times=MAX_ATTEMPTS, error="invalid_auth")
    for _ in range(MAX_ATTEMPTS):
        assert clock.run_pending() == 0
        now.moment += timedelta(hours=1)
    assert [job.state for job in jobs(engine)] == ["undeliverable"]
    [told] = fake_slack.posts(f"D_{STAFF}")
    assert (
        told.args["text"] == "En voinut lähettää sinulle raporttia (Slack vastasi `invalid_auth`)."
    )
    assert clock.run_pending() == 0


# -- prunes --------------------------------------------------------------------------------


def count_deletes(engine: Engine) -> list[str]:
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def seen(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("DELETE"):
            statements.append(statement)

    return statements


def test_replay_markers_past_the_window_are_pruned_in_batches(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    with engine.begin() as db:
        db.execute(
            insert(SeenRequest),
            [{"signature": f"old{n}", "seen_at": now - timedelta(hours=2)} for n in range(7)]
            + [{"signature": f"new{n}", "seen_at": now - timedelta(minutes=5)} for n in range(3)],
        )
    monkeypatch.setattr(pruning, "BATCH", 3)
    deletes = count_deletes(engine)
    assert prune(engine, now) == (7, 0)
    with Session(engine) as db:
        left = sorted(db.execute(select(SeenRequest.signature)).scalars())
    assert left == ["new0", "new1", "new2"]
    # 7 rows, 3 at a time: three bounded statements on seen_request (and one on events).
    assert sum("seen_request" in s for s in deletes) == 3


def test_a_replay_within_the_window_is_still_refused_after_a_prune(
    bot: RunningBot, fake_slack: FakeSlack, database_url: str
) -> None:
    """Replayed to another process (which has not seen the signature in memory): the shared
    table, pruned by the clock meanwhile, still knows it."""
    bot.link("launch-kit", "2027-01-04")
    body, signed = signed_booking(bot)
    assert bot.sender.send(body, "application/x-www-form-urlencoded", **signed).status == 200
    bot.fake.wait_for_responses("replay", 1)

    prune(bot.engine, datetime.now(UTC))

    with serve_bot(fake_slack, database_url) as other:
        replay = other.sender.send(body, "application/x-www-form-urlencoded", **signed)
        assert replay.status in (200, 401)
        # A fresh request to the same process answered after it: by then a replay acted on
        # would have answered too.
        text_of(other.command("usage"))
    assert len(bot.fake.responses("replay")) == 1
    with Session(bot.engine) as db:
        assert db.execute(select(func.count()).select_from(OnboardingSession)).scalar_one() == 1


def test_spent_ledger_rows_are_pruned_and_the_clock_still_posts_nothing_twice(
    engine: Engine, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Wednesday 2027-06-02, 10:00 in Helsinki: business hours.
    now = datetime(2027, 6, 2, 7, 0, tzinfo=UTC)
    service = BookingService(engine, "Europe/Helsinki", now=lambda: now)
    _, contract = service.link(ACTOR, CHANNEL, "launch-kit", date(2027, 1, 4), "Acme Oy")
    _, ended = service.link(ACTOR, "C_OLD", "launch-kit", date(2025, 1, 6), "Old Oy")
    assert contract.id is not None and ended.id is not None
    long_ago = now - KEEP_SPENT_POSTS - timedelta(days=1)
    recent = now - timedelta(days=3)

    def row(key: str, contract_id: int, claimed_at: datetime, state: str = "sent") -> dict:
        return {
            "key": key,
            "kind": "k",
            "account_id": _account_of(engine, contract_id),
            "contract_id": contract_id,
            "state": state,
            "attempts": 1,
            "claimed_at": claimed_at,
        }

    epoch = int(long_ago.timestamp())
    recent_epoch = int(recent.timestamp())
    go = [
        row(f"session:1:reminder-24h:{epoch}", contract.id, long_ago - timedelta(days=1)),
        row(f"session:1:reminder-1h:{epoch}", contract.id, long_ago, "failed"),
        row(f"contract:{ended.id}:term-closed", ended.id, long_ago - timedelta(days=90)),
        row(f"contract:{contract.id}:order:4:return-window-7d:2027-01-10", contract.id, long_ago),
    ]
    stay = [
        # Its session was three days ago: within the month kept.
        row(f"session:2:reminder-24h:{recent_epoch}", contract.id, recent - timedelta(days=1)),
        # Claimed long ago, but the contract's term runs: the post is not over.
        row(f"contract:{contract.id}:window-warning:30", contract.id, long_ago),
        row(f"contract:{contract.id}:status-nudge:1", contract.id, long_ago),
        row("something:else", contract.id, long_ago - timedelta(days=900)),
    ]
    with engine.begin() as db:
        db.execute(insert(PostLedger), go + stay)
    monkeypatch.setattr(pruning, "BATCH", 3)
    deletes = count_deletes(engine)

    assert prune(engine, now)[1] == len(go)
    with Session(engine) as db:
        left = sorted(db.execute(select(PostLedger.key)).scalars())
    assert left == sorted(r["key"] for r in stay)
    assert sum("post_ledger" in s for s in deletes) >= 2  # batches of 3 ids at most

    clock = Sweeper(engine, clock_web_client(BOT_TOKEN, fake_slack.api_url), pace_seconds=0)
    with Session(engine) as db:
        for c in db.execute(select(Contract)).scalars():
            c.next_post_at = now
            db.add(c)
        db.commit()
    clock.sweep(now)
    posted = [c.args["metadata"]["event_payload"]["key"] for c in fake_slack.posts()]
    assert not set(posted) & {r["key"] for r in go + stay}


def _account_of(engine: Engine, contract_id: int) -> int:
    with Session(engine) as db:
        return int(
            db.execute(select(Contract.account_id).where(Contract.id == contract_id)).scalar_one()
        )


def test_a_ledger_keys_last_moment_is_never_before_its_post_lapses() -> None:
    """The prune's reading of a key stays in step with the schedule that makes the keys."""
    now = datetime(2027, 1, 4, tzinfo=UTC)
    for package in PACKAGES.values():
        for zone in ("Pacific/Kiritimati", "Europe/Helsinki", "Pacific/Pago_Pago"):
            terms = ContractTerms(package, date(2027, 1, 4), 12, zone)
            facts = ContractFacts(
                contract_id=7,
                account_id=1,
                channel_id="C1",
                company="Acme",
                terms=terms,
                balance=Balance(package.included_minutes, 0, package.status_updates, 0),
                sessions=(
                    SessionFacts(
                        3,
                        SessionType.TRAINING,
                        datetime(2027, 2, 1, 8, tzinfo=UTC),
                        30,
                        SessionState.BOOKED,
                        now,
                        3,
                    ),
                ),
                orders=(OrderFacts(4, date(2027, 1, 20), 2, "PO-1"),),
            )
            posts = timeline(facts)
            assert {p.kind for p in posts} >= {"session-reminder", "return-window", "term-closed"}
            for post in posts:
                moment = last_moment(post.key, terms.term_end)
                assert moment is not None, post.key
                assert post.expires_at is not None and moment >= post.expires_at, post.key


def test_the_clocks_dm_keys_lapse_after_their_day_or_week_in_every_zone() -> None:
    """The daily 'not logged' reminder and the weekly digest can't be due after the last local
    moment of the day or week their key names; the log DM lapses with its contract's posts."""
    term_end = date(2028, 1, 4)
    sunday_night_in_samoa = datetime(2027, 1, 17, 23, 59, tzinfo=ZoneInfo("Pacific/Pago_Pago"))
    assert digest_key("U_SAM", iso_week(date(2027, 1, 11))) == "digest:U_SAM:2027-W02"
    assert last_moment("digest:U_SAM:2027-W02", term_end) > sunday_night_in_samoa  # type: ignore[operator]
    day_end_in_samoa = datetime(2027, 1, 12, 23, 59, tzinfo=ZoneInfo("Pacific/Pago_Pago"))
    unlogged = last_moment("unlogged:U_SAM:2027-01-12", term_end)
    assert unlogged is not None and unlogged > day_end_in_samoa
    assert unlogged < datetime(2027, 1, 14, tzinfo=UTC)  # not kept forever
    prompt = last_moment("log-prompt:41:U_SAM", term_end)
    assert prompt is not None and prompt > datetime.combine(term_end, datetime.min.time(), UTC)
    assert last_moment("something-else:1", term_end) is None  # an unknown form is kept


def test_the_clock_process_builds_reports_and_prunes_beside_the_sweep(
    engine: Engine, fake_slack: FakeSlack, database_url: str
) -> None:
    """`oura-bot clock` schedules the report and prune jobs next to its sweep; the report job,
    run on a thread of its own (it lowers that thread's priority), sends the report."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from conftest import settings_for

    from bot import cli

    settings = settings_for(fake_slack, database_url)
    scheduler = BackgroundScheduler(timezone=UTC)
    sweeper = cli._sweeper(settings, engine)
    cli._add_sweep_job(scheduler, sweeper, 5)
    cli._add_clock_jobs(scheduler, settings, sweeper, with_web=False)
    scheduled = {job.id: job for job in scheduler.get_jobs()}
    assert set(scheduled) == {
        "sweep",
        "reports",
        "prune-markers",
        "prune-ledger",
        "retention",
        "digests",  # the weekly digest (bot/digest_clock.py; tests/test_digest.py)
    }
    assert scheduled["reports"].executor == "reports"  # never in the sweep's threads

    ask(engine)
    thread = threading.Thread(target=scheduled["reports"].func)
    thread.start()
    thread.join()
    assert len(fake_slack.uploaded_files()) == 1
    assert [job.state for job in jobs(engine)] == ["sent"]
