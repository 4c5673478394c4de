"""A customer asks to move or cancel a booked session (issue 17), over signed HTTP requests
built from payloads Slack published, with the fake Slack Web API behind the app; SQLite and
PostgreSQL.

Acme's vendor contact is STAFF (Helsinki); Anna is Acme's buyer, on Acme's Grid organization.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from conftest import CHANNEL, STAFF, RunningBot, text_of
from slackfixtures import view_submission as fixture_submission
from sqlmodel import Session, col, select
from test_slack_connect import (
    PERSONAS,
    VENDOR_TEAM,
    click,
    fake_slack,  # noqa: F401 (the vendor's Slack on Enterprise Grid, Acme's buyers in it)
    picked_time,
)
from test_slots import next_free, shared_world, typed

from bot.clock import Sweeper, clock_web_client
from bot.domain.errors import RuleViolation
from bot.domain.packages import SessionType
from bot.domain.requests import RequestKind
from bot.services.availability import AvailabilityService
from bot.services.booking import Actor, BookingService
from bot.services.requests import RequestService
from bot.services.session_asks import SessionAsks
from storage.models import AuditEvent, Contract, OnboardingSession, SessionRequest

DM = f"D_{STAFF}"


def the_session(bot: RunningBot) -> OnboardingSession:
    with Session(bot.engine) as db:
        [session] = db.exec(select(OnboardingSession)).all()
        return session


def requests(bot: RunningBot) -> list[SessionRequest]:
    with Session(bot.engine) as db:
        return list(db.exec(select(SessionRequest).order_by(col(SessionRequest.id))).all())


def buttons(message: dict) -> dict[str, dict]:
    """The message's buttons by their text."""
    return {
        e["text"]["text"]: e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def book(bot: RunningBot, at: datetime, minutes: int = 60) -> OnboardingSession:
    """STAFF books Acme's kickoff; the channel's post carries the customer's buttons."""
    assert "Booked" in text_of(bot.command(f"kickoff {typed(at)} {minutes}m anyway"))
    [post] = bot.fake.wait_for_posts(CHANNEL)
    session = the_session(bot)
    assert buttons(post.args)["Ask to move"]["value"] == str(session.id)
    assert buttons(post.args)["Ask to cancel"]["value"] == str(session.id)
    bot.fake.reset()
    return session


def open_form(bot: RunningBot, action: str, session_id: int, persona: str = "buyer") -> dict:
    click(bot, action, str(session_id), persona)
    [opened] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    bot.fake.reset()
    return opened.args["view"]  # type: ignore[no-any-return]


def submit(bot: RunningBot, callback_id: str, view: dict, values: dict) -> dict | None:
    payload = fixture_submission(
        "view_submission.slack_connect.json",
        callback_id,
        values,
        view["private_metadata"],
        user=PERSONAS["buyer"],
        installed_team=VENDOR_TEAM,
    )
    reply = bot.sender.interaction(payload)
    assert reply.status == 200, reply
    return reply.json()  # type: ignore[no-any-return]


def move_values(slot: str | None, *times: datetime, note: str | None = None) -> dict:
    values: dict = {
        "slot": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": slot} if slot else None,
            }
        },
        "note": {"value": {"type": "plain_text_input", "value": note}},
    }
    for i in (1, 2, 3):
        values[f"time_{i}"] = {"value": {"type": "datetimepicker", "selected_date_time": None}}
    for i, moment in enumerate(times, 1):
        values.update(picked_time(f"time_{i}", moment))
    return values


def cancel_values(reason: str | None) -> dict:
    return {"note": {"value": {"type": "plain_text_input", "value": reason}}}


def started(bot: RunningBot) -> None:
    shared_world(bot, (date.today() - timedelta(days=30)).isoformat())


