"""`/oura-book` in Finnish and English: every error the parser gives, the help, and the errors
the services raise, written with `say` in each language. English must stay what it was (the
parser's tests compare it); Finnish must be Finnish, with every placeholder filled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from conftest import CHANNEL, STAFF

from bot.blocks.base import text_message
from bot.catalogs import extract
from bot.domain.commands import FORMS, OpenOrderModal, OpenSupportModal, help_text, parse
from bot.domain.entitlement import Allocation, Balance, billable_refusal
from bot.domain.errors import OuraError, Unavailable
from bot.domain.packages import SessionType
from bot.domain.support import CaseCategory
from bot.domain.text import Text
from bot.domain.timeutil import local_to_utc, zone
from bot.i18n import say, speaking
from bot.services.booking import Actor, BookingService, NeedsBillableConfirmation
from bot.services.requests import RequestService
from bot.services.support import SupportDesk
from handlers.commands import sessions, support
from handlers.commands.report import send_report

ACTOR = Actor(user_id=STAFF, team_id="T_VENDOR")
NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


def both(text: Text | str) -> tuple[str, str]:
    with speaking("en"):
        english = say(text)
    with speaking("fi"):
        finnish = say(text)
    return english, finnish


def assert_reads(text: Text, english: str, finnish: str) -> tuple[str, str]:
    """`english` in the English rendering and `finnish` in the Finnish one, which has no
    English left of it and every placeholder filled."""
    en, fi = both(text)
    assert english in en, en
    assert finnish in fi, fi
    assert english not in fi, fi
    assert "{" not in en and "{" not in fi, (en, fi)
    assert en != fi
    return en, fi


# -- the parser ---------------------------------------------------------------------------------

LONG_NAME = "A" * 121
LONG_REFERENCE = "R" * 81

# What is typed, a bit of the English error, and a bit of the Finnish one.
WRONG = [
    ("link premium 2027-13-01 Acme", "is not a date in the form", "ei ole päivämäärä muodossa"),
    ("link premium 1999-01-04 Acme", "must be between 2000 and 2100", "on oltava vuosien 2000"),
    ("kickoff 2027-01-12 25:00", "is not a time in the form", "ei ole kellonaika muodossa"),
    ("kickoff 2027-01-12 10:00 45x", "is not a duration in the form", "ei ole kesto muodossa"),
    ("kickoff 2027-01-12 10:00 90m", "is at most 60 minutes", "kestää enintään 60 minuuttia"),
    ("kickoff 2027-01-12 10:00 0m", "at least 1 minute", "kestää vähintään minuutin"),
    ("kickoff 2027-01-12", "the local start time of the kickoff", "paikallinen alkamisaika"),
    ("cancel", "Which session?", "Mikä tapaaminen?"),
    ("cancel abc", "is not a session id", "ei ole tapaamisen tunniste"),
    ("done 3 maybe", "I did not understand `maybe`", "En ymmärtänyt kohtaa `maybe`"),
    ("usage now", "`usage` takes nothing after it", "Komennon `usage` perään"),
    ("cancel 3 4", "`cancel` takes nothing after it", "Komennon `cancel` perään"),
    ("move 3 2027-01-12", "the new date and the new time", "uusi päivämäärä ja uusi kellonaika"),
    ("timezone", "Give one IANA time zone name", "Anna yksi IANA-aikavyöhykkeen nimi"),
    ("dance", "I don't know `dance`", "En tunne komentoa `dance`"),
    ("link premium", "Give the package, the contract start date", "sopimuksen alkamispäivä"),
    ("link gold 2027-01-04 Acme", "`gold` is not a package", "`gold` ei ole paketti"),
    ("link premium 2027-01-04 Ac\x07me", "control character", "ohjausmerkki"),
    (f"link premium 2027-01-04 {LONG_NAME}", "longer than 120 characters", "yli 120 merkkiä"),
    ("contact", "Say which contact", "kumpi yhteyshenkilö"),
    ("contact vendor <@U123ABC> too", "Mention one person", "Mainitse yksi henkilö"),
    ("contact vendor <!here>", "is not a person", "ei ole henkilö"),
    ("contact vendor @alice", "is a name typed as text", "on tekstinä kirjoitettu nimi"),
    ("contact vendor alice", "is not a mention of a Slack user", "ei ole Slack-käyttäjän"),
    ("order fix x", "is not an order id", "ei ole tilauksen tunniste"),
    ("order fix 3 2027-01-04", "Give the order id", "Anna tilauksen tunniste"),
    ("order 2027-01-04", "Give the date the customer received", "jona asiakas vastaanotti"),
    ("order 2027-01-04 zero", "is not a ring count", "ei ole sormusten määrä"),
    (f"order 2027-01-04 3 {LONG_REFERENCE}", "reference is longer than 80", "Viite on yli 80"),
    ("report 2027-01 2027-02", "Give at most one month", "Anna enintään yksi kuukausi"),
    ("report jan", "is not a month in the form", "ei ole kuukausi muodossa"),
    ("calendar new", "Only `rotate` can follow `calendar`", "perään käy vain `rotate`"),
    ("country", "Give one two-letter country code", "Anna yksi kaksikirjaiminen maakoodi"),
    ("country XX", "whose public holidays are known", "yleiset vapaapäivät tunnetaan"),
    ("language de", "is not a language I write", "En kirjoita kieltä"),
    ("language", "Which language?", "Mikä kieli?"),
    ("kickoff 2027-01-12 10:00 link", "the meeting link after `link`", "kokouslinkki sanan `link`"),
    ("kickoff 2027-01-12 10:00 link <http://x.io>", "is not a meeting link", "ei ole kokouslinkki"),
    ("kickoff 2027-01-12 10:00 agenda", "the agenda line after `agenda`", "asialistan rivi sanan"),
    ("kickoff 2027-01-12 10:00 agenda " + "x" * 301, "longer than 300", "yli 300 merkkiä"),
    ("meeting-link <https://a.io> <https://b.io>", "Give one link", "Anna yksi linkki"),
    ("note 3", "Give the text after the session id", "Kirjoita teksti tapaamisen numeron"),
    ("note 3 ok\x07", "control character in it", "Tekstissä on ohjausmerkki"),
    ("attendees 3 " + "A" * 301, "At most 300 characters", "Enintään 300 merkkiä"),
    ("renew premium", "the new contract's start date", "uuden sopimuksen alkamispäivä"),
    ("renew premium 2028-01-04 0 months", "is not a term", "ei ole sopimuskausi"),
    ("contract fix colour red", "Say what to correct", "Kerro, mitä korjataan"),
    ("contract fix start 2028-01-04 2028-01-05", "Give one date", "Anna yksi päivämäärä"),
    ("move channel #acme", "Name one channel", "Nimeä yksi kanava"),
]


def parse_error(typed: str) -> OuraError:
    with pytest.raises(OuraError) as caught:
        parse(typed)
    return caught.value


@pytest.mark.parametrize(("typed", "english", "finnish"), WRONG, ids=[w[0][:30] for w in WRONG])
def test_every_parser_error_reads_in_finnish_and_english(
    typed: str, english: str, finnish: str
) -> None:
    error = parse_error(typed)
    en, fi = assert_reads(error.message, english, finnish)
    assert en == str(error)  # English is what it always was
    if "Use `" in en:  # the form to type follows, the same code in both languages
        form = en[en.index("Use `") + 4 : -1]
        assert fi.endswith(f"Käytä muotoa {form}.")


def _ids(text: Text) -> Iterator[str]:
    yield text.id
    for value in text.params.values():
        if isinstance(value, Text):
            yield from _ids(value)


def test_the_cases_above_reach_every_message_of_the_parser() -> None:
    """A new parser error without a case here fails: each must be seen in Finnish."""
    template, _ = extract()
    in_parser = {
        message.id
        for message in template
        if message.id and any(where == "bot/domain/commands.py" for where, _ in message.locations)
    }
    seen = {message for typed, _, _ in WRONG for message in _ids(parse_error(typed).message)}
    assert in_parser - seen == {help_text().id}


def test_a_typed_word_is_shown_as_typed_in_both_languages() -> None:
    en, fi = both(parse_error("link gold&lt;b&gt; 2027-01-04 Acme").message)
    assert "`gold&lt;b&gt;`" in en and "`gold&lt;b&gt;`" in fi


# -- help ---------------------------------------------------------------------------------------


def test_help_in_finnish_and_english() -> None:
    en, fi = assert_reads(help_text(), "open the booking form", "avaa varauslomake")
    assert en == str(help_text())
    for words in ("varaa ja kirjaa", "Paketit:", "Tapaamistyypit:", "enintään 60 minuuttia"):
        assert words in fi
    for words in ("Packages:", "Session types:", "Times are read", "opens the support form"):
        assert words not in fi
    for form in FORMS.values():  # the forms are code: the same in both, escaped for mrkdwn
        escaped = form.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped in en and escaped in fi
    for language in ("fi", "en"):
        with speaking(language):
            text_message(say(help_text())).as_kwargs()  # slack_sdk validates the blocks


# -- the rules' and the services' errors ---------------------------------------------------------


def test_time_zone_errors_in_both_languages() -> None:
    with pytest.raises(OuraError) as near:
        zone("Europe/Helsinkk")
    assert_reads(near.value.message, "Did you mean `Europe/Helsinki`?", "Tarkoititko")
    with pytest.raises(OuraError) as unknown:
        zone("Nowhere/Atall")
    assert_reads(unknown.value.message, "is not a time zone I know", "En tunne aikavyöhykettä")
    with pytest.raises(OuraError) as skipped:
        local_to_utc(date(2027, 3, 28), time(3, 30), "Europe/Helsinki")
    assert_reads(skipped.value.message, "does not exist on 2027-03-28", "Valitse toinen aika")


def test_billable_refusals_in_both_languages() -> None:
    balance = Balance(240, 230, 0, 0)
    allocation = Allocation(included_minutes=10, billable_minutes=20)
    typed = billable_refusal(allocation, SessionType.KICKOFF, balance, covered=True)
    _, fi = assert_reads(typed, "20 billable minutes", "20 laskutettavaa minuuttia")
    assert "Lisää `billable`" in fi and "jäljellä vain 10" in fi
    in_form = billable_refusal(allocation, SessionType.KICKOFF, balance, True, in_form=True)
    assert_reads(in_form, "Tick “Confirm billable extra time”", "Vahvista laskutettava lisäaika")
    one = billable_refusal(Allocation(billable_minutes=1), SessionType.TRAINING, balance, False)
    assert_reads(one, "1 billable minute:", "1 laskutettava minuutti")


def test_unavailable_in_both_languages() -> None:
    assert_reads(Unavailable().message, "can't reach the database", "tietokantaan")


@pytest.fixture
def service(booking: BookingService) -> BookingService:
    booking.now = lambda: NOW
    return booking


def raised(call, *args, **kwargs) -> OuraError:  # type: ignore[no-untyped-def]
    with pytest.raises(OuraError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_booking_errors_in_both_languages(service: BookingService) -> None:
    assert_reads(
        raised(service.usage, CHANNEL, NOW).message,
        "This channel is not linked to a customer yet",
        "Tätä kanavaa ei ole vielä linkitetty asiakkaaseen",
    )
    no_package = raised(service.link, ACTOR, CHANNEL, "gold", date(2027, 1, 4), "Acme")
    assert_reads(no_package.message, "No package `gold`", "Pakettia `gold` ei ole")
    service.link(ACTOR, CHANNEL, "launch-kit", date(2027, 1, 4), "Acme & Co")
    again = raised(service.link, ACTOR, CHANNEL, "premium", date(2027, 1, 4), "Other")
    assert_reads(again.message, "already linked to *Acme &amp; Co*", "jo linkitetty asiakkaaseen")
    missing = raised(service.cancel, ACTOR, CHANNEL, 99)
    assert_reads(missing.message, "There is no session #99", "ei ole tapaamista #99")

    later = NOW + timedelta(days=2)
    early = service.book(ACTOR, CHANNEL, SessionType.KICKOFF, later, 30, True)
    not_yet = raised(service.log_held, ACTOR, CHANNEL, early.session.id, None, False)
    assert_reads(not_yet.message, "has not started yet", "ei ole vielä alkanut")
    service.cancel(ACTOR, CHANNEL, early.session.id)
    twice = raised(service.cancel, ACTOR, CHANNEL, early.session.id)
    assert_reads(twice.message, "was already cancelled by", "perui tapaamisen")

    refused = raised(service.book, ACTOR, CHANNEL, SessionType.TRAINING, later, 60, False)
    assert isinstance(refused, NeedsBillableConfirmation)
    assert_reads(refused.message, "60 billable minutes", "60 laskutettavaa minuuttia")
    assert_reads(refused.in_form, "Tick “Confirm", "Valitse ”Vahvista laskutettava lisäaika”")


def test_request_errors_in_both_languages(service: BookingService) -> None:
    account, _ = service.link(ACTOR, CHANNEL, "premium", date(2027, 1, 4), "Acme")
    assert account.id is not None
    requests = RequestService(service)
    kickoff = SessionType.KICKOFF
    none = raised(requests.create, ACTOR, account.id, kickoff, 60, [], "")
    assert_reads(none.message, "preferred times", "toivottua aikaa")
    past = raised(requests.create, ACTOR, account.id, kickoff, 60, [NOW - timedelta(1)], "")
    assert_reads(past.message, "must be in the future", "on oltava tulevaisuudessa")
    gone = raised(requests.create, ACTOR, 999, kickoff, 60, [NOW + timedelta(1)], "")
    assert_reads(gone.message, "no longer exists", "ei enää ole")
    assert_reads(raised(requests.get, 7).message, "no session request #7", "Tapaamispyyntöä #7")
    made = requests.create(ACTOR, account.id, kickoff, 60, [NOW + timedelta(days=3)], "")
    request_id = made.request.id
    proposed = raised(requests.propose, ACTOR, request_id, NOW - timedelta(hours=1))
    assert_reads(proposed.message, "Propose a time in the future", "Ehdota tulevaa aikaa")
    requests.decline(ACTOR, request_id)
    declined = raised(requests.confirm, ACTOR, request_id, NOW + timedelta(days=3), False)
    assert_reads(declined.message, "is already declined", "on jo hylätty")
    closed = raised(requests.decline, ACTOR, request_id)
    assert_reads(closed.message, "is no longer open", "ei ole enää avoinna")


def test_support_errors_in_both_languages(service: BookingService) -> None:
    account, _ = service.link(ACTOR, CHANNEL, "premium", date(2027, 1, 4), "Acme")
    assert account.id is not None
    desk = SupportDesk(service)
    future = raised(desk.record_order, ACTOR, CHANNEL, date(2027, 7, 1), 3, "")
    assert_reads(future.message, "is in the future", "on tulevaisuudessa")
    rings = raised(desk.record_order, ACTOR, CHANNEL, date(2027, 5, 1), 100_001, "")
    assert_reads(rings.message, "ring count must be", "Sormusten määrän")
    long = raised(desk.record_order, ACTOR, CHANNEL, date(2027, 5, 1), 3, "R" * 81)
    assert_reads(long.message, "reference is longer than 80", "viite on yli 80")
    fix = raised(desk.correct_order, ACTOR, CHANNEL, 42, date(2027, 5, 1), 3, "")
    assert_reads(fix.message, "There is no order #42 for *Acme*", "ei ole tilausta #42")

    empty = raised(desk.open_case, ACTOR, account.id, CaseCategory.PRODUCT_QUESTION, None, " ")
    assert_reads(empty.message, "Describe what you need help with", "missä tarvitset apua")
    for category, english, finnish in (
        (CaseCategory.RETURN, "the return is about", "jota palautus koskee"),
        (CaseCategory.EXCHANGE, "the exchange is about", "jota vaihto koskee"),
    ):
        error = raised(desk.open_case, ACTOR, account.id, category, None, "Too small")
        assert_reads(error.message, english, finnish)
    assert_reads(raised(desk.get_case, 5).message, "no support case S-5", "Tukipyyntöä S-5")
    case, _ = desk.open_case(ACTOR, account.id, CaseCategory.TECHNICAL_ISSUE, None, "Sync")
    case_id = case.case.id
    desk.take(ACTOR, case_id)
    taken = raised(desk.take, ACTOR, case_id)
    assert_reads(taken.message, "is already taken", "on jo otettu käsittelyyn")
    desk.resolve(ACTOR, case_id)
    resolved = raised(desk.resolve, ACTOR, case_id)
    assert_reads(resolved.message, "is already resolved", "on jo ratkaistu")


# -- the staff's replies (handlers/commands) ----------------------------------------------------


def reply_in(language: str, build) -> str:  # type: ignore[no-untyped-def]
    """A reply built in `language`, checked by slack_sdk."""
    with speaking(language):
        message = build()
    message.as_kwargs()
    return message.text


def test_the_report_replies_in_both_languages() -> None:
    """The command says at once that the report is coming, in the requester's language, and
    records that language for the clock's DM."""
    asked: list[str] = []

    def request(user_id, month, language, request_key, now):  # type: ignore[no-untyped-def]
        asked.append(language)
        return SimpleNamespace(month="2027-01", recorded=True)

    services = SimpleNamespace(reports=SimpleNamespace(request=request))
    sent = {
        language: reply_in(
            language,
            lambda: send_report(services, STAFF, None, NOW, "trigger"),  # type: ignore[arg-type]
        )
        for language in ("en", "fi")
    }
    assert sent["en"] == (
        "I'm preparing the usage report for 2027-01: it will arrive in a DM shortly."
    )
    assert sent["fi"] == "Valmistelen käyttöraporttia 2027-01: se saapuu pian yksityisviestinä."
    assert asked == ["en", "fi"]


