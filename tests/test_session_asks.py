"""A customer asks to move or cancel a booked session (issue 17), over signed HTTP requests
built from payloads Slack published, with the fake Slack Web API behind the app; SQLite and
PostgreSQL.

Acme's vendor contact is STAFF (Helsinki); Anna is Acme's buyer, on Acme's Grid organization.
"""

from __future__ import annotations

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


def test_a_late_cancel_is_flagged_and_confirming_gives_the_time_back(bot: RunningBot) -> None:
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
    assert "Our CTO is ill &amp; away" in said
    cancel = buttons(dm.args)["Cancel the session"]
    [note] = bot.fake.wait_for_posts(CHANNEL)
    assert "asked to cancel session #1" in text_of(note.args)

    bot.fake.reset()
    click(bot, "confirm_session_ask", cancel["value"], "staff", channel=DM)
    [done] = bot.fake.wait_for_responses("confirm_session_ask-staff", 1)
    assert "session #1 cancelled" in text_of(done.body)
    assert the_session(bot).state == "cancelled"
    with Session(bot.engine) as db:
        assert db.exec(select(Contract)).one().minutes_spent == 0
    [post] = bot.fake.wait_for_posts(CHANNEL)
    assert "cancel" in text_of(post.args).lower()


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
