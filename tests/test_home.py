"""The staff App Home: signed events and clicks to the served app, the fake Slack behind it."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from conftest import STAFF, STAFF_NY, VENDOR_TEAM, RunningBot, text_of
from slack_sdk.models.views import View
from slackreq import block_action
from sqlalchemy import Engine, event
from sqlmodel import Session

from bot.blocks.home import MAX_BLOCKS, home_view, parse_page_value, usage_modal
from bot.blocks.ids import HOME_ALL, HOME_MINE, HOME_USAGE
from bot.domain.overview import PAGE_SIZE, AccountSummary, HomePage, NextSession, Scope, page_count
from bot.domain.packages import PACKAGES, SessionType
from bot.sandbox.fakeslack import Call
from storage.engine import read_session
from storage.models import Account, Contract, OnboardingSession
from storage.overview import account_overview

CUSTOMER_TEAM = "T_CUSTOMER"
BUYER = "U_BUYER"
WORDS = ["Aurora", "Boreal", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Ivory"]
PACKAGE_IDS = ["launch-kit", "pro-lite", "premium"]
SUMMARY = re.compile(r"page (\d+) of (\d+) · (\d+) accounts?")


# -- seeding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    id: int
    company: str
    vendor: str
    package: str
    minutes_spent: int
    included: int
    next_start: datetime | None


def seed(engine: Engine, count: int = 250, now: datetime | None = None) -> list[Seeded]:
    """`count` accounts straight into the database, inserted in shuffled company order.

    Every third account belongs to STAFF_NY, the rest to STAFF. Every 50th has an expired
    contract before its current one; every 25th has booked sessions ahead (and a cancelled one
    sooner, and a held one in the past, neither of which is "next").
    """
    now = now or datetime.now(UTC)
    today = now.date()
    numbers = list(range(1, count + 1))
    random.Random(7).shuffle(numbers)
    seeded: list[Seeded] = []
    with Session(engine) as db:
        accounts = [
            Account(
                company=f"{WORDS[n % len(WORDS)]} {n:03d}",
                channel_id=f"C_{n:04d}",
                timezone="Europe/Helsinki",
                vendor_contact_id=STAFF_NY if n % 3 == 0 else STAFF,
            )
            for n in numbers
        ]
        db.add_all(accounts)
        db.flush()
        contracts = []
        plans = []
        for n, account in zip(numbers, accounts, strict=True):
            package = PACKAGES[PACKAGE_IDS[n % len(PACKAGE_IDS)]]
            spent = min((n % 5) * 30, package.included_minutes)
            if n % 50 == 0:
                contracts.append(
                    Contract(
                        account_id=account.id,
                        package_id="premium",
                        start=today - timedelta(days=500),
                        term_months=12,
                        included_minutes=120,
                        status_updates=12,
                        minutes_spent=120,
                        status_updates_spent=12,
                    )
                )
            contracts.append(
                Contract(
                    account_id=account.id,
                    package_id=package.id,
                    start=today - timedelta(days=n % 60),
                    term_months=12,
                    included_minutes=package.included_minutes,
                    status_updates=package.status_updates,
                    minutes_spent=spent,
                    status_updates_spent=min(n % 4, package.status_updates),
                )
            )
            plans.append((n, account, package, spent))
        db.add_all(contracts)
        db.flush()
        current = {c.account_id: c for c in contracts}  # the later one wins: the current
        sessions = []
        for n, account, package, spent in plans:
            next_start = None
            if n % 25 == 0:
                next_start = (now + timedelta(days=2 + n % 7)).replace(microsecond=0)
                for number, (starts_at, state) in enumerate(
                    (
                        (next_start - timedelta(days=1), "cancelled"),
                        (next_start, "booked"),
                        (next_start + timedelta(days=3), "booked"),
                        (now - timedelta(days=3), "held"),
                    ),
                    start=1,
                ):
                    sessions.append(
                        OnboardingSession(
                            account_id=account.id,
                            contract_id=current[account.id].id,
                            session_type="training",
                            starts_at=starts_at,
                            number=number,
                            minutes_booked=45,
                            state=state,
                            booked_by=STAFF,
                            booked_by_team=VENDOR_TEAM,
                        )
                    )
            assert account.id is not None
            seeded.append(
                Seeded(
                    id=account.id,
                    company=account.company,
                    vendor=account.vendor_contact_id,
                    package=package.name,
                    minutes_spent=spent,
                    included=package.included_minutes,
                    next_start=next_start,
                )
            )
        db.add_all(sessions)
        db.commit()
    return sorted(seeded, key=lambda s: (s.company.lower(), s.id))


# -- talking to the app -----------------------------------------------------------------------


def home_opened(bot: RunningBot, user_id: str, tab: str = "home") -> None:
    reply = bot.sender.event(
        {
            "type": "app_home_opened",
            "user": user_id,
            "channel": f"D_{user_id}",
            "tab": tab,
            "event_ts": f"{time.time():.6f}",
        },
        team_id=VENDOR_TEAM,  # delivered for our workspace, whoever opened the tab
    )
    assert reply.status == 200, (reply.status, reply.body)


def click(
    bot: RunningBot, action_id: str, value: str, user_id: str = STAFF, team: str = VENDOR_TEAM
):
    """A button click in the home tab: its container is the view, not a message."""
    payload = block_action(
        action_id,
        value,
        user_id=user_id,
        team_id=team,
        channel_id="",
        response_url="",
        trigger_id=f"trigger-{action_id}-{value}",
    )
    payload.pop("channel")
    payload.pop("response_url")
    payload["container"] = {"type": "view", "view_id": "V_HOME"}
    payload["view"] = {"id": "V_HOME", "type": "home", "team_id": VENDOR_TEAM, "blocks": []}
    reply = bot.sender.interaction(payload)
    assert reply.status == 200, (reply.status, reply.body)
    assert reply.body.strip() == ""  # a plain ack, nothing else


def publishes(bot: RunningBot, user_id: str | None = None) -> list[Call]:
    return [
        c for c in bot.fake.calls_to("views.publish") if user_id in (None, c.args.get("user_id"))
    ]


def published_after(bot: RunningBot, user_id: str, send: Callable[[], None]) -> dict[str, Any]:
    """Send (an event or a click), then wait for the views.publish it causes; return its view."""
    seen = len(publishes(bot, user_id))
    send()
    new = bot.fake.wait_for(
        lambda: publishes(bot, user_id)[seen:] or None, message=f"views.publish for {user_id}"
    )
    return new[0].args["view"]


def opened(bot: RunningBot, user_id: str = STAFF) -> dict[str, Any]:
    return published_after(bot, user_id, lambda: home_opened(bot, user_id))


def clicked(bot: RunningBot, action_id: str, value: str, user_id: str = STAFF) -> dict[str, Any]:
    return published_after(bot, user_id, lambda: click(bot, action_id, value, user_id=user_id))


def checked(view: dict[str, Any]) -> dict[str, Any]:
    """The view as Slack would take it: at most 100 blocks, every limit slack_sdk knows."""
    assert len(view["blocks"]) <= MAX_BLOCKS
    rebuilt = View(**view)
    rebuilt.validate_json()
    rebuilt.to_dict()  # validates every block and element too
    return view


def shown_ids(view: dict[str, Any]) -> list[int]:
    return [
        int(block["accessory"]["value"])
        for block in view["blocks"]
        if block.get("accessory", {}).get("action_id") == HOME_USAGE
    ]


def summary_of(view: dict[str, Any]) -> tuple[int, int, int]:
    match = SUMMARY.search(text_of(view))
    assert match, text_of(view)
    page, pages, total = (int(g) for g in match.groups())
    return page, pages, total


def action_ids(view: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def pager_value(view: dict[str, Any], suffix: str) -> str:
    [value] = [
        element["value"]
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == f"home_page:{suffix}"
    ]
    return value


# -- end to end -------------------------------------------------------------------------------


def test_home_opened_by_staff_shows_their_accounts_page_one(bot: RunningBot) -> None:
    accounts = seed(bot.engine)
    mine = [a for a in accounts if a.vendor == STAFF]
    view = checked(opened(bot, STAFF))

    assert view["type"] == "home"
    assert shown_ids(view) == [a.id for a in mine[:PAGE_SIZE]]
    assert summary_of(view) == (1, page_count(len(mine)), len(mine))
    assert "Your accounts" in text_of(view)
    assert len(view["blocks"]) == 45  # a full page: well under the 100-block limit
    assert action_ids(view) == [HOME_MINE, HOME_ALL, "home_page:next"]

    # Each account shows its package and its current contract's minutes.
    text = text_of(view)
    first = mine[0]
    assert first.company in text and first.package in text
    left = first.included - first.minutes_spent
    assert f"{first.minutes_spent} used · *{left} left* of {first.included}" in text


def test_home_shows_next_booked_session_as_a_date_token(bot: RunningBot) -> None:
    accounts = seed(bot.engine)
    with_sessions = [a for a in accounts if a.next_start is not None]
    assert with_sessions
    target = with_sessions[0]
    index = accounts.index(target)
    page = index // PAGE_SIZE + 1
    view = checked(clicked(bot, HOME_ALL, f"all:{page}"))
    [section] = [b for b in view["blocks"] if b.get("accessory", {}).get("value") == str(target.id)]
    fields = "\n".join(f["text"] for f in section["fields"])
    assert target.next_start is not None
    assert f"<!date^{int(target.next_start.timestamp())}^" in fields
    assert "Software training" in fields


def test_toggle_and_pages_publish_the_right_accounts(bot: RunningBot) -> None:
    accounts = seed(bot.engine)
    pages = page_count(len(accounts))

    view = checked(clicked(bot, HOME_ALL, "all:1"))
    assert shown_ids(view) == [a.id for a in accounts[:20]]
    assert summary_of(view) == (1, pages, 250)
    assert "All accounts" in text_of(view)
    assert pager_value(view, "next") == "all:2"

    view = checked(clicked(bot, "home_page:next", pager_value(view, "next")))
    assert shown_ids(view) == [a.id for a in accounts[20:40]]
    assert summary_of(view) == (2, pages, 250)
    assert pager_value(view, "prev") == "all:1" and pager_value(view, "next") == "all:3"

    view = checked(clicked(bot, "home_page", f"all:{pages}"))
    assert shown_ids(view) == [a.id for a in accounts[(pages - 1) * 20 :]]
    assert len(shown_ids(view)) == 250 - 12 * 20
    assert summary_of(view) == (pages, pages, 250)
    assert "home_page:next" not in action_ids(view)

    # A stale or forged page past the end shows the last page.
    view = checked(clicked(bot, "home_page:next", "all:99"))
    assert shown_ids(view) == [a.id for a in accounts[240:]]

    # Back to "mine": only the clicker's accounts; the other staff user sees theirs.
    view = checked(clicked(bot, HOME_MINE, "mine:1"))
    assert shown_ids(view) == [a.id for a in accounts if a.vendor == STAFF][:20]

    theirs = [a for a in accounts if a.vendor == STAFF_NY]
    view = checked(clicked(bot, "home_page:next", "mine:2", user_id=STAFF_NY))
    assert shown_ids(view) == [a.id for a in theirs[20:40]]
    assert summary_of(view) == (2, page_count(len(theirs)), len(theirs))


def test_usage_card_button_opens_a_modal_with_that_accounts_usage(bot: RunningBot) -> None:
    accounts = seed(bot.engine, count=30)
    target = next(a for a in accounts if a.minutes_spent)
    click(bot, HOME_USAGE, str(target.id))
    [call] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"), message="views.open")
    assert call.ok
    assert call.args["trigger_id"] == f"trigger-{HOME_USAGE}-{target.id}"
    modal = call.args["view"]
    assert modal["type"] == "modal"
    checked(modal)
    text = text_of(modal)
    left = target.included - target.minutes_spent
    assert f"{target.minutes_spent} used of {target.included}, *{left} left*" in text
    assert target.company in text
    # Below the card, the account's history (issue 16): seeded accounts have none yet.
    assert f"History of {target.company}" in text and "nothing yet" in text
    assert not publishes(bot)


def test_usage_card_for_an_unknown_account_says_so(bot: RunningBot) -> None:
    click(bot, HOME_USAGE, "9999")
    [call] = bot.fake.wait_for(lambda: bot.fake.calls_to("views.open"), message="views.open")
    assert "no longer exists" in text_of(call.args["view"])


def test_no_accounts_shows_the_empty_state_with_the_toggle(bot: RunningBot) -> None:
    view = checked(opened(bot, STAFF))
    assert "You are not the vendor contact for any account yet" in text_of(view)
    assert action_ids(view) == [HOME_MINE, HOME_ALL]
    assert not shown_ids(view)


def test_external_users_get_nothing(bot: RunningBot) -> None:
    seed(bot.engine, count=30)
    bot.fake.add_user(BUYER, team_id=CUSTOMER_TEAM)

    home_opened(bot, BUYER)
    home_opened(bot, "U_NOBODY")  # users.info does not know them: treated as external
    bot.fake.wait_for(
        lambda: (
            {c.args.get("user") for c in bot.fake.calls_to("users.info")} >= {BUYER, "U_NOBODY"}
        ),
        message="users.info for both users",
    )
    for action_id, value in (
        (HOME_MINE, "mine:1"),
        (HOME_ALL, "all:1"),
        ("home_page:next", "all:2"),
        ("home_page", "all:1"),
        (HOME_USAGE, "1"),
    ):
        click(bot, action_id, value, user_id=BUYER, team=CUSTOMER_TEAM)
    # A staff click after them: once it is answered, theirs have long been refused.
    clicked(bot, HOME_ALL, "all:1")
    time.sleep(0.3)
    assert [c.args["user_id"] for c in publishes(bot)] == [STAFF]
    assert not bot.fake.calls_to("views.open")


def test_messages_tab_publishes_nothing(bot: RunningBot) -> None:
    home_opened(bot, STAFF, tab="messages")
    opened(bot, STAFF_NY)
    time.sleep(0.3)
    assert not publishes(bot, STAFF)


# -- the query --------------------------------------------------------------------------------


def count_queries(engine: Engine) -> list[str]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return statements


def test_overview_costs_a_fixed_number_of_queries(engine: Engine) -> None:
    now = datetime.now(UTC)
    accounts = seed(engine, now=now)
    statements = count_queries(engine)
    with read_session(engine) as db:
        for limit in (1, 20, 250):
            statements.clear()
            page, total = account_overview(
                db, vendor_contact_id=None, offset=0, limit=limit, now=now
            )
            assert total == 250 and len(page) == limit
            # count, accounts, contracts, next sessions, open support cases, sessions not
            # logged two business days after their end, the latest staff notes
            assert len(statements) == 7, statements
        assert [s.account_id for s in page] == [a.id for a in accounts]


def test_overview_reads_the_current_contract_and_next_session(engine: Engine) -> None:
    now = datetime.now(UTC)
    accounts = {a.id: a for a in seed(engine, now=now)}
    with read_session(engine) as db:
        page, total = account_overview(db, vendor_contact_id=None, offset=0, limit=300, now=now)
        mine, mine_total = account_overview(
            db, vendor_contact_id=STAFF_NY, offset=0, limit=300, now=now
        )
        beyond, beyond_total = account_overview(
            db, vendor_contact_id=STAFF, offset=500, limit=20, now=now
        )
    assert total == 250 and len(page) == 250
    assert mine_total == len(mine) == sum(1 for a in accounts.values() if a.vendor == STAFF_NY)
    assert {s.vendor_contact_id for s in mine} == {STAFF_NY}
    assert beyond == [] and beyond_total == 250 - mine_total
    for summary in page:
        seeded = accounts[summary.account_id]
        assert summary.package_name == seeded.package  # the current contract, not the old one
        assert summary.minutes_used == seeded.minutes_spent
        assert summary.minutes_left == seeded.included - seeded.minutes_spent
        assert summary.minutes_included == seeded.included
        assert summary.status_updates_left == (
            summary.status_updates_included - summary.status_updates_used
        )
        assert summary.term_end is not None and summary.window_end is not None
        assert summary.window_end <= summary.term_end
        if seeded.next_start is None:
            assert summary.next_session is None
        else:
            assert summary.next_session is not None
            assert summary.next_session.starts_at == seeded.next_start
            assert summary.next_session.session_type is SessionType.TRAINING


# -- the view builder -------------------------------------------------------------------------


def summary(n: int, company: str | None = None, package_id: str = "launch-kit") -> AccountSummary:
    package = PACKAGES[package_id]
    return AccountSummary(
        account_id=n,
        company=company or f"Company {n:03d}",
        channel_id=f"C_{n}",
        timezone="America/New_York",
        vendor_contact_id=STAFF,
        package_id=package_id,
        package_name=package.name,
        minutes_used=30,
        minutes_left=package.included_minutes - 30,
        minutes_included=package.included_minutes,
        status_updates_used=1 if package.status_updates else 0,
        status_updates_left=package.status_updates - 1 if package.status_updates else 0,
        status_updates_included=package.status_updates,
        window_end=date(2027, 4, 3),
        term_end=date(2028, 1, 3),
        next_session=NextSession(
            id=n,
            session_type=SessionType.KICKOFF,
            starts_at=datetime(2027, 1, 12, 12, tzinfo=UTC),
            minutes=60,
            number=n,
        ),
    )


@pytest.mark.parametrize("count", [0, 1, 20, 21, 250])
@pytest.mark.parametrize("scope", list(Scope))
def test_every_page_stays_within_slacks_limits(count: int, scope: Scope) -> None:
    # Long, markup-laden names and every package: the worst a page can hold.
    everyone = [
        summary(n, company=("<Ä&Ö> " * 40)[:200] if n % 2 else None, package_id=PACKAGE_IDS[n % 3])
        for n in range(1, count + 1)
    ]
    pages = page_count(count)
    assert pages == max(1, -(-count // PAGE_SIZE))
    shown = []
    for page in range(1, pages + 1):
        accounts = everyone[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        view = home_view(HomePage(scope=scope, page=page, total=count, accounts=accounts)).to_dict()
        checked(view)
        assert view["type"] == "home"
        assert action_ids(view)[:2] == [HOME_MINE, HOME_ALL]
        assert len(view["blocks"]) <= 4 + 2 * PAGE_SIZE + 1
        ids = shown_ids(view)
        assert ids == [a.account_id for a in accounts]
        shown.extend(ids)
        for block in view["blocks"]:
            assert len(block.get("text", {}).get("text", "")) <= 3000
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
            assert "<Ä" not in block.get("text", {}).get("text", "")  # escaped
        if count:
            assert summary_of(view) == (page, pages, count)
            assert ("home_page:prev" in action_ids(view)) == (page > 1)
            assert ("home_page:next" in action_ids(view)) == (page < pages)
        else:
            empty = "You are not the vendor contact" if scope is Scope.MINE else "No customer"
            assert empty in text_of(view)
    assert shown == list(range(1, count + 1))


def test_one_account_shows_its_facts() -> None:
    view = home_view(HomePage(scope=Scope.ALL, page=1, total=1, accounts=[summary(7)])).to_dict()
    text = text_of(view)
    assert "page 1 of 1 · 1 account" in text
    assert "*Company 007* · Launch Kit · <@U_STAFF>" in text
    assert "30 used · *210 left* of 240" in text
    assert "none in this package" in text
    assert "Window ends*\nSat 03 Apr 2027" in text and "term ends Mon 03 Jan 2028" in text
    assert f"<!date^{int(datetime(2027, 1, 12, 12, tzinfo=UTC).timestamp())}^" in text
    assert not [a for a in action_ids(view) if a.startswith("home_page")]


def test_page_values_round_trip_and_bad_ones_mean_mine_page_one() -> None:
    assert parse_page_value("all:3") == (Scope.ALL, 3)
    assert parse_page_value("mine:2") == (Scope.MINE, 2)
    assert parse_page_value("all:-4") == (Scope.ALL, 1)
    for bad in (None, "", "all", "theirs:2", "all:x"):
        assert parse_page_value(bad) == (Scope.MINE, 1)


def test_usage_modal_wraps_a_usage_card() -> None:
    from bot.blocks.base import text_message

    view = usage_modal(text_message("Acme: 30 used of 240")).to_dict()
    assert view["type"] == "modal" and view["title"]["text"] == "Usage card"
    assert "Acme: 30 used of 240" in text_of(view)