def typed_in(account: object) -> SimpleNamespace:
    booking = SimpleNamespace(
        account_for_channel=lambda channel: account,
        set_contact=lambda *args: account,
    )
    return SimpleNamespace(
        services=SimpleNamespace(booking=booking, support=None),
        client=None,
        actor=ACTOR,
        channel_id=CHANNEL,
        now=NOW,
        home=None,
    )


def test_the_booking_form_replies_in_both_languages() -> None:
    unlinked = typed_in(None)
    en = reply_in("en", lambda: sessions._open_booking_form(unlinked, "trigger"))
    fi = reply_in("fi", lambda: sessions._open_booking_form(unlinked, "trigger"))
    assert "nothing to book" in en
    assert "joten varattavaa ei ole" in fi and "/oura-book link" in fi
    linked = typed_in(SimpleNamespace(company="Acme", id=1))
    fi = reply_in("fi", lambda: sessions._open_booking_form(linked, None))
    assert fi.startswith("Kirjoita varaus sen sijaan komentona:") and "&lt;HH:MM&gt;" in fi


def test_the_contact_replies_in_both_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    typed = typed_in(SimpleNamespace(company="Acme & Co", id=1))
    monkeypatch.setattr(sessions, "user_info", lambda client, user_id: None)
    fi = reply_in("fi", lambda: sessions._set_contact(typed, "vendor", "U_B"))
    assert fi == "En löydä käyttäjää <@U_B> Slackista."

    monkeypatch.setattr(sessions, "user_info", lambda client, user_id: {"team_id": "T_ACME"})
    en = reply_in("en", lambda: sessions._set_contact(typed, "vendor", "U_B"))
    fi = reply_in("fi", lambda: sessions._set_contact(typed, "vendor", "U_B"))
    assert en == "<@U_B> is now the vendor contact for *Acme &amp; Co*."
    assert fi == "<@U_B> on nyt asiakkaan *Acme &amp; Co* Oura-yhteyshenkilö."

    monkeypatch.setattr(sessions, "is_staff", lambda person, home: True)
    fi = reply_in("fi", lambda: sessions._set_contact(typed, "buyer", "U_B"))
    assert "kuuluu Ouran omaan Slackiin" in fi

    monkeypatch.setattr(sessions, "is_staff", lambda person, home: False)
    fi = reply_in("fi", lambda: sessions._set_contact(typed, "buyer", "U_B"))
    assert "Asiakkaan tunnisteet Slackissa: `T_ACME`." in fi and "customer" not in fi
    monkeypatch.setattr(sessions, "user_info", lambda client, user_id: {})
    fi = reply_in("fi", lambda: sessions._set_contact(typed, "buyer", "U_B"))
    assert "Asiakkaan tunnisteet Slackissa: ei yhtään (Slack ei kertonut)." in fi


@pytest.mark.parametrize("command", [OpenOrderModal(), OpenSupportModal()])
def test_the_order_and_support_form_replies_in_both_languages(command: object) -> None:
    unlinked = typed_in(None)
    en = reply_in("en", lambda: support.run(command, unlinked, "trigger"))  # type: ignore[arg-type]
    fi = reply_in("fi", lambda: support.run(command, unlinked, "trigger"))  # type: ignore[arg-type]
    assert en.startswith("This channel is not linked to a customer yet. Use `/oura-book link")
    assert fi.startswith("Tätä kanavaa ei ole vielä linkitetty asiakkaaseen. Käytä ensin")
    linked = typed_in(SimpleNamespace(company="Acme", id=1))
    fi = reply_in("fi", lambda: support.run(command, linked, None))  # type: ignore[arg-type]
    assert fi.startswith("Lomaketta ei voitu avata tässä; kirjoita `/oura-book")
