"""The session builders in Finnish and English (issue 13): every message and form of
bot/blocks/sessions.py and bot/blocks/buttons.py, and the errors of the session forms, rendered
in both languages through slack_sdk's validation. A Finnish reader sees Finnish, with none of
the English sentences left; the English stays as it was."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from conftest import STAFF, text_of
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy import Engine

from bot.blocks import ids
from bot.blocks.base import LIST_LIMIT, Message
from bot.blocks.buttons import channel_actions, session_actions
from bot.blocks.sessions import (
    booked_post,
    booking_modal,
    booking_reply,
    cancelled_post,
    case_lines,
    country_reply,
    customer_ids_block,
    language_reply,
    link_reply,
    minutes_input,
    moved_post,
    reconnect_reply,
    schedule_list,
    session_list,
    session_post,
    timezone_reply,
    unreachable_block,
    usage_card,
    welcome_post,
)
from bot.domain.entitlement import Balance, ContractTerms
from bot.domain.packages import LAUNCH_KIT, SessionType
from bot.domain.schedule import ContractFacts, OrderFacts, timeline
from bot.domain.support import CaseCategory, CaseFacts, CaseState
from bot.i18n import _, speaking
from bot.services.booking import Actor, BookingService, SessionChange, SessionListing
from handlers.views import fields
from storage.models import Account, CustomerTeam

ACTOR = Actor(user_id=STAFF, team_id="T_VENDOR")
TZ = "Europe/Helsinki"
NOW = datetime(2027, 1, 20, 8, 0, tzinfo=UTC)  # a Wednesday
COMPANY = "Demo Oy"

# English wording of these builders that must not reach a Finnish reader. (Session types,
# kinds of automated posts, support categories, days and Slack's refusals are translated
# where they are defined, so they are not listed here.)
ENGLISH = (
    "Booked for",
    "Booked by",
    "Booked ",
    "Moved:",
    "Cancelled:",
    "Logged ",
    "included minutes left",
    "status updates left",
    "Paid from",
    "included min",
    "billable min",
    "billable extra time",
    "Billable extra time",
    "This channel is now where",
    "Use the buttons",
    "Linked this channel",
    "Vendor contact",
    "Your Oura contact",
    "Customer contact",
    "Account time zone",
    "nothing to reconnect",
    "Reconnected",
    "The clock can't post here",
    "Fix the channel",
    "now uses the time zone",
    "public holidays",
    "Posts in this channel",
    "taken by",
    "waiting to be taken",
    "business days",
    "outside the return window",
    "reserved by bookings",
    "used in past sessions",
    "Included minutes",
    "*Window*",
    "Status updates",
    "none in this package",
    "estimate",
    "nothing booked",
    "Next session",
    "Open support cases",
    "Customer's Slack",
    "sets them from",
    "not logged yet",
    "Upcoming",
    "Past and cancelled",
    "past or cancelled",
    "automated post",
    "Automated posts",
    "period ",
    "before it closes",
    " before)",
    "Request a session",
    "Show usage",
    "Get support",
    "Cancel (staff)",
    "Cancel this session",
    "will be cancelled",
    "Keep it",
    "Log as held",
    "Book a session",
    "Session type",
    "Extra time",
    "Needed only when",
    "Confirm billable",
    "at most",
)


@dataclass
class World:
    """A linked Pro Lite channel with every kind of change, and a Launch Kit one."""

    service: BookingService
    booked: SessionChange
    status: SessionChange
    over: SessionChange
    moved: SessionChange
    cancelled: SessionChange
    held: SessionChange


@pytest.fixture
def world(engine: Engine) -> World:
    service = BookingService(engine, TZ, now=lambda: NOW, hourly_rate=Decimal("150"))
    service.link(ACTOR, "C1", "pro-lite", date(2027, 1, 4), COMPANY)
    service.link(ACTOR, "C2", "launch-kit", date(2027, 1, 4), "Toinen Oy")
    day = timedelta(days=1)
    held = service.book(ACTOR, "C1", SessionType.KICKOFF, NOW - day, 60, billable=False)
    assert held.session.id is not None
    held = service.log_held(ACTOR, "C1", held.session.id, 45, False)
    booked = service.book(ACTOR, "C1", SessionType.TRAINING, NOW + day, 60, billable=False)
    status = service.book(ACTOR, "C1", SessionType.STATUS_UPDATE, NOW + 2 * day, 30, False)
    # 15 included minutes are left: the rest of this one is billable.
    over = service.book(ACTOR, "C1", SessionType.ONBOARDING, NOW + 3 * day, 60, billable=True)
    assert over.session.id is not None and over.session.billable_minutes
    moved = service.move(ACTOR, "C1", over.session.id, NOW + 4 * day, billable=True)
    # The status update is cancelled: it frees no minutes, so `over` keeps its billable part
    # (freed included minutes would go to it, bot.services.rebalance).
    assert booked.session.id is not None and status.session.id is not None
    cancelled = service.cancel(ACTOR, "C1", status.session.id)
    return World(service, booked, status, over, moved, cancelled, held)


def cases() -> list[CaseFacts]:
    return [
        CaseFacts(
            id=1,
            category=CaseCategory.PRODUCT_QUESTION,
            state=CaseState.TAKEN,
            created_at=NOW - timedelta(days=1),
            taken_by="U_STAFF",
            outside_window=False,
            order_id=None,
        ),
        # Untaken for more than two business days, and past its order's return window.
        CaseFacts(
            id=2,
            category=CaseCategory.RETURN,
            state=CaseState.OPEN,
            created_at=NOW - timedelta(days=8),
            taken_by=None,
            outside_window=True,
            order_id=3,
        ),
    ]


def unreachable(account: Account) -> Account:
    return account.model_copy(
        update={"unreachable_reason": "is_archived", "unreachable_since": NOW - timedelta(days=2)}
    )


def teams() -> list[CustomerTeam]:
    return [
        CustomerTeam(account_id=1, team_id="T_BUYER", kind="workspace", source="channel_shared"),
        CustomerTeam(account_id=1, team_id="E_BUYER", kind="organization", source="contact"),
    ]


def facts_with_an_order() -> ContractFacts:
    order = OrderFacts(id=3, received_on=date(2027, 1, 10), rings=1, reference="PO-1")
    return ContractFacts(
        contract_id=1,
        account_id=1,
        channel_id="C1",
        company=COMPANY,
        terms=ContractTerms(LAUNCH_KIT, date(2026, 11, 30), 12, TZ),
        balance=Balance(240, 0, 0, 0),
        orders=(order,),
    )


def builders(world: World) -> dict[str, Callable[[], Message | View | Block]]:
    """Every builder of the session files, with what it is given in the app."""
    service = world.service
    account = service.account_for_channel("C1")
    assert account is not None
    listing = service.session_listing("C1", NOW, LIST_LIMIT)
    posts = service.schedule("C1", NOW)[1]
    launch_posts = service.schedule("C2", NOW)[1]
    usage = service.usage("C1", NOW)
    launch = service.usage("C2", NOW)
    broken = unreachable(account)
    unlinked = account.model_copy(update={"buyer_contact_id": None})
    named = broken.model_copy(update={"buyer_contact_id": "U_BUYER"})
    staff_usage = replace(usage, account=named, customer_teams=tuple(teams()))
    order_posts = timeline(facts_with_an_order())
    return {
        "booked_post": lambda: booked_post(world.over),
        "session_post booked": lambda: posted(world.booked),
        "moved_post": lambda: moved_post(world.moved),
        "cancelled_post": lambda: cancelled_post(world.cancelled),
        "welcome_post": lambda: welcome_post(account, "pro-lite"),
        "booking_reply booked": lambda: booking_reply(world.over),
        "booking_reply status": lambda: booking_reply(world.status),
        "booking_reply moved": lambda: booking_reply(world.moved),
        "booking_reply cancelled": lambda: booking_reply(world.cancelled),
        "booking_reply held": lambda: booking_reply(world.held),
        "link_reply": lambda: link_reply(account, "pro-lite", date(2027, 1, 4)),
        "reconnect_reply cleared": lambda: reconnect_reply(account, True),
        "reconnect_reply not needed": lambda: reconnect_reply(account, False),
        "unreachable_block": lambda: unreachable_block(broken),
        "unreachable_block no date": lambda: unreachable_block(
            broken.model_copy(update={"unreachable_since": None})
        ),
        "timezone_reply": lambda: timezone_reply(account),
        "country_reply": lambda: country_reply(account.model_copy(update={"country": "FI"})),
        "language_reply": lambda: language_reply("fi"),
        "usage_card staff": lambda: usage_card(staff_usage, True, cases(), NOW),
        "usage_card buyer": lambda: usage_card(usage, False, cases(), NOW),
        "usage_card window": lambda: usage_card(launch, True, (), NOW),
        "usage_card no buyer": lambda: usage_card(replace(launch, account=unlinked), False),
        "customer_ids_block none": lambda: customer_ids_block([]),
        "customer_ids_block known": lambda: customer_ids_block(teams()),
        "session_list": lambda: session_list(listing, NOW),
        "session_list empty": lambda: session_list(SessionListing(account, [], [], 0, 0), NOW),
        "schedule_list": lambda: schedule_list(account, posts, NOW),
        "schedule_list window": lambda: schedule_list(account, launch_posts, NOW),
        "schedule_list orders": lambda: schedule_list(
            account, order_posts, datetime(2026, 12, 1, tzinfo=UTC)
        ),
        "schedule_list none": lambda: schedule_list(account, [], NOW),
        "booking_modal": lambda: booking_modal("signed", COMPANY, NOW),
        "minutes_input": lambda: minutes_input(_("Minutes"), 45),
        "channel_actions": channel_actions,
        "session_actions": lambda: session_actions(7, 7),
    }


def posted(change: SessionChange) -> Message:
    message = session_post(change)
    assert message is not None
    return message


def rendered(built: Message | View | Block) -> str:
    """All the text a reader sees, after slack_sdk has checked Slack's limits."""
    if isinstance(built, Message):
        return text_of(built.as_kwargs())
    built.validate_json()
    if isinstance(built, View):
        view = built.to_dict()
        return text_of({"text": "", "blocks": [view["title"], view["submit"], *view["blocks"]]})
    return text_of({"text": "", "blocks": [built.to_dict()]})


