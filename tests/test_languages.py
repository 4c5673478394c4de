"""Who reads which language (README: Finnish and English): what is for one person is in their
own Slack locale (`users.info` with `include_locale`), what goes into a shared channel is in its
account's language (`/oura-book language`), the clock's posts included.

People and payloads as in tests/test_slack_connect.py (Slack's published fixtures); Acme's
buyer Anna reads Slack in Finnish, the vendor's staff in English.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from conftest import BOT_TOKEN, CHANNEL, STAFF, RunningBot, settings_for, text_of
from slackfixtures import view_submission as fixture_submission
from test_slack_connect import BETA_CHANNEL, PERSONAS, click, in_days, picked_time, setup_world

from bot.clock import Sweeper, clock_web_client
from bot.settings import SettingsError, load_settings

BUYER = PERSONAS["buyer"].user_id

# What the Finnish catalog says, as a reader sees it: a few words that only Finnish has …
FINNISH_WORDS = (
    "minuutti", "tapaami", "Oura-yhteyshenkilö", "jäljellä", "tuki", "Tuki", "Pyydä", "kirjattu",
)  # fmt: skip
# … and English that must not be left in a Finnish message.
ENGLISH_WORDS = (" used ", " left", "session", "Your ", "Request a session", "Ask your")


def finnish(text: str) -> bool:
    return any(word in text for word in FINNISH_WORDS) and not any(
        word in text for word in ENGLISH_WORDS
    )


def english(text: str) -> bool:
    return not any(word in text for word in FINNISH_WORDS)


@pytest.fixture
def world(bot: RunningBot) -> RunningBot:
    setup_world(bot)
    bot.fake.users[BUYER]["locale"] = "fi-FI"
    bot.fake.users[STAFF]["locale"] = "en-US"
    bot.fake.reset()
    return bot


def ephemeral_to(bot: RunningBot, user_id: str) -> list[Any]:
    return [c for c in bot.fake.calls_to("chat.postEphemeral") if c.args.get("user") == user_id]


def opened_view(bot: RunningBot) -> dict[str, Any]:
    [opened] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"))
    view: dict[str, Any] = opened.args["view"]
    return view


def buyer_submits(
    bot: RunningBot, callback_id: str, values: dict[str, Any], form: dict[str, Any]
) -> Any:
    """Anna submits the form she was shown (Slack's Slack Connect submission sample)."""
    return bot.sender.interaction(
        fixture_submission(
            "view_submission.slack_connect.json",
            callback_id,
            values,
            form["private_metadata"],
            user=PERSONAS["buyer"],
            installed_team=PERSONAS["staff"].team_id,
        )
    )


def test_a_finnish_buyer_reads_the_usage_card_in_finnish_and_staff_read_english(
    world: RunningBot,
) -> None:
    bot = world
    click(bot, "show_usage", "usage", "buyer")
    [card] = bot.fake.wait_for(lambda: ephemeral_to(bot, BUYER))
    buyer_card = text_of(card.args)
    assert finnish(buyer_card), buyer_card
    # Slack was asked for the locale, and asked once: the next click reads it from memory
    # (the staff member's was learnt when they linked the channel).
    asked = bot.fake.calls_to("users.info")
    assert [c.args.get("user") for c in asked] == [BUYER]
    assert str(asked[0].args.get("include_locale")).lower() in ("1", "true")

    click(bot, "show_usage", "usage", "staff")
    [card] = bot.fake.wait_for(lambda: ephemeral_to(bot, STAFF))
    staff_card = text_of(card.args)
    assert "used of" in staff_card and english(staff_card), staff_card

    click(bot, "show_usage", "usage-again", "buyer")
    bot.fake.wait_for(lambda: len(ephemeral_to(bot, BUYER)) == 2)
    assert [c.args.get("user") for c in bot.fake.calls_to("users.info")] == [BUYER]


def test_a_finnish_buyers_request_form_refusal_and_confirmation_are_finnish(
    world: RunningBot,
) -> None:
    bot = world
    click(bot, "request_session", "request", "buyer")
    form = opened_view(bot)
    assert finnish(text_of(form)) and finnish(form["title"]["text"] + " tapaami"), form["title"]
    for text in (form["title"]["text"], form["submit"]["text"], form["close"]["text"]):
        assert len(text) <= 24

    values: dict[str, Any] = {
        "type": {"value": {"type": "static_select", "selected_option": {"value": "onboarding"}}},
        "minutes": {"value": {"type": "static_select", "selected_option": {"value": "45"}}},
        "note": {"value": {"type": "plain_text_input", "value": "sormusten koot"}},
    }
    asked_before = len(bot.fake.calls_to("users.info"))
    refused = buyer_submits(bot, "request_session_modal", values, form).json()
    # Refused in the form's own language, without asking Slack anything before the ack.
    assert refused["response_action"] == "errors"
    [error] = refused["errors"].values()
    assert finnish(error + " tapaami"), error
    assert len(bot.fake.calls_to("users.info")) == asked_before

    values.update(picked_time("time_1", in_days(8).replace(hour=9, minute=0)))
    answer = buyer_submits(bot, "request_session_modal", values, form)
    assert answer.status == 200 and answer.json() is None
    # The channel reads its account's language (English here); the vendor contact's DM is in
    # theirs; the buyer is told in Finnish.
    [post] = bot.fake.wait_for_posts(CHANNEL, 1)
    assert english(text_of(post.args)), text_of(post.args)
    dm = bot.fake.wait_for(lambda: bot.fake.posts(f"D_{STAFF}"))[0]
    assert english(text_of(dm.args)) and "sormusten koot" in text_of(dm.args)
    [note] = bot.fake.wait_for(lambda: ephemeral_to(bot, BUYER))
    assert finnish(text_of(note.args)), text_of(note.args)


def test_a_finnish_buyers_support_form_and_confirmation_are_finnish(world: RunningBot) -> None:
    bot = world
    click(bot, "get_support", "support", "buyer")
    form = opened_view(bot)
    assert finnish(text_of(form)), text_of(form)
    values = {
        "category": {
            "value": {"type": "static_select", "selected_option": {"value": "product-question"}}
        },
        "description": {"value": {"type": "plain_text_input", "value": "Miten sormus ladataan?"}},
    }
    answer = buyer_submits(bot, "support_case_modal", values, form)
    assert answer.status == 200 and answer.json() is None
    [note] = bot.fake.wait_for(lambda: ephemeral_to(bot, BUYER))
    assert finnish(text_of(note.args)), text_of(note.args)
    [post] = bot.fake.wait_for_posts(CHANNEL, 1)
    assert english(text_of(post.args)), text_of(post.args)


def test_an_account_set_to_finnish_gets_finnish_posts_and_clock_posts(world: RunningBot) -> None:
    bot = world
    reply = bot.command("language fi")["text"]
    assert reply == "Tämän kanavan viestit ovat nyt suomeksi."
    assert bot.booking.account_for_channel(CHANNEL).language == "fi"  # type: ignore[union-attr]

    starts = in_days(3).replace(hour=9, minute=0)
    # The day may be a weekend: `anyway`.
    booked = text_of(bot.command(f"onboarding {starts:%Y-%m-%d} 11:00 45m anyway"))
    # The staff member reads their reply in English; the channel reads Finnish.
    assert english(booked) and "Booked" in booked, booked
    [post] = bot.fake.wait_for_posts(CHANNEL, 1)
    assert finnish(text_of(post.args)) or "Käyttöönotto" in text_of(post.args), text_of(post.args)
    assert "Onboarding" not in text_of(post.args)

    # A day before the session the clock reminds the channel, in Finnish.
    session = next(s for s in bot.booking.sessions(CHANNEL)[1] if s.minutes_booked == 45)
    bot.fake.reset()
    moment = session.starts_at - timedelta(hours=23)
    clock = Sweeper(
        bot.engine, clock_web_client(BOT_TOKEN, bot.fake.api_url), pace_seconds=0,
        now=lambda: moment,
    )  # fmt: skip
    report = clock.sweep()
    posted = [text_of(post.args) for post in bot.fake.posts(CHANNEL)]
    assert len(posted) == 2, report.summary()  # the reminder and a status-update nudge
    assert all(finnish(text) for text in posted), posted
    assert any("Käyttöönotto" in text and "Muistutus" in text for text in posted), posted
    # Beta's account was left in English, and its nudge of the same sweep is English.
    [beta] = [text_of(post.args) for post in bot.fake.posts(BETA_CHANNEL)]
    assert english(beta) and "status update" in beta, beta

    # Back to English: the next post is English again.
    assert bot.command("language en")["text"] == "Posts in this channel are now in English."


@pytest.mark.parametrize("bot_settings", [{"default_language": "fi"}])
def test_a_channel_linked_with_finnish_as_the_default_starts_in_finnish(
    bot: RunningBot,
) -> None:
    reply = text_of(bot.command("link premium 2027-01-04 Oy Testi Ab"))
    assert english(reply), reply  # the staff member's own Slack reads English
    welcome, balance = bot.fake.wait_for_posts(CHANNEL, 2)  # the living balance follows
    assert finnish(text_of(welcome.args)), text_of(welcome.args)
    assert "Käyttöönoton saldo" in text_of(balance.args)
    assert bot.booking.account_for_channel(CHANNEL).language == "fi"  # type: ignore[union-attr]


def test_the_default_language_must_be_one_we_write() -> None:
    with pytest.raises(SettingsError, match="OURA_DEFAULT_LANGUAGE must be one of en, fi"):
        load_settings({"OURA_DEFAULT_LANGUAGE": "sv"}, dotenv=False)
    assert load_settings({"OURA_DEFAULT_LANGUAGE": "FI"}, dotenv=False).default_language == "fi"
    assert load_settings({}, dotenv=False).default_language == "en"


def test_a_reader_whose_locale_we_do_not_write_reads_english(world: RunningBot) -> None:
    bot = world
    bot.fake.users[BUYER]["locale"] = "de-DE"
    click(bot, "show_usage", "usage", "buyer")
    [card] = bot.fake.wait_for(lambda: ephemeral_to(bot, BUYER))
    assert "used of" in text_of(card.args)


def test_language_is_refused_with_the_right_form(world: RunningBot) -> None:
    reply = text_of(world.command("language sv"))
    assert "`sv`" in reply and "`/oura-book language fi|en`" in reply
    assert world.booking.account_for_channel(CHANNEL).language == "en"  # type: ignore[union-attr]


def test_a_reader_slack_cannot_be_asked_about_reads_the_default_language(
    fake_slack: Any, database_url: str
) -> None:
    """Slack unreachable (a refused connection, not an API error): the answer still comes, in
    OURA_DEFAULT_LANGUAGE, and nothing is cached that would hide their locale later."""
    from slack_sdk import WebClient

    from bot.services.booking import BookingService
    from bot.services.container import Services
    from handlers.slack_users import reader_language
    from storage.engine import make_engine

    settings = replace(settings_for(fake_slack, database_url), default_language="fi")
    services = Services.build(settings, BookingService(make_engine(database_url), "UTC"))
    nowhere = WebClient(base_url="http://127.0.0.1:9/api/", timeout=2)
    assert reader_language(nowhere, "U_SOMEONE", services) == "fi"
    fake_slack.add_user("U_SOMEONE", locale="en-GB")
    assert reader_language(WebClient(base_url=fake_slack.api_url), "U_SOMEONE", services) == "en"
