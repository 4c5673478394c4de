"""The clock's posts, the staff App Home and its modals in Finnish and in English (issue 13).

Every post kind is built in both languages through slack_sdk's validation; a Finnish account's
channel reads Finnish (counts in the right form, the buttons by their Finnish labels) with no
English sentence left, and English stays as it was. Session-type and case-category labels and
the channel's buttons are translated by their own modules, so only the sentences built here
are checked for English."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import STAFF, text_of
from test_wording import facts

from bot.blocks.automated_posts import REFUSALS, post_message, refusal_text, unreachable_dm
from bot.blocks.base import text_message
from bot.blocks.home import home_view, notice_modal, usage_modal
from bot.domain.entitlement import Balance
from bot.domain.overview import AccountSummary, HomePage, NextSession, Scope
from bot.domain.packages import LAUNCH_KIT, PRO_LITE, SessionState, SessionType
from bot.domain.schedule import ContractFacts, OrderFacts, Post, PostKind, SessionFacts, timeline
from bot.domain.support import CaseCategory, CaseFacts, CaseState
from bot.i18n import speaking
from storage.models import Account

TZ = "Europe/Helsinki"
SESSION_START = datetime(2027, 2, 3, 10, 0, tzinfo=UTC)

# English that must not reach a Finnish reader in the sentences built here.
ENGLISH_IN_POSTS = (
    "Use *",
    " left",
    "Request a session",
    "Get support",
    " and ",
    "Reminder",
    "Included minutes",
    "Status updates",
    "Next step",
    "term ends",
    "window",
    "lapsed",
    "received on",
    "for order",
    " day",
    "Oura contact",
    "Still included",
    "coming up",
    "in an hour",
    "period",
    "booked",
)


SESSION = SessionFacts(
    id=5,
    session_type=SessionType.KICKOFF,
    starts_at=SESSION_START,
    minutes=45,
    state=SessionState.BOOKED,
    scheduled_at=SESSION_START - timedelta(days=7),
    number=5,
)
ORDERS = (
    OrderFacts(id=3, received_on=date(2027, 1, 10), rings=1, reference="PO-1"),
    OrderFacts(id=4, received_on=date(2027, 1, 11), rings=3, reference=""),
)
# Between them, every kind of post: Pro Lite has status updates, Launch Kit a window of its own
# before the term ends; one with a session ahead, orders, and one with nothing left at the end.
CONTRACTS = {
    "pro-lite": facts(PRO_LITE, Balance(120, 120, 12, 1), sessions=(SESSION,), orders=ORDERS),
    "launch-kit": facts(LAUNCH_KIT, Balance(240, 100, 0, 0)),
    "used-up": facts(PRO_LITE, Balance(120, 120, 12, 12)),
}
POSTS = [(name, post) for name, contract in CONTRACTS.items() for post in timeline(contract)]


def section_text(post: Post, contract: ContractFacts, language: str) -> str:
    """The post's own sentences (the first block) in `language`, validated by slack_sdk."""
    with speaking(language):
        kwargs = post_message(post, contract).as_kwargs()
    assert kwargs["text"] == kwargs["blocks"][0]["text"]["text"]
    return kwargs["text"]


def test_every_kind_of_post_is_covered() -> None:
    assert {post.kind for _, post in POSTS} == set(PostKind)


@pytest.mark.parametrize(("name", "post"), POSTS, ids=[post.key for _, post in POSTS])
def test_every_post_reads_finnish_for_a_finnish_account(name: str, post: Post) -> None:
    contract = CONTRACTS[name]
    english = section_text(post, contract, "en")
    finnish = section_text(post, contract, "fi")
    assert finnish != english
    if post.kind is not PostKind.SESSION_REMINDER:  # a reminder names the session, not whose
        assert "Demo Launch Oy" in finnish
    left = [phrase for phrase in ENGLISH_IN_POSTS if phrase in finnish]
    assert left == [], finnish
    # The days and dates are written the Finnish way (ma 4.1.2027), not the English one.
    assert not any(month in finnish for month in ("Jan 20", "Feb 20", "Nov 20", "Apr 20"))


def first(name: str, kind: PostKind, days_before: int | None = None) -> Post:
    return next(
        post
        for key, post in POSTS
        if key == name and post.kind is kind and days_before in (None, post.days_before)
    )