def render_all(world: World, language: str) -> dict[str, str]:
    with speaking(language):
        return {name: rendered(build()) for name, build in builders(world).items()}


def test_every_builder_renders_in_english_as_before(world: World) -> None:
    texts = render_all(world, "en")
    assert "Booked for Demo Oy: *Onboarding*" in texts["booked_post"]
    assert "45 min of it is billable extra time." in texts["booked_post"]
    assert "Paid from: 15 included min, 45 billable min." in texts["booking_reply booked"]
    assert "Paid from: 1 included status update." in texts["booking_reply status"]
    assert texts["booking_reply held"].startswith("Logged *Kickoff* #1: ")
    assert "(estimate EUR 112.50)" in texts["usage_card staff"]
    assert "*Window*\nfirst 90 days, until" in texts["usage_card window"]
    assert "(over 2 business days)" in texts["usage_card staff"]
    assert "Demo Oy: 4 sessions, 2 upcoming, 2 past or cancelled" in texts["session_list"]
    assert "Posts in this channel are now in Finnish." in texts["language_reply"]
    finnish = render_all(world, "fi")
    same = [name for name, text in texts.items() if finnish[name] == text]
    assert same == [], "these read the same in Finnish"


def test_every_builder_renders_in_finnish_with_no_english_sentence_left(world: World) -> None:
    texts = render_all(world, "fi")
    for name, text in texts.items():
        left = [phrase for phrase in ENGLISH if phrase in text]
        assert left == [], f"{name}: {left}\n{text}"
    assert "Varattu asiakkaalle Demo Oy" in texts["booked_post"]
    assert "Siitä 45 min on laskutettavaa lisäaikaa." in texts["booked_post"]
    assert "Varaaja: <@" in texts["booked_post"]
    assert "Siirretty: " in texts["moved_post"] and "(aiemmin " in texts["moved_post"]
    assert "Peruttu: " in texts["cancelled_post"]
    assert "Oura-yhteyshenkilösi (asiakasmenestyspäällikkö)" in texts["welcome_post"]
    assert (
        "Veloitetaan: 15 min sisältyvistä minuuteista, 45 min laskutettavaa lisäaikaa."
        in texts["booking_reply booked"]
    )
    assert "Veloitetaan: yksi sisältyvä tilannekatsaus." in texts["booking_reply status"]
    assert texts["booking_reply held"].startswith("Kirjattu pidetyksi: ")
    assert "sisältyviä minuutteja jäljellä" in texts["booking_reply booked"]
    assert "Tämän kanavan viestit ovat nyt suomeksi." in texts["language_reply"]
    assert "*Ajastetut viestit eivät pääse tälle kanavalle* " in texts["unreachable_block"]
    card = texts["usage_card staff"]
    for words in (
        "Demo Oy: käyttö",
        "*Sisältyvät minuutit*",
        "*Tilannekatsaukset*",
        "*Laskutettava lisäaika*\n45 min (arvio 112,50 EUR)",
        "*Oura-yhteyshenkilö*",
        "*Asiakkaan yhteyshenkilö*\n<@U_BUYER>",
        "Seuraava tapaaminen: ",
        "*Avoimet tukipyynnöt*",
        "odottaa käsittelijää",
        "(yli 2 arkipäivää)",
        ", palautusajan ulkopuolella",
        "Asiakkaan Slack: työtila `T_BUYER`",
    ):
        assert words in card, words
    assert "*Oura-yhteyshenkilösi*" in texts["usage_card buyer"]
    assert "arvio" not in texts["usage_card buyer"]
    assert "*Käyttöaika*\nensimmäiset 90 päivää, " in texts["usage_card window"]
    assert "ei vielä nimetty" in texts["usage_card no buyer"]
    assert "Demo Oy: 4 tapaamista (tulossa 2, menneitä tai peruttuja 2)" in texts["session_list"]
    assert "*Tulevat*" in texts["session_list"] and ", pidetty" in texts["session_list"]
    assert "ajastettua viestiä tulossa" in texts["schedule_list"]
    assert "tilaus #3" in texts["schedule_list orders"]
    assert "ei yhtään: mitään ei ole enää tulossa" in texts["schedule_list none"]
    assert "Pyydä tapaamista" in texts["channel_actions"]
    assert "Näytä käyttö" in texts["channel_actions"] and "Pyydä tukea" in texts["channel_actions"]
    assert "Kirjaa pidetyksi (henkilöstö)" in texts["session_actions"]
    assert "Minuutit (enintään 60)" in texts["minutes_input"]


