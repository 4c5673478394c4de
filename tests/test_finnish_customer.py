"""What a buyer reads most, and what their Oura contact reads about it, in Finnish and English:
the session request (form, channel notes, the contact's DM, proposals) and the support desk
(forms, case posts, orders). Every builder is rendered in both languages through slack_sdk's
validation; a Finnish reader must see Finnish and none of the English sentences."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from conftest import CHANNEL, STAFF, VENDOR_TEAM, RunningBot, text_of
from slack_sdk.models.views import View
from slackreq import view_submission
from test_slack_connect import PERSONAS, SIGNER, in_days, picked_time
from test_support_desk import DM, dm_click, local_today, open_form, send_case

from bot.blocks import requests as request_blocks
from bot.blocks import support as support_blocks
from bot.blocks.base import Message
from bot.domain.packages import SessionType
from bot.domain.support import CaseCategory, ReturnWindow
from bot.domain.text import Text
from bot.i18n import _, speaking
from bot.services.booking import Actor
from bot.services.requests import RequestView
from bot.services.support import CaseView, OrderChange
from handlers.views import support as support_form
from storage.models import Account, CustomerOrder, SessionRequest, SupportCase

TODAY = date(2027, 1, 4)
FIRST = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)


def _account() -> Account:
    return Account(
        id=1,
        company="Acme <Oy>",
        channel_id="C_ACME",
        timezone="Europe/Helsinki",
        vendor_contact_id="U_STAFF",
        buyer_contact_id="U_BUYER",
    )


def _request(session_type: SessionType = SessionType.ONBOARDING) -> RequestView:
    times = [FIRST, FIRST + timedelta(days=1)]
    request = SessionRequest(
        id=7,
        account_id=1,
        requested_by="U_BUYER",
        requested_by_team="T_CUSTOMER",
        session_type=session_type.value,
        minutes=45,
        preferred_times=json.dumps([t.isoformat() for t in times]),
        note="ring sizing for 40 people",
        proposed_time=FIRST + timedelta(days=2),
    )
    return RequestView(request, _account())


def _order(id: int = 3, reference: str = "PO-42", received_on: date = TODAY) -> CustomerOrder:
    return CustomerOrder(
        id=id,
        account_id=1,
        contract_id=1,
        received_on=received_on,
        rings=2,
        reference=reference,
        recorded_by="U_STAFF",
    )


def _case(within_window: bool | None = True) -> CaseView:
    order = _order()
    case = SupportCase(
        id=12,
        account_id=1,
        order_id=order.id,
        category=CaseCategory.RETURN.value,
        description="Two rings too small",
        within_window=within_window,
        window_last_day=date(2027, 2, 3),
        opened_by="U_BUYER",
        opened_by_team="T_CUSTOMER",
        taken_by="U_STAFF",
        resolved_by="U_STAFF",
    )
    return CaseView(case, _account(), order)


def _note_as_message(text: str) -> Message:
    return Message(text=text)


# Every builder of the files this covers: what it makes, a few words a Finnish reader must see,
# and English sentences that must not be left in the Finnish rendering.
Built = Message | View
BUILDERS: dict[str, tuple[Callable[[], Built], list[str], list[str]]] = {
    "request_modal": (
        lambda: request_blocks.request_modal("meta", "Acme"),
        ["Pyydä tapaamista", "Lähetä pyyntö", "Toivottu aika", "45 minuuttia", "Peruuta"],
        ["Request a session", "Send request", "Preferred time", "45 minutes", "Cancel"],
    ),
    "request_acknowledgement": (
        lambda: request_blocks.request_acknowledgement(_request()),
        ["pyysi *käyttöönottotapaamista*", "pyyntö #7", "vahvistaa ajan"],
        ["asked for", "will confirm a time here"],
    ),
    "request_dm": (
        lambda: request_blocks.request_dm(_request()),
        ["pyytää", "kesto 45 min", "Vahvista aika 2", "Ehdota toista aikaa", "Hylkää"],
        ["asks for", "Confirm time", "Propose another time", "Decline"],
    ),
    "billable_prompt": (
        lambda: request_blocks.billable_prompt(_request(), "1", "Too long."),
        ["Pyyntö #7", "Vahvista alta", "Vahvista laskutettavana"],
        ["Confirm below", "Confirm as billable", "Request #7"],
    ),
    "request_booked_dm": (
        lambda: request_blocks.request_booked_dm(_request(), 9, "Slack said no."),
        ["varattu, tapaaminen #9"],
        ["booked as"],
    ),
    "request_declined_dm": (
        lambda: request_blocks.request_declined_dm(_request()),
        ["hylätty"],
        ["declined", "Request #"],
    ),
    "propose_modal": (
        lambda: request_blocks.propose_modal("meta", "Acme"),
        ["Ehdota aikaa", "Aika", "hyväksyy"],
        ["Propose a time", "they accept it"],
    ),
    "proposal_post": (
        lambda: request_blocks.proposal_post(_request()),
        ["ehdottaa aikaa", "Hyväksy", "Pyydä uutta tapaamista", "klo"],
        ["proposes", "Accept", "Another time?", " at "],
    ),
    "declined_post": (
        lambda: request_blocks.declined_post(_request()),
        ["ei voi toteuttaa pyyntöä #7"],
        ["can't take request", "will be in touch"],
    ),
    "log_held_modal": (
        lambda: request_blocks.log_held_modal("meta", "*Onboarding* #5", 45),
        ["Kirjaa pidetyksi", "Kirjaa", "Pidetyt minuutit"],
        ["Log as held", "Minutes held"],
    ),
    "order_modal": (
        lambda: support_blocks.order_modal("meta", "Acme", TODAY),
        ["Kirjaa tilaus", "30 päivän ajan", "Vastaanotettu", "Sormusten määrä", "Viite"],
        ["Record an order", "Received on", "Rings", "Reference", "returns and exchanges"],
    ),
    "order_reply (new)": (
        lambda: support_blocks.order_reply(OrderChange(_account(), _order())),
        ["kirjattu tilaus #3 (PO-42): 2 sormusta", "vastaanotettu", "loppuun asti"],
        ["Recorded for", "order #3", "2 rings", "received", "Returns and exchanges"],
    ),
    "order_reply (corrected)": (
        lambda: support_blocks.order_reply(
            OrderChange(
                _account(),
                _order(reference=""),
                {"rings": 1, "received_on": "2027-01-02", "reference": "PO-1"},
            )
        ),
        ["korjattu tilaus #3: 2 sormusta", "aiemmin 1 sormus, vastaanotettu"],
        ["Corrected for", "was 1 ring", "received"],
    ),
    "order_list": (
        lambda: support_blocks.order_list(
            _account(),
            [_order(i, received_on=TODAY - timedelta(days=20 * i)) for i in range(1, 45)],
            TODAY,
        ),
        ["tilaukset*", "palautus mahdollinen", "palautusaika on päättynyt", "…ja 4 muuta"],
        ["Orders of", "returns until", "return window closed", "more", "on record"],
    ),
    "order_list (empty)": (
        lambda: support_blocks.order_list(_account(), [], TODAY),
        ["ei vielä kirjattuja tilauksia", "0 kirjattua tilausta"],
        ["none on record yet", "orders on record"],
    ),
    "support_modal": (
        lambda: support_blocks.support_modal("meta", "Acme", [_order()], TODAY),
        ["Pyydä tukea", "Lähetä", "Aihe", "Tilaus, jota asia koskee", "Kerro, mitä tarvitset"],
        ["Get support", "Send", "What about", "The order it concerns", "Describe what you need"],
    ),
    "support_modal (no orders)": (
        lambda: support_blocks.support_modal("meta", "Acme", [], TODAY),
        ["Tilauksia ei ole vielä kirjattu", "Oura-yhteyshenkilöltäsi"],
        ["No orders are on record", "Ask your Oura contact"],
    ),
    "case_acknowledgement": (
        lambda: support_blocks.case_acknowledgement(_case()),
        ["avasi tukipyynnön *S-12*", "palaa asiaan täällä"],
        ["opened support case", "will follow up"],
    ),
    "case_opener_note (closed window)": (
        lambda: _note_as_message(
            support_blocks.case_opener_note(_case(False), ReturnWindow(date(2026, 11, 1), TODAY))
        ),
        ["30 päivän palautus- ja vaihtoaika", "viimeinen päivä oli", "Tukipyyntösi *S-12*"],
        ["was received on", "window for returns", "Your case"],
    ),
    "case_opener_note": (
        lambda: _note_as_message(support_blocks.case_opener_note(_case(), None)),
        ["Tukipyyntösi *S-12* on kirjattu"],
        ["Your support case", "is recorded", "follow up"],
    ),
    "case_dm (within window)": (
        lambda: support_blocks.case_dm(_case(True)),
        ["avasi tukipyynnön", "Koskee: tilaus #3", "Palautusajan sisällä", "Ota hoitoon"],
        ["opened support case", "About order", "Within the return window", "Take", "Resolve"],
    ),
    "case_dm (outside window)": (
        lambda: support_blocks.case_dm(_case(False)),
        ["*Palautusajan ulkopuolella*", "Päätös on sinun", "Merkitse ratkaistuksi"],
        ["Outside the return window", "Your decision", "Support case"],
    ),
    "case_taken_dm": (
        lambda: support_blocks.case_taken_dm(_case()),
        ["otti sen hoitoon", "Merkitse ratkaistuksi"],
        ["taken by", "Resolve", "Support case"],
    ),
    "case_resolved_dm": (
        lambda: support_blocks.case_resolved_dm(_case(), "Slack said no."),
        ["ratkaisi sen", "kanavalle on kerrottu"],
        ["resolved by", "the channel has been told"],
    ),
    "case_resolved_post": (
        lambda: support_blocks.case_resolved_post(_case()),
        ["on ratkaistu", "Valitse *Pyydä tukea*"],
        ["is resolved", "Something else?", "Use *Get support*"],
    ),
}


def _texts(node: Any) -> list[str]:
    """Every string a person reads in a message or view (texts, labels, placeholders)."""
    if isinstance(node, dict):
        found = []
        for key, value in node.items():
            if key in ("text", "fallback") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_texts(value))
        return found
    if isinstance(node, list):
        return [text for item in node for text in _texts(item)]
    return []


def _render(build: Callable[[], Built], language: str) -> tuple[str, Built]:
    with speaking(language):
        built = build()
    if isinstance(built, View):
        built.validate_json()
        return "\n".join(_texts(built.to_dict())), built
    kwargs = built.as_kwargs()  # validates every block
    return "\n".join([kwargs["text"], *_texts(kwargs["blocks"])]), built


@pytest.mark.parametrize("name", list(BUILDERS))
def test_a_finnish_reader_reads_finnish(name: str) -> None:
    build, finnish, english = BUILDERS[name]
    in_finnish, _built = _render(build, "fi")
    for words in finnish:
        assert words in in_finnish, f"{words!r} missing in {in_finnish!r}"
    for phrase in english:
        assert phrase not in in_finnish, f"{phrase!r} left in {in_finnish!r}"


@pytest.mark.parametrize("name", list(BUILDERS))
def test_an_english_reader_reads_the_english_source(name: str) -> None:
    build, finnish, english = BUILDERS[name]
    in_english, _built = _render(build, "en")
    # Every English phrase the Finnish must not keep is what English says.
    for phrase in english:
        assert phrase in in_english, f"{phrase!r} missing in {in_english!r}"
    for words in finnish:
        assert words not in in_english


@pytest.mark.parametrize("language", ["en", "fi"])
@pytest.mark.parametrize("name", [n for n in BUILDERS if "modal" in n])
def test_modal_titles_and_buttons_fit_slack(name: str, language: str) -> None:
    """Slack refuses a modal whose title, submit or close is over 24 characters."""
    _text, view = _render(BUILDERS[name][0], language)
    assert isinstance(view, View)
    for part in (view.title, view.submit, view.close):
        assert part is not None and 0 < len(part.text) <= 24, part.text


@pytest.mark.parametrize("session_type", list(SessionType))
def test_every_session_type_has_its_whole_sentences(session_type: SessionType) -> None:
    """A request's notes are whole sentences per type (English a/an, Finnish inflection)."""
    view = _request(session_type)
    with speaking("fi"):
        finnish = request_blocks.request_acknowledgement(view).text
        dm = request_blocks.request_dm(view)
    with speaking("en"):
        english = request_blocks.request_acknowledgement(view).text
    assert f"*{session_type.label}* session" in english
    assert "pyysi" in finnish and "session" not in finnish
    assert "pyytää" in dm.text and "asks for" not in dm.text