def both(post: Post, name: str, now: datetime | None = None) -> tuple[str, str]:
    contract = CONTRACTS[name]
    texts = []
    for language in ("en", "fi"):
        with speaking(language):
            texts.append(text_of(post_message(post, contract, now).as_kwargs()))
    return texts[0], texts[1]


def test_window_warnings_count_the_days_left_in_finnish_and_name_the_finnish_button() -> None:
    post = first("launch-kit", PostKind.WINDOW_WARNING, 30)
    last_day = CONTRACTS["launch-kit"].terms.window_end - timedelta(days=1)
    english, finnish = both(post, "launch-kit")
    assert "Demo Launch Oy: 30 days left to use the included" in english
    assert "Use *Request a session* to use them in time." in english
    assert "käyttöaikaa on jäljellä 30 päivää." in finnish
    assert "Minuutteja on jäljellä 140/240" in finnish
    assert "Varaa tapaaminen ajoissa painikkeella *Pyydä tapaamista*." in finnish
    # One day left: the singular; the last day itself: said so.
    noon = datetime.combine(last_day, datetime.min.time(), UTC) + timedelta(hours=10)
    english, finnish = both(post, "launch-kit", noon - timedelta(days=1))
    assert "1 day left" in english and "jäljellä 1 päivä." in finnish
    english, finnish = both(post, "launch-kit", noon)
    assert "today is the last day" in english
    assert "tänään on viimeinen päivä käyttää" in finnish


def test_status_update_nudges_in_finnish() -> None:
    english, finnish = both(first("pro-lite", PostKind.STATUS_NUDGE), "pro-lite")
    assert "11 status updates left in the package. Use *Request a session* to book one." in english
    assert "on aika sopia projektin tilannekatsaus" in finnish
    assert "Paketissa on jäljellä 11 tilannekatsausta." in finnish
    assert "*Pyydä tapaamista*" in finnish
    _, last_call = both(first("pro-lite", PostKind.STATUS_LAST_CALL), "pro-lite")
    assert "viimeinen hetki varata tämän jakson tilannekatsaus" in last_call


def test_the_term_warning_lists_what_is_left_joined_with_ja() -> None:
    contract = facts(PRO_LITE, Balance(120, 0, 12, 11))
    post = next(p for p in timeline(contract) if p.kind is PostKind.TERM_WARNING)
    texts = {}
    for language in ("en", "fi"):
        with speaking(language):
            texts[language] = text_of(post_message(post, contract).as_kwargs())
    assert "Still included until then: 120 included minutes and 1 status update." in texts["en"]
    assert "vielä 120 sisältyvää minuuttia ja 1 tilannekatsaus." in texts["fi"]
    assert "Pro Lite Success -sopimuskausi päättyy ma 29.11.2027." in texts["fi"]
    _, used_up = both(first("used-up", PostKind.TERM_WARNING, 7), "used-up")
    assert "Kaikki sopimukseen sisältyvä on käytetty." in used_up
    assert "Oura-yhteyshenkilöltäsi" in used_up


def test_closed_summaries_in_finnish() -> None:
    _, window = both(first("launch-kit", PostKind.WINDOW_CLOSED), "launch-kit")
    assert "sisältyvien minuuttien 90 päivän käyttöaika on päättynyt." in window
    assert "Sisältyvät minuutit: käytetty 100, vanhentunut 140 (yhteensä 240)." in window
    assert "Seuraava askel:" in window
    _, term = both(first("pro-lite", PostKind.TERM_CLOSED), "pro-lite")
    assert "Pro Lite Success -sopimuskausi on päättynyt." in term
    assert "Tilannekatsaukset: käytetty 1, vanhentunut 11 (yhteensä 12)." in term


def test_session_reminders_in_finnish() -> None:
    day_before, hour_before = sorted(
        (post for _, post in POSTS if post.kind is PostKind.SESSION_REMINDER),
        key=lambda post: post.due_at,
    )
    english, finnish = both(hour_before, "pro-lite")
    assert "the *Kickoff* session #5 starts in an hour:" in english
    assert "Muistutus: tapaaminen #5" in finnish and "alkaa tunnin kuluttua:" in finnish
    assert "(45 min)" in finnish
    _, finnish = both(day_before, "pro-lite")
    assert "on tulossa:" in finnish