def test_session_types_are_shown_in_the_readers_language(world: World) -> None:
    """The labels are the catalog's (marked where they are defined)."""
    with speaking("fi"):
        label = _(SessionType.ONBOARDING.label)
        assert f"*{label}* #" in booked_post(world.over).text
        modal = booking_modal("signed", COMPANY, NOW).to_dict()
    options = modal["blocks"][1]["element"]["options"]
    with speaking("fi"):
        assert [o["text"]["text"] for o in options] == [_(t.label) for t in SessionType]


def test_the_finnish_booking_modal_fits_slacks_limits() -> None:
    with speaking("fi"):
        modal = booking_modal("signed", COMPANY, NOW)
    modal.validate_json()
    view = modal.to_dict()
    assert view["title"]["text"] == "Varaa tapaaminen"
    assert view["submit"]["text"] == "Varaa"
    for part in ("title", "submit", "close"):
        assert len(view[part]["text"]) <= 24, part
    labels = [block["label"]["text"] for block in view["blocks"] if "label" in block]
    assert labels == [
        "Tapaamisen tyyppi",
        "Alkaa",
        "Minuutit (enintään 60)",
        "Lisäaika",
        "Liittymislinkki",
        "Asialista, yksi lisärivi",
    ]


def test_the_finnish_buttons_are_short_enough() -> None:
    with speaking("fi"):
        blocks = [channel_actions().to_dict(), session_actions(12345, 12345).to_dict()]
    for block in blocks:
        for element in block["elements"]:
            assert len(element["text"]["text"]) <= 75
            if "confirm" in element:
                confirm = element["confirm"]
                assert confirm["title"]["text"] == "Perutaanko tämä tapaaminen?"
                assert "Tapaaminen #12345 perutaan" in confirm["text"]["text"]
                assert (confirm["confirm"]["text"], confirm["deny"]["text"]) == (
                    "Peru tapaaminen",
                    "Älä peru",
                )


