"""Working hours, free slots and no clashes (issue 15), over signed HTTP requests built from
payloads Slack published, with the fake Slack Web API behind the app; SQLite and PostgreSQL.

The vendor contact of Acme (and of Beta) is STAFF, who works in Helsinki; Acme's buyer Anna
reads her times in New York.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import CHANNEL, STAFF, STAFF_NY, RunningBot, text_of
from slackfixtures import conversation, slack_user
from slackfixtures import view_submission as fixture_submission
from sqlmodel import Session, col, select
from test_slack_connect import (
    ACME_ORG,
    ACME_TEAM,
    BETA_CHANNEL,
    PERSONAS,
    SIGNER,
    VENDOR_TEAM,
    click,
    fake_slack,  # noqa: F401 (the vendor's Slack on Enterprise Grid, Acme's buyers in it)
    picked_time,
)

from bot.domain.availability import Busy, WorkingHours, clashes, outside_hours
from bot.domain.packages import SessionType
from bot.services.availability import AvailabilityService
from bot.services.booking import Actor
from bot.services.requests import RequestService
from storage.models import AuditEvent, OnboardingSession, SessionRequest, StaffMember

HELSINKI, NEW_YORK = ZoneInfo("Europe/Helsinki"), ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sessions(bot: RunningBot) -> list[OnboardingSession]:
    with Session(bot.engine) as db:
        return list(db.exec(select(OnboardingSession).order_by(col(OnboardingSession.id))).all())


def typed(moment: datetime) -> str:
    """A UTC instant as STAFF types it: their Helsinki date and time."""
    return f"{moment.astimezone(HELSINKI):%Y-%m-%d %H:%M}"


def shared_world(bot: RunningBot, start: str) -> None:
    """Acme's channel shared with Acme's organization; Anna (a buyer) reads New York time."""
    fake = bot.fake
    fake.users["U_ANNA"] = slack_user(PERSONAS["buyer"], "America/New_York")
    fake.channels[CHANNEL] = conversation(
        CHANNEL,
        connected=[ACME_ORG],
        shared=[VENDOR_TEAM, ACME_TEAM],
        internal=[VENDOR_TEAM],
        context_team=VENDOR_TEAM,
        host=VENDOR_TEAM,
    )
    bot.link("premium", start)


def booking_form(starts_at: datetime, minutes: str = "30", anyway: bool = False) -> dict:
    return {
        "type": {"value": {"type": "static_select", "selected_option": {"value": "training"}}},
        **picked_time("starts_at", starts_at),
        "minutes": {"value": {"type": "number_input", "value": minutes}},
        "billable": {"value": {"type": "checkboxes", "selected_options": []}},
        "clash": {
            "value": {
                "type": "checkboxes",
                "selected_options": [{"value": "anyway"}] if anyway else [],
            }
        },
    }


def submit_booking(bot: RunningBot, values: dict) -> dict | None:
    payload = fixture_submission(
        "view_submission.grid.json",
        "book_session",
        values,
        SIGNER.dumps({"channel_id": CHANNEL, "account_id": 1, "vendor_tz": "Europe/Helsinki"}),
        user=PERSONAS["staff"],
        installed_team=VENDOR_TEAM,
    )
    reply = bot.sender.interaction(payload)
    assert reply.status == 200, reply
    return reply.json()  # type: ignore[no-any-return]


# -- /oura-book hours ----------------------------------------------------------------------------


def test_working_hours_are_shown_set_audited_and_bad_input_explained(bot: RunningBot) -> None:
    shown = text_of(bot.command("hours"))
    assert "Your working hours are `09:00-17:00 mon-fri`" in shown
    assert "Europe/Helsinki" in shown and "/oura-book hours" in shown

    changed = text_of(bot.command("hours 8:00-16:30 ma,ke,pe"))  # Finnish day names
    assert "Your working hours are now `08:00-16:30 mon,wed,fri`" in changed
    assert "`08:00-16:30 mon,wed,fri`" in text_of(bot.command("hours"))
    with Session(bot.engine) as db:
        member = db.get(StaffMember, STAFF)
        assert member is not None
        assert (member.work_start_minute, member.work_end_minute, member.work_days) == (
            480,
            990,
            "135",
        )
        [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "working_hours")).all()
    assert (event.actor_user_id, event.actor_team_id) == (STAFF, VENDOR_TEAM)
    assert json.loads(event.details)["to"] == {"start": 480, "end": 990, "days": "135"}

    for bad, said in (
        ("hours 9-17", "`9-17` is not working hours in the form HH:MM-HH:MM."),
        ("hours 17:00-09:00", "the end is not after the start"),
        ("hours 09:00-17:00 someday", "`someday` is not a day"),
    ):
        answer = text_of(bot.command(bad))
        assert said in answer, answer
        assert "Use `/oura-book hours &lt;HH:MM&gt;-&lt;HH:MM&gt; [days]`." in answer
    with Session(bot.engine) as db:
        assert db.get(StaffMember, STAFF).work_days == "135"  # type: ignore[union-attr]


def test_hours_and_clashes_are_told_in_the_typists_language(bot: RunningBot) -> None:
    bot.fake.add_user("U_FI", tz="Europe/Helsinki", team_id=VENDOR_TEAM, locale="fi-FI")
    answer = text_of(bot.command("hours 10:00-18:00", user_id="U_FI"))
    assert "Työaikasi on nyt `10:00-18:00 mon-fri`" in answer, answer
    bot.link("premium", "2027-01-04")
    bot.command("kickoff 2027-01-12 10:00 60m")
    refused = text_of(bot.command("training 2027-01-12 10:30 30m", user_id="U_FI"))
    assert f"Aika menee päällekkäin henkilön <@{STAFF}> tapaamisen" in refused, refused
    assert "Lisää `anyway`, niin tapaaminen varataan silti." in refused


# -- no clashes: typed -------------------------------------------------------------------------


def test_a_typed_clash_is_refused_without_anyway_and_booked_with_it(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    assert "Booked" in text_of(bot.command("kickoff 2027-01-12 10:00 60m"))
    [kickoff] = sessions(bot)
    bot.fake.wait_for_posts(CHANNEL, 1)
    bot.fake.reset()

    refused = text_of(bot.command("onboarding 2027-01-12 10:30 30m"))
    assert f"It overlaps <@{STAFF}>'s *Kickoff* #{kickoff.id} with *Acme Oy*" in refused
    assert f"<!date^{int(kickoff.starts_at.timestamp())}^" in refused  # each reader's own time
    assert "(60 min)" in refused
    assert "Add `anyway` to book it all the same." in refused
    assert len(sessions(bot)) == 1
    assert bot.fake.posts(CHANNEL) == []

    assert "Booked" in text_of(bot.command("onboarding 2027-01-12 10:30 30m anyway"))
    assert [s.starts_at for s in sessions(bot)] == [utc(2027, 1, 12, 8), utc(2027, 1, 12, 8, 30)]
    # Back to back is no clash.
    assert "Booked" in text_of(bot.command("training 2027-01-12 11:00 30m"))


def test_an_out_of_hours_booking_is_refused_without_anyway_and_booked_with_it(
    bot: RunningBot,
) -> None:
    bot.link("premium", "2027-01-04")
    evening = text_of(bot.command("training 2027-01-12 18:00 30m"))
    assert (
        f"It falls outside <@{STAFF}>'s working hours (`09:00-17:00 mon-fri` in Europe/Helsinki)"
        in evening
    )
    assert "Add `anyway`" in evening
    late_end = text_of(bot.command("training 2027-01-12 16:30 45m"))  # ends 17:15
    assert "outside" in late_end
    saturday = text_of(bot.command("training 2027-01-16 10:00 30m"))
    assert "outside" in saturday
    assert sessions(bot) == []

    assert "Booked" in text_of(bot.command("training 2027-01-12 18:00 30m anyway"))
    # The vendor contact's own hours decide: evenings are now inside.
    bot.command("hours 17:00-21:00 mon-fri")
    assert "Booked" in text_of(bot.command("training 2027-01-13 18:00 30m"))
    assert "outside" in text_of(bot.command("training 2027-01-13 10:00 30m"))
    assert len(sessions(bot)) == 2


def test_a_move_into_a_clash_needs_anyway_and_a_move_over_itself_does_not(
    bot: RunningBot,
) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("kickoff 2027-01-12 10:00 60m")
    bot.command("training 2027-01-12 14:00 30m")
    kickoff, training = sessions(bot)

    refused = text_of(bot.command(f"move {training.id} 2027-01-12 10:30"))
    assert f"*Kickoff* #{kickoff.id} with *Acme Oy*" in refused and "`anyway`" in refused
    assert sessions(bot)[1].starts_at == utc(2027, 1, 12, 12)
    # Overlapping only its own old time is no clash.
    assert "Moved" in text_of(bot.command(f"move {training.id} 2027-01-12 14:15"))
    assert "Moved" in text_of(bot.command(f"move {training.id} 2027-01-12 10:30 anyway"))
    assert sessions(bot)[1].starts_at == utc(2027, 1, 12, 8, 30)


def test_the_vendor_contacts_sessions_of_other_customers_clash_too(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.link("pro-lite", "2027-01-04", channel_id=BETA_CHANNEL, company="Beta & Co")
    bot.command("status 2027-01-12 10:00 30m", channel_id=BETA_CHANNEL)
    [beta] = sessions(bot)
    refused = text_of(bot.command("kickoff 2027-01-12 10:15 30m"))
    assert f"*Status update* #{beta.id} with *Beta &amp; Co*" in refused
    assert len(sessions(bot)) == 1


def test_racing_bookings_of_one_slot_book_it_once(bot: RunningBot) -> None:
    """Ten staff commands for the same time at once: the vendor contact's row lock lets one
    book, and every other one sees it and names it."""
    bot.link("premium", "2027-01-04")
    keys = [f"race{i}" for i in range(10)]
    barrier = threading.Barrier(10)

    def send(i: int) -> int:
        barrier.wait()
        reply = bot.sender.command(
            "training 2027-01-12 10:00 10m",
            user_id=STAFF,
            channel_id=CHANNEL,
            team_id=VENDOR_TEAM,
            response_url=bot.fake.response_url(keys[i]),
        )
        return reply.status

    with ThreadPoolExecutor(10) as pool:
        assert list(pool.map(send, range(10))) == [200] * 10
    answers = [text_of(bot.fake.wait_for_responses(k, 1, timeout=30)[0].body) for k in keys]
    booked = [a for a in answers if a.startswith("Booked")]
    refused = [a for a in answers if "It overlaps" in a]
    assert (len(booked), len(refused)) == (1, 9), answers
    assert len(sessions(bot)) == 1


# -- no clashes: the booking form -------------------------------------------------------------


def test_the_booking_form_names_a_clash_and_books_it_when_ticked(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("kickoff 2027-01-12 10:00 60m")
    [kickoff] = sessions(bot)

    errors = submit_booking(bot, booking_form(utc(2027, 1, 12, 8, 30)))
    assert errors is not None and errors["response_action"] == "errors"
    said = errors["errors"]["clash"]
    # A form's error is plain text: the time written out in the vendor contact's zone.
    assert f"overlaps @{STAFF}'s *Kickoff* #{kickoff.id} with *Acme Oy*" in said
    assert "Tue 12 Jan 2027 10:00 EET (60 min)" in said
    assert "Tick “Book anyway”" in said
    errors = submit_booking(bot, booking_form(utc(2027, 1, 12, 17)))  # 19:00 in Helsinki
    assert "outside" in errors["errors"]["clash"]  # type: ignore[index]
    assert len(sessions(bot)) == 1

    assert submit_booking(bot, booking_form(utc(2027, 1, 12, 8, 30), anyway=True)) is None
    assert submit_booking(bot, booking_form(utc(2027, 1, 12, 17), anyway=True)) is None
    assert [s.starts_at for s in sessions(bot)][1:] == [
        utc(2027, 1, 12, 8, 30),
        utc(2027, 1, 12, 17),
    ]


def test_the_booking_form_shows_the_vendor_contacts_free_slots(bot: RunningBot) -> None:
    bot.link("premium", (date.today() - timedelta(days=30)).isoformat())
    first = next_free(bot, 1)[0]
    bot.command(f"kickoff {typed(first)} 60m")
    bot.fake.reset()
    bot.sender.command(
        "",
        user_id=STAFF,
        channel_id=CHANNEL,
        team_id=VENDOR_TEAM,
        response_url=bot.fake.response_url("modal"),
        trigger_id="trig-slots",
    )
    [opened] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    view = opened.args["view"]
    shown = text_of(view)
    assert f"Free slots of <@{STAFF}> (60 min):" in shown
    tokens = [int(t.split("^")[0]) for t in shown.split("<!date^")[1:]]
    assert len(tokens) == 5 and int(first.timestamp()) not in tokens
    assert tokens == [int(s.timestamp()) for s in next_free(bot, 5)]
    assert "clash" in {block.get("block_id") for block in view["blocks"]}


# -- free slots in the customer's request form ----------------------------------------------------


def next_free(bot: RunningBot, count: int) -> list[datetime]:
    slots = AvailabilityService(bot.booking).free_slots(
        STAFF, "Europe/Helsinki", datetime.now(UTC), 60, count
    )
    return slots.starts


def open_request_form(bot: RunningBot) -> dict:
    bot.fake.reset()
    click(bot, "request_session", "request", "buyer")
    [opened] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    return opened.args["view"]  # type: ignore[no-any-return]


def slot_options(view: dict) -> list[dict]:
    [block] = [b for b in view["blocks"] if b.get("block_id") == "slot"]
    return block["element"]["options"]  # type: ignore[no-any-return]


def request_values(slot: str | None, minutes: str = "60") -> dict:
    values = {
        "type": {"value": {"type": "static_select", "selected_option": {"value": "training"}}},
        "minutes": {"value": {"type": "static_select", "selected_option": {"value": minutes}}},
        "slot": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": slot} if slot else None,
            }
        },
        "note": {"value": {"type": "plain_text_input", "value": None}},
    }
    for i in (1, 2, 3):
        values[f"time_{i}"] = {"value": {"type": "datetimepicker", "selected_date_time": None}}
    return values


def submit_request(bot: RunningBot, view: dict, values: dict) -> dict | None:
    payload = fixture_submission(
        "view_submission.slack_connect.json",
        "request_session_modal",
        values,
        view["private_metadata"],
        user=PERSONAS["buyer"],
        installed_team=VENDOR_TEAM,
    )
    reply = bot.sender.interaction(payload)
    assert reply.status == 200, reply
    return reply.json()  # type: ignore[no-any-return]


def test_the_request_form_offers_only_free_slots_in_the_customers_time(bot: RunningBot) -> None:
    shared_world(bot, (date.today() - timedelta(days=30)).isoformat())
    busy_at = next_free(bot, 1)[0]
    bot.command(f"onboarding {typed(busy_at)} 60m")
    [booked] = sessions(bot)

    options = slot_options(open_request_form(bot))
    assert len(options) == 11 and options[-1]["value"] == "other"
    assert options[-1]["text"]["text"] == "Another time (pick below)"
    starts = [datetime.fromtimestamp(int(o["value"]), UTC) for o in options[:-1]]
    assert booked.starts_at not in starts
    hours = WorkingHours()
    now = datetime.now(UTC)
    for start in starts:
        end = start + timedelta(minutes=60)
        assert start > now
        assert not outside_hours(start, end, hours, "Europe/Helsinki")
        assert not clashes(
            start, end, [Busy(booked.starts_at, booked.starts_at + timedelta(hours=1))]
        )
    assert starts == sorted(starts)
    # Written out for Anna, in New York time (options cannot show Slack's date tokens).
    first = starts[0].astimezone(NEW_YORK)
    assert options[0]["text"]["text"].endswith(f"{first:%H:%M} {first.tzname()}")


def test_a_picked_free_slot_is_requested_and_one_taken_meanwhile_is_refused(
    bot: RunningBot,
) -> None:
    shared_world(bot, (date.today() - timedelta(days=30)).isoformat())
    view = open_request_form(bot)
    first, second = (o["value"] for o in slot_options(view)[:2])

    # Staff book the first slot while the form is open: picking it is refused in the form.
    taken = datetime.fromtimestamp(int(first), UTC)
    assert "Booked" in text_of(bot.command(f"kickoff {typed(taken)} 30m"))
    answer = submit_request(bot, view, request_values(first))
    assert answer is not None
    assert "That time was just taken" in answer["errors"]["slot"]
    # Neither a slot nor a time: said at the choice of slots.
    answer = submit_request(bot, view, request_values("other"))
    assert "Choose at least one time" in answer["errors"]["slot"]  # type: ignore[index]

    assert submit_request(bot, view, request_values(second)) is None
    with Session(bot.engine) as db:
        [request] = db.exec(select(SessionRequest)).all()
    assert json.loads(request.preferred_times) == [
        datetime.fromtimestamp(int(second), UTC).isoformat()
    ]


# -- a requested time that became busy ---------------------------------------------------------


def test_confirming_a_requested_time_that_became_busy_asks_first(bot: RunningBot) -> None:
    shared_world(bot, (date.today() - timedelta(days=30)).isoformat())
    wanted = next_free(bot, 1)[0]
    request = RequestService(bot.booking).create(
        Actor("U_ANNA", ACME_TEAM), 1, SessionType.TRAINING, 45, [wanted], ""
    )
    # The vendor contact books another customer's session over it meanwhile.
    bot.link("pro-lite", date.today().isoformat(), channel_id=BETA_CHANNEL, company="Beta")
    bot.command(f"kickoff {typed(wanted)} 30m", channel_id=BETA_CHANNEL)
    bot.fake.reset()

    click(bot, "confirm_request", f"{request.request.id}:0", "staff", channel=f"D_{STAFF}")
    [prompt] = bot.fake.wait_for_responses("confirm_request-staff", 1)
    said = text_of(prompt.body)
    assert f"Request #{request.request.id} for *Acme Oy*: that time is busy." in said
    assert "*Kickoff* #1 with *Beta*" in said
    buttons = [e for b in prompt.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    anyway = next(b for b in buttons if b["action_id"] == "confirm_request_clash")
    assert anyway["text"]["text"] == "Book anyway"
    assert len(sessions(bot)) == 1

    click(bot, "confirm_request_clash", anyway["value"], "staff", channel=f"D_{STAFF}")
    [booked] = bot.fake.wait_for_responses("confirm_request_clash-staff", 1)
    # Acme's first session (Beta's kickoff is Beta's #1).
    assert "booked as #1" in text_of(booked.body)
    assert [s.starts_at for s in sessions(bot)] == [wanted, wanted]


def test_the_request_dm_marks_the_times_busy_for_the_vendor_contact(bot: RunningBot) -> None:
    shared_world(bot, (date.today() - timedelta(days=30)).isoformat())
    busy_at = next_free(bot, 1)[0]
    bot.command(f"kickoff {typed(busy_at)} 60m")
    free = next_free(bot, 1)[0]
    view = open_request_form(bot)
    values = request_values("other", minutes="45")
    values.update(picked_time("time_1", busy_at))
    values.update(picked_time("time_2", free))
    assert submit_request(bot, view, values) is None
    [dm] = bot.fake.wait_for(lambda: bot.fake.posts(f"D_{STAFF}"))
    [note] = [b for b in dm.args["blocks"] if b["type"] == "context"]
    said = text_of({"blocks": [note]})
    assert "Busy for you:" in said and "asks you to book it anyway" in said
    assert f"<!date^{int(busy_at.timestamp())}^" in said
    assert f"<!date^{int(free.timestamp())}^" not in said


def test_working_hours_are_the_vendor_contacts_in_their_own_zone(bot: RunningBot) -> None:
    """A New York colleague books Acme's Helsinki vendor contact: 08:00 in New York is 15:00
    in Helsinki (inside), 11:00 in New York is 18:00 there (outside)."""
    bot.link("premium", "2027-01-04")
    assert "Booked" in text_of(bot.command("training 2027-01-12 08:00 30m", user_id=STAFF_NY))
    late = text_of(bot.command("training 2027-01-12 11:00 30m", user_id=STAFF_NY))
    assert "in Europe/Helsinki" in late and "outside" in late
    assert [s.starts_at for s in sessions(bot)] == [utc(2027, 1, 12, 13)]
