"""`/oura-book` with no text opens the booking modal; submitting it books through the same rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import CHANNEL, SIGNING_SECRET, STAFF, STAFF_NY, RunningBot, text_of
from slackreq import view_submission
from sqlmodel import Session, select

from bot.domain.timeutil import suggested_start
from bot.services.signer import MetadataSigner
from storage.models import Contract, OnboardingSession

SIGNER = MetadataSigner(SIGNING_SECRET)


def form(
    session_type: str = "kickoff",
    starts_at: datetime | None = datetime(2027, 1, 12, 12, 0, tzinfo=UTC),
    minutes: str = "45",
    billable: bool = False,
) -> dict[str, Any]:
    return {
        "type": {"value": {"type": "static_select", "selected_option": {"value": session_type}}},
        "starts_at": {
            "value": {
                "type": "datetimepicker",
                "selected_date_time": int(starts_at.timestamp()) if starts_at else None,
            }
        },
        "minutes": {"value": {"type": "number_input", "value": minutes}},
        "billable": {
            "value": {
                "type": "checkboxes",
                "selected_options": [{"value": "billable"}] if billable else [],
            }
        },
    }


def submit(bot: RunningBot, values: dict[str, Any], user_id: str = STAFF, team: str = "T_VENDOR"):
    payload = view_submission(
        "book_session",
        values,
        user_id=user_id,
        team_id=team,
        private_metadata=SIGNER.dumps({"channel_id": CHANNEL, "account_id": 1}),
    )
    return bot.sender.interaction(payload)


def booked(bot: RunningBot) -> list[OnboardingSession]:
    with Session(bot.engine) as db:
        return list(db.exec(select(OnboardingSession)).all())


def test_empty_command_opens_the_modal_with_a_datetimepicker(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    reply = bot.sender.command(
        "",
        user_id=STAFF,
        channel_id=CHANNEL,
        response_url=bot.fake.response_url("modal"),
        trigger_id="trig-1",
    )
    assert reply.status == 200
    [call] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    assert call.args["trigger_id"] == "trig-1"
    view = call.args["view"]
    assert view["callback_id"] == "book_session"
    elements = {b.get("block_id"): b.get("element", {}) for b in view["blocks"]}
    assert elements["starts_at"]["type"] == "datetimepicker"
    assert elements["minutes"]["max_value"] == "60"
    assert SIGNER.loads(view["private_metadata"]) == {
        "channel_id": CHANNEL,
        "account_id": 1,
        "lang": "en",  # the staff member reads English (their Slack locale)
        "vendor_tz": "Europe/Helsinki",  # the vendor contact's: their free slots and clashes
    }


def test_empty_command_in_an_unlinked_channel_explains(bot: RunningBot) -> None:
    reply = bot.command("")
    assert "not linked" in text_of(reply)
    assert bot.fake.calls_to("views.open") == []


def test_modal_submit_books_and_posts(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    reply = submit(bot, form())
    assert reply.status == 200 and reply.json() is None  # closes the modal
    [session] = booked(bot)
    assert session.starts_at == datetime(2027, 1, 12, 12, 0, tzinfo=UTC)
    assert (session.minutes_booked, session.included_minutes) == (45, 45)
    [post] = bot.fake.wait_for_posts(CHANNEL, 1)
    assert str(int(session.starts_at.timestamp())) in text_of(post.args)
    [ephemeral] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert ephemeral.args["user"] == STAFF and "75 of 120" in ephemeral.args["text"]


def test_modal_overage_asks_for_billable_confirmation_on_the_form(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    for hour in (8, 9):  # 10:00 and 11:00 in Helsinki: no clash with 14:00 below
        starts_at = datetime(2027, 1, 12, hour, 0, tzinfo=UTC)
        assert submit(bot, form(minutes="60", starts_at=starts_at)).status == 200
    reply = submit(bot, form(minutes="30"))
    errors = reply.json()
    assert errors["response_action"] == "errors"
    assert "30 billable minutes" in errors["errors"]["billable"]
    # The form has a checkbox for it: it says to tick that, not to add `billable`.
    assert "Tick “Confirm billable extra time”" in errors["errors"]["billable"]
    assert "billable`" not in errors["errors"]["billable"]
    assert len(booked(bot)) == 2
    # Typed, the same refusal still says to add `billable`.
    assert "Add `billable` to confirm" in text_of(bot.command("kickoff 2027-01-13 12:00 30m"))

    assert submit(bot, form(minutes="30", billable=True)).json() is None
    last = booked(bot)[-1]
    assert (last.included_minutes, last.billable_minutes) == (0, 30)


def test_modal_refuses_bad_values_on_the_fields(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    errors = submit(bot, form(minutes="90", starts_at=None)).json()["errors"]
    assert "at most 60 minutes" in errors["minutes"]
    assert "Choose the date and time" in errors["starts_at"]
    errors = submit(bot, form(session_type="party", minutes="abc")).json()["errors"]
    assert "Choose a session type" in errors["type"]
    assert "whole minutes" in errors["minutes"]
    assert booked(bot) == []
    with Session(bot.engine) as db:
        assert db.exec(select(Contract)).one().minutes_spent == 0


def test_modal_submit_by_a_non_staff_user_changes_nothing(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    reply = submit(bot, form(), user_id="U_BUYER", team="T_CUSTOMER")
    assert reply.json()["response_action"] == "errors"
    assert booked(bot) == []
    assert bot.fake.posts(CHANNEL) == []


def test_modal_metadata_that_was_tampered_with_is_refused(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    forged = SIGNER.dumps({"channel_id": CHANNEL, "account_id": 1}).replace("C_ACME", "C_BETA")
    payload = view_submission(
        "book_session", form(), user_id=STAFF, team_id="T_VENDOR", private_metadata=forged
    )
    reply = bot.sender.interaction(payload)
    assert reply.json()["response_action"] == "errors"
    assert booked(bot) == []


# -- the form's first suggestion: the next working hour in the user's zone --------------------


@pytest.mark.parametrize(
    ("now", "suggested"),
    [
        # A Tuesday night in Helsinki: that morning at 09:00, not "tomorrow at 03:00".
        (datetime(2027, 1, 12, 1, 0, tzinfo=UTC), datetime(2027, 1, 12, 9, 0)),
        # During the day: the next full hour.
        (datetime(2027, 1, 12, 8, 15, tzinfo=UTC), datetime(2027, 1, 12, 11, 0)),
        (datetime(2027, 1, 12, 8, 0, tzinfo=UTC), datetime(2027, 1, 12, 11, 0)),  # 10:00 is now
        # Friday after 16:00 and the weekend: Monday 09:00.
        (datetime(2027, 1, 15, 14, 30, tzinfo=UTC), datetime(2027, 1, 18, 9, 0)),
        (datetime(2027, 1, 16, 12, 0, tzinfo=UTC), datetime(2027, 1, 18, 9, 0)),
        # 16:00 still starts a session that ends by 17:00.
        (datetime(2027, 1, 12, 13, 59, tzinfo=UTC), datetime(2027, 1, 12, 16, 0)),
    ],
)
def test_the_suggestion_is_the_next_working_hour(now: datetime, suggested: datetime) -> None:
    helsinki = ZoneInfo("Europe/Helsinki")
    assert suggested_start(now, "Europe/Helsinki") == suggested.replace(tzinfo=helsinki)


def test_the_form_suggests_the_next_working_hour_in_the_typists_own_zone(
    bot: RunningBot,
) -> None:
    bot.link("premium", "2027-01-04")  # the account is in Helsinki; STAFF_NY in New York
    before = datetime.now(UTC)
    reply = bot.sender.command(
        "", user_id=STAFF_NY, channel_id=CHANNEL, response_url=bot.fake.response_url("m")
    )
    assert reply.status == 200
    [call] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    [starts] = [b for b in call.args["view"]["blocks"] if b.get("block_id") == "starts_at"]
    suggested = datetime.fromtimestamp(starts["element"]["initial_date_time"], UTC)
    new_york = ZoneInfo("America/New_York")
    local = suggested.astimezone(new_york)
    assert suggested > before and (local.minute, local.second) == (0, 0)
    assert local.weekday() < 5 and 9 <= local.hour <= 16
    # No working hour in New York comes between now and the suggestion.
    hour = before.astimezone(new_york).replace(minute=0, second=0, microsecond=0)
    while (hour := hour + timedelta(hours=1)) < local:
        assert hour.weekday() >= 5 or not 9 <= hour.hour <= 16, hour
