"""A customer's contracts over time (issue 16): `renew` adds a contract that takes over at its
start, `contract fix` corrects the current one without breaking a balance, and `history`
shows who changed what, and when. Signed requests to the served app, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

from conftest import CHANNEL, STAFF, VENDOR_TEAM, RunningBot, text_of
from slackreq import block_action
from sqlmodel import Session, col, select
from test_clock_sweep import Now, sweeper
from test_home import checked, click
from test_http_commands import sessions
from test_session_races import check_books

from bot.blocks.ids import HOME_USAGE
from bot.blocks.sessions import usage_card
from bot.domain.commands import parse
from bot.domain.contracts import Paid, overlapping, overspent, refit
from bot.domain.entitlement import Balance, ContractTerms
from bot.domain.errors import InvalidCommand, OuraError, RuleViolation
from bot.domain.packages import LAUNCH_KIT, PREMIUM, SessionType
from bot.i18n import speaking
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import Actor, BookingService
from bot.services.contracts import ContractService
from storage.models import AuditEvent, Contract


def contracts(bot: RunningBot) -> list[Contract]:
    with Session(bot.engine) as db:
        return list(db.exec(select(Contract).order_by(col(Contract.id))).all())


def audit(bot: RunningBot, action: str) -> list[AuditEvent]:
    with Session(bot.engine) as db:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        return list(db.exec(query).all())


# -- the rules ------------------------------------------------------------------------------


def test_terms_that_share_a_day_overlap() -> None:
    first = ContractTerms(LAUNCH_KIT, date(2027, 1, 4), 12, "Europe/Helsinki")
    same_day = ContractTerms(PREMIUM, date(2028, 1, 3), 12, "Europe/Helsinki")
    next_day = ContractTerms(PREMIUM, date(2028, 1, 4), 12, "Europe/Helsinki")
    before = ContractTerms(PREMIUM, date(2026, 1, 4), 12, "Europe/Helsinki")
    assert overlapping(same_day, [first]) == first
    assert overlapping(next_day, [first]) is None
    assert overlapping(before, [first]) is None


def test_a_smaller_entitlement_makes_the_latest_sessions_billable_first() -> None:
    terms = ContractTerms(PREMIUM, date(2027, 1, 4), 12, "Europe/Helsinki")
    paid = [
        Paid(i, SessionType.TRAINING, datetime(2027, 2, i, 8, tzinfo=UTC), 60, 60, 0, False, c)
        for i, c in ((1, 0), (2, 0), (3, 60))
    ]
    refitted = refit(paid, terms, Balance(100, 0, 12, 0))
    assert [(p.included_minutes, p.billable_minutes) for p in refitted] == [
        (60, 0),
        (40, 20),
        (0, 60),
    ]
    assert overspent(refitted) == [2]  # #3 had its 60 billable minutes confirmed


def test_the_forms_parse_and_refuse_what_is_wrong() -> None:
    assert parse("renew premium 2028-01-04").term_months == 12  # type: ignore[union-attr]
    assert parse("renew premium 2028-01-04 6 months").term_months == 6  # type: ignore[union-attr]
    for wrong in (
        "renew",
        "renew gold 2028-01-04",
        "renew premium 2028-01-04 0 months",
        "contract fix colour red",
        "contract fix term 61",
        "history page x",
    ):
        try:
            parse(wrong)
        except InvalidCommand as error:
            assert "Use `/oura-book" in str(error)
        else:
            raise AssertionError(wrong)


# -- renew ----------------------------------------------------------------------------------


def test_renew_adds_a_contract_that_takes_over_at_its_start(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    # Booked after the term: billable against the old contract, until the renewal.
    late = bot.command("training 2028-02-01 10:00 45m billable")
    assert "45 billable min" in text_of(late)

    refused = text_of(bot.command("renew launch-kit 2027-06-01"))
    assert "overlaps the Premium Success contract from 2027-01-04 to 2028-01-03" in refused
    assert "start it on 2028-01-04 or later" in refused
    assert len(contracts(bot)) == 1

    reply = text_of(bot.command("renew launch-kit 2028-01-04 6 months"))

    assert "Added a Launch Kit contract for *Acme Oy*" in reply
    old, new = contracts(bot)
    assert (new.package_id, new.start, new.term_months) == ("launch-kit", date(2028, 1, 4), 6)
    assert new.next_post_at is not None  # the clock plans it like a linked one
    [session] = sessions(bot)
    assert f"now paid from it: #{session.id}" in reply
    assert (session.contract_id, session.included_minutes, session.billable_minutes) == (
        new.id,
        45,
        0,
    )
    assert (old.minutes_spent, new.minutes_spent) == (0, 45)
    check_books(bot.engine)
    post = text_of(bot.fake.wait_for_posts(CHANNEL, 1)[-1].args)
    assert "Acme Oy has a new Launch Kit contract" in post
    [event] = audit(bot, "renew")
    assert event.actor_user_id == STAFF
    assert json.loads(event.details)["repaid_sessions"] == [session.id]

    # A booking spends from the contract in force at its start.
    bot.command("kickoff 2027-03-01 10:00 30m")
    bot.command("kickoff 2028-03-01 10:00 30m")
    by_start = {s.starts_at.date(): s.contract_id for s in sessions(bot)}
    assert by_start[date(2027, 3, 1)] == old.id and by_start[date(2028, 3, 1)] == new.id

    # The card shows the current contract and a line for the other one.
    card = text_of(bot.command("usage"))
    assert "*Premium Success*, contract from" in card
    assert "Launch Kit, Tue 04 Jan 2028 to Mon 03 Jul 2028: not started yet" in card


def test_the_card_switches_at_the_new_start_in_the_accounts_time_zone(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("renew launch-kit 2028-01-04")
    # Midnight in Helsinki is 22:00 UTC the day before.
    before = bot.booking.usage(CHANNEL, datetime(2028, 1, 3, 21, 59, tzinfo=UTC))
    after = bot.booking.usage(CHANNEL, datetime(2028, 1, 3, 22, 0, tzinfo=UTC))
    assert before.contract.package_id == "premium"
    assert after.contract.package_id == "launch-kit"
    with speaking("en"):
        card = text_of(usage_card(after).as_kwargs())
    assert "*Launch Kit*, contract from" in card
    assert "Premium Success, Mon 04 Jan 2027 to Mon 03 Jan 2028: 0 used, 120 lapsed" in card


# -- contract fix ---------------------------------------------------------------------------


def test_a_fix_that_would_overspend_is_refused_naming_the_sessions(bot: RunningBot) -> None:
    bot.link("launch-kit", "2027-01-04")
    for day in (5, 6, 7):
        bot.command(f"training 2027-01-{day:02d} 10:00 60m")
    third = sessions(bot)[2]

    refused = text_of(bot.command("contract fix package premium"))
    assert "Nothing was changed" in refused and f"#{third.id}" in refused
    assert contracts(bot)[0].package_id == "launch-kit"
    moved_start = text_of(bot.command("contract fix start 2027-01-06"))
    assert "Nothing was changed" in moved_start and f"#{sessions(bot)[0].id}" in moved_start
    assert audit(bot, "contract_fix") == []

    bot.command(f"cancel {third.id}")
    fixed = text_of(bot.command("contract fix package premium"))
    assert "Corrected the contract of *Acme Oy*: package launch-kit → premium" in fixed
    [contract] = contracts(bot)
    assert (contract.package_id, contract.included_minutes, contract.minutes_spent) == (
        "premium",
        120,
        120,
    )
    check_books(bot.engine)
    [event] = audit(bot, "contract_fix")
    assert json.loads(event.details)["from"] == "launch-kit"


def test_a_fix_that_frees_minutes_lets_billable_bookings_take_them(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("training 2027-01-05 10:00 60m")
    bot.command("training 2027-01-06 10:00 60m")
    bot.command("training 2027-01-07 10:00 30m billable")
    billable = sessions(bot)[2]

    fixed = text_of(bot.command("contract fix package launch-kit"))

    assert f"Freed minutes went to #{billable.id}: it is now 30 included min, 0 billable" in fixed
    assert "90 of 240 included minutes left" in fixed
    check_books(bot.engine)
    term = text_of(bot.command("contract fix term 6"))
    assert "term (months) 12 → 6" in term
    assert contracts(bot)[0].term_months == 6


# -- history --------------------------------------------------------------------------------


def test_history_shows_every_change_newest_first_a_page_at_a_time(bot: RunningBot) -> None:
    bot.link("launch-kit", "2027-01-04")
    for hour in range(9, 14):
        bot.command(f"training 2027-01-05 {hour:02d}:00 30m")
    first = sessions(bot)[0]
    bot.command(f"move {first.id} 2027-01-06 10:00")
    bot.command(f"cancel {first.id}")
    bot.command("timezone Europe/Stockholm")
    bot.command("contract fix term 6")
    events = 10  # link, 5 books, move, cancel, time zone, contract fix

    page = bot.command("history")
    text = text_of(page)
    assert "History of Acme Oy" in text
    assert text.index("corrected the contract") < text.index("changed the time zone")
    assert text.index(f"cancelled session #{first.id}") < text.index(f"moved session #{first.id}")
    assert f"<@{STAFF}>" in text and "<!date^" in text
    assert "More:" not in text and page["text"].count("<!date^") == events

    bot.command("kickoff 2027-01-07 10:00 30m")
    first_page = bot.command("history")
    assert "Page 1 of 2" in text_of(first_page) and "linked the channel" not in text_of(first_page)
    [more] = [e for b in first_page["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (more["action_id"], more["value"], more["text"]["text"]) == (
        "history_more",
        ":2",
        "More",
    )
    second = text_of(bot.command("history page 2"))
    assert "linked the channel" in second and "Page 2 of 2" in second

    # The button shows the same page, privately, to the staff member who clicked.
    click = block_action(
        "history_more",
        more["value"],
        user_id=STAFF,
        team_id=VENDOR_TEAM,
        channel_id=CHANNEL,
        response_url=bot.fake.response_url("more"),
    )
    assert bot.sender.interaction(click).status == 200
    [shown] = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"), timeout=10)
    assert shown.args["user"] == STAFF
    assert "linked the channel" in text_of(shown.args) and "Page 2 of 2" in text_of(shown.args)
    buyer = block_action(
        "history_more",
        ":2",
        user_id="U_BUYER",
        team_id="T_CUSTOMER",
        channel_id=CHANNEL,
        response_url=bot.fake.response_url("buyer"),
    )
    assert bot.sender.interaction(buyer).status == 200
    refusals = bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral")[1:], timeout=10)
    assert refusals[0].args["user"] == "U_BUYER"
    assert "linked the channel" not in text_of(refusals[0].args)

    one = bot.command(f"history {first.id}")
    assert f"History of session #{first.id}" in one["text"]
    assert one["text"].count("<!date^") == 3  # booked, moved, cancelled
    assert "no session #999" in text_of(bot.command("history 999")).lower()


# -- at once --------------------------------------------------------------------------------


def test_racing_renewals_add_one_contract_and_fixes_keep_the_balance(
    booking: BookingService,
) -> None:
    """Ten renewals of the same term at once: one wins, the others are refused as overlapping.
    Then fixes, bookings and cancels at once: the counters always equal what the sessions hold."""
    now = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
    booking.now = lambda: now
    setup = Actor(user_id="U_SETUP", team_id=VENDOR_TEAM)
    booking.link(setup, CHANNEL, "premium", date(2027, 1, 4), "Acme Oy")
    service = ContractService(booking)
    barrier = threading.Barrier(10)

    def renew(i: int) -> str:
        barrier.wait()
        try:
            service.renew(setup, CHANNEL, "launch-kit", date(2028, 1, 4 + i), 12)
            return "renewed"
        except RuleViolation as refusal:
            assert "overlaps" in str(refusal)
            return "refused"

    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(renew, range(10)))
    assert sorted(outcomes) == ["refused"] * 9 + ["renewed"]

    moments = [datetime(2027, 2, 2 + i, 8, 0, tzinfo=UTC) for i in range(6)]
    ids = [
        booking.book(setup, CHANNEL, SessionType.TRAINING, m, 30, False).session.id
        for m in moments[:3]
    ]
    rng = random.Random(6)
    ops = [rng.choice(("book", "cancel", "fix")) for _ in range(30)]
    fixes = [("package", "launch-kit"), ("package", "premium"), ("term", 6), ("term", 12)]
    barrier = threading.Barrier(30)

    def work(i: int) -> str:
        barrier.wait()
        try:
            if ops[i] == "book":
                booking.book(setup, CHANNEL, SessionType.TRAINING, moments[i % 6], 30, i % 2 == 0)
            elif ops[i] == "cancel":
                booking.cancel(setup, CHANNEL, ids[i % 3])  # type: ignore[arg-type]
            else:
                service.fix(setup, CHANNEL, *fixes[i % 4])
            return ops[i]
        except OuraError:
            return "refused"  # overspend, already cancelled, billable unconfirmed, unchanged

    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(work, range(30)))
    assert "fix" in results and "book" in results
    check_books(booking.engine)


def test_the_clock_plans_every_contract_of_an_account(
    booking: BookingService, fake_slack: FakeSlack
) -> None:
    """The old contract's term closes and the renewal's Launch Kit window is warned about,
    each in turn, from the same channel's account."""
    now = Now(datetime(2027, 2, 1, 8, 0, tzinfo=UTC))
    booking.now = now
    setup = Actor(user_id="U_SETUP", team_id=VENDOR_TEAM)
    booking.link(setup, CHANNEL, "premium", date(2027, 1, 4), "Acme Oy")
    renewal = ContractService(booking).renew(setup, CHANNEL, "launch-kit", date(2028, 1, 4), 12)
    old_id, new_id = contracts_of(booking)
    assert renewal.contract.id == new_id
    clock = sweeper(booking.engine, fake_slack)

    # Tue 2028-01-04, 10:00 in Helsinki: the old term has ended.
    closed = clock.sweep(datetime(2028, 1, 4, 8, 0, tzinfo=UTC)).sent
    assert f"contract:{old_id}:term-closed" in closed
    # Its summary tells of the renewal instead of asking for one.
    summary = text_of(fake_slack.posts(CHANNEL)[-1].args)
    assert "The Premium Success term has ended." in summary
    assert "Your next contract, Launch Kit, starts on Tue 04 Jan 2028." in summary
    assert "ask your Oura contact here about a renewal" not in summary
    # Day 90 of the new window is 2028-04-02; 30 days before is Sat 2028-03-04: Monday then.
    warned = clock.sweep(datetime(2028, 3, 6, 8, 0, tzinfo=UTC)).sent
    assert f"contract:{new_id}:window-warning:30" in warned
    assert not any(key.startswith(f"contract:{old_id}:") for key in warned)


