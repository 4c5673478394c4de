"""Join links, the agenda and the calendar buttons (issue 15): `/oura-book meeting-link`, a
booking's own `link` and `agenda`, and what the channel post and the reminders show of them,
over signed HTTP (and the clock) with the fake Slack behind."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import CHANNEL, SIGNING_SECRET, STAFF, STAFF_NY, RunningBot, text_of
from slack_sdk import WebClient
from slackfixtures import Person
from slackfixtures import block_action as fixture_click
from slackreq import view_submission
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.blocks.meetings import calendar_event, meeting_actions
from bot.calendar.links import URL_LIMIT, CalendarEvent, google_url, outlook_url
from bot.clock import Sweeper, clock_web_client
from bot.domain import commands
from bot.domain.errors import InvalidCommand
from bot.domain.packages import SessionType
from bot.i18n import speaking
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import Actor, BookingService
from bot.services.meetings import MeetingLinks
from bot.services.signer import MetadataSigner
from storage.models import AuditEvent, OnboardingSession, StaffMember

MEET = "https://meet.google.com/abc-defg-hij"
ZOOM = "https://zoom.us/j/123?pwd=a&b=c"  # an `&`, which Slack sends as `&amp;`
KICKOFF_TOPICS = "The purchased products and services; Ring fitting and ordering"


def slack_link(url: str) -> str:
    """A typed address as a slash command's text carries it (`should_escape`)."""
    return "<" + url.replace("&", "&amp;") + ">"


def staff_link(bot: RunningBot, user_id: str = STAFF) -> str | None:
    with Session(bot.engine) as db:
        row = db.get(StaffMember, user_id)
        return row.meeting_url if row else None


def sessions(bot: RunningBot) -> list[OnboardingSession]:
    with Session(bot.engine) as db:
        return list(db.exec(select(OnboardingSession).order_by(col(OnboardingSession.id))).all())