def test_return_window_reminders_in_finnish() -> None:
    reminders = [post for _, post in POSTS if post.kind is PostKind.RETURN_WINDOW]
    one = next(post for post in reminders if post.order and post.order.rings == 1)
    three = next(post for post in reminders if post.order and post.order.rings == 3)
    english, finnish = both(one, "pro-lite")
    assert "for order #3 (PO-1), 1 ring received on Sun 10 Jan 2027" in english
    assert "tilaus #3 (PO-1), 1 sormus, vastaanotettu su 10.1.2027:" in finnish
    assert "palautus- ja vaihtoaika on voimassa ti 9.2.2027 loppuun asti." in finnish
    assert "käytä painiketta *Pyydä tukea* ennen sitä." in finnish
    _, finnish = both(three, "pro-lite")
    assert "tilaus #4, 3 sormusta, vastaanotettu ma 11.1.2027:" in finnish


@pytest.mark.parametrize("code", [*REFUSALS, "something_new"])
def test_the_unreachable_channel_dm_in_both_languages(code: str) -> None:
    account = Account(id=1, channel_id="C1", company="A&B Oy", timezone=TZ, vendor_contact_id=STAFF)
    with speaking("en"):
        english = text_of(unreachable_dm(account, code).as_kwargs())
    with speaking("fi"):
        finnish = text_of(unreachable_dm(account, code).as_kwargs())
        reason = refusal_text(code)
    assert "I can't post in <#C1> for *A&amp;B Oy* any more" in english
    assert f"(Slack said `{code}`)" in english
    assert "En voi enää kirjoittaa kanavalle <#C1> (*A&amp;B Oy*)" in finnish
    assert f"(Slackin vastaus: `{code}`)" in reason and reason in finnish
    assert "`/oura-book reconnect`" in finnish
    for phrase in ("I can't", "Slack said", "the channel", "the app", "on hold", "refuses"):
        assert phrase not in finnish


# -- the App Home ------------------------------------------------------------------------------


def case(n: int, taken_by: str | None = None) -> CaseFacts:
    return CaseFacts(
        id=n,
        category=CaseCategory.RETURN,
        state=CaseState.TAKEN if taken_by else CaseState.OPEN,
        created_at=datetime(2027, 1, 5, tzinfo=UTC),
        taken_by=taken_by,
        outside_window=False,
        order_id=None,
    )


def summary(n: int, **changes) -> AccountSummary:
    fields = {
        "account_id": n,
        "company": f"Company {n:03d}",
        "channel_id": f"C_{n}",
        "timezone": "America/New_York",
        "vendor_contact_id": STAFF,
        "package_id": "pro-lite",
        "package_name": "Pro Lite Success",
        "minutes_used": 30,
        "minutes_left": 90,
        "minutes_included": 120,
        "status_updates_used": 1,
        "status_updates_left": 11,
        "status_updates_included": 12,
        "window_end": date(2027, 11, 29),
        "term_end": date(2027, 11, 29),
        "next_session": NextSession(
            id=n,
            session_type=SessionType.KICKOFF,
            starts_at=datetime(2027, 1, 12, 12, tzinfo=UTC),
            minutes=60,
            number=n,
        ),
    }
    return AccountSummary(**{**fields, **changes})


# Every way an account shows: unreachable, no status updates, a window ending before the term,
# no contract, nothing booked, cases taken and not, overdue, and more than are listed.
ACCOUNTS = [
    summary(
        1,
        unreachable_reason="is_archived",
        open_cases=tuple(case(i, STAFF if i % 2 else None) for i in range(1, 8)),
        overdue_case_ids=frozenset({2}),
    ),
    summary(
        2,
        package_id="launch-kit",
        package_name="Launch Kit",
        status_updates_used=0,
        status_updates_left=0,
        status_updates_included=0,
        window_end=date(2027, 4, 3),
        term_end=date(2028, 1, 3),
        next_session=None,
    ),
    summary(3, package_id=None, package_name="No contract", window_end=None, term_end=None),
]
ENGLISH_ON_HOME = (
    "Onboarding accounts",
    "My accounts",
    "All accounts",
    "page ",
    " of ",
    " used",
    " left",
    "Minutes",
    "Status updates",
    "none in this package",
    "Window ends",
    "Term ends",
    "Next session",
    "nothing booked",
    "No contract",
    "no contract",
    "Support cases",
    "taken by",
    "not taken",
    "more",
    "Usage card",
    "Previous",
    "Next ▶",
    "the clock",
    "the channel is archived",
)


