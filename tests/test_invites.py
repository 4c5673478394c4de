"""Calendar invites over signed HTTP requests, the fake Slack behind the served app: a booked,
moved and cancelled session reaches the staff it concerns as an `.ics` file in a DM (one event,
one UID, SEQUENCE raised by each move), in each reader's language; "Add to my calendar" sends
anyone in the channel the session's current invite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from conftest import CHANNEL, STAFF, STAFF_NY, VENDOR_TEAM, RunningBot, text_of
from icalendar import Calendar, Event
from slackfixtures import Person, block_action
from sqlmodel import Session, select
from test_booking_modal import form, submit

from storage.models import Account, OnboardingSession, StaffMember

JOIN = "https://meet.example.com/acme-kickoff"
STAFF_EMAIL = "sam.staff@vendor.example"
BUYER, BUYER_TEAM = "U_ANNA", "T_ACME"


def invites(bot: RunningBot, n: int) -> list[dict[str, Any]]:
    """The first `n` .ics files uploaded (waiting for them: they follow the reply)."""

    def enough() -> list[dict[str, Any]] | None:
        found = [f for f in bot.fake.uploaded_files() if f["filename"].endswith(".ics")]
        return found if len(found) >= n else None

    return bot.fake.wait_for(enough, message=f"{n} invites")


def parsed(upload: dict[str, Any]) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(upload["content"])
    [event] = calendar.walk("VEVENT")
    return calendar, event


def set_meeting_url(bot: RunningBot, user_id: str, url: str) -> None:
    with Session(bot.engine) as db:
        db.add(StaffMember(user_id=user_id, meeting_url=url))
        db.commit()


def only_session(bot: RunningBot) -> OnboardingSession:
    with Session(bot.engine) as db:
        return db.exec(select(OnboardingSession)).one()


def given_email(bot: RunningBot, user_id: str, email: str, name: str) -> None:
    """What users.info says with the `users:read.email` scope."""
    bot.fake.users[user_id]["profile"] = {"email": email, "real_name": name}


def test_book_move_cancel_each_dm_the_vendor_contact_the_invite(bot: RunningBot) -> None:
    given_email(bot, STAFF, STAFF_EMAIL, "Sam Staff")
    bot.link("launch-kit", "2027-01-04")
    set_meeting_url(bot, STAFF, JOIN)

    reply = bot.command("kickoff 2027-01-12 14:00 45m")
    assert "195 of 240 included minutes left" in text_of(reply)
    [booked] = invites(bot, 1)
    assert booked["channel_id"] == f"D_{STAFF}"
    assert booked["filename"] == "kickoff-2027-01-12.ics"
    assert "open this invite to add it to your calendar" in booked["initial_comment"]
    calendar, event = parsed(booked)
    session = only_session(bot)
    uid = f"session-{session.id}@oura-onboarding-bot"
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == uid
    # 14:00 typed in Helsinki (UTC+2 in January) is 12:00 UTC.
    assert event.decoded("DTSTART") == datetime(2027, 1, 12, 12, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2027, 1, 12, 12, 45, tzinfo=UTC)
    assert "DTSTAMP" in event
    assert str(event["SUMMARY"]) == "Kickoff · Acme Oy"
    description = str(event["DESCRIPTION"])
    assert "- Ring fitting and ordering" in description
    assert "- A proposed schedule" in description
    assert JOIN in description
    assert str(event["LOCATION"]) == JOIN and str(event["URL"]) == JOIN
    assert str(event["ORGANIZER"]) == f"mailto:{STAFF_EMAIL}"
    assert event["ORGANIZER"].params["CN"] == "Sam Staff"
    assert event.decoded("SEQUENCE") == 0
    assert str(event["STATUS"]) == "CONFIRMED"

    bot.command(f"move {session.id} 2027-01-13 10:00")
    _, moved = invites(bot, 2)
    assert moved["filename"] == "kickoff-2027-01-13.ics"
    assert "moved" in moved["initial_comment"]
    calendar, event = parsed(moved)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == uid
    assert event.decoded("SEQUENCE") == 1
    assert event.decoded("DTSTART") == datetime(2027, 1, 13, 8, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2027, 1, 13, 8, 45, tzinfo=UTC)
    assert only_session(bot).sequence == 1

    bot.command(f"cancel {session.id}")
    cancelled = invites(bot, 3)[2]
    assert "cancelled" in cancelled["initial_comment"]
    calendar, event = parsed(cancelled)
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == uid
    assert event.decoded("SEQUENCE") == 1
    # Three changes, three invites, all to the vendor contact alone.
    assert {f["channel_id"] for f in bot.fake.uploaded_files()} == {f"D_{STAFF}"}


def test_a_colleague_who_books_gets_the_invite_too_and_people_without_email(
    bot: RunningBot,
) -> None:
    bot.link("launch-kit", "2027-01-04")
    bot.fake.add_user(BUYER, team_id=BUYER_TEAM, name="anna.buyer")
    with Session(bot.engine) as db:
        account = db.exec(select(Account)).one()
        account.buyer_contact_id = BUYER
        db.add(account)
        db.commit()

    # 14:00 in New York is after the vendor contact's working hours in Helsinki.
    bot.command("training 2027-01-12 14:00 30m anyway", user_id=STAFF_NY)
    uploads = invites(bot, 2)
    assert sorted(f["channel_id"] for f in uploads) == [f"D_{STAFF_NY}", f"D_{STAFF}"]
    _, event = parsed(uploads[0])
    # Typed at 14:00 in New York (UTC-5).
    assert event.decoded("DTSTART") == datetime(2027, 1, 12, 19, 0, tzinfo=UTC)
    # No join link anywhere: none in the invite.
    assert "LOCATION" not in event and "URL" not in event
    assert "Join" not in str(event["DESCRIPTION"])
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == [
        f"mailto:{STAFF}@slack.invalid",
        f"mailto:{STAFF_NY}@slack.invalid",
        f"mailto:{BUYER}@slack.invalid",
    ]
    assert [a.params["CN"] for a in attendees] == ["U_Staff", "U_Ny", "Anna Buyer"]
    assert str(event["ORGANIZER"]) == f"mailto:{STAFF}@slack.invalid"


def test_the_invite_is_written_in_the_readers_language(bot: RunningBot) -> None:
    bot.fake.users[STAFF]["locale"] = "fi-FI"
    bot.link("launch-kit", "2027-01-04")
    bot.command("kickoff 2027-01-12 14:00 45m")
    [booked] = invites(bot, 1)
    _, event = parsed(booked)
    assert str(event["SUMMARY"]) == "Aloituspalaveri · Acme Oy"
    assert "- Sormusten sovitus ja tilaaminen" in str(event["DESCRIPTION"])


def test_a_failed_upload_is_logged_and_the_booking_stands(bot: RunningBot) -> None:
    bot.link("launch-kit", "2027-01-04")
    bot.fake.fail("files.getUploadURLExternal", 200, error="not_allowed_token_type")
    reply = bot.command("kickoff 2027-01-12 14:00 45m")
    assert "195 of 240 included minutes left" in text_of(reply)
    bot.fake.wait_for_posts(CHANNEL, 1)
    assert only_session(bot).state == "booked"
    assert not bot.fake.uploaded_files()


def click_add(bot: RunningBot, value: str, user: str, team: str, key: str = "add") -> None:
    payload = block_action(
        "block_actions.workspace.json",
        "add_to_calendar",
        value,
        user=Person(user, team),
        channel=CHANNEL,
        response_url=bot.fake.response_url(key),
        message_ts="1700000000.000100",
    )
    assert bot.sender.interaction(payload).status == 200


def test_add_to_my_calendar_sends_a_customer_the_current_invite(bot: RunningBot) -> None:
    bot.fake.add_user(BUYER, team_id=BUYER_TEAM, name="anna.buyer")
    bot.fake.channels[CHANNEL] = {"shared_team_ids": [VENDOR_TEAM, BUYER_TEAM]}
    bot.link("launch-kit", "2027-01-04")
    set_meeting_url(bot, STAFF, JOIN)
    bot.command("kickoff 2027-01-12 14:00 45m")
    session = only_session(bot)
    bot.command(f"move {session.id} 2027-01-13 10:00")
    invites(bot, 2)
    bot.fake.reset()

    click_add(bot, str(session.id), BUYER, BUYER_TEAM)
    [sent] = invites(bot, 1)
    assert sent["channel_id"] == f"D_{BUYER}"
    calendar, event = parsed(sent)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"session-{session.id}@oura-onboarding-bot"
    assert event.decoded("SEQUENCE") == 1
    assert event.decoded("DTSTART") == datetime(2027, 1, 13, 8, 0, tzinfo=UTC)
    assert JOIN in str(event["DESCRIPTION"])

    bot.command(f"cancel {session.id}")
    invites(bot, 2)
    click_add(bot, str(session.id), BUYER, BUYER_TEAM, key="again")
    notes = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral")[1:])
    first = bot.fake.calls_to("chat.postEphemeral")[0]
    assert "I sent you the invite in a DM" in first.args["text"]
    assert [note.args["text"] for note in notes] == [
        "Session #1 was cancelled, so there is nothing to add."
    ]
    assert len(invites(bot, 2)) == 2  # nothing more was sent


def test_add_to_my_calendar_names_only_this_channels_sessions(bot: RunningBot) -> None:
    bot.link("launch-kit", "2027-01-04")
    bot.link("launch-kit", "2027-01-04", channel_id="C_OTHER", company="Other Oy")
    bot.command("kickoff 2027-01-12 14:00 45m", channel_id="C_OTHER")
    invites(bot, 1)
    bot.fake.reset()
    session = only_session(bot)
    click_add(bot, str(session.id), STAFF, VENDOR_TEAM)
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert f"no session #{session.id}" in note.args["text"]
    assert not bot.fake.uploaded_files()


def test_the_booking_form_and_the_cancel_button_send_invites_too(bot: RunningBot) -> None:
    """Every path reaches the one announcement point: here the form (after its ack) and a
    staff member's click on Cancel under the channel post."""
    bot.link("premium", "2027-01-04")
    assert submit(bot, form(), user_id=STAFF_NY).status == 200
    uploads = invites(bot, 2)
    assert sorted(f["channel_id"] for f in uploads) == [f"D_{STAFF_NY}", f"D_{STAFF}"]
    session = only_session(bot)
    _, event = parsed(uploads[0])
    assert event.decoded("DTSTART") == session.starts_at

    bot.fake.reset()
    payload = block_action(
        "block_actions.workspace.json",
        "cancel_session",
        str(session.id),
        user=Person(STAFF, VENDOR_TEAM),
        channel=CHANNEL,
        response_url=bot.fake.response_url("cancel"),
        message_ts="1700000000.000100",
    )
    assert bot.sender.interaction(payload).status == 200
    # The vendor contact cancelled: they get the cancellation, and so does the colleague who
    # booked it.
    uploads = invites(bot, 2)
    assert sorted(f["channel_id"] for f in uploads) == [f"D_{STAFF_NY}", f"D_{STAFF}"]
    calendar, event = parsed(uploads[0])
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["UID"]) == f"session-{session.id}@oura-onboarding-bot"


def test_someone_of_another_team_cannot_get_the_invite(bot: RunningBot) -> None:
    bot.fake.channels[CHANNEL] = {"shared_team_ids": [VENDOR_TEAM, BUYER_TEAM]}
    bot.link("launch-kit", "2027-01-04")
    bot.command("kickoff 2027-01-12 14:00 45m")
    invites(bot, 1)
    bot.fake.reset()
    click_add(bot, str(only_session(bot).id), "U_TOM", "T_THIRD")
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert note.args["text"] == "That isn't available to you in this channel."
    assert not bot.fake.uploaded_files()


def test_a_quick_delete_takes_the_session_off_the_vendor_contacts_calendar(
    bot: RunningBot,
) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("kickoff 2027-01-12 14:00 45m")
    [booked] = invites(bot, 1)
    bot.command("delete 1")  # within 15 minutes of booking: no cancellation post
    _booked, cancelled = invites(bot, 2)
    calendar, event = parsed(cancelled)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(parsed(booked)[1]["UID"])
    assert "was cancelled" in cancelled["initial_comment"]
