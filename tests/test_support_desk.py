"""The support desk over signed HTTP requests and the fake Slack Web API: staff record orders,
an external buyer opens a return case from the shared channel, the vendor contact takes and
resolves it from a DM, and nobody outside the account sees or touches the case."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import CHANNEL, STAFF, VENDOR_TEAM, RunningBot, text_of
from slackreq import block_action, view_submission
from sqlalchemy import text
from sqlmodel import Session, select
from test_home import home_opened
from test_slack_connect import (
    BETA_CHANNEL,
    PERSONAS,
    SIGNER,
    click,
    snapshot,
    visible_effects,
)

from bot.blocks.base import day_text
from bot.domain.support import CaseCategory
from bot.services.booking import Actor, BookingService
from bot.services.support import SupportDesk
from storage.models import CustomerOrder, SupportCase

HELSINKI = ZoneInfo("Europe/Helsinki")
DESCRIPTION = "Two of the rings are a size too small; internal PO 4471"
DM = f"D_{STAFF}"


def local_today() -> date:
    return datetime.now(HELSINKI).date()


def setup_accounts(bot: RunningBot) -> None:
    """Acme (premium) and Beta (pro-lite), each in its own Slack Connect channel."""
    for person in PERSONAS.values():
        bot.fake.add_user(person.user_id, team_id=person.team_id)
    bot.fake.channels[CHANNEL] = {"shared_team_ids": [VENDOR_TEAM, "T_ACME"]}
    bot.fake.channels[BETA_CHANNEL] = {"shared_team_ids": [VENDOR_TEAM, "T_BETA"]}
    start = (local_today() - timedelta(days=60)).isoformat()
    bot.link("premium", start)
    bot.link("pro-lite", start, channel_id=BETA_CHANNEL, company="Beta Ltd")


def record_order(bot: RunningBot, days_ago: int, channel: str = CHANNEL) -> date:
    received = local_today() - timedelta(days=days_ago)
    reply = text_of(bot.command(f"order {received.isoformat()} 40 PO-77", channel_id=channel))
    assert "Recorded for" in reply, reply
    return received


def option_value(view: dict[str, Any], block_id: str) -> list[str]:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return [o["value"] for o in block["element"]["options"]]


def open_form(bot: RunningBot, persona: str) -> dict[str, Any]:
    """Click "Get support" in Acme's channel and return the form Slack was asked to open."""
    click(bot, "get_support", "support", persona)
    [opened] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    view: dict[str, Any] = opened.args["view"]
    return view


def send_case(
    bot: RunningBot,
    persona: str,
    metadata: str,
    category: str = "return",
    order_id: str | None = "1",
) -> dict[str, Any] | None:
    user, team = PERSONAS[persona].user_id, PERSONAS[persona].team_id
    values: dict[str, Any] = {
        "category": {"value": {"type": "static_select", "selected_option": {"value": category}}},
        "order": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": order_id} if order_id else None,
            }
        },
        "description": {"value": {"type": "plain_text_input", "value": DESCRIPTION}},
    }
    payload = view_submission(
        "support_case_modal", values, user_id=user, team_id=team, private_metadata=metadata
    )
    reply = bot.sender.interaction(payload)
    assert reply.status == 200, reply
    answer: dict[str, Any] | None = reply.json()
    return answer


def case_row(bot: RunningBot, case_id: int = 1) -> dict[str, Any]:
    with Session(bot.engine) as db:
        case = db.get(SupportCase, case_id)
        assert case is not None
        return case.model_dump()


def audit_actions(bot: RunningBot) -> list[str]:
    with bot.engine.connect() as connection:
        return [
            r[0]
            for r in connection.execute(text("SELECT action FROM audit_event ORDER BY id"))
            if r[0] not in ("link", "contact")
        ]