@pytest.mark.parametrize(
    ("count", "english", "finnish"),
    [
        (1, "Demo Oy: 1 automated post to come", "Demo Oy: 1 ajastettu viesti tulossa"),
        (3, "Demo Oy: 3 automated posts to come", "Demo Oy: 3 ajastettua viestiä tulossa"),
    ],
)
def test_counts_take_the_right_form_in_each_language(
    count: int, english: str, finnish: str
) -> None:
    account = Account(id=1, channel_id="C1", company=COMPANY, timezone=TZ, vendor_contact_id=STAFF)
    posts = timeline(facts_with_an_order())[:count]
    assert len(posts) == count
    with speaking("en"):
        assert schedule_list(account, posts, NOW).text == english
    with speaking("fi"):
        assert schedule_list(account, posts, NOW).text == finnish


def test_one_session_is_counted_in_the_singular(world: World) -> None:
    account, sessions = world.service.sessions("C1")
    one = SessionListing(account, [], sessions[:1], 0, 1)
    with speaking("en"):
        assert session_list(one, NOW).text.startswith("Demo Oy: 1 session, ")
    with speaking("fi"):
        assert session_list(one, NOW).text.startswith("Demo Oy: 1 tapaaminen (")


def test_the_language_reply_is_written_in_the_new_language() -> None:
    with speaking("fi"):
        assert language_reply("fi").text == "Tämän kanavan viestit ovat nyt suomeksi."
    with speaking("en"):
        assert language_reply("en").text == "Posts in this channel are now in English."


