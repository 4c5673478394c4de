"""Slack Connect: who may do what in a shared channel, proven over signed HTTP requests built
from payloads Slack published (`tests/slackfixtures.py`).

The vendor is on Enterprise Grid (organization E_VENDOR, the app installed in T_VENDOR); Acme,
the customer linked to this channel, too (E_ACME). Six people try every action: staff; a
vendor colleague from another workspace of the vendor's organization; Acme's buyer; a buyer
from another workspace of Acme's organization; a buyer of another customer (Beta); and a user
from a third team. Each gets exactly the expected allow or deny, and a denial changes nothing
in the database and posts nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from conftest import CHANNEL, SIGNING_SECRET, STAFF, STAFF_NY, VENDOR_TEAM, RunningBot, text_of
from slackfixtures import Person, conversation, slack_user
from slackfixtures import block_action as fixture_click
from slackfixtures import slash_command as fixture_command
from slackfixtures import view_submission as fixture_submission
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from bot.domain.packages import SessionType
from bot.domain.support import CaseCategory
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import Actor, ChangeKind, SessionChange
from bot.services.requests import RequestService
from bot.services.signer import MetadataSigner
from bot.services.support import SupportDesk
from handlers.invites import recipients
from storage.models import Account, Contract, OnboardingSession

SIGNER = MetadataSigner(SIGNING_SECRET)
BETA_CHANNEL = "C_BETA"
VENDOR_ORG, ACME_ORG = "E_VENDOR", "E_ACME"
ACME_TEAM, BETA_TEAM, THIRD_TEAM = "T_ACME", "T_BETA", "T_THIRD"
PERSONAS = {
    "staff": Person(STAFF, VENDOR_TEAM, VENDOR_ORG),
    "vendor-colleague": Person("U_VERA", "T_VENDOR_EU", VENDOR_ORG),
    "buyer": Person("U_ANNA", ACME_TEAM, ACME_ORG),
    "buyer-other-workspace": Person("U_OLLI", "T_ACME_LABS", ACME_ORG),
    "other-customer": Person("U_BEN", BETA_TEAM),
    "third-team": Person("U_TOM", THIRD_TEAM),
}
# Who may use the slash command and every staff button and form; who the customer buttons.
STAFF_SIDE = frozenset({"staff", "vendor-colleague"})
BUYERS = STAFF_SIDE | {"buyer", "buyer-other-workspace"}
# Rows that every request writes (replay protection) are not a change a user made.
# `balance_message` follows earlier changes in their lazy work (its version and edits can land
# after the setup's reply): what a refused click must not change is the rest.
IGNORED_TABLES = {"seen_request", "processed_event", "alembic_version", "balance_message"}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """The vendor's Slack, on Enterprise Grid: auth.test names the organization."""
    fake = FakeSlack(team_id=VENDOR_TEAM, enterprise_id=VENDOR_ORG)
    fake.users[STAFF] = slack_user(PERSONAS["staff"])
    fake.users[STAFF_NY] = slack_user(Person(STAFF_NY, VENDOR_TEAM, VENDOR_ORG), "America/New_York")
    with fake:
        yield fake


@dataclass
class World:
    bot: RunningBot
    session_id: int  # a past session of Acme's, booked by staff
    request_id: int  # an open request from Acme's buyer
    case_id: int  # an open support case from Acme's buyer


def setup_world(bot: RunningBot) -> World:
    fake = bot.fake
    for person in PERSONAS.values():
        fake.users[person.user_id] = slack_user(person)
    # Shared with Acme's organization (Slack names the organization, and Acme's workspace).
    fake.channels[CHANNEL] = conversation(
        CHANNEL,
        connected=[ACME_ORG],
        shared=[VENDOR_TEAM, ACME_TEAM],
        internal=[VENDOR_TEAM],
        context_team=VENDOR_TEAM,
        host=VENDOR_TEAM,
    )
    fake.channels[BETA_CHANNEL] = conversation(
        BETA_CHANNEL,
        connected=[BETA_TEAM],
        shared=[VENDOR_TEAM, BETA_TEAM],
        internal=[VENDOR_TEAM],
        context_team=VENDOR_TEAM,
        host=BETA_TEAM,
    )
    start = (date.today() - timedelta(days=30)).isoformat()
    bot.link("premium", start)
    bot.link("pro-lite", start, channel_id=BETA_CHANNEL, company="Beta Ltd")
    # Times below are relative to now, any hour and day: the vendor contact works all week.
    bot.command("hours 00:00-24:00 mon-sun")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    bot.command(f"training {yesterday} 10:00 30m")
    session_id = bot.booking.sessions(CHANNEL)[1][0].id
    requests = RequestService(bot.booking)
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    request = requests.create(
        Actor("U_ANNA", ACME_TEAM),
        1,
        SessionType.KICKOFF,
        45,
        [soon, soon + timedelta(hours=2)],
        "",
    )
    case, _ = SupportDesk(bot.booking).open_case(
        Actor("U_ANNA", ACME_TEAM), 1, CaseCategory.PRODUCT_QUESTION, None, "How do I pair?"
    )
    bot.fake.reset()
    return World(bot, session_id, request.request.id, case.case.id or 0)