def test_a_customer_moves_a_session_to_a_free_slot_once_the_vendor_contact_confirms(
    bot: RunningBot,
) -> None:
    started(bot)
    first = next_free(bot, 1)[0]
    session = book(bot, first)

    view = open_form(bot, "ask_move_session", session.id)
    assert view["callback_id"] == "ask_move_modal"
    assert "move session #1" in text_of(view)
    [slots] = [b for b in view["blocks"] if b.get("block_id") == "slot"]
    to = next(
        datetime.fromtimestamp(int(o["value"]), UTC)
        for o in slots["element"]["options"]
        if o["value"] != "other"
    )
    assert to != first

    # Nothing picked: said at the choice of slots, and nothing is saved.
    answer = submit(bot, "ask_move_modal", view, move_values("other"))
    assert answer is not None and "Choose at least one time" in answer["errors"]["slot"]
    assert requests(bot) == []

    later = to + timedelta(days=1)
    assert submit(bot, "ask_move_modal", view, move_values(str(int(to.timestamp())), later)) is None
    [dm] = bot.fake.wait_for_posts(DM)
    said = text_of(dm.args)
    assert "Anna" in said or "<@U_ANNA>" in said
    assert "asks to move session #1" in said
    move = buttons(dm.args)
    assert set(move) == {"Move to time 1", "Move to time 2", "Decline"}
    [note] = bot.fake.wait_for_posts(CHANNEL)
    assert "asked to move session #1" in text_of(note.args)
    [asked] = requests(bot)
    assert (asked.kind, asked.session_id, asked.state) == ("move", session.id, "open")

    # A second ask about the same session waits for the first.
    again = submit(bot, "ask_move_modal", view, move_values(str(int(to.timestamp()))))
    assert again is not None and "already asked" in text_of({"text": str(again["errors"])})

    bot.fake.reset()
    click(bot, "confirm_session_ask", move["Move to time 1"]["value"], "staff", channel=DM)
    [done] = bot.fake.wait_for_responses("confirm_session_ask-staff", 1)
    assert "session #1 moved" in text_of(done.body)
    moved = the_session(bot)
    assert (moved.starts_at, moved.state, moved.sequence) == (to, "booked", session.sequence + 1)
    [post] = bot.fake.wait_for_posts(CHANNEL)
    assert "moved" in text_of(post.args).lower()
    # The moved post carries the buttons again, for the next change.
    assert "Ask to move" in buttons(post.args)
    assert requests(bot)[0].state == "confirmed"
    with Session(bot.engine) as db:
        actions = [e.action for e in db.exec(select(AuditEvent)).all()]
    assert "ask_move" in actions and "confirm_move_request" in actions

    # A second click says what was done and changes nothing.
    bot.fake.reset()
    click(bot, "confirm_session_ask", move["Move to time 2"]["value"], "staff", channel=DM)
    [second] = bot.fake.wait_for_responses("confirm_session_ask-staff", 1)
    assert "already confirmed" in text_of(second.body)
    assert the_session(bot).starts_at == to

    # The reminders follow the move, and carry the buttons too.
    bot.fake.reset()
    clock = Sweeper(
        bot.engine, clock_web_client("xoxb-test", bot.fake.api_url), worker="c", pace_seconds=0
    )
    sent = clock.sweep(first - timedelta(minutes=59)).sent
    assert f"session:{session.id}:reminder-1h:{int(first.timestamp())}" not in sent
    sent = clock.sweep(to - timedelta(minutes=59)).sent
    assert f"session:{session.id}:reminder-1h:{int(to.timestamp())}" in sent
    [reminder] = [
        c.args
        for c in bot.fake.posts(CHANNEL)
        if (c.args.get("metadata") or {})
        .get("event_payload", {})
        .get("key", "")
        .startswith(f"session:{session.id}:reminder-1h")
    ]
    assert {"Ask to move", "Ask to cancel"} <= set(buttons(reminder))


def test_a_move_to_a_time_now_busy_asks_the_vendor_contact_to_move_anyway(
    bot: RunningBot,
) -> None:
    started(bot)
    first, wanted = next_free(bot, 2)
    session = book(bot, first)
    view = open_form(bot, "ask_move_session", session.id)
    assert submit(bot, "ask_move_modal", view, move_values("other", wanted)) is None
    [dm] = bot.fake.wait_for_posts(DM)
    move = buttons(dm.args)["Move to time 1"]["value"]
    # STAFF books another session over the wanted time meanwhile.
    assert "Booked" in text_of(bot.command(f"training {typed(wanted)} 30m anyway"))
    bot.fake.reset()

    click(bot, "confirm_session_ask", move, "staff", channel=DM)
    [prompt] = bot.fake.wait_for_responses("confirm_session_ask-staff", 1)
    assert "that time is busy" in text_of(prompt.body)
    anyway = buttons(prompt.body)["Move anyway"]
    with Session(bot.engine) as db:
        assert db.get(OnboardingSession, session.id).starts_at == first  # type: ignore[union-attr]

    click(bot, "confirm_session_ask_clash", anyway["value"], "staff", channel=DM)
    [done] = bot.fake.wait_for_responses("confirm_session_ask_clash-staff", 1)
    assert "session #1 moved" in text_of(done.body)
    with Session(bot.engine) as db:
        assert db.get(OnboardingSession, session.id).starts_at == wanted  # type: ignore[union-attr]


