"""Billable rebalancing: included minutes that come free (a cancel, a shorter log, a session
moved out of the window) are taken by booked sessions that still carry billable minutes, in
start order, in the same transaction; audited, and the staff reply says what changed."""

from __future__ import annotations

import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from conftest import CHANNEL, STAFF, VENDOR_TEAM, RunningBot, text_of
from hypothesis import given
from hypothesis import strategies as st
from slackreq import block_action
from sqlmodel import Session, col, select
from test_http_commands import contract_row, sessions
from test_session_races import check_books

from bot.domain.entitlement import Billed, absorb
from bot.domain.errors import OuraError
from bot.domain.packages import SessionType
from bot.services.booking import Actor, BookingService, SessionChange
from storage.models import AuditEvent, Contract, OnboardingSession

# -- the rule ---------------------------------------------------------------------------------


def test_freed_minutes_go_to_the_earliest_billable_sessions_first() -> None:
    billed = [Billed(1, 0, 15), Billed(2, 0, 30), Billed(3, 15, 45)]
    assert absorb(60, billed) == [Billed(1, 15, 0), Billed(2, 30, 0), Billed(3, 30, 30)]
    assert absorb(10, billed) == [Billed(1, 10, 5)]
    assert absorb(0, billed) == []
    assert absorb(-5, billed) == []
    assert absorb(60, [Billed(4, 60, 0), Billed(5, 20, 10)]) == [Billed(5, 30, 0)]


@given(
    st.integers(-10, 300),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=8),
)
def test_absorbing_never_takes_more_than_is_free_nor_adds_billable_time(
    free: int, sessions: list[tuple[int, int]]
) -> None:
    billed = [Billed(i, included, billable) for i, (included, billable) in enumerate(sessions)]
    changed = absorb(free, billed)
    before = {b.session_id: b for b in billed}
    taken = 0
    for new in changed:
        old = before[new.session_id]
        assert new.billable_minutes < old.billable_minutes
        assert new.included_minutes + new.billable_minutes == (
            old.included_minutes + old.billable_minutes
        )
        taken += new.included_minutes - old.included_minutes
    assert taken == min(max(free, 0), sum(b.billable_minutes for b in billed))
    # In start order: a session takes nothing while an earlier one is still billable.
    ids = [c.session_id for c in changed]
    assert ids == sorted(ids)
    if changed and changed[-1].billable_minutes == 0:
        later = [b for b in billed if b.session_id > changed[-1].session_id]
        assert not any(b.billable_minutes for b in later) or taken == free


# -- end to end -------------------------------------------------------------------------------


def audits(bot: RunningBot, action: str) -> list[AuditEvent]:
    with Session(bot.engine) as db:
        return list(
            db.exec(
                select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
            ).all()
        )


def fill_then_go_billable(bot: RunningBot) -> tuple[list[int], list[int]]:
    """A Launch Kit (240 included minutes) spent by four 60-minute sessions, then three
    sessions booked with 15, 30 and 45 billable minutes. Returns both lists of ids."""
    bot.link("launch-kit", (date.today() - timedelta(days=5)).isoformat())
    day = (date.today() + timedelta(days=10)).isoformat()
    # `anyway`: the day may fall on a weekend, and 08:00 is before the working hours.
    for hour in (8, 9, 10, 11):
        bot.command(f"training {day} {hour:02d}:00 60m anyway")
    for hour, minutes in ((13, 15), (14, 30), (15, 45)):
        reply = bot.command(f"training {day} {hour:02d}:00 {minutes}m billable anyway")
        assert "billable" in text_of(reply)
    rows = sessions(bot)
    return [s.id for s in rows[:4]], [s.id for s in rows[4:]]  # type: ignore[misc]


def test_a_cancel_turns_earlier_booked_billable_time_into_included(bot: RunningBot) -> None:
    full, billable = fill_then_go_billable(bot)
    assert [(s.included_minutes, s.billable_minutes) for s in sessions(bot)[4:]] == [
        (0, 15),
        (0, 30),
        (0, 45),
    ]

    reply = text_of(bot.command(f"cancel {full[0]}"))

    first, second, third = billable
    assert f"Freed minutes went to #{first}: it is now 15 included min, 0 billable min." in reply
    assert f"Freed minutes went to #{second}: it is now 30 included min, 0 billable min." in reply
    assert f"Freed minutes went to #{third}: it is now 15 included min, 30 billable min." in reply
    assert "0 of 240 included minutes left" in reply
    rows = {s.id: s for s in sessions(bot)}
    assert [(rows[i].included_minutes, rows[i].billable_minutes) for i in billable] == [
        (15, 0),
        (30, 0),
        (15, 30),
    ]
    # What staff confirmed stays on record; absorbing only ever lowers billable time.
    assert [rows[i].billable_confirmed_minutes for i in billable] == [15, 30, 45]
    assert contract_row(bot).minutes_spent == 240
    check_books(bot.engine)

    events = audits(bot, "rebalance")
    assert [e.session_id for e in events] == billable
    assert json.loads(events[2].details) == {
        "from": {"included_minutes": 0, "billable_minutes": 45},
        "to": {"included_minutes": 15, "billable_minutes": 30},
    }
    assert {e.actor_user_id for e in events} == {audits(bot, "cancel")[0].actor_user_id}