def snapshot(bot: RunningBot) -> dict[str, list[tuple[Any, ...]]]:
    tables = set(inspect(bot.engine).get_table_names()) - IGNORED_TABLES
    with bot.engine.connect() as connection:
        return {
            table: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {table}"))), key=repr)
            for table in sorted(tables)
        }


def visible_effects(bot: RunningBot) -> list[str]:
    """Calls that show something to anyone beyond a private note to the requester."""
    return [
        c.method
        for c in bot.fake.calls
        if c.method in ("chat.postMessage", "views.open", "views.publish", "chat.update")
    ]


def _grid(person: Person) -> bool:
    return person.enterprise_id is not None


def click(bot: RunningBot, action_id: str, value: str, persona: str, channel: str = CHANNEL):
    """A click by `persona`, from Slack's Grid sample for people on Grid, its workspace one
    for anyone else."""
    person = PERSONAS[persona]
    payload = fixture_click(
        "block_actions.grid.json" if _grid(person) else "block_actions.workspace.json",
        action_id,
        value,
        user=person,
        channel=channel,
        response_url=bot.fake.response_url(f"{action_id}-{persona}"),
        message_ts="1700000000.000100",
    )
    reply = bot.sender.interaction(payload)
    assert reply.status == 200, reply
    return reply


def submit(bot: RunningBot, callback_id: str, values: dict, metadata: dict, persona: str):
    person = PERSONAS[persona]
    payload = fixture_submission(
        "view_submission.grid.json" if _grid(person) else "view_submission.workspace.json",
        callback_id,
        values,
        SIGNER.dumps(metadata),
        user=person,
        installed_team=VENDOR_TEAM,
    )
    reply = bot.sender.interaction(payload)
    assert reply.status == 200, reply
    return reply.json()


def command(bot: RunningBot, text: str, persona: str, key: str = "cmd") -> dict[str, Any] | None:
    """`/oura-book <text>` typed by `persona` (Slack's published command payloads); the
    reply posted to response_url, or None when a modal opened instead."""
    body = fixture_command(
        text, user=PERSONAS[persona], channel=CHANNEL, response_url=bot.fake.response_url(key)
    )
    reply = bot.sender.send(body, "application/x-www-form-urlencoded")
    assert reply.status == 200, (reply.status, reply.body)
    fake = bot.fake
    fake.wait_for(lambda: fake.responses(key) or fake.calls_to("views.open"), timeout=10)
    responses = fake.responses(key)
    return responses[0].body if responses else None


def picked_time(block: str, moment: datetime) -> dict:
    return {
        block: {"value": {"type": "datetimepicker", "selected_date_time": int(moment.timestamp())}}
    }


def in_days(days: int) -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=days)


# -- the slash command: staff only -----------------------------------------------------------

COMMAND_FORMS = [
    "",
    "help",
    "link premium 2027-01-04 Someone Else",
    "kickoff 2027-02-01 10:00 30m",
    "usage",
    "list",
    "schedule",
    "cancel 1",
    "done 1 20m",
    "move 1 2027-02-02 10:00",
    "timezone America/Chicago",
    "country SE",
    "contact buyer <@U_ANNA>",
    "order",
    "order 2027-01-10 40 PO-1",
    "order fix 1 2027-01-10 38",
    "orders",
    "support",
    "report 2027-01",
]
# Forms that open a modal for staff instead of replying.
MODAL_FORMS = ("", "order", "support")