def dm_click(bot: RunningBot, dm: Any, label: str, key: str, persona: str = "staff") -> None:
    buttons = [e for b in dm.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    chosen = next(b for b in buttons if b["text"]["text"] == label)
    user, team = PERSONAS[persona].user_id, PERSONAS[persona].team_id
    payload = block_action(
        chosen["action_id"],
        chosen["value"],
        user_id=user,
        team_id=team,
        channel_id=DM,
        response_url=bot.fake.response_url(key),
        message_ts=dm.result["ts"],
    )
    assert bot.sender.interaction(payload).status == 200


# -- the whole journey ---------------------------------------------------------------------


def test_a_buyers_return_on_day_29_is_eligible_taken_and_resolved(bot: RunningBot) -> None:
    setup_accounts(bot)
    fake = bot.fake
    received = record_order(bot, days_ago=29)
    fake.reset()
    # The external buyer clicks "Get support" on a bot post in the shared channel.
    form = open_form(bot, "buyer")
    assert form["callback_id"] == "support_case_modal"
    assert option_value(form, "order") == ["1"]
    assert "return" in option_value(form, "category")
    assert send_case(bot, "buyer", form["private_metadata"]) is None  # the form closes

    # The channel sees a customer-safe acknowledgement with the case's short id.
    [ack_post] = fake.wait_for_posts(CHANNEL, 1)
    shown = text_of(ack_post.args)
    assert "support case *S-1* (Return)" in shown and f"<@{STAFF}> will follow up" in shown
    assert "PO 4471" not in shown and "window" not in shown
    # The buyer is told privately that the case is recorded.
    [note] = fake.wait_for(lambda: fake.calls_to("chat.postEphemeral"))
    assert note.args["user"] == "U_ANNA" and "*S-1* is recorded" in note.args["text"]
    assert "closed" not in note.args["text"]

    # The vendor contact gets a DM with the description, the window and Take / Resolve.
    [dm] = fake.wait_for(lambda: fake.posts(DM))
    dm_text = text_of(dm.args)
    assert DESCRIPTION in dm_text and "Acme Oy" in dm_text
    last_day = received + timedelta(days=30)
    assert f"Within the return window (last day {day_text(last_day)})" in dm_text
    row = case_row(bot)
    assert (row["state"], row["within_window"], row["category"]) == ("open", True, "return")
    assert row["window_last_day"] == last_day

    dm_click(bot, dm, "Take", "take")
    [taken] = fake.wait_for_responses("take", 1)
    assert taken.body["replace_original"] is True
    assert f"taken by <@{STAFF}>" in text_of(taken.body)
    assert case_row(bot)["state"] == "taken" and case_row(bot)["taken_by"] == STAFF

    dm_click(bot, dm, "Resolve", "resolve")
    [resolved] = fake.wait_for_responses("resolve", 1)
    assert "resolved by" in text_of(resolved.body)
    posts = fake.wait_for_posts(CHANNEL, 2)
    assert "Support case *S-1* (Return) is resolved" in text_of(posts[-1].args)
    assert case_row(bot)["state"] == "resolved"
    # Nothing posted in the channel ever carried the description.
    assert all("PO 4471" not in text_of(p.args) for p in fake.posts(CHANNEL))
    assert audit_actions(bot) == ["order", "case_open", "case_take", "case_resolve"]

    # A second Resolve (a stale DM button) changes nothing and says why.
    dm_click(bot, dm, "Resolve", "again")
    [again] = fake.wait_for_responses("again", 1)
    assert "S-1 is already resolved" in text_of(again.body)
    assert len(fake.posts(CHANNEL)) == 2


@pytest.mark.parametrize(("days_ago", "eligible"), [(29, True), (30, True), (31, False)])
def test_a_return_is_eligible_up_to_day_30_and_flagged_after(
    bot: RunningBot, days_ago: int, eligible: bool
) -> None:
    setup_accounts(bot)
    received = record_order(bot, days_ago=days_ago)
    bot.fake.reset()
    form = open_form(bot, "buyer")
    assert send_case(bot, "buyer", form["private_metadata"]) is None
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    closed_on = day_text(received + timedelta(days=30))
    row = case_row(bot)
    assert row["within_window"] is eligible
    [dm] = bot.fake.wait_for(lambda: bot.fake.posts(DM))
    if eligible:
        assert "closed" not in note.args["text"]
        assert "Outside the return window" not in text_of(dm.args)
        return
    # Told plainly, with the date the window closed; the case is still recorded, flagged.
    assert f"window for returns and exchanges closed at the end of {closed_on}" in note.args["text"]
    assert "recorded all the same" in note.args["text"]
    assert row["state"] == "open"
    assert f"*Outside the return window*: it closed at the end of {closed_on}" in text_of(dm.args)
    # The channel still sees only the customer-safe acknowledgement.
    [ack_post] = bot.fake.posts(CHANNEL)
    assert "window" not in text_of(ack_post.args)
    # Staff see the flag on the usage card; the buyer's card lists the case without it.
    staff_card = text_of(bot.command("usage"))
    assert "*S-1* Return: waiting to be taken" in staff_card
    assert "outside the return window" in staff_card
    bot.fake.reset()
    click(bot, "show_usage", "usage", "buyer")
    [card] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert "*S-1* Return: waiting to be taken" in text_of(card.args)
    assert "outside" not in text_of(card.args)


def test_a_return_needs_an_order_and_a_description(bot: RunningBot) -> None:
    setup_accounts(bot)
    record_order(bot, days_ago=3)
    bot.fake.reset()
    metadata = SIGNER.dumps({"channel_id": CHANNEL, "account_id": 1})
    before = snapshot(bot)
    answer = send_case(bot, "buyer", metadata, order_id=None)
    assert answer == {
        "response_action": "errors",
        "errors": {"order": "Choose the order the return is about."},
    }
    assert snapshot(bot) == before and visible_effects(bot) == []


# -- nobody outside the account sees or touches the case --------------------------------------


def test_another_channels_buyer_cannot_see_or_touch_the_case(bot: RunningBot) -> None:
    setup_accounts(bot)
    record_order(bot, days_ago=5)
    bot.fake.reset()
    form = open_form(bot, "buyer")
    send_case(bot, "buyer", form["private_metadata"])
    [dm] = bot.fake.wait_for(lambda: bot.fake.posts(DM))
    # The buyer's own note comes last; let it arrive before watching for anything else.
    bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    bot.fake.reset()
    before = snapshot(bot)

    # Beta's buyer clicks Take and Resolve with Acme's case id: staff only.
    dm_click(bot, dm, "Take", "beta-take", persona="other-customer")
    dm_click(bot, dm, "Resolve", "beta-resolve", persona="other-customer")
    for key in ("beta-take", "beta-resolve"):
        [refused] = bot.fake.wait_for_responses(key, 1)
        assert "Only the vendor's staff" in text_of(refused.body)
    # ...and cannot open the support form in Acme's channel.
    click(bot, "get_support", "support", "other-customer")
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert "isn't available to you" in note.args["text"]
    # A correctly signed form of Acme's channel, submitted by Beta's buyer, is refused.
    answer = send_case(bot, "other-customer", form["private_metadata"])
    assert answer is not None and answer["response_action"] == "errors"
    # Beta's buyer, in Beta's own channel, naming Acme's order in a Beta form: not found.
    beta_form = SIGNER.dumps({"channel_id": BETA_CHANNEL, "account_id": 2})
    bot.fake.channels[BETA_CHANNEL]["shared_team_ids"] = [VENDOR_TEAM, "T_BETA"]
    answer = send_case(bot, "other-customer", beta_form, order_id="1")
    assert answer is not None and "no order #1 for *Beta Ltd*" in answer["errors"]["order"]
    assert snapshot(bot) == before
    assert visible_effects(bot) == []
    # Beta's buyer's usage card in Beta's channel lists no case of Acme's.
    click(bot, "show_usage", "usage", "other-customer", channel=BETA_CHANNEL)
    cards = bot.fake.wait_for(
        lambda: [c for c in bot.fake.calls_to("chat.postEphemeral") if "Beta Ltd" in str(c.args)]
    )
    assert "S-1" not in text_of(cards[0].args)
    assert "*Open support cases*\nnone" in text_of(cards[0].args)


# -- orders: recorded, listed, corrected with an audit trail ---------------------------------


def test_orders_are_listed_and_corrected_with_the_change_audited(bot: RunningBot) -> None:
    setup_accounts(bot)
    received = record_order(bot, days_ago=10)
    listing = text_of(bot.command("orders"))
    assert f"order #1 (PO-77): 40 rings, received {day_text(received)}" in listing
    assert f"returns until the end of {day_text(received + timedelta(days=30))}" in listing

    corrected = received - timedelta(days=25)
    reply = text_of(bot.command(f"order fix 1 {corrected.isoformat()} 38 PO-78"))
    assert "Corrected for *Acme Oy*: order #1 (PO-78): 38 rings" in reply
    assert f"was 40 rings received {day_text(received)}, PO-77" in reply
    listing = text_of(bot.command("orders"))
    assert (
        f"return window closed at the end of {day_text(corrected + timedelta(days=30))}" in listing
    )
    with bot.engine.connect() as connection:
        details = connection.execute(
            text("SELECT details FROM audit_event WHERE action = 'order_fix'")
        ).scalar_one()
    change = json.loads(details)
    assert change["from"]["rings"] == 40 and change["to"]["rings"] == 38
    assert change["to"]["received_on"] == corrected.isoformat()

    # Mistakes are refused with the right form, and change nothing.
    before = snapshot(bot)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    assert "is in the future" in text_of(bot.command(f"order {tomorrow} 5"))
    assert "no order #9 for *Acme Oy*" in text_of(bot.command(f"order fix 9 {tomorrow} 5"))
    assert "is not a ring count" in text_of(bot.command("order 2027-01-01 many"))
    # An order id of another account's is not found from this channel.
    record_order(bot, days_ago=2, channel=BETA_CHANNEL)
    before = snapshot(bot)
    assert "no order #2 for *Acme Oy*" in text_of(
        bot.command(f"order fix 2 {received.isoformat()} 5")
    )
    assert snapshot(bot) == before


def test_the_order_form_records_an_order(bot: RunningBot) -> None:
    setup_accounts(bot)
    bot.fake.reset()
    bot.sender.command(
        "order", user_id=STAFF, team_id=VENDOR_TEAM, channel_id=CHANNEL, response_url="x"
    )
    [opened] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    view = opened.args["view"]
    assert view["callback_id"] == "record_order_modal"
    received = local_today() - timedelta(days=2)
    values = {
        "received_on": {"value": {"type": "datepicker", "selected_date": received.isoformat()}},
        "rings": {"value": {"type": "number_input", "value": "12"}},
        "reference": {"value": {"type": "plain_text_input", "value": "SO-1"}},
    }
    payload = view_submission(
        "record_order_modal",
        values,
        user_id=STAFF,
        team_id=VENDOR_TEAM,
        private_metadata=view["private_metadata"],
    )
    assert bot.sender.interaction(payload).json() is None
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert "order #1 (SO-1): 12 rings" in note.args["text"]
    with Session(bot.engine) as db:
        [order] = db.exec(select(CustomerOrder)).all()
    assert (order.received_on, order.rings, order.reference) == (received, 12, "SO-1")


# -- staff view: usage card and App Home, overdue untaken cases first ------------------------


def open_cases_at(bot: RunningBot, moments: list[datetime]) -> None:
    """Cases opened by Acme's buyer at given moments (the desk's clock set to each)."""
    for moment in moments:
        desk = SupportDesk(BookingService(bot.engine, "Europe/Helsinki", now=lambda m=moment: m))
        desk.open_case(
            Actor("U_ANNA", "T_ACME"), 1, CaseCategory.TECHNICAL_ISSUE, None, "won't charge"
        )


def test_staff_see_overdue_untaken_cases_first_on_the_usage_card_and_app_home(
    bot: RunningBot,
) -> None:
    setup_accounts(bot)
    now = datetime.now(UTC)
    # S-1 an hour old; S-2 ten days old (overdue); S-3 ten days old but taken; S-4 a week old.
    open_cases_at(
        bot,
        [
            now - timedelta(hours=1),
            now - timedelta(days=10),
            now - timedelta(days=10, hours=1),
            now - timedelta(days=7),
        ],
    )
    SupportDesk(bot.booking).take(Actor(STAFF, VENDOR_TEAM), 3)
    card = text_of(bot.command("usage"))
    lines = [line for line in card.splitlines() if "Technical issue" in line]
    assert [line.split("*")[1] for line in lines] == ["S-2", "S-4", "S-3", "S-1"]
    assert lines[0].startswith(":rotating_light:") and lines[1].startswith(":rotating_light:")
    assert not lines[2].startswith(":rotating_light:")  # taken: not overdue however old
    assert not lines[3].startswith(":rotating_light:")  # an hour old

    bot.fake.reset()
    home_opened(bot, STAFF)
    [published] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.publish"))
    home = text_of(published.args["view"])
    assert "*Support cases* · 4 open" in home
    listed = [line for line in home.splitlines() if "Technical issue" in line]
    assert listed[0] == ":rotating_light: S-2 Technical issue, not taken"
    assert listed[1] == ":rotating_light: S-4 Technical issue, not taken"
    assert listed[2] == f"S-3 Technical issue, taken by <@{STAFF}>"
    assert listed[3] == "S-1 Technical issue, not taken"
    # Beta's account on the same page has none.
    assert "*Support cases*\nnone open" in home
