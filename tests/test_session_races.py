"""Racing changes to one session, on SQLite and PostgreSQL: cancel, log as held (`done`), move
and book at once on the same few sessions. Each change happens once and is announced once; a
request that comes too late changes nothing and is told who came first, and when."""

from __future__ import annotations

import random
import re
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import BOT_TOKEN, CHANNEL, SIGNING_SECRET, VENDOR_TEAM, text_of
from slackreq import SlackSender
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from test_cli import OURA_BOT, env_with

from bot.domain.errors import CANCELLED, HELD, MOVED, AlreadyChanged
from bot.domain.packages import SessionType
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import (
    Actor,
    BookingService,
    ChangeKind,
    NeedsBillableConfirmation,
    SessionChange,
)
from storage.models import AuditEvent, Contract, OnboardingSession

STAFF_IDS = [f"U_S{i}" for i in range(8)]
SETUP = Actor(user_id="U_SETUP", team_id=VENDOR_TEAM)
KINDS = ("cancel", "done", "move", "book")


def check_books(engine: Engine) -> dict[str, int]:
    """What must hold whatever the interleaving: counters equal what the live sessions hold,
    within the package; no session both cancelled and logged as held; one cancel (or quick
    delete, or "didn't happen") per cancelled session. Returns how many sessions ended in each
    state."""
    with Session(engine) as db:
        sessions = db.exec(select(OnboardingSession)).all()
        for contract in db.exec(select(Contract)).all():
            live = [s for s in sessions if s.contract_id == contract.id and s.state != "cancelled"]
            assert contract.minutes_spent == sum(s.included_minutes for s in live)
            assert contract.minutes_spent <= contract.included_minutes
            assert contract.status_updates_spent == sum(s.uses_status_update for s in live)
            assert contract.status_updates_spent <= contract.status_updates
        for session in sessions:
            actions = db.exec(
                select(AuditEvent.action)
                .where(AuditEvent.session_id == session.id)
                .order_by(col(AuditEvent.id))
            ).all()
            # A session ends cancelled once: cancelled, deleted within minutes of booking, or
            # logged as not having happened.
            cancels = sum(actions.count(a) for a in ("cancel", "delete", "not_held"))
            assert not (cancels and "log_held" in actions), (session.id, actions)
            assert cancels == (session.state == "cancelled"), (session, actions)
            assert ("log_held" in actions) == (session.state == "held"), (session, actions)
        return dict(Counter(s.state for s in sessions))


# -- threads against the service --------------------------------------------------------------

NOW = datetime(2027, 2, 15, 12, 0, tzinfo=UTC)
FIRST = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)  # the sessions raced on, all in the past
MOVE_TO = [datetime(2027, 2, 5, 8 + h, 0, tzinfo=UTC) for h in range(3)]


@dataclass
class Outcome:
    kind: str
    user_id: str
    session_id: int | None
    result: SessionChange | Exception


def test_threads_racing_on_the_same_sessions_change_each_once(booking: BookingService) -> None:
    booking.now = lambda: NOW
    booking.link(SETUP, CHANNEL, "launch-kit", date(2027, 1, 4), "Acme Oy")  # 240 minutes
    ids = [
        booking.book(
            SETUP, CHANNEL, SessionType.KICKOFF, FIRST + timedelta(hours=i), 30, False
        ).session.id
        for i in range(3)
    ]
    rng = random.Random(12)
    ops = [(rng.choice(KINDS), rng.choice(ids), rng.choice(MOVE_TO)) for _ in range(72)]
    barrier = threading.Barrier(24)

    def run(worker: int) -> list[Outcome]:
        actor = Actor(user_id=STAFF_IDS[worker % len(STAFF_IDS)], team_id=VENDOR_TEAM)
        barrier.wait()
        outcomes = []
        for kind, session_id, moment in ops[worker::24]:
            try:
                result: SessionChange | Exception
                if kind == "cancel":
                    result = booking.cancel(actor, CHANNEL, session_id)
                elif kind == "done":
                    result = booking.log_held(actor, CHANNEL, session_id, None, False)
                elif kind == "move":
                    result = booking.move(actor, CHANNEL, session_id, moment, False)
                else:
                    result = booking.book(actor, CHANNEL, SessionType.TRAINING, moment, 45, False)
            except Exception as error:  # judged below: only some refusals are right
                result = error
            outcomes.append(Outcome(kind, actor.user_id, session_id, result))
        return outcomes

    with ThreadPoolExecutor(24) as pool:
        outcomes = [o for batch in pool.map(run, range(24)) for o in batch]

    states = check_books(booking.engine)
    changes = [o for o in outcomes if isinstance(o.result, SessionChange)]
    late = [o for o in outcomes if isinstance(o.result, AlreadyChanged)]
    refused = [o for o in outcomes if isinstance(o.result, NeedsBillableConfirmation)]
    assert len(changes) + len(late) + len(refused) == len(outcomes) == 72, [
        o for o in outcomes if o not in changes + late + refused
    ]
    assert all(o.kind == "book" for o in refused)  # only new bookings may run out of minutes
    assert late, "the race produced no late request: the test did not race"
    assert states.get("cancelled", 0) + states.get("held", 0) >= 1

    # One cancel or log per session won; every late request names the change that won.
    cancels = Counter(o.session_id for o in changes if o.kind == "cancel")
    assert set(cancels.values()) <= {1}
    for o in late:
        error = o.result
        assert isinstance(error, AlreadyChanged)
        assert error.session_id == o.session_id and error.at == NOW
        assert re.fullmatch(
            rf"#{o.session_id} was already [a-z ]+( 2027-02-0\d \d\d:\d\d UTC)? by <@U_S\d> at "
            r"2027-02-15 12:00 UTC\. .+",
            str(error),
        ), str(error)
        winners = {
            CANCELLED: ChangeKind.CANCELLED,
            HELD: ChangeKind.LOGGED_HELD,
            MOVED: ChangeKind.MOVED,
        }
        assert any(
            c.session_id == o.session_id
            and c.user_id == error.by_user_id
            and isinstance(c.result, SessionChange)
            and c.result.kind is winners[error.what]
            for c in changes
        ), (o, str(error))