def home_texts(page: HomePage) -> tuple[str, str]:
    texts = []
    for language in ("en", "fi"):
        with speaking(language):
            view = home_view(page)  # validated by slack_sdk as it is built
        view.validate_json()
        texts.append(text_of(view.to_dict()))
    return texts[0], texts[1]


@pytest.mark.parametrize("scope", list(Scope))
def test_the_home_tab_reads_finnish_for_a_finnish_reader(scope: Scope) -> None:
    page = HomePage(scope=scope, page=2, total=41, accounts=ACCOUNTS)
    english, finnish = home_texts(page)
    assert "page 2 of 3 · 41 accounts" in english and "*Minutes*\n30 used" in english
    for word in ("Käyttöönoton asiakkaat", "Omat asiakkaat", "Kaikki asiakkaat", "sivu 2/3"):
        assert word in finnish
    assert "41 asiakasta" in finnish
    assert "*Minuutit*\nkäytetty 30 · *jäljellä 90* · yhteensä 120" in finnish
    assert "*Tilannekatsaukset*\nei sisälly tähän pakettiin" in finnish
    assert "*Käyttöaika päättyy*\nla 3.4.2027\n(sopimuskausi päättyy ma 3.1.2028)" in finnish
    assert "*Sopimuskausi päättyy*\nma 29.11.2027" in finnish
    assert "*Päättyy*\nsopimusta ei ole kirjattu" in finnish and "Ei sopimusta" in finnish
    assert "*Seuraava tapaaminen*\nei varauksia" in finnish
    assert "*Tukipyynnöt* · 7 avoinna" in finnish and "…ja 2 muuta (käyttökortti)" in finnish
    assert "käsittelijä <@U_STAFF>" in finnish and "ei käsittelijää" in finnish
    assert "ajastetut viestit eivät pääse kanavalle: kanava on arkistoitu" in finnish
    assert "◀ Edellinen" in finnish and "Seuraava ▶" in finnish and "Käyttökortti" in finnish
    left = [phrase for phrase in ENGLISH_ON_HOME if phrase in finnish]
    assert left == [], finnish


@pytest.mark.parametrize("scope", list(Scope))
def test_an_empty_home_tab_in_finnish(scope: Scope) -> None:
    english, finnish = home_texts(HomePage(scope=scope, page=1, total=0, accounts=[]))
    if scope is Scope.MINE:
        assert "You are not the vendor contact for any account yet." in english
        assert "*All accounts* lists everyone's" in english
        assert "Et ole vielä minkään asiakkaan Oura-yhteyshenkilö." in finnish
        assert "*Kaikki asiakkaat* näyttää kaikkien asiakkaat" in finnish
    else:
        assert "No customer is linked yet." in english
        assert "Yhtään asiakasta ei ole vielä linkitetty." in finnish
    assert "`/oura-book link" in finnish
    assert not [phrase for phrase in ("You are", "No customer", "link with") if phrase in finnish]


def test_one_account_on_its_own_page_in_finnish() -> None:
    page = HomePage(scope=Scope.MINE, page=1, total=1, accounts=ACCOUNTS[:1])
    english, finnish = home_texts(page)
    assert "Your accounts · page 1 of 1 · 1 account" in english
    assert "Omat asiakkaasi · sivu 1/1 · 1 asiakas" in finnish
    assert "◀ Edellinen" not in finnish and "Seuraava ▶" not in finnish


@pytest.mark.parametrize("language", ["en", "fi"])
def test_the_usage_and_notice_modals_fit_slacks_limits_in_both_languages(language: str) -> None:
    with speaking(language):
        usage = usage_modal(text_message("Acme: 30 used of 240")).to_dict()
        notice = notice_modal("This account no longer exists.").to_dict()
    title, close = ("Usage card", "Close") if language == "en" else ("Käyttökortti", "Sulje")
    for view in (usage, notice):
        assert view["title"]["text"] == title and view["close"]["text"] == close
        assert len(view["title"]["text"]) <= 24
