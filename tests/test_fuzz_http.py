"""Whatever arrives at /slack/events, signed or not, gets a plain answer (never a 500 or a
traceback), and nothing that a refusal answers changes anything.

Hypothesis drives every input surface through the real app over HTTP: raw bodies and headers,
button values (every action id), form state values and private_metadata (every callback id),
and event bodies."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from conftest import CHANNEL, SIGNING_SECRET, STAFF, VENDOR_TEAM, RunningBot
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from slackreq import block_action, view_submission
from sqlalchemy import text

from bot.blocks import ids
from bot.services.signer import MetadataSigner

ACTION_IDS = [
    ids.REQUEST_SESSION, ids.SHOW_USAGE, ids.GET_SUPPORT, ids.CANCEL_SESSION, ids.LOG_HELD,
    ids.CONFIRM_REQUEST, ids.CONFIRM_BILLABLE, ids.PROPOSE_TIME, ids.DECLINE_REQUEST,
    ids.ACCEPT_PROPOSAL, ids.TAKE_CASE, ids.RESOLVE_CASE, ids.HOME_MINE, ids.HOME_ALL,
    f"{ids.HOME_PAGE}:next", ids.HOME_USAGE, ids.ADD_TO_CALENDAR, ids.HISTORY_MORE,
    ids.ASK_MOVE, ids.ASK_CANCEL, ids.CONFIRM_ASK, ids.CONFIRM_ASK_CLASH, ids.DECLINE_ASK,
    ids.CONFIRM_ASK_BILLABLE,
]  # fmt: skip
CALLBACK_IDS = [
    ids.BOOKING_MODAL,
    ids.REQUEST_MODAL,
    ids.PROPOSE_MODAL,
    ids.LOG_HELD_MODAL,
    ids.ORDER_MODAL,
    ids.SUPPORT_MODAL,
    ids.ASK_MOVE_MODAL,
    ids.ASK_CANCEL_MODAL,
]
FIELDS = [v for k, v in vars(ids).items() if k.startswith("FIELD_") and isinstance(v, str)]
OUTSIDER = ("U_STRANGER", "T_STRANGER")
# Metadata the app signed, naming everything any form acts on.
OURS = MetadataSigner(SIGNING_SECRET).dumps(
    {"channel_id": CHANNEL, "account_id": 1, "session_id": 1, "request_id": 1}
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def post(bot: RunningBot, body: bytes, content_type: str, headers: dict[str, str]) -> int:
    request = Request(
        f"{bot.base_url}/slack/events",
        data=body,
        headers={"Content-Type": content_type, **headers},
    )
    try:
        with urlopen(request, timeout=15) as answer:
            return int(answer.status)
    except HTTPError as error:
        return int(error.code)


def signed(body: bytes, timestamp: str | None = None) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    base = f"v0:{timestamp}:".encode() + body
    digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def snapshot(bot: RunningBot) -> dict[str, int]:
    with bot.engine.connect() as connection:
        return {
            table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)
            for table in ("onboarding_session", "contract", "session_request", "support_case",
                          "customer_order", "audit_event", "account")
        }  # fmt: skip


@pytest.fixture
def linked(bot: RunningBot) -> RunningBot:
    bot.link("premium")
    return bot


@FUZZ
@given(
    body=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
    content_type=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]
    ),
    # Header values travel as Latin-1 (HTTP/1.1); printable ASCII is what a client can send.
    timestamp=st.none() | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12),
    sign=st.booleans(),
)
@example(body=b"command=/oura-book", content_type="", timestamp="²", sign=True)
def test_any_body_and_headers_get_a_plain_answer(
    linked: RunningBot, body: bytes, content_type: str, timestamp: str | None, sign: bool
) -> None:
    before = snapshot(linked)
    headers = signed(body, timestamp) if sign else {}
    if timestamp is not None and not sign:
        headers["X-Slack-Request-Timestamp"] = timestamp
    status = post(linked, body, content_type, headers)
    assert status in (200, 400, 401, 404), status
    assert snapshot(linked) == before


@FUZZ
@given(action_id=st.sampled_from(ACTION_IDS), value=st.text(max_size=40))
@example(action_id=ids.CANCEL_SESSION, value="²")  # a digit to str.isdigit, not to int()
def test_any_button_value_from_a_stranger_changes_nothing(
    linked: RunningBot, action_id: str, value: str
) -> None:
    before, posts = snapshot(linked), len(linked.fake.posts(CHANNEL))
    payload = block_action(
        action_id,
        value,
        user_id=OUTSIDER[0],
        team_id=OUTSIDER[1],
        channel_id=CHANNEL,
        response_url=linked.fake.response_url("fuzz"),
    )
    body = urlencode({"payload": json.dumps(payload)}).encode()
    status = post(linked, body, "application/x-www-form-urlencoded", signed(body))
    assert status == 200
    assert snapshot(linked) == before
    assert len(linked.fake.posts(CHANNEL)) == posts


@FUZZ
@given(
    callback_id=st.sampled_from(CALLBACK_IDS),
    values=st.dictionaries(st.sampled_from(FIELDS), JSONISH, max_size=4),
    metadata=st.text(max_size=60) | st.just(OURS),
    as_staff=st.booleans(),
)
def test_any_form_state_and_metadata_get_an_answer_not_a_traceback(
    linked: RunningBot,
    callback_id: str,
    values: dict[str, Any],
    metadata: str,
    as_staff: bool,
) -> None:
    user, team = (STAFF, VENDOR_TEAM) if as_staff else OUTSIDER
    before = snapshot(linked)
    state = {block: {ids.FIELD_VALUE: value} for block, value in values.items()}
    payload = view_submission(
        callback_id, state, user_id=user, team_id=team, private_metadata=metadata
    )
    body = urlencode({"payload": json.dumps(payload)}).encode()
    status = post(linked, body, "application/x-www-form-urlencoded", signed(body))
    assert status == 200
    if metadata != OURS or not as_staff:
        # Metadata that is not ours is an expired form, a stranger is refused: nothing changed.
        assert snapshot(linked) == before


EVENT_KEYS = ["type", "channel", "user", "tab", "old_channel_id", "new_channel_id",
              "connected_team_id"]  # fmt: skip
EVENT_TYPES = ["app_home_opened", "channel_shared", "channel_id_changed", "x"]


@FUZZ
@given(
    event=st.dictionaries(st.sampled_from(EVENT_KEYS), JSONISH, max_size=5),
    kind=st.sampled_from(EVENT_TYPES),
)
def test_any_event_body_gets_an_answer(
    linked: RunningBot, event: dict[str, Any], kind: str
) -> None:
    envelope = {
        "token": "legacy-verification-token",
        "team_id": VENDOR_TEAM,
        "api_app_id": "A_OURA",
        "event": {"type": kind, **{k: v for k, v in event.items() if k != "type"}},
        "type": "event_callback",
        "event_id": f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
    }
    body = json.dumps(envelope).encode()
    status = post(linked, body, "application/json", signed(body))
    assert status in (200, 400, 404), status