def test_the_english_notes_keep_their_article() -> None:
    with speaking("en"):
        onboarding = request_blocks.request_acknowledgement(_request(SessionType.ONBOARDING))
        kickoff = request_blocks.request_acknowledgement(_request(SessionType.KICKOFF))
        dm = request_blocks.request_dm(_request(SessionType.ONBOARDING))
    assert "asked for an *Onboarding* session (request #7)" in onboarding.text
    assert "asked for a *Kickoff* session" in kickoff.text
    assert dm.text == "Acme &lt;Oy&gt; asks for an Onboarding session"


def test_customer_text_stays_escaped_and_untranslated_in_finnish() -> None:
    with speaking("fi"):
        dm = request_blocks.request_dm(_request()).as_kwargs()
        listed = support_blocks.order_list(_account(), [_order(reference="<!here>")], TODAY)
    text = json.dumps(dm)
    assert "Acme &lt;Oy&gt;" in text and "Acme <Oy>" not in text
    assert "ring sizing for 40 people" in text
    assert "&lt;!here&gt;" in listed.text or "&lt;!here&gt;" in json.dumps(listed.as_kwargs())


def test_a_billable_reason_given_as_text_is_translated_too() -> None:
    reason = Text("Choose the time to propose.")  # any sentence in the catalog will do
    with speaking("fi"):
        prompt = request_blocks.billable_prompt(_request(), "p", reason)
    assert "Valitse ehdotettava aika." in prompt.text