def test_case_lines_in_finnish_name_who_took_the_case() -> None:
    with speaking("fi"):
        lines = case_lines(cases(), TZ, NOW, True, "FI")
    assert any("käsittelijä <@U_STAFF>, avattu " in line for line in lines)
    assert any(line.startswith(":rotating_light: ") for line in lines)


# -- the session forms' own errors ------------------------------------------------------------


def test_the_forms_field_errors_are_in_the_readers_language() -> None:
    empty: dict[str, Any] = {"state": {"values": {}}}
    for language, type_error, minutes_error in (
        ("en", "Choose a session type.", "Give the length in whole minutes, 1 to 60."),
        ("fi", "Valitse tapaamisen tyyppi.", "Anna kesto kokonaisina minuutteina, 1–60."),  # noqa: RUF001
    ):
        errors: fields.Errors = {}
        with speaking(language):
            assert fields.session_type(empty, errors) is None
            assert fields.minutes("many", errors) == 0
        assert errors == {ids.FIELD_TYPE: type_error, ids.FIELD_MINUTES: minutes_error}


def test_the_forms_other_sentences_have_finnish() -> None:
    """The handlers' sentences (handlers/views/sessions.py) are in the Finnish catalog."""
    with speaking("fi"):
        assert _("Choose the date and time the session starts.") == (
            "Valitse tapaamisen alkamispäivä ja -aika."
        )
        hint = _(
            "{reason} To log it with the extra time billed, type {command}.",
            reason="Vain 15 min on jäljellä.",
            command="`/oura-book done 3 45m billable`",
        )
    assert hint == (
        "Vain 15 min on jäljellä. Jos haluat kirjata sen niin, että lisäaika laskutetaan, "
        "kirjoita `/oura-book done 3 45m billable`."
    )