def test_a_shorter_log_frees_minutes_for_a_billable_booking(bot: RunningBot) -> None:
    bot.link("launch-kit", (date.today() - timedelta(days=20)).isoformat())
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    ahead = (date.today() + timedelta(days=10)).isoformat()
    for hour in (8, 9, 10, 11):
        bot.command(f"training {yesterday} {hour:02d}:00 60m")
    bot.command(f"training {ahead} 10:00 45m billable anyway")  # perhaps on a weekend
    held, *_, booked = sessions(bot)

    reply = text_of(bot.command(f"done {held.id} 40m"))

    assert f"Freed minutes went to #{booked.id}: it is now 20 included min, 25 billable min." in (
        reply
    )
    assert (sessions(bot)[-1].included_minutes, sessions(bot)[-1].billable_minutes) == (20, 25)
    assert contract_row(bot).minutes_spent == 240
    check_books(bot.engine)


def test_a_session_moved_out_of_the_window_frees_its_minutes(bot: RunningBot) -> None:
    full, billable = fill_then_go_billable(bot)
    after_window = (date.today() + timedelta(days=120)).isoformat()

    reply = text_of(bot.command(f"move {full[1]} {after_window} 10:00 billable anyway"))

    assert f"Freed minutes went to #{billable[0]}" in reply
    assert f"Freed minutes went to #{billable[2]}: it is now 15 included min, 30 billable" in (
        reply
    )
    moved = {s.id: s for s in sessions(bot)}[full[1]]
    assert (moved.included_minutes, moved.billable_minutes) == (0, 60)
    check_books(bot.engine)


def test_a_cancel_with_nothing_billable_changes_no_other_session(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("kickoff 2027-01-12 14:00 45m")
    bot.command("training 2027-01-13 14:00 30m")
    first, _second = sessions(bot)
    reply = text_of(bot.command(f"cancel {first.id}"))
    assert "Freed minutes" not in reply
    assert audits(bot, "rebalance") == []


# -- many at once -----------------------------------------------------------------------------

NOW = datetime(2027, 2, 15, 12, 0, tzinfo=UTC)
PAST = [datetime(2027, 2, 1, 8 + h, 0, tzinfo=UTC) for h in range(6)]
AHEAD = [datetime(2027, 2, 20 + d, 8 + h, 0, tzinfo=UTC) for d in range(3) for h in range(4)]


def test_50_concurrent_mixed_requests_keep_the_balance(booking: BookingService) -> None:
    """Book (billable or not), cancel, move and log at once: the counter always equals what
    the live sessions hold and stays within the package, whatever was absorbed."""
    booking.now = lambda: NOW
    setup = Actor(user_id="U_SETUP", team_id=VENDOR_TEAM)
    booking.link(setup, CHANNEL, "launch-kit", date(2027, 1, 4), "Acme Oy")  # 240 minutes
    ids = [
        booking.book(setup, CHANNEL, SessionType.TRAINING, moment, 60, True).session.id
        for moment in PAST[:2] + AHEAD[:4]
    ]
    assert ids and all(ids)
    rng = random.Random(16)
    kinds = ("book", "book", "cancel", "move", "done")
    ops = [
        (rng.choice(kinds), rng.choice(ids), rng.choice(AHEAD), rng.choice((15, 30, 45, 60)))
        for _ in range(50)
    ]
    barrier = threading.Barrier(50)
    actor = Actor(user_id="U_STAFF", team_id=VENDOR_TEAM)

    def run(i: int) -> SessionChange | OuraError:
        kind, session_id, moment, minutes = ops[i]
        barrier.wait()
        try:
            if kind == "book":
                return booking.book(
                    actor, CHANNEL, SessionType.TRAINING, moment, minutes, i % 3 != 0
                )
            if kind == "cancel":
                return booking.cancel(actor, CHANNEL, session_id)
            if kind == "move":
                return booking.move(actor, CHANNEL, session_id, moment, True)
            return booking.log_held(actor, CHANNEL, session_id, minutes, True)
        except OuraError as refusal:  # late or billable without confirmation: judged below
            return refusal

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(run, range(50)))

    assert all(isinstance(r, SessionChange | OuraError) for r in results)
    assert any(isinstance(r, SessionChange) and r.kind == "cancelled" for r in results)
    if booking.engine.dialect.name == "sqlite":
        # On PostgreSQL the sessions a change could pass freed minutes to are often locked by
        # the others running at once (skipped, see rebalance.absorb_freed): none may take any.
        assert any(isinstance(r, SessionChange) and r.absorbed for r in results)
    check_books(booking.engine)
    with Session(booking.engine) as db:
        contract = db.exec(select(Contract)).one()
        live = db.exec(
            select(OnboardingSession).where(OnboardingSession.state != "cancelled")
        ).all()
        assert contract.minutes_spent == sum(s.included_minutes for s in live)
        assert 0 <= contract.minutes_spent <= contract.included_minutes
        for session in live:
            assert session.included_minutes >= 0 and session.billable_minutes >= 0
            minutes = session.minutes_held or session.minutes_booked
            assert session.included_minutes + session.billable_minutes == minutes
        # Freed minutes never sit idle while a booked session in the window is billable. On
        # PostgreSQL a session locked by a concurrent change is skipped (that change pays for
        # it again itself, unless it is refused and rolled back), so this is SQLite's promise.
        if booking.engine.dialect.name == "sqlite":
            window_end = datetime(2027, 4, 3, 22, 0, tzinfo=UTC)
            waiting = [
                s
                for s in live
                if s.state == "booked" and s.billable_minutes and s.starts_at < window_end
            ]
            assert not waiting or contract.minutes_spent == contract.included_minutes


