"""Quick checks that FakeSlack and SlackSender behave like Slack for the real slack_sdk."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient
from slackreq import SlackSender, block_action, view_submission

from bot.sandbox.fakeslack import FakeSlack

SECRET = "test-signing-secret"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def test_users_info_reports_timezone_and_unknown_user(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U_ANNA", tz="America/New_York", team_id="T_ACME", name="anna")
    user = client.users_info(user="U_ANNA")["user"]
    assert (user["id"], user["team_id"], user["tz"]) == ("U_ANNA", "T_ACME", "America/New_York")
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert user["is_bot"] is False
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U_NOBODY")
    assert err.value.response["error"] == "user_not_found"
    call = fake.calls_to("users.info")[0]
    assert (call.args, call.token) == ({"user": "U_ANNA"}, "xoxb-test")


def test_post_message_is_recorded_with_blocks(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    first = client.chat_postMessage(channel="C1", text="hi", blocks=blocks)
    second = client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])
    assert first["channel"] == "C1" and first["message"]["blocks"] == blocks
    assert float(second["ts"]) > float(first["ts"])
    # form-encoded JSON strings are decoded too, so tests inspect both the same way
    client.api_call("chat.postMessage", params={"channel": "C2", "blocks": json.dumps(blocks)})
    assert fake.posts("C1")[0].args["blocks"] == blocks
    assert fake.posts("C2")[0].args["blocks"] == blocks
    assert fake.wait_for_posts("C1", 2)[1].args["thread_ts"] == first["ts"]


def test_not_in_channel_until_joined(fake: FakeSlack, client: WebClient) -> None:
    fake.not_in_channel.add("C_SHARED")
    fake.channel_not_found.add("C_GONE")
    for channel, error in [("C_SHARED", "not_in_channel"), ("C_GONE", "channel_not_found")]:
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel=channel, text="x")
        assert err.value.response["error"] == error
    client.conversations_join(channel="C_SHARED")
    client.chat_postMessage(channel="C_SHARED", text="x")
    assert len(fake.posts("C_SHARED")) == 1
    assert len(fake.calls_to("chat.postMessage")) == 3  # failed calls are recorded, not posts


def test_rate_limit_is_retried_by_slack_sdk(fake: FakeSlack) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=fake.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail("chat.postMessage", 429, times=1, retry_after=1)
    started = time.monotonic()
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert time.monotonic() - started >= 1  # slack_sdk slept Retry-After (+ up to 1 s jitter)
    assert [(f.method, f.status) for f in fake.faults] == [("chat.postMessage", 429)]
    assert len(fake.posts("C1")) == 1


def test_server_error_surfaces_as_slack_api_error(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", 500, times=1)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="hi")
    assert err.value.response.status_code == 500
    assert err.value.response["error"] == "internal_error"
    assert fake.posts() == [] and len(fake.faults) == 1
    client.chat_postMessage(channel="C1", text="hi")  # only the next `times` calls fail
    assert len(fake.posts("C1")) == 1


def test_response_url_posts_are_recorded(fake: FakeSlack) -> None:
    WebhookClient(fake.response_url("r1")).send(text="booked", response_type="ephemeral")
    assert fake.wait_for_responses("r1", 1)[0].body == {
        "text": "booked",
        "response_type": "ephemeral",
    }
    assert fake.responses("other") == []
    with pytest.raises(AssertionError, match="response_url posts to other"):
        fake.wait_for_responses("other", 1, timeout=0.05)


def test_files_upload_v2_lands_in_uploaded_files(fake: FakeSlack, client: WebClient) -> None:
    result = client.files_upload_v2(
        channel="C1", content="a,b\n1,2", filename="r.csv", initial_comment="report"
    )
    assert result["file"]["name"] == "r.csv"
    [upload] = fake.uploaded_files()
    assert upload["content"] == b"a,b\n1,2"
    assert (upload["filename"], upload["title"], upload["channel_id"]) == ("r.csv", "r.csv", "C1")
    assert upload["initial_comment"] == "report"


def test_views_and_dm(fake: FakeSlack, client: WebClient) -> None:
    view = {"type": "modal", "callback_id": "book", "title": {"type": "plain_text", "text": "B"}}
    with pytest.raises(SlackApiError) as err:
        client.api_call("views.open", json={"view": view})
    assert err.value.response["error"] == "invalid_arguments"
    opened = client.views_open(trigger_id="1337.42.abcd", view=view)["view"]
    assert opened["callback_id"] == "book" and opened["id"]
    assert client.conversations_open(users="U_ANNA")["channel"]["id"] == "D_U_ANNA"
    fake.reset()
    assert fake.calls == []


def test_take_outputs_gives_what_was_shown_in_order_once(
    fake: FakeSlack, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="U_ANNA", text="hi")  # lands in the DM
    fake.fail("chat.postMessage", 500)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="lost")
    client.chat_postEphemeral(channel="C1", user="U_ANNA", text="psst")
    WebhookClient(fake.response_url("r1")).send(text="done")
    client.chat_update(channel="D_U_ANNA", ts=posted["ts"], text="hi again")
    client.views_open(trigger_id="1.2.3", view={"type": "modal", "callback_id": "book"})
    client.views_publish(user_id="U_ANNA", view={"type": "home", "blocks": []})
    client.files_upload_v2(channel="C1", content="a,b", filename="r.csv", initial_comment="csv")
    client.auth_test()  # answered, but shows nothing

    outputs = fake.take_outputs()
    kinds = ["message", "ephemeral", "reply", "updated", "modal", "home", "file"]
    assert [o.kind for o in outputs] == kinds  # the failed post is not among them
    message, ephemeral, reply, updated, modal, home, file = outputs
    assert (message.channel, message.ts) == ("D_U_ANNA", posted["ts"])
    assert message.payload == {"text": "hi"}
    assert (ephemeral.channel, ephemeral.payload["text"]) == ("C1", "psst")
    assert (reply.reply_to, reply.payload) == ("r1", {"text": "done"})
    assert (updated.ts, updated.payload["text"]) == (posted["ts"], "hi again")
    assert modal.payload["callback_id"] == "book" and modal.payload["team_id"] == "T_VENDOR"
    assert home.payload["type"] == "home" and home.payload["id"]
    assert file.channel == "C1"
    assert file.payload == {
        "filename": "r.csv",
        "title": "r.csv",
        "content": b"a,b",
        "initial_comment": "csv",
    }
    assert fake.take_outputs() == []  # each thing is handed out once

    client.chat_postMessage(channel="C1", text="later")
    fake.reset()
    assert fake.take_outputs() == []
    client.chat_postMessage(channel="C1", text="after reset")
    assert [o.payload["text"] for o in fake.take_outputs()] == ["after reset"]


# -- slackreq -----------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def app_url() -> Iterator[str]:
    """A throwaway WSGI app that verifies signatures like Bolt and echoes what it got."""
    verifier = SignatureVerifier(SECRET)

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        if not verifier.is_valid_request(body, headers):
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error": "invalid request"}']
        echo = {"content_type": environ["CONTENT_TYPE"], "body": body.decode(), "headers": headers}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(echo).encode()]

    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_signed_command_verifies_and_tampering_does_not(app_url: str) -> None:
    sender = SlackSender(app_url, SECRET)
    reply = sender.command("book", user_id="U_ANNA", channel_id="C1", response_url="http://x/r")
    assert reply.status == 200
    form = parse_qs(reply.json()["body"])
    assert form["command"] == ["/oura-book"] and form["team_id"] == ["T_VENDOR"]
    assert reply.json()["content_type"] == "application/x-www-form-urlencoded"

    bad = [
        {"signature": "v0=" + "0" * 64},
        {"unsigned": True},
        {"timestamp": int(time.time()) - 600},
    ]
    for opts in bad:
        assert (
            sender.command("x", user_id="U", channel_id="C", response_url="u", **opts).status == 401
        )
    assert SlackSender(app_url, "wrong-secret").url_verification("abc").status == 401


def test_event_and_interaction_bodies(app_url: str) -> None:
    sender = SlackSender(app_url, SECRET)
    event = {"type": "app_mention", "user": "U_ANNA", "text": "<@U_BOT> hi", "channel": "C1"}
    reply = sender.event(event, headers={"X-Slack-Retry-Num": "1"})
    echo = reply.json()
    envelope = json.loads(echo["body"])
    assert echo["content_type"] == "application/json" and echo["headers"]["X-SLACK-RETRY-NUM"]
    assert envelope["type"] == "event_callback" and envelope["event"] == event
    assert envelope["event_id"].startswith("Ev")

    payload = block_action(
        "confirm", "42", user_id="U_ANNA", team_id="T_ACME", channel_id="C1", response_url="u"
    )
    echo = sender.interaction(payload).json()
    assert json.loads(parse_qs(echo["body"])["payload"][0]) == payload
    values = {"b": {"a": {"type": "plain_text_input", "value": "x"}}}
    sub = view_submission("book", values, user_id="U_ANNA", team_id="T_ACME")
    assert sub["view"]["state"]["values"] == values
    assert sender.interaction(sub).status == 200
