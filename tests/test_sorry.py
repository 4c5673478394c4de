"""An unexpected failure is logged and answered politely, in words that fit who reads them."""

from __future__ import annotations

from conftest import CHANNEL, STAFF, VENDOR_TEAM, RunningBot, text_of
from slackreq import block_action

from bot.blocks import ids

BUYER, CUSTOMER_TEAM = "U_BUYER", "T_CUSTOMER"


def test_a_buyer_is_never_told_to_run_a_command(bot: RunningBot) -> None:
    bot.link("premium")
    bot.booking.record_customer_ids(CHANNEL, [CUSTOMER_TEAM], "channel_shared")
    bot.fake.fail("views.open", 500, times=3)  # Slack fails the form, retries included
    click = block_action(
        ids.REQUEST_SESSION,
        "request",
        user_id=BUYER,
        team_id=CUSTOMER_TEAM,
        channel_id=CHANNEL,
        response_url=bot.fake.response_url("click"),
    )
    assert bot.sender.interaction(click).status == 200
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert note.args["user"] == BUYER
    assert note.args["text"].startswith("Sorry, something went wrong on our side")
    assert "/oura-book" not in note.args["text"]
    assert "tell your Oura contact" in note.args["text"]


def test_staff_are_told_how_to_check_before_trying_again(bot: RunningBot) -> None:
    bot.link("premium")
    bot.fake.fail("views.open", 500, times=3)
    reply = text_of(bot.command("", user_id=STAFF, team_id=VENDOR_TEAM))  # opens the form
    assert reply.startswith("Sorry, something went wrong on our side")
    assert "`/oura-book list`" in reply