# -- signed HTTP against two `oura-bot web` processes --------------------------------------


@dataclass
class Web:
    process: subprocess.Popen[str]
    sender: SlackSender


@pytest.fixture
def two_web_processes(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> Iterator[list[Web]]:
    env = env_with(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
        DATABASE_URL=database_url,
    )
    webs: list[Web] = []
    try:
        for i in range(2):
            log = (tmp_path / f"web{i}.log").open("w")
            process = subprocess.Popen(
                [OURA_BOT, "web", "--host", "127.0.0.1", "--port", "0"],
                cwd=tmp_path,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
            assert process.stdout is not None
            line = process.stdout.readline()
            assert "serving Slack over HTTP at" in line, (tmp_path / f"web{i}.log").read_text()
            base = line.strip().rsplit(" at ", 1)[1].removesuffix("/slack/events")
            webs.append(Web(process, SlackSender(base, SIGNING_SECRET)))
        yield webs
    finally:
        for web in webs:
            web.process.kill()
            web.process.wait(timeout=10)


REPLY = re.compile(r"^(Cancelled|Moved|Booked|Logged) \*[A-Za-z ]+\* #(\d+):")
POST = re.compile(r"^:[a-z_]+: (Cancelled|Moved|Booked for [^:]+): \*[A-Za-z ]+\* #(\d+):")
LATE = re.compile(
    r"^#(\d+) was already (cancelled|logged as held|moved to|booked for)( <!date[^>]+>)? "
    r"by <@(U_S\d)> at <!date\^\d+\^\{date_short_pretty\} at \{time\}\|[^>]+>\. "
)


def test_100_racing_requests_to_two_web_processes_change_and_announce_each_once(
    two_web_processes: list[Web], database_url: str, fake_slack: FakeSlack, booking: BookingService
) -> None:
    for user in STAFF_IDS:
        fake_slack.add_user(user, tz="Europe/Helsinki", team_id=VENDOR_TEAM)
    today = datetime.now(UTC).date()
    booking.link(SETUP, CHANNEL, "launch-kit", today - timedelta(days=30), "Acme Oy")
    yesterday = datetime.combine(today - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    ids = [
        booking.book(
            SETUP, CHANNEL, SessionType.KICKOFF, yesterday + timedelta(hours=6 + i), 30, False
        ).session.id
        for i in range(4)
    ]
    two_days_ago = (today - timedelta(days=2)).isoformat()
    rng = random.Random(7)
    texts = []
    for _ in range(100):
        kind, session_id = rng.choice(KINDS), rng.choice(ids)
        at = f"{two_days_ago} {rng.choice(['10:00', '11:00', '12:00'])}"
        texts.append(
            {
                "cancel": f"cancel {session_id}",
                "done": f"done {session_id}",
                "move": f"move {session_id} {at}",
                "book": f"training {at} 45m",
            }[kind]
        )
    users = [STAFF_IDS[i % len(STAFF_IDS)] for i in range(100)]
    barrier = threading.Barrier(50)

    def send(i: int) -> int:
        barrier.wait()
        web = two_web_processes[i % 2]
        return web.sender.command(
            texts[i],
            user_id=users[i],
            channel_id=CHANNEL,
            response_url=fake_slack.response_url(f"race{i}"),
        ).status

    with ThreadPoolExecutor(50) as pool:
        assert list(pool.map(send, range(100))) == [200] * 100
    answers = [
        text_of(fake_slack.wait_for_responses(f"race{i}", 1, timeout=60)[0].body)
        for i in range(100)
    ]

    states = check_books(booking.engine)
    done, late = [], []
    for i, answer in enumerate(answers):
        if match := REPLY.match(answer):
            done.append((match[1], int(match[2]), users[i]))
        elif match := LATE.match(answer):
            late.append((texts[i], int(match[1]), match[2], match[4]))
        else:  # the only other answer: a new booking past what is left
            assert texts[i].startswith("training") and "billable" in answer, (texts[i], answer)
    assert late, "no request came too late: the test did not race"
    assert sum(states.values()) == 4 + sum(kind == "Booked" for kind, _, _ in done)

    # Each change was announced in the channel exactly once (a log as held is not announced);
    # the account's living balance was posted once, on its first change, whoever raced to it.
    posts = fake_slack.posts(CHANNEL)
    balances = [p for p in posts if "Your onboarding balance" in text_of(p.args)]
    assert len(balances) == 1
    announced = Counter(
        (m[1].split()[0], int(m[2])) for post in posts if (m := POST.match(post.args["text"]))
    )
    assert len(posts) - len(balances) == sum(announced.values())
    assert announced == Counter((kind, sid) for kind, sid, _ in done if kind != "Logged")
    assert set(Counter(sid for kind, sid, _ in done if kind == "Cancelled").values()) <= {1}

    # Every late request was told who made the change that won.
    verbs = {"cancelled": "Cancelled", "logged as held": "Logged", "moved to": "Moved"}
    for text, session_id, what, by in late:
        assert text.split()[0] in ("cancel", "done", "move") and str(session_id) in text
        assert (verbs[what], session_id, by) in done, (text, what, by)
