"""The text customers and staff read (issue 13's examples): each test shows the new wording and
would fail on the old one. Clock posts go through the real sweeper and the fake Slack."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import STAFF, text_of
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.blocks.automated_posts import post_message
from bot.blocks.sessions import booking_reply, schedule_list, usage_card
from bot.clock import METADATA_EVENT, Sweeper, clock_web_client
from bot.domain.entitlement import Balance, ContractTerms
from bot.domain.packages import LAUNCH_KIT, PRO_LITE, SessionType
from bot.domain.schedule import ContractFacts, OrderFacts, Post, PostKind, timeline
from bot.i18n import n_, speaking
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import Actor, BookingService
from bot.settings import SettingsError, load_settings
from storage.models import Account

ACTOR = Actor(user_id=STAFF, team_id="T_VENDOR")
TZ = "Europe/Helsinki"


def facts(package=PRO_LITE, balance: Balance | None = None, **extra) -> ContractFacts:
    return ContractFacts(
        contract_id=1,
        account_id=1,
        channel_id="C1",
        company="Demo Launch Oy",
        terms=ContractTerms(package, date(2026, 11, 30), 12, TZ),
        balance=balance or Balance(120, 120, 12, 1),
        **extra,
    )


def first(contract: ContractFacts, kind: PostKind, days_before: int | None = None) -> Post:
    return next(
        p
        for p in timeline(contract)
        if p.kind is kind and (days_before is None or p.days_before == days_before)
    )


def post_text(post: Post, contract: ContractFacts) -> str:
    message = post_message(post, contract)
    return text_of(message.as_kwargs())


# -- small helpers ----------------------------------------------------------------------------


def test_a_count_takes_its_form_in_each_language() -> None:
    def counts() -> list[str]:
        return [n_("{n} status update", "{n} status updates", n) for n in (1, 2, 0)]

    with speaking("en"):
        assert counts() == ["1 status update", "2 status updates", "0 status updates"]
    with speaking("fi"):
        assert counts() == ["1 tilannekatsaus", "2 tilannekatsausta", "0 tilannekatsausta"]


# -- automated posts (builders) ---------------------------------------------------------------


def test_the_term_warning_ends_on_a_day_and_lists_only_what_is_left() -> None:
    contract = facts(balance=Balance(120, 120, 12, 1))
    text = post_text(first(contract, PostKind.TERM_WARNING, 30), contract)
    assert "the Pro Lite Success term ends on Mon 29 Nov 2027." in text
    assert "ends with" not in text
    assert "Still included until then: 11 status updates." in text
    assert "0 included minutes" not in text
    assert "Use *Request a session* to use them." in text


def test_a_term_warning_with_nothing_left_offers_the_next_step() -> None:
    contract = facts(balance=Balance(120, 120, 12, 12))
    text = post_text(first(contract, PostKind.TERM_WARNING, 7), contract)
    assert "Still included" not in text
    assert "ask your Oura contact here about a renewal or extra hours" in text


@pytest.mark.parametrize("kind", [PostKind.WINDOW_CLOSED, PostKind.TERM_CLOSED])
def test_closed_summaries_offer_the_next_step(kind: PostKind) -> None:
    contract = facts(LAUNCH_KIT, Balance(240, 100, 0, 0))
    text = post_text(first(contract, kind), contract)
    assert "has ended" in text and "140 lapsed" in text
    assert (
        "Next step: to keep going, ask your Oura contact here about a renewal or extra hours."
        in text
    )


def test_every_customer_post_is_free_of_internal_labels_and_points_to_the_buttons() -> None:
    order = OrderFacts(id=3, received_on=date(2027, 1, 10), rings=1, reference="PO-1")
    contract = facts(LAUNCH_KIT, Balance(240, 100, 0, 0), orders=(order,))
    posts = timeline(contract)
    assert {p.kind for p in posts} >= {
        PostKind.WINDOW_WARNING,
        PostKind.WINDOW_CLOSED,
        PostKind.TERM_CLOSED,
        PostKind.RETURN_WINDOW,
    }
    for post in posts:
        text = post_text(post, contract)
        assert "Oura onboarding ·" not in text, post.key
        assert post.kind.label not in text, post.key
        assert "book a session" not in text.lower(), post.key
        assert "vendor contact" not in text, post.key


def test_a_return_window_reminder_informs_and_does_not_invite_a_return() -> None:
    order = OrderFacts(id=3, received_on=date(2027, 1, 10), rings=1, reference="PO-1")
    contract = facts(orders=(order,))
    text = post_text(first(contract, PostKind.RETURN_WINDOW), contract)
    assert (
        "for order #3 (PO-1), 1 ring received on Sun 10 Jan 2027, the 30-day window for returns "
        "and exchanges closes at the end of Tue 09 Feb 2027." in text
    )
    assert "If something is wrong with the order, use *Get support* before then." in text
    assert "to start one" not in text and "are possible until" not in text


# -- automated posts (the clock) --------------------------------------------------------------


class Now:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def test_the_four_window_warnings_say_how_many_days_are_left(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    """Launch Kit from Mon 2027-01-04: day 90, the last, is Sat 2027-04-03. Each sweep runs on a
    weekday morning once a warning is due; the days left count from that day."""
    now = Now(datetime(2027, 3, 4, 8, 0, tzinfo=UTC))
    service = BookingService(engine, TZ, now=now)
    service.link(ACTOR, "C1", "launch-kit", date(2027, 1, 4), "Demo Launch Oy")
    client: WebClient = clock_web_client("xoxb-test", fake_slack.api_url)
    sweeper = Sweeper(engine, client, worker="clock-1", pace_seconds=0, now=now)
    texts = []
    # Thursday (day 60), Monday 22 March, Wednesday 31 March, Friday 2 April.
    for day, left in ((4, "30 days left"), (22, "12 days left"), (31, "3 days left")):
        now.moment = datetime(2027, 3, day, 8, 0, tzinfo=UTC)
        sweeper.sweep()
        texts.append((text_of(fake_slack.posts("C1")[-1].args), left))
    now.moment = datetime(2027, 4, 2, 8, 0, tzinfo=UTC)
    sweeper.sweep()
    texts.append((text_of(fake_slack.posts("C1")[-1].args), "1 day left"))
    for text, left in texts:
        assert f"Demo Launch Oy: {left} to use the included" in text
        assert "240 of 240 are left, and they lapse after Sat 03 Apr 2027." in text
        assert "Use *Request a session* to use them in time." in text
        assert "Book a session" not in text and "Oura onboarding" not in text
    assert len({text for text, _ in texts}) == 4
    kinds = [call.args["metadata"]["event_payload"]["kind"] for call in fake_slack.posts("C1")]
    # Nothing was booked: the pace warnings went out too, on 4 March (half, day 45 passed)
    # and on 22 March (two thirds, day 60 passed) — tests/test_pace.py.
    assert kinds.count("pace-warning") == 2
    warnings = [
        call
        for call in fake_slack.posts("C1")
        if call.args["metadata"]["event_payload"]["kind"] != "pace-warning"
    ]
    assert len(warnings) == 4
    for call in warnings:
        metadata = call.args["metadata"]
        assert metadata["event_type"] == METADATA_EVENT
        assert metadata["event_payload"]["kind"] == "window-warning"
        assert ":window-warning:" in metadata["event_payload"]["key"]


# -- staff text -------------------------------------------------------------------------------


def test_the_schedule_list_counts_days_and_posts_in_the_singular_too() -> None:
    contract = facts(LAUNCH_KIT, Balance(240, 0, 0, 0))
    one_day = [p for p in timeline(contract) if p.days_before == 1]
    assert one_day
    account = Account(
        id=1, channel_id="C1", company="Demo Launch Oy", timezone=TZ, vendor_contact_id=STAFF
    )
    message = schedule_list(account, one_day[:1], datetime(2026, 12, 1, tzinfo=UTC))
    body = text_of(message.as_kwargs())
    assert "(1 day before)" in body and "1 days" not in body
    assert message.text == "Demo Launch Oy: 1 automated post to come"


def test_settings_currency_defaults_to_eur_and_is_checked() -> None:
    assert load_settings({}, dotenv=False).currency == "EUR"
    assert load_settings({"OURA_CURRENCY": "usd"}, dotenv=False).currency == "USD"
    with pytest.raises(SettingsError, match="OURA_CURRENCY"):
        load_settings({"OURA_CURRENCY": "euros"}, dotenv=False)


def test_logging_as_held_names_the_minutes_once(engine: Engine) -> None:
    now = datetime(2027, 1, 20, 8, 0, tzinfo=UTC)
    service = BookingService(engine, TZ, now=lambda: now, hourly_rate=Decimal("150"))
    service.link(ACTOR, "C1", "launch-kit", date(2027, 1, 4), "Demo Launch Oy")
    change = service.book(
        ACTOR, "C1", SessionType.TRAINING, now - timedelta(days=1), 60, billable=False
    )
    session_id = change.session.id
    assert session_id is not None
    held = service.log_held(ACTOR, "C1", session_id, 45, False)
    text = booking_reply(held).text
    assert "as held, 45 min" not in text
    assert text.count("45 min") == 1, text
    assert " (45 min) as held." in text
    card = text_of(usage_card(service.usage("C1")).as_kwargs())
    assert "(45 used: held, no-shows, late cancels; 0 reserved by bookings)" in card