@pytest.mark.parametrize("persona", list(PERSONAS))
@pytest.mark.parametrize("form", COMMAND_FORMS)
def test_every_command_form_is_staff_only(bot: RunningBot, form: str, persona: str) -> None:
    world = setup_world(bot)
    before = snapshot(bot)
    reply = command(world.bot, form, persona)
    if persona in STAFF_SIDE:
        if form in MODAL_FORMS:
            assert reply is None and bot.fake.calls_to("views.open")
        else:
            assert reply is not None and "Only the vendor's staff" not in text_of(reply)
        return
    assert reply is not None and "Only the vendor's staff can do that here." in text_of(reply)
    assert snapshot(bot) == before
    assert visible_effects(bot) == []


# -- buttons ----------------------------------------------------------------------------------


def _request_session(world: World, persona: str) -> None:
    click(world.bot, "request_session", "request", persona)


def _show_usage(world: World, persona: str) -> None:
    click(world.bot, "show_usage", "usage", persona)


def _cancel(world: World, persona: str) -> None:
    click(world.bot, "cancel_session", str(world.session_id), persona)


def _log_held(world: World, persona: str) -> None:
    click(world.bot, "log_held", str(world.session_id), persona)


def _confirm(world: World, persona: str) -> None:
    click(world.bot, "confirm_request", f"{world.request_id}:0", persona, channel="D_VENDOR")


def _confirm_billable(world: World, persona: str) -> None:
    click(world.bot, "confirm_request_billable", f"{world.request_id}:1", persona, "D_VENDOR")


def _propose(world: World, persona: str) -> None:
    click(world.bot, "propose_time", str(world.request_id), persona, channel="D_VENDOR")


def _decline(world: World, persona: str) -> None:
    click(world.bot, "decline_request", str(world.request_id), persona, channel="D_VENDOR")


def _accept(world: World, persona: str) -> None:
    RequestService(world.bot.booking).propose(
        Actor(STAFF, VENDOR_TEAM), world.request_id, in_days(4)
    )
    world.bot.fake.reset()
    click(world.bot, "accept_proposal", str(world.request_id), persona)


def _get_support(world: World, persona: str) -> None:
    click(world.bot, "get_support", "support", persona)


def _take_case(world: World, persona: str) -> None:
    click(world.bot, "take_case", str(world.case_id), persona, channel="D_VENDOR")


def _resolve_case(world: World, persona: str) -> None:
    click(world.bot, "resolve_case", str(world.case_id), persona, channel="D_VENDOR")


def _case_status(world: World) -> str:
    return SupportDesk(world.bot.booking).get_case(world.case_id).case.state


def _wait_views_open(world: World) -> dict:
    return world.bot.fake.wait_for(lambda: world.bot.fake.calls_to("views.open"))[0].args["view"]


def _request_status(world: World) -> str:
    return RequestService(world.bot.booking).get(world.request_id).request.state


def _session_status(world: World) -> str:
    return world.bot.booking.session_in_channel(CHANNEL, world.session_id).state


def _allowed_request_session(world: World, persona: str) -> None:
    view = _wait_views_open(world)
    expected = "book_session" if persona in STAFF_SIDE else "request_session_modal"
    assert view["callback_id"] == expected


def _allowed_show_usage(world: World, persona: str) -> None:
    [note] = world.bot.fake.wait_for(lambda: world.bot.fake.calls_to("chat.postEphemeral"))
    assert note.args["user"] == PERSONAS[persona].user_id
    assert "Acme Oy" in text_of(note.args) and "30 used of 120" in text_of(note.args)


def _allowed_booking(world: World, persona: str) -> None:
    # The booking, its post, invite and balance follow the ack: slow on a loaded machine.
    world.bot.fake.wait_for(lambda: _request_status(world) == "confirmed", timeout=20)
    world.bot.fake.wait_for_posts(CHANNEL, 1, timeout=20)


def _told_past(world: World, persona: str) -> None:
    [note] = world.bot.fake.wait_for(lambda: world.bot.fake.calls_to("chat.postEphemeral"))
    assert note.args["user"] == PERSONAS[persona].user_id
    assert "is no longer coming up, so it can't be changed" in text_of(note.args)
    assert not world.bot.fake.calls_to("views.open")