def actions_of(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every button of a posted message, by action_id."""
    return {
        element["action_id"]: element
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    }


def query(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    return {key: values[0] for key, values in parse_qs(parts.query).items()} | {
        "_base": f"{parts.scheme}://{parts.netloc}{parts.path}"
    }


# -- /oura-book meeting-link ------------------------------------------------------------------


def test_meeting_link_is_set_shown_and_removed(bot: RunningBot) -> None:
    assert "You have no meeting link" in text_of(bot.command("meeting-link"))

    reply = text_of(bot.command(f"meeting-link {slack_link(ZOOM)}"))
    assert "Your meeting link is now <https://zoom.us/j/123?pwd=a&amp;b=c>" in reply
    assert staff_link(bot) == ZOOM  # stored as typed: Slack's escaping undone once

    assert "Your meeting link is <https://zoom.us/j/123?pwd=a&amp;b=c>" in text_of(
        bot.command("meeting-link")
    )
    assert staff_link(bot, STAFF_NY) is None  # it is the typist's own

    assert "removed" in text_of(bot.command("meeting-link OFF"))
    assert staff_link(bot) is None
    with Session(bot.engine) as db:
        audits = db.exec(select(AuditEvent).where(AuditEvent.action == "meeting_link")).all()
    assert [(a.actor_user_id, a.details) for a in audits] == [
        (STAFF, f'{{"from": null, "to": "{ZOOM}"}}'),
        (STAFF, f'{{"from": "{ZOOM}", "to": null}}'),
    ]


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (slack_link("http://zoom.us/j/1"), "http://zoom.us/j/1 is not a meeting link"),
        ("<http://zoom.us/j/1|zoom.us/j/1>", "http://zoom.us/j/1 is not a meeting link"),
        ("meet.google.com/abc", "meet.google.com/abc is not a meeting link"),
        ("https://x.io/&lt;!channel&gt;", "https://x.io/&lt;!channel&gt; is not a meeting link"),
        ("https://localhost/room", "is not a meeting link"),
        (f"{slack_link(MEET)} {slack_link(ZOOM)}", "Give one link"),
    ],
    ids=["http", "http-labelled", "no-scheme", "markup", "no-domain", "two-links"],
)
def test_a_bad_meeting_link_is_refused_with_the_form_and_nothing_changes(
    bot: RunningBot, typed: str, said: str
) -> None:
    bot.command(f"meeting-link {slack_link(MEET)}")
    reply = text_of(bot.command(f"meeting-link {typed}"))
    assert said in reply
    assert "Use `/oura-book meeting-link [&lt;https URL&gt;|off]`." in reply
    assert staff_link(bot) == MEET


@pytest.mark.parametrize("action_id", ["calendar_google", "calendar_outlook", "join_meeting"])
def test_a_click_on_a_link_button_is_acked_and_changes_nothing(
    bot: RunningBot, action_id: str
) -> None:
    """Slack opens the address itself and still reports the click: unanswered, Slack would
    show the clicker an error."""
    bot.link("premium", "2027-01-04")
    payload = fixture_click(
        "block_actions.workspace.json",
        action_id,
        "",
        user=Person("U_BUYER", "T_CUSTOMER"),
        channel=CHANNEL,
        response_url=bot.fake.response_url("click"),
    )
    assert bot.sender.interaction(payload).status == 200
    assert bot.fake.calls == [] and bot.fake.responses() == []


# -- a booking's own link and agenda line -----------------------------------------------------


def test_a_typed_booking_with_link_and_agenda_posts_them_with_calendar_links(
    bot: RunningBot,
) -> None:
    bot.link("premium", "2027-01-04")
    bot.command(f"meeting-link {slack_link(ZOOM)}")  # the session's own link wins over this
    # New York, after the US clocks went forward: 14:00 there is 18:00 UTC (after the vendor
    # contact's working hours in Helsinki, hence `anyway`).
    typed = (
        f"kickoff 2027-03-15 14:00 45m anyway link {slack_link(MEET)} agenda Bring the sizing kit "
        "&amp; <@U0BOB|bob>"
    )
    assert "left" in text_of(bot.command(typed, user_id=STAFF_NY))
    [session] = sessions(bot)
    assert (session.join_url, session.agenda_note) == (MEET, "Bring the sizing kit & @bob")

    [post] = bot.fake.wait_for_posts(CHANNEL, 1)
    posted = text_of(post.args)
    assert f"Agenda: {KICKOFF_TOPICS}; Next steps; A proposed schedule; " in posted
    # Typed text is escaped once into mrkdwn: no live mention, `&` shown as typed.
    assert "Bring the sizing kit &amp; @bob" in posted and "<@U0BOB" not in posted
    assert f"Join the meeting: <{MEET}>" in posted
    buttons = actions_of(post.args)
    assert buttons["add_to_calendar"]["value"] == str(session.id)
    assert "url" not in buttons["add_to_calendar"]
    assert "join_meeting" not in buttons  # Join is for the last hour's reminder
    assert {"cancel_session", "log_held"} <= set(buttons)  # the staff buttons stay

    google = query(buttons["calendar_google"]["url"])
    assert google["_base"] == "https://calendar.google.com/calendar/render"
    assert google["action"] == "TEMPLATE"
    assert google["dates"] == "20270315T180000Z/20270315T184500Z"
    assert google["text"] == "Kickoff: Acme Oy and Oura"
    assert google["location"] == MEET
    assert "• The purchased products and services\n" in google["details"]
    assert "• Bring the sizing kit & @bob\n" in google["details"]
    assert google["details"].endswith(f"Join the meeting: {MEET}")

    outlook = query(buttons["calendar_outlook"]["url"])
    assert outlook["_base"] == "https://outlook.office.com/calendar/0/deeplink/compose"
    assert (outlook["path"], outlook["rru"]) == ("/calendar/action/compose", "addevent")
    assert (outlook["startdt"], outlook["enddt"]) == (
        "2027-03-15T18:00:00Z",
        "2027-03-15T18:45:00Z",
    )
    assert outlook["subject"] == "Kickoff: Acme Oy and Oura"
    assert outlook["location"] == MEET
    assert "<br>• Bring the sizing kit &amp; @bob<br>" in outlook["body"]


def test_without_a_link_of_its_own_the_vendor_contacts_is_used_and_without_one_none(
    bot: RunningBot,
) -> None:
    bot.link("premium", "2027-01-04")  # STAFF links it: the vendor contact
    bot.command("training 2027-01-12 10:00 30m")
    [bare] = bot.fake.wait_for_posts(CHANNEL, 1)
    assert "Join the meeting" not in text_of(bot.fake.posts(CHANNEL)[0].args)
    assert query(actions_of(bare.args)["calendar_google"]["url"]).get("location") is None

    # Someone else's personal link is not the vendor contact's.
    bot.command(f"meeting-link {slack_link(MEET)}", user_id=STAFF_NY)
    bot.command("training 2027-01-13 10:00 30m")
    assert "Join the meeting" not in text_of(bot.fake.wait_for_posts(CHANNEL, 2)[1].args)

    bot.command(f"meeting-link {slack_link(ZOOM)}")
    bot.command("training 2027-01-14 10:00 30m anyway", user_id=STAFF_NY)  # 17:00 in Helsinki
    post = bot.fake.wait_for_posts(CHANNEL, 3)[2]
    assert "Join the meeting: <https://zoom.us/j/123?pwd=a&amp;b=c>" in text_of(post.args)
    assert query(actions_of(post.args)["calendar_outlook"]["url"])["location"] == ZOOM
    assert sessions(bot)[2].join_url is None  # resolved when shown, not copied


def test_a_moved_session_keeps_its_link_and_agenda(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command(f"onboarding 2027-01-12 10:00 30m link {slack_link(MEET)} agenda Pilot group")
    [session] = sessions(bot)
    bot.command(f"move {session.id} 2027-01-19 11:00")
    moved = bot.fake.wait_for_posts(CHANNEL, 2)[1]
    posted = text_of(moved.args)
    assert "Moved:" in posted and "; Pilot group" in posted
    assert f"Join the meeting: <{MEET}>" in posted
    google = query(actions_of(moved.args)["calendar_google"]["url"])
    assert google["dates"] == "20270119T090000Z/20270119T093000Z"  # 11:00 in Helsinki
    assert (sessions(bot)[0].join_url, sessions(bot)[0].agenda_note) == (MEET, "Pilot group")


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ("link", "Give the meeting link after `link`."),
        (f"link {slack_link('http://meet.google.com/x')}", "is not a meeting link"),
        ("agenda", "Write the agenda line after `agenda`."),
        ("agenda " + "x" * 301, "The agenda line is longer than 300 characters."),
    ],
    ids=["link-without-url", "link-http", "agenda-empty", "agenda-long"],
)
def test_a_bad_link_or_agenda_is_refused_with_the_form_and_nothing_is_booked(
    bot: RunningBot, options: str, said: str
) -> None:
    bot.link("premium", "2027-01-04")
    reply = text_of(bot.command(f"kickoff 2027-01-12 10:00 30m {options}"))
    assert said in reply
    assert "[link &lt;https URL&gt;] [agenda &lt;text…&gt;]`." in reply
    assert sessions(bot) == []
    assert bot.fake.posts(CHANNEL) == []


def test_agenda_takes_the_rest_of_the_line(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command(f"kickoff 2027-01-12 10:00 agenda Intro   link {slack_link(MEET)} 30m")
    [session] = sessions(bot)
    assert session.agenda_note == f"Intro link {MEET} 30m"
    assert session.join_url is None and session.minutes_booked == 60


# -- the booking form -------------------------------------------------------------------------

SIGNER = MetadataSigner(SIGNING_SECRET)


def booking_form(join_url: str | None, agenda: str | None) -> dict[str, Any]:
    starts_at = int(datetime(2027, 1, 12, 12, 0, tzinfo=UTC).timestamp())
    return {
        "type": {"value": {"type": "static_select", "selected_option": {"value": "training"}}},
        "starts_at": {"value": {"type": "datetimepicker", "selected_date_time": starts_at}},
        "minutes": {"value": {"type": "number_input", "value": "30"}},
        "join_url": {"value": {"type": "url_text_input", "value": join_url}},
        "agenda": {"value": {"type": "plain_text_input", "value": agenda}},
        "billable": {"value": {"type": "checkboxes", "selected_options": []}},
    }


def submit(bot: RunningBot, values: dict[str, Any]) -> Any:
    payload = view_submission(
        "book_session",
        values,
        user_id=STAFF,
        team_id="T_VENDOR",
        private_metadata=SIGNER.dumps({"channel_id": CHANNEL, "account_id": 1}),
    )
    return bot.sender.interaction(payload)


def test_the_booking_form_has_the_link_and_agenda_fields(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.sender.command(
        "", user_id=STAFF, channel_id=CHANNEL, response_url=bot.fake.response_url("m")
    )
    [call] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    blocks = {b.get("block_id"): b for b in call.args["view"]["blocks"]}
    assert blocks["join_url"]["optional"] and blocks["agenda"]["optional"]
    assert blocks["join_url"]["element"]["type"] == "url_text_input"
    assert blocks["agenda"]["element"]["max_length"] == 300


def test_the_booking_form_books_with_its_link_and_agenda(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    # A form's text comes as typed (no Slack escaping): `&` and `<` stay what they are.
    reply = submit(bot, booking_form(f" {ZOOM} ", "Admins <first> & coaches"))
    assert reply.status == 200 and reply.json() is None
    [session] = sessions(bot)
    assert (session.join_url, session.agenda_note) == (ZOOM, "Admins <first> & coaches")
    [post] = bot.fake.wait_for_posts(CHANNEL, 1)
    posted = text_of(post.args)
    assert "; Admins &lt;first&gt; &amp; coaches" in posted
    assert "Join the meeting: <https://zoom.us/j/123?pwd=a&amp;b=c>" in posted


def test_the_booking_form_without_them_books_as_before(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    values = booking_form(None, None)
    del values["join_url"], values["agenda"]  # as a form opened before the fields existed
    assert submit(bot, values).json() is None
    [session] = sessions(bot)
    assert (session.join_url, session.agenda_note) == (None, "")


def test_a_bad_link_in_the_form_is_shown_under_its_field_and_nothing_is_booked(
    bot: RunningBot,
) -> None:
    bot.link("premium", "2027-01-04")
    errors = submit(bot, booking_form("http://zoom.us/j/1", "x" * 301)).json()
    assert errors["response_action"] == "errors"
    assert "is not a meeting link" in errors["errors"]["join_url"]
    assert "longer than 300" in errors["errors"]["agenda"]
    assert sessions(bot) == []


# -- the reminders ----------------------------------------------------------------------------

ACTOR = Actor(user_id=STAFF, team_id="T_VENDOR")
WEDNESDAY = datetime(2027, 3, 3, 8, 0, tzinfo=UTC)


def test_both_reminders_carry_the_link_and_calendar_buttons_and_join_only_in_the_last_hour(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    service = BookingService(engine, "Europe/Helsinki", now=lambda: WEDNESDAY)
    service.link(ACTOR, "C1", "premium", date(2027, 1, 4), "Acme")
    MeetingLinks(engine, lambda: WEDNESDAY).set(ACTOR, ZOOM)
    service.link(ACTOR, "C2", "premium", date(2027, 1, 4), "Beta")
    service.set_contact(ACTOR, "C2", "vendor", STAFF_NY)  # who has no meeting link
    start = WEDNESDAY + timedelta(hours=30)  # Thursday 16:00 in Helsinki
    own = service.book(ACTOR, "C1", SessionType.TRAINING, start, 30, False, join_url=MEET)
    contact = service.book(ACTOR, "C1", SessionType.STATUS_UPDATE, start, 30, False)
    none = service.book(ACTOR, "C2", SessionType.KICKOFF, start, 30, False, agenda_note="Q&A")
    client: WebClient = clock_web_client("xoxb-test", fake_slack.api_url)
    clock = Sweeper(engine, client, worker="clock-1", pace_seconds=0)

    def reminders() -> dict[int, dict[str, Any]]:
        found = {}
        for call in fake_slack.posts():
            key = call.args["metadata"]["event_payload"]["key"]
            if key.startswith("session:"):  # not the status-update nudges
                found[int(key.split(":")[1])] = call.args
        fake_slack.reset()
        return found

    clock.sweep(start - timedelta(hours=24))
    day_before = reminders()
    clock.sweep(start - timedelta(minutes=59))
    last_hour = reminders()
    assert (
        set(day_before) == set(last_hour) == {own.session.id, contact.session.id, none.session.id}
    )

    for posts in (day_before, last_hour):
        assert f"Join the meeting: <{MEET}>" in text_of(posts[own.session.id])
        assert "Join the meeting: <https://zoom.us/j/123?pwd=a&amp;b=c>" in text_of(
            posts[contact.session.id]
        )
        assert "Join the meeting" not in text_of(posts[none.session.id])
        assert "Agenda: " in text_of(posts[none.session.id])
        assert "; Q&amp;A" in text_of(posts[none.session.id])
        for message in posts.values():
            google = query(actions_of(message)["calendar_google"]["url"])
            assert google["dates"] == "20270304T140000Z/20270304T143000Z"
            outlook = query(actions_of(message)["calendar_outlook"]["url"])
            assert (outlook["startdt"], outlook["enddt"]) == (
                "2027-03-04T14:00:00Z",
                "2027-03-04T14:30:00Z",
            )
            assert "add_to_calendar" not in actions_of(message)
    assert query(actions_of(day_before[none.session.id])["calendar_google"]["url"])["text"] == (
        "Kickoff: Beta and Oura"
    )

    assert all("join_meeting" not in actions_of(m) for m in day_before.values())
    assert actions_of(last_hour[own.session.id])["join_meeting"]["url"] == MEET
    assert actions_of(last_hour[contact.session.id])["join_meeting"]["url"] == ZOOM
    assert "join_meeting" not in actions_of(last_hour[none.session.id])


# -- the agenda in both languages -------------------------------------------------------------


def test_the_agenda_line_is_in_the_channels_language(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("training 2027-01-12 10:00 30m agenda Pilottiryhmä")
    bot.command("language fi")
    bot.command("status 2027-01-13 10:00 30m")
    english, finnish = (text_of(p.args) for p in bot.fake.wait_for_posts(CHANNEL, 2))
    assert (
        "Agenda: First admin log-in to Oura Teams and/or Health Risk Management; Adding "
        "coaches and admins, creating groups, inviting members; Navigating and retrieving "
        "data; Pilottiryhmä"
    ) in english
    assert "Asialista: Edistyminen; Avoimet asiat; Seuraavat askeleet" in finnish
    google = query(actions_of(bot.fake.posts(CHANNEL)[1].args)["calendar_google"]["url"])
    assert google["text"].startswith("Tilannekatsaus")
    assert google["details"].startswith("Asialista:\n• Edistyminen\n")


# -- the links themselves ---------------------------------------------------------------------


def test_long_details_are_cut_to_fit_a_buttons_url() -> None:
    start = datetime(2027, 1, 12, 12, 0, tzinfo=UTC)
    details = "\n".join(f"Ääkköset & line {i}" for i in range(400))
    event = CalendarEvent("Kickoff", start, start + timedelta(minutes=60), details, MEET)
    for build in (google_url, outlook_url):
        url = build(event)
        assert URL_LIMIT - 60 < len(url) <= URL_LIMIT
        fields = query(url)
        text = fields.get("details") or fields["body"]
        assert text.endswith("…") and fields["location"] == MEET
    # A whole post's buttons, built and validated by slack_sdk, with the longest allowed note.
    with speaking("fi"):
        event = calendar_event(
            "kickoff", "Ä" * 120, start, 60, "ö&" * 150, "https://x.io/" + "a" * 480
        )
        meeting_actions(1, event, join_url=event.location).validate_json()


def test_the_parser_reads_link_and_agenda_in_any_order_before_agenda() -> None:
    book = commands.parse(f"kickoff 2027-01-12 10:00 link {slack_link(MEET)} billable 45m")
    assert book == commands.Book(
        SessionType.KICKOFF,
        date(2027, 1, 12),
        datetime(2027, 1, 12, 10, 0).time(),
        45,
        True,
        MEET,
        "",
    )
    with pytest.raises(InvalidCommand):
        commands.parse(f"kickoff 2027-01-12 10:00 link {slack_link(MEET)} link {slack_link(MEET)}")
