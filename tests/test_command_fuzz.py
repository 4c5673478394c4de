"""Arbitrary `/oura-book` text never escapes as an exception; every reply is a valid message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import CHANNEL, STAFF, VENDOR_TEAM, settings_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.domain.commands import OpenBookingModal, OpenOrderModal, OpenSupportModal, parse
from bot.domain.identity import Installation
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import BookingService
from bot.services.container import Services
from handlers.commands.oura_book import CommandRequest, answer

WORDS = st.sampled_from(
    [
        "link", "premium", "pro-lite", "launch-kit", "kickoff", "onboarding", "training",
        "status", "usage", "list", "cancel", "done", "move", "help", "timezone", "billable",
        "2027-01-04", "2027-02-30", "14:00", "24:61", "45m", "61m", "0m", "#1", "1", "-1",
        "Europe/Helsinki", "Acme", "Oy", "<@U1>", "*bold*", "```", "🎉", "",
        "order", "orders", "fix", "support", "40", "2026-01-05",
    ]
)  # fmt: skip
TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(WORDS, max_size=8).map(" ".join),
    st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=8).map(" ".join),
)


@pytest.fixture
def services(engine: Engine, fake_slack: FakeSlack) -> Iterator[tuple[Services, WebClient]]:
    settings = settings_for(fake_slack, "unused")
    booking = BookingService(engine, "Europe/Helsinki")
    yield (
        Services.build(settings, booking),
        WebClient(token="xoxb-test", base_url=fake_slack.api_url),
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=TEXTS, linked=st.booleans())
def test_any_text_gets_a_message(
    services: tuple[Services, WebClient], text: str, linked: bool
) -> None:
    service, client = services
    channel = CHANNEL if linked else "C_OTHER"
    if linked and service.booking.account_for_channel(CHANNEL) is None:
        answer(
            CommandRequest("link premium 2027-01-04 Acme", STAFF, VENDOR_TEAM, None, CHANNEL, "t"),
            service,
            client,
            Installation(VENDOR_TEAM),
        )
    request = CommandRequest(text, STAFF, VENDOR_TEAM, None, channel, "trigger")
    reply = answer(request, service, client, Installation(VENDOR_TEAM))
    if reply is None:  # a form opened instead (booking, order, support)
        assert isinstance(parse(text), (OpenBookingModal, OpenOrderModal, OpenSupportModal))
        return
    kwargs = reply.as_kwargs()  # validates every block against Block Kit limits
    assert kwargs["text"].strip()
    assert "Traceback" not in kwargs["text"]
    assert "something went wrong on our side" not in kwargs["text"], (text, kwargs["text"])