BUTTONS = {
    # name: (click, who may, what an allowed click does)
    "request_session": (_request_session, BUYERS, _allowed_request_session),
    "show_usage": (_show_usage, BUYERS, _allowed_show_usage),
    "cancel_session": (
        _cancel,
        STAFF_SIDE,
        lambda w, p: w.bot.fake.wait_for(lambda: _session_status(w) == "cancelled"),
    ),
    "log_held": (
        _log_held,
        STAFF_SIDE,
        lambda w, p: _wait_views_open(w)["callback_id"] == "log_held_modal" or pytest.fail(),
    ),
    "confirm_request": (_confirm, STAFF_SIDE, _allowed_booking),
    "confirm_request_billable": (_confirm_billable, STAFF_SIDE, _allowed_booking),
    "propose_time": (
        _propose,
        STAFF_SIDE,
        lambda w, p: _wait_views_open(w)["callback_id"] == "propose_time_modal" or pytest.fail(),
    ),
    "decline_request": (
        _decline,
        STAFF_SIDE,
        lambda w, p: w.bot.fake.wait_for(lambda: _request_status(w) == "declined"),
    ),
    "accept_proposal": (_accept, BUYERS, _allowed_booking),
    "get_support": (
        _get_support,
        BUYERS,
        lambda w, p: _wait_views_open(w)["callback_id"] == "support_case_modal" or pytest.fail(),
    ),
    "take_case": (
        _take_case,
        STAFF_SIDE,
        lambda w, p: w.bot.fake.wait_for(lambda: _case_status(w) == "taken"),
    ),
    "resolve_case": (
        _resolve_case,
        STAFF_SIDE,
        lambda w, p: w.bot.fake.wait_for(lambda: _case_status(w) == "resolved"),
    ),
    # A session's post: the customer's people (and staff) may ask to move or cancel it; the
    # world's session was yesterday, so those let through are told it is no longer coming up.
    "ask_move_session": (
        lambda w, p: click(w.bot, "ask_move_session", str(w.session_id), p),
        BUYERS,
        lambda w, p: _told_past(w, p),
    ),
    "ask_cancel_session": (
        lambda w, p: click(w.bot, "ask_cancel_session", str(w.session_id), p),
        BUYERS,
        lambda w, p: _told_past(w, p),
    ),
}


@pytest.mark.parametrize("persona", list(PERSONAS))
@pytest.mark.parametrize("button", list(BUTTONS))
def test_every_button_allows_exactly_the_right_people(
    bot: RunningBot, button: str, persona: str
) -> None:
    world = setup_world(bot)
    act, allowed, effect = BUTTONS[button]
    if persona in allowed:
        act(world, persona)
        effect(world, persona)
        return
    if button == "accept_proposal":
        RequestService(bot.booking).propose(Actor(STAFF, VENDOR_TEAM), world.request_id, in_days(4))
        bot.fake.reset()
    before = snapshot(bot)
    act_without_setup = _accept_click if button == "accept_proposal" else act
    act_without_setup(world, persona)
    # The refusal is a private note: ephemeral in the channel, or to the DM's response_url.
    bot.fake.wait_for(
        lambda: bot.fake.calls_to("chat.postEphemeral") or bot.fake.responses(), timeout=5
    )
    notes = [text_of(c.args) for c in bot.fake.calls_to("chat.postEphemeral")]
    notes += [text_of(r.body) for r in bot.fake.responses()]
    assert any("staff" in n or "isn't available to you" in n for n in notes), notes
    assert snapshot(bot) == before
    assert visible_effects(bot) == []


# -- the App Home: staff only; a refusal is only logged (nothing to answer in on a Home tab) ---

HOME_BUTTONS = {
    # name: (action_id, value, what an allowed click shows)
    "home_mine": ("home_mine", "mine:1", "views.publish"),
    "home_all": ("home_all", "all:1", "views.publish"),
    "home_page": ("home_page:next", "all:2", "views.publish"),
    "home_usage": ("home_usage", "1", "views.open"),
}


def home_click(bot: RunningBot, action_id: str, value: str, persona: str) -> None:
    """A click on the App Home, from the published sample of a Home tab's button."""
    payload = fixture_click(
        "block_actions.app_home.json",
        action_id,
        value,
        user=PERSONAS[persona],
        channel=None,
        response_url="",
    )
    assert bot.sender.interaction(payload).status == 200