def test_the_form_errors_of_returns_and_exchanges_are_finnish() -> None:
    """The support form's refusals name the category in a whole sentence per category."""
    needing = [c for c in CaseCategory if c.needs_order]
    assert set(support_form.CHOOSE_ORDER) == set(needing) == set(support_form.NO_ORDER)
    messages = [
        *support_form.CHOOSE_ORDER.values(),
        *support_form.NO_ORDER.values(),
        support_form.CHOOSE_ORDER_ANY,
        support_form.NO_ORDER_ANY,
    ]
    with speaking("fi"):
        finnish = [_(message) for message in messages]
    assert all(f != m for f, m in zip(finnish, messages, strict=True))
    assert "Valitse tilaus, jota palautus koskee." in finnish
    assert any(f.startswith("Vaihto edellyttää kirjattua tilausta") for f in finnish)


# -- over HTTP: each reader in their own language -------------------------------------------------


def test_a_finnish_channel_and_contact_read_finnish_while_the_buyer_reads_english(
    bot: RunningBot,
) -> None:
    """The buyer (an English Slack) asks for support and for a session in a Finnish account's
    channel: the channel's notes are Finnish, the Oura contact's DMs (a Finnish Slack) too, and
    the buyer's own answers English."""
    fake = bot.fake
    # Acme's channel and people as the support desk's tests set them up, with the Oura
    # contact's Slack in Finnish from the start (the bot keeps what Slack said a while).
    for person in PERSONAS.values():
        locale = "fi-FI" if person.user_id == STAFF else "en-US"
        fake.add_user(person.user_id, team_id=person.team_id, locale=locale)
    fake.channels[CHANNEL] = {"shared_team_ids": [VENDOR_TEAM, "T_ACME"]}
    bot.link("premium", (local_today() - timedelta(days=60)).isoformat())
    bot.booking.set_language(Actor(STAFF, VENDOR_TEAM), CHANNEL, "fi")
    # Support: the form opens in the buyer's English; the case goes to everyone in theirs.
    form = open_form(bot, "buyer")
    assert form["title"]["text"] == "Get support"
    assert send_case(bot, "buyer", form["private_metadata"], "product-question", None) is None
    [note] = fake.wait_for_posts(CHANNEL, 1)
    assert "avasi tukipyynnön *S-1*" in text_of(note.args)
    [dm] = fake.wait_for(lambda: fake.posts(DM))
    assert "avasi tukipyynnön *S-1*" in text_of(dm.args) and "opened" not in text_of(dm.args)
    [told] = fake.wait_for(lambda: fake.calls_to("chat.postEphemeral"))
    assert "Your support case *S-1* is recorded" in told.args["text"]
    dm_click(bot, dm, "Merkitse ratkaistuksi", "resolved")
    [replaced] = fake.wait_for_responses("resolved", 1)
    assert "ratkaisi sen" in text_of(replaced.body)
    resolved = fake.wait_for_posts(CHANNEL, 2)[-1]
    assert "on ratkaistu" in text_of(resolved.args) and "Pyydä tukea" in text_of(resolved.args)
    # A session request: the same, and the contact's decline reaches the channel in Finnish.
    fake.reset()
    values = {
        "type": {"value": {"type": "static_select", "selected_option": {"value": "kickoff"}}},
        "minutes": {"value": {"type": "static_select", "selected_option": {"value": "45"}}},
        **picked_time("time_1", in_days(9)),
        "note": {"value": {"type": "plain_text_input", "value": ""}},
    }
    metadata = SIGNER.dumps({"channel_id": CHANNEL, "account_id": 1, "lang": "en"})
    payload = view_submission(
        "request_session_modal",
        values,
        user_id=PERSONAS["buyer"].user_id,
        team_id=PERSONAS["buyer"].team_id,
        private_metadata=metadata,
    )
    assert bot.sender.interaction(payload).json() is None
    [asked] = fake.wait_for_posts(CHANNEL, 1)
    assert "pyysi *aloituspalaveria* (pyyntö #1)" in text_of(asked.args)
    [request_dm] = fake.wait_for(lambda: fake.posts(DM))
    assert "Vahvista aika 1" in text_of(request_dm.args)
    dm_click(bot, request_dm, "Hylkää", "declined")
    assert "hylätty" in text_of(fake.wait_for_responses("declined", 1)[0].body)
    declined = fake.wait_for_posts(CHANNEL, 2)[-1]
    assert "ei voi toteuttaa pyyntöä #1" in text_of(declined.args)
