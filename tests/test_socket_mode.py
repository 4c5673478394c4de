"""Socket Mode end to end: `oura-bot run` with an app token connects to a WebSocket that speaks
Slack's protocol (tests/socketmode.py), and a slash command, a button click and a form
submission travel as envelopes, are acknowledged by envelope id, and do what they do over HTTP;
after `disconnect` the app reconnects and goes on answering."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import CHANNEL, STAFF, VENDOR_TEAM, text_of
from slackreq import API_APP_ID, VERIFICATION_TOKEN, block_action, view_submission
from socketmode import FakeSocketMode
from test_run import Running, start

from bot.blocks import ids
from bot.sandbox.fakeslack import FakeSlack
from bot.services.signer import MetadataSigner

BOT_TOKEN = "xoxb-socket-mode-bot-token"
APP_TOKEN = "xapp-1-A_OURA-socket-mode-app-token"
JAN_12_10_UTC = int(datetime(2027, 1, 12, 10, tzinfo=UTC).timestamp())


@pytest.fixture
def socket(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as server:
        fake_slack.socket_mode_url = server.url
        yield server


@pytest.fixture
def socket_run(
    tmp_path: Path, fake_slack: FakeSlack, socket: FakeSocketMode, database_url: str
) -> Iterator[Running]:
    running = start(
        ["run", "--no-clock"],
        tmp_path,
        "Socket Mode client started",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=fake_slack.api_url,
        DATABASE_URL=database_url,
    )
    socket.wait_for_connections(1)
    yield running
    running.process.kill()


def slash_command(fake: FakeSlack, text: str, reply_key: str) -> dict[str, Any]:
    """The `slash_commands` envelope payload of bolt-python's
    tests/adapter_tests/socket_mode/mock_socket_mode_server.py, with our ids and text."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": VENDOR_TEAM,
        "team_domain": "vendor",
        "channel_id": CHANNEL,
        "channel_name": "shared-acme",
        "user_id": STAFF,
        "user_name": "sam.staff",
        "command": "/oura-book",
        "text": text,
        "api_app_id": API_APP_ID,
        "response_url": fake.response_url(reply_key),
        "trigger_id": f"111.222.{uuid.uuid4().hex[:8]}",
    }


def command(socket: FakeSocketMode, fake: FakeSlack, text: str, key: str) -> str:
    envelope_id = socket.send("slash_commands", slash_command(fake, text, key), True)
    socket.wait_for_ack(envelope_id)
    [reply] = fake.wait_for_responses(key, 1, timeout=10)
    return text_of(reply.body)


def booking_form(minutes: str) -> dict[str, Any]:
    state = {
        ids.FIELD_TYPE: {
            "value": {"type": "static_select", "selected_option": {"value": "kickoff"}}
        },
        ids.FIELD_STARTS_AT: {
            "value": {"type": "datetimepicker", "selected_date_time": JAN_12_10_UTC}
        },
        ids.FIELD_MINUTES: {"value": {"type": "number_input", "value": minutes}},
        ids.FIELD_BILLABLE: {"value": {"type": "checkboxes", "selected_options": []}},
    }
    # Socket Mode has no signing secret: the app signs form metadata with its app token.
    metadata = MetadataSigner(APP_TOKEN).dumps({"channel_id": CHANNEL, "account_id": 1})
    return view_submission(
        ids.BOOKING_MODAL, state, user_id=STAFF, team_id=VENDOR_TEAM, private_metadata=metadata
    )


def test_a_command_a_click_and_a_form_travel_over_socket_mode(
    socket_run: Running, socket: FakeSocketMode, fake_slack: FakeSlack
) -> None:
    linked = command(socket, fake_slack, "link premium 2027-01-04 Acme Oy", "link")
    assert "Linked this channel to *Acme Oy*" in linked
    assert "Premium Success" in command(socket, fake_slack, "usage", "usage")

    click = block_action(
        ids.SHOW_USAGE,
        "usage",
        user_id=STAFF,
        team_id=VENDOR_TEAM,
        channel_id=CHANNEL,
        response_url=fake_slack.response_url("click"),
    )
    socket.wait_for_ack(socket.send("interactive", click))
    [card] = fake_slack.wait_for(lambda: fake_slack.calls_to("chat.postEphemeral"), 10)
    assert (card.args["channel"], card.args["user"]) == (CHANNEL, STAFF)
    assert "Acme Oy" in card.args["text"]

    # A form's refusal travels back in the envelope's acknowledgement, on the form itself.
    refused = socket.wait_for_ack(socket.send("interactive", booking_form("90"), True))
    assert refused["payload"]["response_action"] == "errors"
    assert "at most 60 minutes" in refused["payload"]["errors"][ids.FIELD_MINUTES]
    assert not [p for p in fake_slack.posts(CHANNEL) if "Booked" in p.args["text"]]

    accepted = socket.wait_for_ack(socket.send("interactive", booking_form("45"), True))
    assert not (accepted.get("payload") or {}).get("errors")
    [post] = fake_slack.wait_for(
        lambda: [p for p in fake_slack.posts(CHANNEL) if "Booked for Acme Oy" in p.args["text"]],
        10,
    )
    assert "(45 min)" in post.args["text"]


def test_after_disconnect_the_app_reconnects_and_answers(
    socket_run: Running, socket: FakeSocketMode, fake_slack: FakeSlack
) -> None:
    assert "Linked this channel" in command(
        socket, fake_slack, "link launch-kit 2027-01-04 Acme", "a"
    )
    socket.disconnect()
    socket.wait_for_connections(2)
    assert len(fake_slack.calls_to("apps.connections.open")) >= 2
    assert "Acme: sessions" in command(socket, fake_slack, "list", "b")
    code, stderr = socket_run.stop()
    assert code == 0
    assert APP_TOKEN not in stderr and BOT_TOKEN not in stderr
