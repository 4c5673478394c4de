"""Slack's text at the app's edges: mentions in `/oura-book contact`, Slack's HTML escaping read
back once into what people typed, escaped exactly once on the way out, and customer text shown
to staff as a quote with nothing live in it.

Payload shapes are Slack's own:
- slash command text as Slack sends it with `should_escape: true` (manifest.yml): mentions as
  `<@U024BE7LH|bob>`, and "User types: Hello & <world> / Sent to server: Hello &amp;
  &lt;world&gt;" (https://api.slack.com/docs/formatting, "URLs and Escaping"); the form body is
  the one of slackapi/bolt-python tests/scenario_tests/test_slash_command.py (`slash_command_body`,
  built by tests/slackreq.py);
- view_submission: slackapi/bolt-python tests/scenario_tests/test_view_submission.py (`body`),
  with every input block in `state.values` and an untouched optional one as null, as in
  slackapi/bolt-js types-tests/view.test-d.ts (`{"type": "plain_text_input", "value": null}`).
Only ids, action ids, values and URLs are ours.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from conftest import BOT_TOKEN, CHANNEL, STAFF, VENDOR_TEAM, RunningBot, text_of
from slackreq import API_APP_ID, VERIFICATION_TOKEN, block_action, new_trigger_id
from sqlalchemy import func
from sqlmodel import Session, select

from bot.clock import clock_web_client
from bot.domain import commands
from bot.domain.errors import InvalidCommand
from bot.domain.slacktext import as_typed, escape, quote, unescape
from bot.reports import ReportWorker
from storage.models import Account, AuditEvent, CustomerOrder, SessionRequest, SupportCase

CUSTOMER_TEAM = "T0ACME"
ANNA = "U0ANNA"  # the customer's contact, in the customer's own workspace
GRID_SAM = "W0GRIDSAM"  # a vendor colleague whose id is an Enterprise Grid (W…) id
COMPANY = "AT&T <EMEA>"
DM = f"D_{STAFF}"
DISGUISED = "<https://evil.example/login|Oura support: verify your account>"
CUSTOMER_TEXT = f"R&D <ops> cannot sign in.\n{DISGUISED}\n<!channel> <!here> <@{STAFF}> please"


# -- the rules, without Slack ---------------------------------------------------------------


def test_escape_and_unescape_are_each_once() -> None:
    assert escape("AT&T <EMEA>") == "AT&amp;T &lt;EMEA&gt;"
    assert unescape("AT&amp;T &lt;EMEA&gt;") == "AT&T <EMEA>"
    # Someone who typed the entity itself gets it back, not the character.
    assert unescape(escape("&lt;")) == "&lt;"
    assert unescape("&amp;lt;") == "&lt;"


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("AT&amp;T &lt;EMEA&gt;", "AT&T <EMEA>"),
        ("<http://acme.io|acme.io> Oy", "acme.io Oy"),
        ("see <https://acme.example/x?a=1&amp;b=2>", "see https://acme.example/x?a=1&b=2"),
        ("<mailto:bob@acme.io|bob@acme.io>", "bob@acme.io"),
        ("<@U0ANNA|anna> in <#C0ACME|acme>", "@anna in #acme"),
        ("<!here> &amp; <!subteam^S0OPS|@ops>", "@here & @ops"),
        ("&lt;@U0ANNA&gt;", "<@U0ANNA>"),
    ],
)
def test_text_slack_sends_is_read_back_as_typed(sent: str, typed: str) -> None:
    assert as_typed(sent) == typed


def test_quote_keeps_every_line_and_nothing_in_it_is_live() -> None:
    shown = quote(CUSTOMER_TEXT)
    assert shown.split("\n") == [
        "> R&amp;D &lt;ops&gt; cannot sign in.",
        "> &lt;https://evil.example/login|Oura support: verify your account&gt;",
        f"> &lt;!channel&gt; &lt;!here&gt; &lt;@{STAFF}&gt; please",
    ]
    assert "<" not in shown
    assert all(line.startswith("> ") and ">" not in line[2:] for line in shown.split("\n"))


def test_a_long_quote_is_cut_between_entities() -> None:
    shown = quote("&" * 3000, limit=100)
    assert len(shown) <= 100 and shown.endswith("…")
    assert shown.removeprefix("> ").removesuffix("…") == "&amp;" * 19


@pytest.mark.parametrize(
    ("text", "role", "user"),
    [
        ("contact buyer <@U0ANNA|anna>", "buyer", "U0ANNA"),
        ("contact buyer <@U0ANNA>", "buyer", "U0ANNA"),
        ("contact vendor <@W0GRIDSAM|sam>", "vendor", "W0GRIDSAM"),
        ("contact vendor <@W0GRIDSAM>", "vendor", "W0GRIDSAM"),
        ("contact buyer &lt;@U0ANNA&gt;", "buyer", "U0ANNA"),
        ("contact BUYER &lt;@U0ANNA|anna&gt;", "buyer", "U0ANNA"),
        ("contact vendor &lt;@W0GRIDSAM&gt;", "vendor", "W0GRIDSAM"),
    ],
)
def test_contact_parses_every_mention_form(text: str, role: str, user: str) -> None:
    assert commands.parse(text) == commands.SetContact(role, user)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("contact buyer @anna", "`@anna` is a name typed as text"),
        ("contact buyer @Anna Smith", "`@Anna Smith` is a name typed as text"),
        ("contact vendor <!here>", "`@here` is not a person"),
        ("contact buyer <#C0ACME|acme>", "`#acme` is not a person"),
        ("contact buyer anna", "`anna` is not a mention"),
        ("contact buyer <@U0ANNA|anna> <@U0BEN|ben>", "Mention one person"),
    ],
)
def test_contact_without_a_picked_mention_says_what_to_do(text: str, named: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        commands.parse(text)
    message = str(refused.value)
    assert named in message
    assert commands.form_code("contact") in message  # the form, its `<@user>` escaped for mrkdwn
    if "typed as text" in named:
        assert "pick the person from Slack's list" in message


def test_free_text_in_commands_is_stored_as_typed() -> None:
    assert commands.parse("link premium 2027-01-04 AT&amp;T &lt;EMEA&gt;") == commands.Link(
        "premium", date(2027, 1, 4), COMPANY
    )
    assert commands.parse("order 2027-01-05 3 PO&amp;7 &lt;EU&gt;") == commands.RecordOrder(
        date(2027, 1, 5), 3, "PO&7 <EU>"
    )
    # A domain Slack turned into a link stays the text the person typed.
    assert commands.parse("link premium 2027-01-04 <http://acme.io|acme.io>").company == "acme.io"


def test_echoed_tokens_are_shown_as_typed_escaped_once() -> None:
    with pytest.raises(InvalidCommand) as refused:
        commands.parse("kickoff &lt;soon&gt; 10:00")
    assert "`&lt;soon&gt;` is not a date" in str(refused.value)


# -- over signed HTTP, on SQLite and PostgreSQL ---------------------------------------------


def linked(bot: RunningBot, company: str = "Acme Oy") -> None:
    """`company` as Slack sends it: the channel, shared with the customer's team, is linked."""
    bot.fake.add_user(ANNA, team_id=CUSTOMER_TEAM, name="anna")
    bot.fake.add_user(GRID_SAM, team_id=VENDOR_TEAM, name="sam")
    bot.fake.channels[CHANNEL] = {"shared_team_ids": [VENDOR_TEAM, CUSTOMER_TEAM]}
    start = (date.today() - timedelta(days=10)).isoformat()
    bot.link("premium", start, company=company)