@pytest.mark.parametrize("persona", list(PERSONAS))
@pytest.mark.parametrize("button", list(HOME_BUTTONS))
def test_every_home_button_is_staff_only(
    bot: RunningBot, button: str, persona: str, caplog: pytest.LogCaptureFixture
) -> None:
    setup_world(bot)
    action_id, value, shows = HOME_BUTTONS[button]
    before = snapshot(bot)
    caplog.set_level("INFO", logger="oura.handlers")
    home_click(bot, action_id, value, persona)
    if persona in STAFF_SIDE:
        [shown] = bot.fake.wait_for(lambda: bot.fake.calls_to(shows))
        assert shown.args.get("user_id", PERSONAS[persona].user_id) == PERSONAS[persona].user_id
        return
    user = PERSONAS[persona].user_id
    bot.fake.wait_for(
        lambda: any(f"refused home for user={user}" in r.getMessage() for r in caplog.records)
    )
    assert snapshot(bot) == before
    assert visible_effects(bot) == []


def _accept_click(world: World, persona: str) -> None:
    click(world.bot, "accept_proposal", str(world.request_id), persona)


# -- modal submissions ------------------------------------------------------------------------


def _submit_booking(world: World, persona: str) -> dict | None:
    values = {
        "type": {"value": {"type": "static_select", "selected_option": {"value": "kickoff"}}},
        **picked_time("starts_at", in_days(5)),
        "minutes": {"value": {"type": "number_input", "value": "30"}},
        "billable": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    return submit(
        world.bot, "book_session", values, {"channel_id": CHANNEL, "account_id": 1}, persona
    )


def _submit_request(world: World, persona: str) -> dict | None:
    values = {
        "type": {"value": {"type": "static_select", "selected_option": {"value": "training"}}},
        "minutes": {"value": {"type": "static_select", "selected_option": {"value": "30"}}},
        **picked_time("time_1", in_days(6)),
        "note": {"value": {"type": "plain_text_input", "value": "admins only"}},
    }
    metadata = {"channel_id": CHANNEL, "account_id": 1}
    return submit(world.bot, "request_session_modal", values, metadata, persona)


def _submit_proposal(world: World, persona: str) -> dict | None:
    values = picked_time("time", in_days(7))
    return submit(
        world.bot, "propose_time_modal", values, {"request_id": world.request_id}, persona
    )


def _submit_log_held(world: World, persona: str) -> dict | None:
    values = {"minutes": {"value": {"type": "number_input", "value": "25"}}}
    metadata = {"channel_id": CHANNEL, "session_id": world.session_id}
    return submit(world.bot, "log_held_modal", values, metadata, persona)


def _submit_case(world: World, persona: str) -> dict | None:
    values = {
        "category": {
            "value": {"type": "static_select", "selected_option": {"value": "technical-issue"}}
        },
        "description": {"value": {"type": "plain_text_input", "value": "ring won't charge"}},
    }
    metadata = {"channel_id": CHANNEL, "account_id": 1}
    return submit(world.bot, "support_case_modal", values, metadata, persona)


def _submit_order(world: World, persona: str) -> dict | None:
    values = {
        "received_on": {"value": {"type": "datepicker", "selected_date": "2026-01-05"}},
        "rings": {"value": {"type": "number_input", "value": "12"}},
        "reference": {"value": {"type": "plain_text_input", "value": None}},
    }
    metadata = {"channel_id": CHANNEL, "account_id": 1}
    return submit(world.bot, "record_order_modal", values, metadata, persona)


def _sessions(world: World) -> int:
    return len(world.bot.booking.sessions(CHANNEL)[1])


MODALS = {
    "book_session": (_submit_booking, STAFF_SIDE, lambda w: _sessions(w) == 2),
    "request_session_modal": (
        _submit_request,
        BUYERS,
        lambda w: RequestService(w.bot.booking).get(w.request_id + 1).request.note == "admins only",
    ),
    "propose_time_modal": (
        _submit_proposal,
        STAFF_SIDE,
        lambda w: _request_status(w) == "proposed",
    ),
    "log_held_modal": (_submit_log_held, STAFF_SIDE, lambda w: _session_status(w) == "held"),
    "support_case_modal": (
        _submit_case,
        BUYERS,
        lambda w: SupportDesk(w.bot.booking).open_cases(1)[-1].id == w.case_id + 1,
    ),
    "record_order_modal": (
        _submit_order,
        STAFF_SIDE,
        lambda w: len(SupportDesk(w.bot.booking).orders_of_account(1)) == 1,
    ),
}


@pytest.mark.parametrize("persona", list(PERSONAS))
@pytest.mark.parametrize("modal", list(MODALS))
def test_every_modal_submit_allows_exactly_the_right_people(
    bot: RunningBot, modal: str, persona: str
) -> None:
    world = setup_world(bot)
    submit_form, allowed, done = MODALS[modal]
    before = snapshot(bot)
    answer = submit_form(world, persona)
    if persona in allowed:
        assert answer is None, answer  # the modal closes
        assert done(world)
        return
    assert answer is not None and answer["response_action"] == "errors", answer
    assert snapshot(bot) == before
    assert visible_effects(bot) == []


# -- payloads that name something else than where they come from -----------------------------


def test_a_button_naming_another_accounts_session_is_refused(bot: RunningBot) -> None:
    world = setup_world(bot)
    bot.command(
        f"kickoff {(date.today() + timedelta(days=9)).isoformat()} 10:00 30m",
        channel_id=BETA_CHANNEL,
    )
    beta_session = bot.booking.sessions(BETA_CHANNEL)[1][0].id
    bot.fake.reset()
    before = snapshot(bot)
    # Staff click "cancel" in Acme's channel on a button that names Beta's session.
    click(bot, "cancel_session", str(beta_session), "staff")
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert f"no session #{beta_session}" in note.args["text"]
    assert snapshot(bot) == before
    assert world.session_id != beta_session


def test_a_buyer_cannot_accept_another_customers_proposal(bot: RunningBot) -> None:
    world = setup_world(bot)
    RequestService(bot.booking).propose(Actor(STAFF, VENDOR_TEAM), world.request_id, in_days(4))
    bot.fake.reset()
    before = snapshot(bot)
    # Beta's buyer, in Beta's own channel, clicks Accept on a button naming Acme's request.
    click(bot, "accept_proposal", str(world.request_id), "other-customer", channel=BETA_CHANNEL)
    bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert snapshot(bot) == before
    assert visible_effects(bot) == []


def test_modal_metadata_for_another_channel_is_refused(bot: RunningBot) -> None:
    world = setup_world(bot)
    before = snapshot(bot)
    values = {
        "type": {"value": {"type": "static_select", "selected_option": {"value": "training"}}},
        "minutes": {"value": {"type": "static_select", "selected_option": {"value": "30"}}},
        **picked_time("time_1", in_days(6)),
    }
    # A correctly signed form for Beta's channel, submitted by Acme's buyer.
    answer = submit(
        bot, "request_session_modal", values, {"channel_id": BETA_CHANNEL, "account_id": 2}, "buyer"
    )
    assert answer["response_action"] == "errors"
    assert snapshot(bot) == before
    assert world.request_id == 1


# -- the whole buyer journey ------------------------------------------------------------------


def test_a_buyers_request_confirmed_by_the_vendor_contact_ends_as_a_booking(
    bot: RunningBot,
) -> None:
    setup_world(bot)
    fake = bot.fake
    # The buyer clicks "Request a session" on a bot post and gets the request form.
    click(bot, "request_session", "request", "buyer")
    form = fake.wait_for(lambda: fake.calls_to("views.open"))[0].args["view"]
    assert form["callback_id"] == "request_session_modal"
    first, second = in_days(8).replace(hour=9, minute=0), in_days(9).replace(hour=13, minute=0)
    values = {
        "type": {"value": {"type": "static_select", "selected_option": {"value": "onboarding"}}},
        "minutes": {"value": {"type": "static_select", "selected_option": {"value": "45"}}},
        **picked_time("time_1", first),
        **picked_time("time_2", second),
        "note": {"value": {"type": "plain_text_input", "value": "ring sizing for 40 people"}},
    }
    payload = fixture_submission(
        "view_submission.slack_connect.json",
        "request_session_modal",
        values,
        form["private_metadata"],
        user=PERSONAS["buyer"],
        installed_team=VENDOR_TEAM,
    )
    assert bot.sender.interaction(payload).json() is None
    # Acknowledged in the shared channel, customer-safe; the vendor contact gets a DM.
    [ack_post] = fake.wait_for_posts(CHANNEL, 1)
    assert "asked for an *Onboarding* session" in text_of(ack_post.args)
    dm = fake.wait_for(lambda: fake.posts(f"D_{STAFF}"))[0]
    assert "ring sizing for 40 people" in text_of(dm.args)
    buttons = [e for b in dm.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    confirm_second = next(b for b in buttons if b["text"]["text"] == "Confirm time 2")
    # The vendor contact confirms the second time from the DM.
    payload = fixture_click(
        "block_actions.grid.json",
        "confirm_request",
        confirm_second["value"],
        user=PERSONAS["staff"],
        channel=f"D_{STAFF}",
        response_url=fake.response_url("dm"),
        message_ts=dm.result["ts"],
    )
    assert bot.sender.interaction(payload).status == 200
    [settled] = fake.wait_for_responses("dm", 1)
    assert "booked as #" in text_of(settled.body)
    posts = fake.wait_for_posts(CHANNEL, 2)
    assert str(int(second.timestamp())) in text_of(posts[-1].args)
    [_, sessions] = bot.booking.sessions(CHANNEL)
    booked = [s for s in sessions if s.starts_at == second]
    assert len(booked) == 1 and booked[0].minutes_booked == 45
    assert booked[0].booked_by == STAFF
    usage = bot.booking.usage(CHANNEL)
    assert usage.minutes_reserved == 30 + 45  # yesterday's training is not logged yet
    # A second click on the same DM button (a new payload, as Slack sends) books nothing more.
    payload["trigger_id"] = "2.42.second-click"
    assert bot.sender.interaction(payload).status == 200
    fake.wait_for_responses("dm", 2)
    assert len(bot.booking.sessions(CHANNEL)[1]) == 2


@pytest.mark.parametrize("bot_settings", [{"hourly_rate": Decimal("150")}])
def test_only_staff_see_the_billing_estimate(bot: RunningBot) -> None:
    setup_world(bot)
    day = (date.today() + timedelta(days=10)).isoformat()
    bot.command(f"training {day} 10:00 60m")
    bot.command(f"training {day} 11:00 60m billable")  # 30 of it is billable
    bot.fake.reset()
    click(bot, "show_usage", "usage", "staff")
    [staff_card] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert "30 min (estimate EUR 75.00)" in text_of(staff_card.args)
    bot.fake.reset()
    click(bot, "show_usage", "usage", "buyer")
    [buyer_card] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert "120 used of 120" in text_of(buyer_card.args)
    assert "estimate" not in text_of(buyer_card.args)


@pytest.mark.parametrize("bot_settings", [{"hourly_rate": Decimal("150"), "currency": "USD"}])
def test_the_estimate_names_the_currency_set(bot: RunningBot) -> None:
    setup_world(bot)
    day = (date.today() + timedelta(days=10)).isoformat()
    bot.command(f"training {day} 10:00 60m")
    bot.command(f"training {day} 11:00 60m billable")
    bot.fake.reset()
    click(bot, "show_usage", "usage", "staff")
    [staff_card] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert "30 min (estimate USD 75.00)" in text_of(staff_card.args)


def buyer_text_is_for_buyers(text: str) -> None:
    """What a buyer reads: their Oura contact, and no command they can't run."""
    assert "vendor contact" not in text.lower()
    assert "/oura-book" not in text


def test_the_buyers_forms_and_usage_card_speak_to_the_buyer(bot: RunningBot) -> None:
    setup_world(bot)
    fake = bot.fake
    click(bot, "request_session", "request", "buyer")
    [opened] = fake.wait_for(lambda: fake.calls_to("views.open"))
    form = text_of(opened.args["view"])
    assert "Ask your Oura contact for a session" in form
    assert "Acme Oy*'s vendor contact" not in form
    labels = [b["label"]["text"] for b in opened.args["view"]["blocks"] if b["type"] == "input"]
    # Their Oura contact's free slots first, then other times of their own.
    assert labels[2:6] == [
        "A free time of your Oura contact",
        "Preferred time",
        "Second choice",
        "Third choice",
    ]
    assert not any("Or else" in label for label in labels)
    buyer_text_is_for_buyers(form)

    fake.reset()
    click(bot, "get_support", "support", "buyer")
    [opened] = fake.wait_for(lambda: fake.calls_to("views.open"))
    form = text_of(opened.args["view"])
    assert "Ask your Oura contact for help." in form
    buyer_text_is_for_buyers(form)

    fake.reset()
    click(bot, "show_usage", "usage", "buyer")
    [card] = fake.wait_for(lambda: fake.calls_to("chat.postEphemeral"))
    buyer_card = text_of(card.args)
    # Yesterday's 30-minute training is booked but not logged: it still counts as booked.
    assert "(0 already used, 30 booked ahead)" in buyer_card
    assert "reserved by bookings" not in buyer_card and "held," not in buyer_card
    assert "*Your Oura contact*" in buyer_card
    buyer_text_is_for_buyers(buyer_card)

    fake.reset()
    click(bot, "show_usage", "usage", "staff")
    [card] = fake.wait_for(lambda: fake.calls_to("chat.postEphemeral"))
    assert "(0 used: held, no-shows, late cancels; 30 reserved by bookings)" in text_of(card.args)


def test_channel_id_changed_moves_the_link_once(bot: RunningBot) -> None:
    setup_world(bot)
    event = {
        "type": "channel_id_changed",
        "old_channel_id": CHANNEL,
        "new_channel_id": "C_NEW",
        "event_ts": "1",
    }
    sent_at = int(time.time())
    first = bot.sender.event(event, event_id="Ev1", timestamp=sent_at)
    # Slack retries after its 3-second timeout, signing the retry afresh.
    again = bot.sender.event(
        event,
        event_id="Ev1",
        timestamp=sent_at + 3,
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert (first.status, again.status) == (200, 200)
    bot.fake.wait_for(lambda: bot.booking.account_for_channel("C_NEW") is not None)
    assert bot.booking.account_for_channel(CHANNEL) is None
    with bot.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM processed_event")).scalar() == 1


def signed_booking(bot: RunningBot) -> tuple[str, dict[str, Any]]:
    """A booking command as Slack signs it once (its answer goes to response_url "replay"):
    the body and the signature to send it with, as often as a replay would."""
    body = "&".join(
        f"{k}={v}"
        for k, v in {
            "command": "/oura-book",
            "text": "kickoff+2027-03-01+10:00+30m",
            "user_id": STAFF,
            "team_id": VENDOR_TEAM,
            "channel_id": CHANNEL,
            "response_url": bot.fake.response_url("replay"),
            "trigger_id": "1.2.3",
        }.items()
    )
    headers = bot.sender.signature_headers(body)
    signed = {
        "signature": headers["X-Slack-Signature"],
        "timestamp": int(headers["X-Slack-Request-Timestamp"]),
    }
    return body, signed


def test_a_replayed_request_gets_401_and_changes_nothing(bot: RunningBot) -> None:
    setup_world(bot)
    body, signed = signed_booking(bot)
    first = bot.sender.send(body, "application/x-www-form-urlencoded", **signed)
    bot.fake.wait_for_responses("replay", 1)
    before = snapshot(bot)
    replay = bot.sender.send(body, "application/x-www-form-urlencoded", **signed)
    assert (first.status, replay.status) == (200, 401)
    assert snapshot(bot) == before
    assert len(bot.fake.responses("replay")) == 1


def test_a_buyer_accepting_a_proposal_sends_the_invite_to_the_vendor_contact_alone(
    bot: RunningBot,
) -> None:
    """The customer booked it (by accepting): the invite goes to the vendor contact's DM, not
    to the buyer's (customers ask for theirs with "Add to my calendar")."""
    world = setup_world(bot)
    _accept(world, "buyer")
    _allowed_booking(world, "buyer")
    [invite] = bot.fake.wait_for(bot.fake.uploaded_files)
    assert invite["channel_id"] == f"D_{STAFF}" and invite["filename"].endswith(".ics")
    # Whom the change is sent to, decided from the rows the booking left.
    linked = bot.booking.linked_account(CHANNEL)
    assert linked is not None
    with Session(bot.engine) as db:
        session = db.exec(
            select(OnboardingSession).where(OnboardingSession.booked_by == "U_ANNA")
        ).one()
        account = db.get(Account, session.account_id)
        contract = db.get(Contract, session.contract_id)
    assert account is not None and contract is not None
    change = SessionChange(
        ChangeKind.BOOKED, account, contract, session, actor=Actor("U_ANNA", ACME_TEAM)
    )
    assert recipients(change, linked.customer_ids) == [STAFF]
    # A colleague of the vendor's who moves it is told as well.
    colleague = PERSONAS["vendor-colleague"]
    moved = SessionChange(
        ChangeKind.MOVED,
        account,
        contract,
        session,
        actor=Actor(colleague.user_id, colleague.team_id or ""),
    )
    assert recipients(moved, linked.customer_ids) == [STAFF, colleague.user_id]