def ask_late_cancel(bot: RunningBot) -> tuple[OnboardingSession, dict[str, dict]]:
    """Anna asks to cancel a session that begins in 5 hours; the vendor contact's DM buttons."""
    started(bot)
    soon = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=5)
    session = book(bot, soon)
    with Session(bot.engine) as db:
        spent = db.exec(select(Contract)).one().minutes_spent
    assert spent == 60

    view = open_form(bot, "ask_cancel_session", session.id)
    assert view["callback_id"] == "ask_cancel_modal"
    assert submit(bot, "ask_cancel_modal", view, cancel_values("Our CTO is ill & away")) is None
    [dm] = bot.fake.wait_for_posts(DM)
    said = text_of(dm.args)
    assert "asks to cancel session #1" in said
    assert "Asked less than 24 hours before the session: a late cancel." in said
    assert "Decide whether its 60 minutes count as used." in said
    assert "Our CTO is ill &amp; away" in said
    choices = buttons(dm.args)
    assert set(choices) == {"Cancel, time counts as used", "Cancel, give the time back", "Decline"}
    [note] = bot.fake.wait_for_posts(CHANNEL)
    assert "asked to cancel session #1" in text_of(note.args)
    bot.fake.reset()
    return session, choices


def test_a_late_cancel_is_flagged_and_staff_may_give_the_time_back(bot: RunningBot) -> None:
    _session, choices = ask_late_cancel(bot)
    cancel = choices["Cancel, give the time back"]
    click(bot, "confirm_session_ask", cancel["value"], "staff", channel=DM)
    [done] = bot.fake.wait_for_responses("confirm_session_ask-staff", 1)
    assert "session #1 cancelled" in text_of(done.body)
    assert the_session(bot).state == "cancelled"
    with Session(bot.engine) as db:
        assert db.exec(select(Contract)).one().minutes_spent == 0
    [post] = bot.fake.wait_for_posts(CHANNEL)
    assert "cancel" in text_of(post.args).lower()
    assert "count as used" not in text_of(post.args)


def test_a_late_cancel_staff_count_as_used_stays_spent_and_the_channel_is_told_why(
    bot: RunningBot,
) -> None:
    _session, choices = ask_late_cancel(bot)
    click(
        bot,
        "confirm_session_ask",
        choices["Cancel, time counts as used"]["value"],
        "staff",
        channel=DM,
    )
    [done] = bot.fake.wait_for_responses("confirm_session_ask-staff", 1)
    assert "session #1 cancelled; its time counts as used" in text_of(done.body)
    assert the_session(bot).state == "late_cancelled"
    with Session(bot.engine) as db:
        assert db.exec(select(Contract)).one().minutes_spent == 60
    [post] = bot.fake.wait_for_posts(CHANNEL)
    said = text_of(post.args)
    assert "Cancelled" in said
    assert "cancelled at short notice, so its 60 minutes count as used" in said
    # The invite is withdrawn as for any cancel.
    invite = bot.fake.wait_for(lambda: bot.fake.uploaded_files(), message="the invite")[-1]
    assert b"METHOD:CANCEL" in invite["content"]

    # Staff see it counted: in the list, and in what is used.
    listed = text_of(bot.command("list"))
    assert "cancelled late, time counted" in listed
    usage = text_of(bot.command("usage"))
    assert "60 of 120" in usage or "60/120" in usage, usage
    # The history says what happened, in words.
    history = text_of(bot.command("history"))
    assert "asked to cancel session #1" in history
    assert "confirmed the request to cancel session #1" in history
    assert "cancelled session #1 (a late cancel, its 60 included min counted as used)" in history
    assert "`" not in history.split("\n", 1)[1]  # no action shown as its stored code
    # Cancelling it again changes nothing.
    again = text_of(bot.command("cancel #1"))
    assert "Nothing was changed" in again
    assert the_session(bot).state == "late_cancelled"