def account(bot: RunningBot) -> Account:
    with Session(bot.engine) as db:
        return db.exec(select(Account).where(Account.channel_id == CHANNEL)).one()


def audit_count(bot: RunningBot) -> int:
    with Session(bot.engine) as db:
        return db.exec(select(func.count()).select_from(AuditEvent)).one()


def mrkdwn_texts(node: Any) -> list[str]:
    """Every mrkdwn text object in blocks or a view (plain_text ones are left out)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found.extend(mrkdwn_texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(mrkdwn_texts(item))
    return found


@pytest.mark.parametrize(
    ("role", "sent", "user"),
    [
        ("buyer", f"<@{ANNA}|anna>", ANNA),  # picked from the list, should_escape: true
        ("buyer", f"<@{ANNA}>", ANNA),
        ("vendor", f"<@{GRID_SAM}|sam>", GRID_SAM),  # an Enterprise Grid user id
        ("vendor", f"<@{GRID_SAM}>", GRID_SAM),
        ("buyer", f"&lt;@{ANNA}&gt;", ANNA),  # typed by hand: Slack escapes it
        ("buyer", f"&lt;@{ANNA}|anna&gt;", ANNA),
        ("vendor", f"&lt;@{GRID_SAM}&gt;", GRID_SAM),
    ],
)
def test_contact_takes_every_mention_form(bot: RunningBot, role: str, sent: str, user: str) -> None:
    linked(bot)
    reply = text_of(bot.command(f"contact {role} {sent}"))
    assert f"<@{user}>" in reply, reply
    row = account(bot)
    assert (row.vendor_contact_id if role == "vendor" else row.buyer_contact_id) == user


def test_contact_with_a_plain_name_is_refused_and_changes_nothing(bot: RunningBot) -> None:
    linked(bot)
    before, audits = account(bot).model_dump(), audit_count(bot)
    for sent in ("@anna", "@Anna Smith"):
        reply = text_of(bot.command(f"contact buyer {sent}"))
        assert f"`{sent}` is a name typed as text" in reply
        assert "pick the person from Slack's list" in reply
        assert escape("/oura-book contact vendor|buyer <@user>") in reply
    assert account(bot).model_dump() == before and audit_count(bot) == audits
    assert bot.fake.calls_to("users.info") == []


def home_opened(bot: RunningBot) -> dict[str, Any]:
    reply = bot.sender.event(
        {
            "type": "app_home_opened",
            "user": STAFF,
            "channel": f"D_{STAFF}",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
    )
    assert reply.status == 200
    [call] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.publish"))
    view: dict[str, Any] = call.args["view"]
    return view


def home_usage_card(bot: RunningBot, account_id: int) -> dict[str, Any]:
    """Click "Usage card" on the App Home (a view container, as in test_home.click)."""
    payload = block_action(
        "home_usage",
        str(account_id),
        user_id=STAFF,
        team_id=VENDOR_TEAM,
        channel_id="",
        response_url="",
    )
    payload.pop("channel")
    payload.pop("response_url")
    payload["container"] = {"type": "view", "view_id": "V_HOME"}
    payload["view"] = {"id": "V_HOME", "type": "home", "team_id": VENDOR_TEAM, "blocks": []}
    assert bot.sender.interaction(payload).status == 200
    [call] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    view: dict[str, Any] = call.args["view"]
    return view


def test_a_company_typed_with_ampersand_and_brackets_is_shown_as_typed_everywhere(
    bot: RunningBot,
) -> None:
    """`AT&T <EMEA>` arrives as `AT&amp;T &lt;EMEA&gt;`; it is stored as typed, escaped exactly
    once in every mrkdwn text, left alone in plain_text, and written as typed in the CSV."""
    sent = "AT&amp;T &lt;EMEA&gt;"
    bot.fake.add_user(ANNA, team_id=CUSTOMER_TEAM)
    bot.fake.channels[CHANNEL] = {"shared_team_ids": [VENDOR_TEAM, CUSTOMER_TEAM]}
    reply = bot.command(f"link premium {date.today().isoformat()} {sent}")
    assert f"*{sent}*" in text_of(reply)
    assert account(bot).company == COMPANY

    welcome, balance = bot.fake.wait_for_posts(CHANNEL, 2)  # the living balance follows
    assert sent in welcome.args["text"] and sent in text_of(welcome.args)
    assert balance.args["text"].startswith(f"{sent}: ")

    home = home_opened(bot)
    assert f"*{sent}* · Premium Success" in mrkdwn_texts(home)

    card = bot.command("usage")
    assert card["blocks"][0]["text"] == {"type": "plain_text", "text": f"{COMPANY}: usage"}
    assert card["text"].startswith(f"{sent}: Premium Success")

    modal = home_usage_card(bot, account(bot).id or 0)
    assert modal["blocks"][0]["text"]["text"] == f"{COMPANY}: usage"

    bot.command(f"report {date.today():%Y-%m}")
    # The clock builds the report and sends it (bot/jobs.py).
    clock = ReportWorker(bot.engine, clock_web_client(BOT_TOKEN, bot.fake.api_url), None, "clock")
    assert clock.run_pending() == 1
    [upload] = bot.fake.uploaded_files()
    [row] = list(csv.DictReader(io.StringIO(upload["content"].decode("utf-8"))))
    assert row["company"] == COMPANY

    # Nowhere did the company reach mrkdwn unescaped, or escaped twice.
    shown = [welcome.args, home, card, modal]
    texts = [t for message in shown for t in mrkdwn_texts(message)]
    assert any(sent in t for t in texts)
    assert not any("<EMEA>" in t or "&amp;amp;" in t or "&amp;lt;" in t for t in texts)


def open_view(bot: RunningBot, action_id: str, value: str, user: str, team: str) -> dict[str, Any]:
    """Click a button on a post in the shared channel; the form Slack was asked to open."""
    seen = len(bot.fake.calls_to("views.open"))
    payload = block_action(
        action_id,
        value,
        user_id=user,
        team_id=team,
        channel_id=CHANNEL,
        response_url=bot.fake.response_url(f"{action_id}-{user}"),
        message_ts="1700000000.000100",
    )
    assert bot.sender.interaction(payload).status == 200
    opened = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open")[seen:] or None)
    view: dict[str, Any] = opened[0].args["view"]
    return view


def submit_view(
    bot: RunningBot, view: dict[str, Any], answers: dict[str, Any], user: str, team: str
) -> Any:
    """Submit `view` as Slack does: every input block in `state.values`, the ones not in
    `answers` untouched (null). Shape: bolt-python tests/scenario_tests/test_view_submission.py."""
    untouched = {
        "static_select": {"selected_option": None},
        "datetimepicker": {"selected_date_time": None},
        "datepicker": {"selected_date": None},
        "checkboxes": {"selected_options": []},
        "number_input": {"value": None},
        "plain_text_input": {"value": None},
    }
    values = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        state = answers.get(block["block_id"]) or untouched[element["type"]]
        values[block["block_id"]] = {element["action_id"]: {"type": element["type"], **state}}
    submitted = {
        **view,
        "id": "V0FORM",
        "team_id": VENDOR_TEAM,
        "state": {"values": values},
        "hash": "1596530361.3wRYuk3R",
        "previous_view_id": None,
        "root_view_id": "V0FORM",
        "app_id": API_APP_ID,
        "external_id": "",
        "app_installed_team_id": VENDOR_TEAM,
        "bot_id": "B_BOT",
    }
    payload = {
        "type": "view_submission",
        "team": {"id": team, "domain": team.lower()},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger_id(),
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
    }
    reply = bot.sender.interaction(payload)
    assert reply.status == 200, reply
    return reply.json()


def test_a_forms_error_is_plain_text_with_the_company_as_typed(bot: RunningBot) -> None:
    linked(bot, company="AT&amp;T &lt;EMEA&gt;")
    bot.command(f"order {date.today().isoformat()} 2")  # so the form asks for an order
    form = open_view(bot, "get_support", "support", ANNA, CUSTOMER_TEAM)
    answers = {
        "category": {"selected_option": {"value": "product-question"}},
        "order": {"selected_option": {"value": "99"}},  # a stale or forged choice
        "description": {"value": "Which size?"},
    }
    answer = submit_view(bot, form, answers, ANNA, CUSTOMER_TEAM)
    assert answer["response_action"] == "errors"
    assert f"There is no order #99 for *{COMPANY}*." in answer["errors"]["order"]
    with Session(bot.engine) as db:
        assert db.exec(select(SupportCase)).all() == []


def test_a_customer_description_reaches_the_vendor_contact_as_quoted_text(
    bot: RunningBot,
) -> None:
    linked(bot)
    form = open_view(bot, "get_support", "support", ANNA, CUSTOMER_TEAM)
    answers = {
        "category": {"selected_option": {"value": "product-question"}},
        "description": {"value": CUSTOMER_TEXT},
    }
    assert submit_view(bot, form, answers, ANNA, CUSTOMER_TEAM) is None
    with Session(bot.engine) as db:
        assert db.exec(select(SupportCase)).one().description == CUSTOMER_TEXT  # as typed

    [dm] = bot.fake.wait_for(lambda: bot.fake.posts(DM))
    sections = [b["text"] for b in dm.args["blocks"] if b["type"] == "section"]
    [quoted] = [text for text in sections if text["text"].startswith("> ")]
    assert quoted == {"type": "mrkdwn", "text": quote(CUSTOMER_TEXT), "verbatim": True}
    assert quoted["text"] == (
        "> R&amp;D &lt;ops&gt; cannot sign in.\n"
        "> &lt;https://evil.example/login|Oura support: verify your account&gt;\n"
        f"> &lt;!channel&gt; &lt;!here&gt; &lt;@{STAFF}&gt; please"
    )
    everything = "\n".join([dm.args["text"], *mrkdwn_texts(dm.args["blocks"])])
    for live in ("<https://evil", "<!channel>", "<!here>", f"<@{STAFF}>"):
        assert live not in everything
    # The shared channel heard only that a case was opened, never its words.
    assert all("evil.example" not in text_of(p.args) for p in bot.fake.posts(CHANNEL))


def test_a_request_note_reaches_the_vendor_contact_as_quoted_text(bot: RunningBot) -> None:
    linked(bot)
    form = open_view(bot, "request_session", "request", ANNA, CUSTOMER_TEAM)
    soon = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=3)
    answers = {
        "type": {"selected_option": {"value": "training"}},
        "minutes": {"selected_option": {"value": "45"}},
        "time_1": {"selected_date_time": int(soon.timestamp())},
        "note": {"value": CUSTOMER_TEXT},
    }
    assert submit_view(bot, form, answers, ANNA, CUSTOMER_TEAM) is None
    with Session(bot.engine) as db:
        assert db.exec(select(SessionRequest)).one().note == CUSTOMER_TEXT

    [dm] = bot.fake.wait_for(lambda: bot.fake.posts(DM))
    texts = mrkdwn_texts(dm.args["blocks"])
    assert quote(CUSTOMER_TEXT) in texts  # all three lines, each quoted
    assert len(quote(CUSTOMER_TEXT).split("\n")) == 3
    everything = "\n".join([dm.args["text"], *texts])
    for live in ("<https://evil", "<!channel>", "<!here>", f"<@{STAFF}>"):
        assert live not in everything


def orders(bot: RunningBot) -> list[CustomerOrder]:
    with Session(bot.engine) as db:
        return list(db.exec(select(CustomerOrder).order_by(CustomerOrder.id)).all())


def test_an_order_reference_is_the_same_typed_in_the_command_or_the_form(
    bot: RunningBot,
) -> None:
    linked(bot)
    received = (date.today() - timedelta(days=2)).isoformat()
    reply = text_of(bot.command(f"order {received} 3 PO&amp;7 &lt;EU&gt;"))
    assert "order #1 (PO&amp;7 &lt;EU&gt;)" in reply

    trigger = bot.sender.command(
        "order", user_id=STAFF, channel_id=CHANNEL, response_url=bot.fake.response_url("o")
    )
    assert trigger.status == 200
    [opened] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    answers = {
        "received_on": {"selected_date": received},
        "rings": {"value": "3"},
        "reference": {"value": "PO&7 <EU>"},  # a form's text arrives as typed
    }
    assert submit_view(bot, opened.args["view"], answers, STAFF, VENDOR_TEAM) is None
    # Left untouched, the optional reference is null, as Slack sends it: no reference.
    assert (
        submit_view(bot, opened.args["view"], {**answers, "reference": None}, STAFF, VENDOR_TEAM)
        is None
    )

    first, second, third = orders(bot)
    assert first.reference == second.reference == "PO&7 <EU>"
    assert third.reference == ""
    listing = text_of(bot.command("orders"))
    assert listing.count("(PO&amp;7 &lt;EU&gt;)") == 2 and "&amp;amp;" not in listing


def test_the_manifest_asks_slack_to_send_mentions_as_the_parser_reads_them() -> None:
    from test_manifest import manifest

    [command] = manifest()["features"]["slash_commands"]
    assert command["should_escape"] is True
