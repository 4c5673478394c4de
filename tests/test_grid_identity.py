"""Enterprise Grid and Slack Connect: who acts decides, never where the message lives.

Every request here is built from a payload Slack published (`tests/fixtures/slack/`, read by
`tests/slackfixtures.py`), changed only in its ids, action ids, values and URLs, and sent
signed over HTTP to the app served as `oura-bot web` serves it, on SQLite and PostgreSQL.

The vendor is on Grid (organization E_VENDOR; the app installed in workspace T_VENDOR). Acme,
the customer, is on Grid too: workspace T_ACME in organization E_ACME.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from conftest import CHANNEL, SIGNING_SECRET, STAFF, VENDOR_TEAM, RunningBot, text_of
from slackfixtures import (
    FIXTURES,
    Person,
    app_home_opened_event,
    block_action,
    channel_shared_event,
    conversation,
    event_callback,
    load,
    slack_user,
    slash_command,
    source_of,
    view_submission,
)
from sqlalchemy import text
from test_slack_connect import snapshot, visible_effects

from bot.domain.identity import (
    Installation,
    LinkedAccount,
    Requester,
    Role,
    access_for,
    customer_ids_among,
    requester,
    workspace_to_learn,
)
from bot.domain.packages import SessionType
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import Actor
from bot.services.requests import RequestService
from bot.services.signer import MetadataSigner
from handlers.context import requester_from, requester_from_command

VENDOR_ORG, ACME_ORG, ACME_TEAM = "E_VENDOR", "E_ACME", "T_ACME"
VENDOR = Person(STAFF, VENDOR_TEAM, VENDOR_ORG)
COLLEAGUE = Person("U0VERA", "T_VENDOR_EU", VENDOR_ORG)  # another workspace of the vendor's org
ANNA = Person("U_ANNA", ACME_TEAM, ACME_ORG)  # Acme's buyer, on Grid
OLLI = Person("U0OLLI", "T_ACME_LABS", ACME_ORG)  # Acme's buyer, another workspace of Acme
TOM = Person("U_TOM", "T_THIRD")  # someone of a third company, in the channel
UNIDENTIFIED = "can't tell which Slack workspace or organization you belong to"


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(team_id=VENDOR_TEAM, enterprise_id=VENDOR_ORG)
    for person in (VENDOR, COLLEAGUE, ANNA, OLLI, TOM):
        fake.users[person.user_id] = slack_user(person)
    with fake:
        yield fake


# -- helpers ---------------------------------------------------------------------------------


def rows(bot: RunningBot, sql: str) -> list[tuple[Any, ...]]:
    with bot.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def customer_ids(bot: RunningBot) -> dict[str, str]:
    """The ids Acme is known by, with who said so last."""
    with bot.engine.connect() as connection:
        rows = connection.execute(text("SELECT team_id, source FROM customer_team")).all()
    return {team_id: source for team_id, source in rows}


def shared_channel(bot: RunningBot, connected: list[str]) -> None:
    """Slack's `conversations.info` for CHANNEL: shared with `connected` (Acme's side)."""
    bot.fake.channels[CHANNEL] = conversation(
        CHANNEL,
        connected=connected,
        shared=[VENDOR_TEAM],
        internal=[VENDOR_TEAM, COLLEAGUE.team_id or ""],
        context_team=VENDOR_TEAM,
        host=VENDOR_TEAM,
    )


def link(bot: RunningBot) -> None:
    bot.link("premium", (date.today() - timedelta(days=30)).isoformat())


def share(bot: RunningBot, connected_team_id: str) -> None:
    """Slack's `channel_shared` event for CHANNEL, delivered to the vendor's installation."""
    body = event_callback(
        "event_callback.channel_shared.json",
        channel_shared_event(CHANNEL, connected_team_id),
        team=VENDOR,
    )
    assert bot.sender.send(body, "application/json").status == 200
    bot.fake.wait_for(lambda: connected_team_id in customer_ids(bot))


def click(
    bot: RunningBot,
    action_id: str,
    value: str,
    person: Person,
    *,
    fixture: str = "block_actions.grid.json",
    named: Person | None = None,
    channel: str = CHANNEL,
    key: str = "click",
) -> None:
    payload = block_action(
        fixture,
        action_id,
        value,
        user=person,
        team=named,
        channel=channel,
        response_url=bot.fake.response_url(key),
        message_ts="1700000000.000100",
    )
    assert bot.sender.interaction(payload).status == 200


def submit(
    bot: RunningBot,
    callback_id: str,
    values: dict[str, Any],
    private_metadata: str,
    person: Person,
    *,
    fixture: str = "view_submission.slack_connect.json",
    named: Person | None = None,
) -> Any:
    payload = view_submission(
        fixture,
        callback_id,
        values,
        private_metadata,
        user=person,
        team=named,
        installed_team=VENDOR_TEAM,
    )
    reply = bot.sender.interaction(payload)
    assert reply.status == 200, reply
    return reply.json()


def command(bot: RunningBot, text_: str, person: Person, key: str = "cmd") -> dict[str, Any]:
    body = slash_command(
        text_, user=person, channel=CHANNEL, response_url=bot.fake.response_url(key)
    )
    assert bot.sender.send(body, "application/x-www-form-urlencoded").status == 200
    return bot.fake.wait_for_responses(key, 1, timeout=10)[0].body


def picked(block: str, moment: datetime) -> dict[str, Any]:
    return {
        block: {"value": {"type": "datetimepicker", "selected_date_time": int(moment.timestamp())}}
    }


def in_days(days: int) -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=days)


def opened_form(bot: RunningBot) -> dict[str, Any]:
    view: dict[str, Any] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))[-1].args[
        "view"
    ]
    return view


# -- fixtures are what Slack published -------------------------------------------------------


def test_every_fixture_names_its_source_and_is_listed_in_the_readme() -> None:
    readme = (FIXTURES / "README.md").read_text()
    for path in sorted(FIXTURES.glob("*.json")):
        sources = source_of(path.name)
        for source in sources if isinstance(sources, list) else [sources]:
            assert source.get("path") or source.get("url"), path.name
            assert (source.get("path") or source.get("url")) in readme, path.name
        assert path.name in readme
        assert load(path.name)  # loads, and is not empty


def test_a_fixture_can_only_change_keys_the_published_payload_has() -> None:
    # bolt-python's Socket Mode sample has no `user.team_id`: no test can give it one.
    with pytest.raises(KeyError):
        block_action(
            "block_actions.socket_mode.json",
            "show_usage",
            "usage",
            user=Person("U1", "T1"),
            channel="C1",
            response_url="http://127.0.0.1/x",
        )


# -- the rule, on the payloads Slack publishes -----------------------------------------------


def test_the_actor_is_read_from_the_person_never_from_the_top_level_team() -> None:
    # Bolt's own Grid sample: the clicker's workspace is the payload's team, in its org.
    grid = load("block_actions.grid.json")
    assert requester_from(grid) == Requester("W111", "T111", "E111")
    # Slack Connect: the form was submitted from the other side (bolt-python's sample).
    connect = load("view_submission.slack_connect.json")
    assert requester_from(connect) == Requester("W111", "T-other-side", "E-other-side")
    # An org-wide install: no team at the top; the organization there says where, not who.
    org_wide = load("block_actions.org_wide_install.json")
    assert requester_from(org_wide) == Requester("W111", "T_expected", None)
    # The top-level team names someone else than the user's own workspace: it is ignored.
    grid["team"]["id"], grid["team"]["enterprise_id"] = "T_VENDOR", "E_VENDOR"
    assert requester_from(grid) == Requester("W111", "T111", None)
    # No team of the user at all: Slack did not say who they belong to.
    socket = load("block_actions.socket_mode.json")
    assert not requester_from(socket).identified
    # A command's team and organization are where the typist is signed in: their own.
    fields = dict(load("slash_command.grid.json"))
    assert requester_from_command(fields) == Requester("W111", "T111", "E111")


def test_an_organization_given_as_a_team_counts_as_the_organization() -> None:
    # Slack documents that `user.team_id` may be an organization id (E…) on Grid.
    assert requester("U1", "E_ACME") == Requester("U1", None, "E_ACME")
    assert requester("U1", "E_ACME", None, "T_ACME") == Requester("U1", "T_ACME", "E_ACME")


def test_staff_and_buyers_by_workspace_or_organization() -> None:
    home = Installation("T_VENDOR", "E_VENDOR")
    acme = LinkedAccount(1, frozenset({"E_ACME"}))
    assert access_for(Requester("U", "T_VENDOR"), home, acme).role is Role.STAFF
    assert access_for(Requester("U", "T_VENDOR_EU", "E_VENDOR"), home, acme).role is Role.STAFF
    assert access_for(Requester("U", "T_ACME", "E_ACME"), home, acme).role is Role.BUYER
    assert access_for(Requester("U", "T_ACME"), home, acme).role is Role.OUTSIDER
    assert access_for(Requester("U", None, None), home, acme).role is Role.UNIDENTIFIED
    assert workspace_to_learn(Requester("U", "T_ACME", "E_ACME"), acme) == "T_ACME"
    assert customer_ids_among(["T_VENDOR", "E_VENDOR", "E_ACME", None, "E_ACME"], home) == [
        "E_ACME"
    ]


# -- a Grid customer uses every customer button and form ------------------------------------

# How the customer's clicks name things: the payload's team is the clicker's own (Slack
# names their organization), or the vendor's, where the message lives (the organization is
# then asked of Slack: users.info).
NAMING = {"own-team": None, "vendor-team": VENDOR}


def buyer_journey(bot: RunningBot, buyer: Person, named: Person | None) -> None:
    """Show usage, Request a session (and the form), Get support (and the form), and accept
    a proposal: each allowed, each doing what it should."""
    fake = bot.fake
    click(bot, "show_usage", "usage", buyer, named=named)
    [card] = fake.wait_for(lambda: fake.calls_to("chat.postEphemeral"))
    assert card.args["user"] == buyer.user_id and "Acme Oy: usage" in text_of(card.args)
    assert "Customer's Slack" not in text_of(card.args)  # the ids are for staff only

    fake.reset()
    click(bot, "request_session", "request", buyer, named=named)
    form = opened_form(bot)
    assert form["callback_id"] == "request_session_modal"
    values = {
        "type": {"value": {"type": "static_select", "selected_option": {"value": "training"}}},
        "minutes": {"value": {"type": "static_select", "selected_option": {"value": "30"}}},
        **picked("time_1", in_days(6)),
        "note": {"value": {"type": "plain_text_input", "value": "for the admins"}},
    }
    fixture = "view_submission.slack_connect.json" if named is None else "view_submission.grid.json"
    answer = submit(
        bot, form["callback_id"], values, form["private_metadata"], buyer, fixture=fixture,
        named=named,
    )  # fmt: skip
    assert answer is None, answer
    [(request_id, requested_by)] = rows(bot, "SELECT id, requested_by FROM session_request")
    assert requested_by == buyer.user_id

    fake.reset()
    click(bot, "get_support", "support", buyer, named=named)
    form = opened_form(bot)
    assert form["callback_id"] == "support_case_modal"
    values = {
        "category": {
            "value": {"type": "static_select", "selected_option": {"value": "technical-issue"}}
        },
        "description": {"value": {"type": "plain_text_input", "value": "ring won't charge"}},
    }
    answer = submit(
        bot, form["callback_id"], values, form["private_metadata"], buyer, fixture=fixture,
        named=named,
    )  # fmt: skip
    assert answer is None, answer
    assert rows(bot, "SELECT opened_by FROM support_case") == [(buyer.user_id,)]

    RequestService(bot.booking).propose(Actor(STAFF, VENDOR_TEAM), request_id, in_days(4))
    fake.reset()
    click(bot, "accept_proposal", str(request_id), buyer, named=named)
    fake.wait_for(lambda: RequestService(bot.booking).get(request_id).request.state == "confirmed")
    fake.wait_for_posts(CHANNEL, 1)


@pytest.mark.parametrize("naming", list(NAMING))
def test_a_grid_customer_uses_every_button_once_channel_shared_named_the_organization(
    bot: RunningBot, naming: str
) -> None:
    link(bot)  # Slack told nothing of the other side yet
    assert customer_ids(bot) == {}
    share(bot, ACME_ORG)  # channel_shared: the connected team is Acme's organization
    assert customer_ids(bot) == {ACME_ORG: "channel_shared"}
    buyer_journey(bot, ANNA, NAMING[naming])
    # The workspace Anna acts from is now known as Acme's too.
    assert customer_ids(bot) == {ACME_ORG: "channel_shared", ACME_TEAM: "buyer"}


@pytest.mark.parametrize("naming", list(NAMING))
def test_a_grid_customer_uses_every_button_when_the_channel_was_linked_after_sharing(
    bot: RunningBot, naming: str
) -> None:
    shared_channel(bot, [ACME_ORG])  # conversations.info names Acme's organization
    link(bot)
    assert customer_ids(bot) == {ACME_ORG: "conversations.info"}
    buyer_journey(bot, OLLI, NAMING[naming])


def test_a_buyer_known_by_a_learned_workspace_needs_no_lookup(bot: RunningBot) -> None:
    shared_channel(bot, [ACME_ORG])
    link(bot)
    click(bot, "show_usage", "usage", OLLI)  # the payload names Olli's organization
    bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert customer_ids(bot)[OLLI.team_id or ""] == "buyer"
    bot.fake.reset()
    # Later a click names only Olli's workspace (the vendor's team at the top): still a buyer.
    click(bot, "show_usage", "usage", OLLI, named=VENDOR)
    bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert bot.fake.calls_to("users.info") == []


def test_slack_saying_something_newer_updates_what_is_kept(bot: RunningBot) -> None:
    shared_channel(bot, [ACME_ORG, ACME_TEAM])
    link(bot)
    assert customer_ids(bot) == {ACME_ORG: "conversations.info", ACME_TEAM: "conversations.info"}
    share(bot, ACME_ORG)
    bot.fake.wait_for(lambda: customer_ids(bot)[ACME_ORG] == "channel_shared")
    assert customer_ids(bot) == {ACME_ORG: "channel_shared", ACME_TEAM: "conversations.info"}


def test_channel_shared_naming_the_vendor_itself_is_not_a_customer(bot: RunningBot) -> None:
    link(bot)
    body = event_callback(
        "event_callback.channel_shared.json",
        channel_shared_event(CHANNEL, VENDOR_ORG),
        team=VENDOR,
    )
    assert bot.sender.send(body, "application/json").status == 200
    share(bot, ACME_ORG)  # delivered after it: once this is kept, the first was handled
    assert customer_ids(bot) == {ACME_ORG: "channel_shared"}


# -- a vendor colleague from another workspace of the vendor's organization ------------------


def test_a_vendor_colleague_from_another_workspace_is_staff_everywhere(bot: RunningBot) -> None:
    shared_channel(bot, [ACME_ORG])
    link(bot)
    fake = bot.fake
    # The slash command.
    day = (date.today() + timedelta(days=5)).isoformat()
    reply = command(bot, f"kickoff {day} 10:00 30m anyway", COLLEAGUE)  # may be a weekend
    assert "booked" in text_of(reply).lower(), text_of(reply)
    [session] = bot.booking.sessions(CHANNEL)[1]
    assert session.booked_by == COLLEAGUE.user_id
    # A staff button in the channel: Cancel.
    fake.reset()
    click(bot, "cancel_session", str(session.id), COLLEAGUE)
    fake.wait_for(lambda: bot.booking.session_in_channel(CHANNEL, session.id).state == "cancelled")
    # A staff form: the booking form, from a Slack Connect submission of their own side.
    fake.reset()
    click(bot, "request_session", "request", COLLEAGUE)
    form = opened_form(bot)
    assert form["callback_id"] == "book_session"
    values = {
        "type": {"value": {"type": "static_select", "selected_option": {"value": "training"}}},
        **picked("starts_at", in_days(6)),
        "minutes": {"value": {"type": "number_input", "value": "30"}},
        "billable": {"value": {"type": "checkboxes", "selected_options": []}},
        # Six days from now at this hour may be outside working hours: "Book anyway".
        "clash": {"value": {"type": "checkboxes", "selected_options": [{"value": "anyway"}]}},
    }
    assert submit(bot, "book_session", values, form["private_metadata"], COLLEAGUE) is None
    assert len(bot.booking.sessions(CHANNEL)[1]) == 2
    # The App Home: opened (users.info names the organization), and its buttons.
    fake.reset()
    body = event_callback(
        "event_callback.app_home_opened.grid.json",
        app_home_opened_event(COLLEAGUE.user_id),
        team=VENDOR,
    )
    assert bot.sender.send(body, "application/json").status == 200
    [published] = fake.wait_for(lambda: fake.calls_to("views.publish"))
    assert published.args["user_id"] == COLLEAGUE.user_id
    fake.reset()
    payload = block_action(
        "block_actions.app_home.json",
        "home_usage",
        "1",
        user=COLLEAGUE,
        channel=None,
        response_url="",
    )
    assert bot.sender.interaction(payload).status == 200
    [opened] = fake.wait_for(lambda: fake.calls_to("views.open"))
    assert "Acme Oy" in json.dumps(opened.args["view"])


# -- where the message lives says nothing of who acts ---------------------------------------


@pytest.mark.parametrize(
    "fixture", ["block_actions.grid.json", "block_actions.org_wide_install.json"]
)
def test_a_customer_clicking_cancel_in_a_vendor_named_payload_is_refused(
    bot: RunningBot, fixture: str
) -> None:
    """The click's top-level team (or organization) is the vendor's, as in a Slack Connect
    channel hosted by the vendor; the clicker is Acme's. Staff-only: refused, nothing
    changes, nothing is posted (a customer once cancelled a session this way)."""
    shared_channel(bot, [ACME_ORG, ACME_TEAM])
    link(bot)
    day = (date.today() + timedelta(days=5)).isoformat()
    bot.command(f"kickoff {day} 10:00 30m anyway")  # the day may be a weekend
    [session] = bot.booking.sessions(CHANNEL)[1]
    bot.fake.reset()
    before = snapshot(bot)
    click(bot, "cancel_session", str(session.id), ANNA, fixture=fixture, named=VENDOR)
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert note.args["user"] == ANNA.user_id and "staff" in note.args["text"]
    assert snapshot(bot) == before
    assert visible_effects(bot) == []


def test_a_third_company_clicking_in_a_vendor_named_payload_gets_nothing(bot: RunningBot) -> None:
    shared_channel(bot, [ACME_ORG])
    link(bot)
    before = snapshot(bot)
    click(bot, "show_usage", "usage", TOM, fixture="block_actions.grid.json", named=VENDOR)
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert "isn't available to you" in note.args["text"]
    assert snapshot(bot) == before
    assert visible_effects(bot) == []


def test_a_customer_submitting_a_staff_form_in_a_vendor_named_payload_is_refused(
    bot: RunningBot,
) -> None:
    shared_channel(bot, [ACME_ORG, ACME_TEAM])
    link(bot)
    before = snapshot(bot)
    values = {
        "type": {"value": {"type": "static_select", "selected_option": {"value": "kickoff"}}},
        **picked("starts_at", in_days(5)),
        "minutes": {"value": {"type": "number_input", "value": "30"}},
        "billable": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    metadata = MetadataSigner(SIGNING_SECRET).dumps({"channel_id": CHANNEL, "account_id": 1})
    answer = submit(bot, "book_session", values, metadata, ANNA, named=VENDOR)
    assert answer["response_action"] == "errors", answer
    assert snapshot(bot) == before
    assert visible_effects(bot) == []


# -- Slack does not say who the actor belongs to ---------------------------------------------


def test_a_click_with_no_team_of_the_clicker_is_refused_with_a_clear_message(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """bolt-python's Socket Mode sample has no `user.team_id`; its top-level team is the
    vendor's. The app used to take that team for the clicker's: anyone was staff."""
    shared_channel(bot, [ACME_ORG])
    link(bot)
    # The day may be a weekend: `anyway`.
    bot.command(f"kickoff {(date.today() + timedelta(days=5)).isoformat()} 10:00 30m anyway")
    [session] = bot.booking.sessions(CHANNEL)[1]
    bot.fake.reset()
    before = snapshot(bot)
    caplog.set_level(logging.WARNING, logger="oura.handlers")
    click(
        bot,
        "cancel_session",
        str(session.id),
        Person("U_WHO", None),
        fixture="block_actions.socket_mode.json",
        named=VENDOR,
    )
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert UNIDENTIFIED in note.args["text"] and note.args["user"] == "U_WHO"
    assert snapshot(bot) == before
    assert visible_effects(bot) == []
    assert any(
        "did not say which workspace or organization user=U_WHO" in r.getMessage()
        for r in caplog.records
    )


def test_a_command_with_no_team_of_the_typist_is_refused_with_a_clear_message(
    bot: RunningBot,
) -> None:
    link(bot)
    before = snapshot(bot)
    reply = command(bot, "usage", Person("U_WHO", None))
    assert UNIDENTIFIED in text_of(reply)
    assert snapshot(bot) == before
    assert visible_effects(bot) == []


# -- staff see the ids, and correct them -----------------------------------------------------


def test_staff_see_the_customer_ids_on_the_usage_card_and_correct_them(bot: RunningBot) -> None:
    shared_channel(bot, ["T_WRONG"])  # Slack's word was about someone else
    link(bot)
    card = text_of(command(bot, "usage", VENDOR, key="u1"))
    assert "workspace `T_WRONG` (conversations.info)" in card
    reply = text_of(command(bot, f"contact buyer <@{OLLI.user_id}>", VENDOR, key="c1"))
    assert "`T_ACME_LABS`, `E_ACME`" in reply, reply
    assert customer_ids(bot) == {"T_ACME_LABS": "contact", ACME_ORG: "contact"}
    card = text_of(command(bot, "usage", VENDOR, key="u2"))
    assert "organization `E_ACME` (contact), workspace `T_ACME_LABS` (contact)" in card
    assert "T_WRONG" not in card
    # Anna, of Acme's organization in another workspace, is a buyer now.
    bot.fake.reset()
    click(bot, "show_usage", "usage", ANNA)
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert "Acme Oy: usage" in text_of(note.args)


def test_the_vendors_own_people_cannot_be_named_the_customer_contact(bot: RunningBot) -> None:
    shared_channel(bot, [ACME_ORG])
    link(bot)
    before = snapshot(bot)
    reply = text_of(command(bot, f"contact buyer <@{COLLEAGUE.user_id}>", VENDOR))
    assert "belongs to the vendor's own Slack" in reply
    assert snapshot(bot) == before


def test_open_requests_are_untouched_by_identity(bot: RunningBot) -> None:
    """A buyer's request made before the ids were corrected stays theirs."""
    shared_channel(bot, [ACME_ORG])
    link(bot)
    RequestService(bot.booking).create(
        Actor(ANNA.user_id, ACME_TEAM), 1, SessionType.KICKOFF, 30, [in_days(3)], ""
    )
    command(bot, f"contact buyer <@{OLLI.user_id}>", VENDOR)
    assert rows(bot, "SELECT requested_by FROM session_request") == [(ANNA.user_id,)]