def test_a_cancel_asked_in_good_time_cannot_be_counted_as_used(bot: RunningBot) -> None:
    started(bot)
    session = book(bot, next_free(bot, 1)[0] + timedelta(days=3))
    view = open_form(bot, "ask_cancel_session", session.id)
    assert submit(bot, "ask_cancel_modal", view, cancel_values(None)) is None
    [dm] = bot.fake.wait_for_posts(DM)
    assert set(buttons(dm.args)) == {"Cancel the session", "Decline"}
    bot.fake.reset()
    # A forged "counts as used" value for a cancel asked in good time.
    click(bot, "confirm_session_ask", f"{requests(bot)[0].id}:u", "staff", channel=DM)
    [refused] = bot.fake.wait_for_responses("confirm_session_ask-staff", 1)
    assert "asked in good time, so its time can't count as used" in text_of(refused.body)
    assert the_session(bot).state == "booked"
    assert requests(bot)[0].state == "open"


def test_a_move_past_the_window_is_billable_only_once_the_vendor_contact_says_so(
    bot: RunningBot,
) -> None:
    fake = bot.fake
    shared_world(bot, (date.today() - timedelta(days=80)).isoformat())
    # Acme on Launch Kit instead: its included minutes are for the first 90 days only.
    bot.command("contract fix package launch-kit")
    fake.reset()
    session = book(bot, next_free(bot, 1)[0])
    # The vendor contact's first free hour ten days after the window's end.
    [after_window] = (
        AvailabilityService(bot.booking)
        .free_slots(STAFF, "Europe/Helsinki", datetime.now(UTC) + timedelta(days=20), 60, 1)
        .starts
    )
    view = open_form(bot, "ask_move_session", session.id)
    assert submit(bot, "ask_move_modal", view, move_values("other", after_window)) is None
    [dm] = fake.wait_for_posts(DM)
    fake.reset()

    click(
        bot, "confirm_session_ask", buttons(dm.args)["Move to time 1"]["value"], "staff", channel=DM
    )
    [prompt] = fake.wait_for_responses("confirm_session_ask-staff", 1)
    assert "Move the session below if the extra time is billed" in text_of(prompt.body)
    assert the_session(bot).starts_at == session.starts_at
    assert requests(bot)[0].state == "open"

    billable = buttons(prompt.body)["Move as billable"]
    click(bot, "confirm_session_ask_billable", billable["value"], "staff", channel=DM)
    [done] = fake.wait_for_responses("confirm_session_ask_billable-staff", 1)
    assert "session #1 moved" in text_of(done.body), text_of(done.body)
    moved = the_session(bot)
    assert (moved.starts_at, moved.billable_minutes) == (after_window, 60)
    assert requests(bot)[0].state == "confirmed"


def test_a_cancel_asked_in_good_time_is_not_flagged_and_a_finnish_channel_reads_finnish(
    bot: RunningBot,
) -> None:
    started(bot)
    session = book(bot, next_free(bot, 1)[0] + timedelta(days=3))
    bot.command("language fi")
    bot.fake.reset()
    view = open_form(bot, "ask_cancel_session", session.id)
    assert submit(bot, "ask_cancel_modal", view, cancel_values(None)) is None
    [dm] = bot.fake.wait_for_posts(DM)
    assert "late cancel" not in text_of(dm.args)
    assert "asks to cancel session #1" in text_of(dm.args)  # STAFF reads English
    [note] = bot.fake.wait_for_posts(CHANNEL)
    assert "pyysi perumaan tapaamisen #1" in text_of(note.args)


