"""Slack hears the ack before the work: a command, a click and a form are answered over HTTP
while what they post is still on its way (Slack's Web API made slow here), and what they post
arrives afterwards. A form's ack is its answer (it closes, or shows a refusal at a field:
tests/test_booking_modal.py), but its posts still come after."""

from __future__ import annotations

from conftest import CHANNEL, STAFF, RunningBot, text_of
from slackreq import block_action
from test_booking_modal import form, submit

SLOW = 3.0  # seconds Slack's Web API takes to answer, far beyond an ack


def test_a_booking_command_is_acked_before_its_post_and_reply(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.fake.slow("chat.postMessage", SLOW)
    reply = bot.sender.command(
        "kickoff 2027-01-12 14:00 30m",
        user_id=STAFF,
        channel_id=CHANNEL,
        response_url=bot.fake.response_url("book"),
    )
    assert (reply.status, reply.body) == (200, "")
    assert bot.fake.posts(CHANNEL) == [] and bot.fake.responses("book") == []
    [post] = bot.fake.wait_for_posts(CHANNEL, 1, timeout=10)
    assert "Kickoff" in text_of(post.args)
    [answer] = bot.fake.wait_for_responses("book", 1, timeout=10)
    assert text_of(answer.body).startswith("Booked *Kickoff*")


def test_a_click_is_acked_before_its_answer(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.fake.slow("chat.postEphemeral", SLOW)
    payload = block_action(
        "show_usage",
        "usage",
        user_id=STAFF,
        team_id="T_VENDOR",
        channel_id=CHANNEL,
        response_url=bot.fake.response_url("click"),
    )
    reply = bot.sender.interaction(payload)
    assert (reply.status, reply.body) == (200, "")
    assert bot.fake.calls_to("chat.postEphemeral") == []
    [card] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"), timeout=10)
    assert card.args["user"] == STAFF and "Acme Oy" in text_of(card.args)


def test_a_booking_form_closes_before_its_post_and_note(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.fake.slow("chat.postMessage", SLOW)
    bot.fake.slow("chat.postEphemeral", SLOW)
    reply = submit(bot, form())
    assert reply.status == 200 and not (reply.json() or {}).get("errors")
    assert bot.fake.posts(CHANNEL) == [] and bot.fake.calls_to("chat.postEphemeral") == []
    [post] = bot.fake.wait_for_posts(CHANNEL, 1, timeout=10)
    assert "Kickoff" in text_of(post.args)
    [note] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"), timeout=10)
    assert note.args["user"] == STAFF and note.args["text"].startswith("Booked *Kickoff*")