def test_the_cancel_button_tells_the_clicker_where_the_minutes_went(bot: RunningBot) -> None:
    full, billable = fill_then_go_billable(bot)
    click = block_action(
        "cancel_session",
        str(full[0]),
        user_id=STAFF,
        team_id=VENDOR_TEAM,
        channel_id=CHANNEL,
        response_url=bot.fake.response_url("cancel"),
    )
    assert bot.sender.interaction(click).status == 200
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"), timeout=10)
    assert note.args["user"] == STAFF
    assert f"Freed minutes went to #{billable[2]}: it is now 15 included min" in text_of(note.args)
    check_books(bot.engine)


def test_a_quick_delete_and_a_session_that_did_not_happen_free_minutes_too(
    bot: RunningBot,
) -> None:
    full, billable = fill_then_go_billable(bot)
    # A booking made by mistake, deleted within 15 minutes: its 60 minutes go to the
    # billable bookings in start order, and the reply says so.
    reply = text_of(bot.command(f"delete {full[0]}"))
    first, second, third = billable
    assert f"Freed minutes went to #{first}: it is now 15 included min, 0 billable min." in reply
    assert f"Freed minutes went to #{second}: it is now 30 included min, 0 billable min." in reply
    assert f"Freed minutes went to #{third}: it is now 15 included min, 30 billable min." in reply
    rows = {s.id: s for s in sessions(bot)}
    assert [(rows[i].included_minutes, rows[i].billable_minutes) for i in billable] == [
        (15, 0),
        (30, 0),
        (15, 30),
    ]
    assert len(audits(bot, "rebalance")) == 3
    assert contract_row(bot).minutes_spent == 240
    check_books(bot.engine)


def test_50_concurrent_signed_requests_keep_the_balance(bot: RunningBot) -> None:
    """The same promise over HTTP: signed commands, all sent at once, booking, cancelling,
    moving and logging the sessions of one contract while freed minutes are absorbed."""
    full, billable = fill_then_go_billable(bot)
    ids = full + billable
    day = (date.today() + timedelta(days=12)).isoformat()
    rng = random.Random(50)
    typed = []
    for i in range(50):
        kind, target = rng.choice(("book", "cancel", "move", "done")), rng.choice(ids)
        if kind == "book":
            typed.append(
                f"training {day} {9 + i % 8:02d}:00 {rng.choice((15, 30))}m billable anyway"
            )
        elif kind == "cancel":
            typed.append(f"cancel {target}")
        elif kind == "move":
            typed.append(f"move {target} {day} {9 + i % 8:02d}:30 billable anyway")
        else:
            typed.append(f"done {target} {rng.choice((15, 30, 45))}m billable")
    keys = [f"mixed{i}" for i in range(50)]
    barrier = threading.Barrier(50)

    def send(i: int) -> int:
        barrier.wait()
        return bot.sender.command(
            typed[i],
            user_id=STAFF,
            channel_id=CHANNEL,
            response_url=bot.fake.response_url(keys[i]),
        ).status

    with ThreadPoolExecutor(50) as pool:
        assert list(pool.map(send, range(50))) == [200] * 50
    answers = [text_of(bot.fake.wait_for_responses(key, 1, timeout=60)[0].body) for key in keys]
    assert any(a.startswith("Cancelled") for a in answers)
    assert not any("something went wrong" in a for a in answers)
    check_books(bot.engine)
    with Session(bot.engine) as db:
        contract = db.exec(select(Contract)).one()
        live = db.exec(
            select(OnboardingSession).where(OnboardingSession.state != "cancelled")
        ).all()
        assert contract.minutes_spent == sum(s.included_minutes for s in live)
        for session in live:
            minutes = session.minutes_held or session.minutes_booked
            assert session.included_minutes + session.billable_minutes == minutes