def test_a_declined_request_leaves_the_session_and_tells_the_channel(bot: RunningBot) -> None:
    started(bot)
    first, wanted = next_free(bot, 2)
    session = book(bot, first)
    view = open_form(bot, "ask_move_session", session.id)
    assert submit(bot, "ask_move_modal", view, move_values("other", wanted)) is None
    [dm] = bot.fake.wait_for_posts(DM)
    decline = buttons(dm.args)["Decline"]
    bot.fake.reset()

    # A new session's buttons do not answer it: nothing is booked, nothing declined.
    click(bot, "confirm_request", f"{requests(bot)[0].id}:0", "staff", channel=DM)
    [refused] = bot.fake.wait_for_responses("confirm_request-staff", 1)
    assert "There is no session request" in text_of(refused.body)
    click(bot, "decline_request", str(requests(bot)[0].id), "staff", channel=DM)
    bot.fake.wait_for_responses("decline_request-staff", 1)
    with Session(bot.engine) as db:
        assert len(db.exec(select(OnboardingSession)).all()) == 1
    assert requests(bot)[0].state == "open"

    # The customer cannot answer their own request.
    click(bot, "decline_session_ask", decline["value"], "buyer", channel=DM)
    bot.fake.wait_for_responses("decline_session_ask-buyer", 1)
    assert requests(bot)[0].state == "open"

    click(bot, "decline_session_ask", decline["value"], "staff", channel=DM)
    [done] = bot.fake.wait_for_responses("decline_session_ask-staff", 1)
    assert "declined; session #1 stays as it was" in text_of(done.body)
    [post] = bot.fake.wait_for_posts(CHANNEL)
    assert "can't move session #1 as asked" in text_of(post.args)
    assert the_session(bot).starts_at == first
    assert requests(bot)[0].state == "declined"


def test_only_upcoming_sessions_of_this_channel_can_be_asked_about(bot: RunningBot) -> None:
    started(bot)
    session = book(bot, next_free(bot, 1)[0])
    assert "Cancelled" in text_of(bot.command("cancel 1")) or the_session(bot).state == "cancelled"
    bot.fake.reset()
    click(bot, "ask_cancel_session", str(session.id), "buyer")
    [told] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert "no longer coming up" in told.args["text"]
    assert bot.fake.calls_to("views.open") == []
    # Another customer's people get nothing.
    bot.fake.reset()
    click(bot, "ask_move_session", str(session.id), "other-customer")
    bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert bot.fake.calls_to("views.open") == []


def test_racing_asks_about_one_session_leave_exactly_one_open(booking: BookingService) -> None:
    """Eight customers ask at once: one request stands, the others are told it is asked
    already (on PostgreSQL the reads race; the partial unique index settles it)."""
    setup = Actor(user_id="U_SETUP", team_id=VENDOR_TEAM)
    account, _ = booking.link(setup, CHANNEL, "premium", date.today(), "Acme Oy")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    session = booking.book(setup, CHANNEL, SessionType.KICKOFF, starts, 60, False).session
    asks = SessionAsks(RequestService(booking), late_cancel_hours=24)
    gate = threading.Barrier(8)

    def ask(i: int) -> str:
        gate.wait()
        actor = Actor(user_id=f"U_C{i}", team_id="T_ACME")
        kind = RequestKind.CANCEL if i % 2 else RequestKind.MOVE
        times = [] if i % 2 else [starts + timedelta(days=1)]
        try:
            asks.ask(actor, account.id or 0, session.id or 0, kind, times, "")
        except RuleViolation as refused:
            return str(refused)
        return "asked"

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(8)))
    assert answers.count("asked") == 1, answers
    assert all("already asked" in a for a in answers if a != "asked")
    with Session(booking.engine) as db:
        asked = db.exec(select(SessionRequest).where(SessionRequest.kind != "new")).all()
    assert [r.state for r in asked] == ["open"]


def test_unlog_gives_a_counted_late_cancels_time_back(bot: RunningBot) -> None:
    _session, choices = ask_late_cancel(bot)
    counted = choices["Cancel, time counts as used"]["value"]
    click(bot, "confirm_session_ask", counted, "staff", channel=DM)
    bot.fake.wait_for_responses("confirm_session_ask-staff", 1)
    bot.fake.wait_for_posts(CHANNEL)
    bot.fake.reset()

    said = text_of(bot.command("unlog #1"))
    assert "stays cancelled and its time was given back" in said
    assert the_session(bot).state == "cancelled"
    with Session(bot.engine) as db:
        assert db.exec(select(Contract)).one().minutes_spent == 0
    assert "is not logged" in text_of(bot.command("unlog #1"))