def contracts_of(booking: BookingService) -> list[int]:
    with Session(booking.engine) as db:
        return [c.id for c in db.exec(select(Contract).order_by(col(Contract.id))).all()]  # type: ignore[misc]


def test_the_app_home_usage_card_shows_the_accounts_history(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("kickoff 2027-01-12 14:00 45m")
    [session] = sessions(bot)
    click(bot, HOME_USAGE, str(session.account_id))
    [call] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"), message="views.open")
    modal = checked(call.args["view"])
    text = text_of(modal)
    assert "History of Acme Oy" in text
    assert text.index(f"booked session #{session.id}") < text.index("linked the channel")
    assert not any(b["type"] == "actions" for b in modal["blocks"])  # no More button in a modal


def test_an_account_moves_to_another_channel_with_everything_it_has(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.link("launch-kit", "2027-01-04", "C_TAKEN", "Other Oy")
    bot.command("kickoff 2027-01-12 14:00 45m")
    [session] = sessions(bot)

    taken = text_of(bot.command("move channel <#C_TAKEN|other>"))
    assert "already holds *Other Oy*" in taken
    same = text_of(bot.command(f"move channel <#{CHANNEL}|acme>"))
    assert "already linked to this channel" in same
    wrong = text_of(bot.command("move channel #acme-new"))
    assert "Name one channel" in wrong

    reply = text_of(bot.command("move channel <#C_NEWACME|acme-new>"))

    assert "Moved *Acme Oy* to <#C_NEWACME>" in reply and f"<#{CHANNEL}> is no longer" in reply
    welcome = text_of(bot.fake.wait_for_posts("C_NEWACME", 1)[0].args)
    assert "This channel is now where Acme Oy and Oura plan" in welcome
    card = text_of(bot.command("usage", channel_id="C_NEWACME"))
    assert "45 used of 120" in card
    listing = text_of(bot.command("list", channel_id="C_NEWACME"))
    assert f"#{session.id}" in listing
    assert "not linked" in text_of(bot.command("usage"))
    [event] = audit(bot, "move_channel")
    assert json.loads(event.details) == {"from": CHANNEL, "to": "C_NEWACME"}
    history = text_of(bot.command("history", channel_id="C_NEWACME"))
    assert "moved the account to another channel" in history


def test_the_renewal_is_told_in_the_channels_language(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("language fi")
    bot.fake.reset()
    reply = text_of(bot.command("renew launch-kit 2028-01-04"))
    assert "Added a Launch Kit contract" in reply  # the typist reads their own language
    post = text_of(bot.fake.wait_for_posts(CHANNEL, 1)[0].args)
    assert "Acme Oy: uusi Launch Kit -sopimus, ti 4.1.2028\u2013ke 3.1.2029." in post
    assert "Pyydä tapaamista" in post
