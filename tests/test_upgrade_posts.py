"""A database filled at each earlier migration and upgraded keeps its rows, and its contracts get
their automated posts: contracts from before `next_post_at` existed are planned (0008)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select
from test_clock_sweep import posted_keys
from test_migrations import empty_engine  # noqa: F401  (the fixture: an empty database)

from bot.clock import Sweeper, clock_web_client
from bot.sandbox.fakeslack import FakeSlack
from storage.migrate import is_up_to_date, upgrade
from storage.models import Contract, OnboardingSession, SessionRequest, SupportCase

# Thursday 2027-03-04, 12:00 in Helsinki: contract 1's 30-day window warning is due, and so is
# the 24-hour reminder of session 2 (Friday 09:30 UTC).
SWEEP_AT = datetime(2027, 3, 4, 10, 0, tzinfo=UTC)
SESSION_2_EPOCH = int(datetime(2027, 3, 5, 9, 30, tzinfo=UTC).timestamp())
# Contract 2 was planned by the app at its revision (0002 on): that plan is kept.
PLANNED = datetime(2027, 3, 4, 7, 0, tzinfo=UTC)


def fill_at(engine: Engine, revision: int) -> None:
    """Rows as the schema of `revision` held them, written with raw SQL."""
    state = "state" if revision >= 6 else "status"
    team = ", customer_team_id" if revision >= 3 else ""
    team_value = ", 'T_ACME'" if revision >= 3 else ""
    plan = ", next_post_at" if revision >= 2 else ""
    statements = [
        f"INSERT INTO account (id, company, channel_id, timezone, vendor_contact_id, created_at"
        f"{team}) VALUES (1, 'Acme', 'C1', 'Europe/Helsinki', 'U1', '2027-01-01 10:00:00+00'"
        f"{team_value})",
        # Launch Kit from 2027-01-04: 45 minutes held, 30 reserved; never planned (NULL).
        "INSERT INTO contract (id, account_id, package_id, start, term_months, included_minutes, "
        f"status_updates, minutes_spent, status_updates_spent, created_at{plan}) VALUES (1, 1, "
        "'launch-kit', '2027-01-04', 12, 240, 0, 75, 0, '2027-01-01 10:00:00+00'"
        f"{', NULL' if plan else ''})",
    ]
    sessions = (
        (1, "kickoff", "2027-01-11 10:00:00+00", "held", 45, 45),
        (2, "training", "2027-03-05 09:30:00+00", "booked", "NULL", 30),
        (3, "onboarding", "2027-02-01 10:00:00+00", "cancelled", "NULL", 30),
    )
    for id_, kind, starts, status, held, included in sessions:
        statements.append(
            "INSERT INTO onboarding_session (id, account_id, contract_id, session_type, "
            "starts_at, minutes_booked, minutes_held, included_minutes, billable_minutes, "
            f"uses_status_update, billable_confirmed_minutes, {state}, booked_by, booked_by_team, "
            f"created_at, updated_at) VALUES ({id_}, 1, 1, '{kind}', '{starts}', {included}, "
            f"{held}, {included}, 0, false, 0, '{status}', 'U1', 'T1', "
            "'2027-01-01 10:00:00+00', '2027-01-01 10:00:00+00')"
        )
    statements.append(
        "INSERT INTO audit_event (id, at, actor_user_id, actor_team_id, action, account_id, "
        "session_id, details) VALUES (1, '2027-01-01 10:00:00+00', 'U1', 'T1', 'book', 1, 2, "
        "'{}')"
    )
    if revision >= 2:  # a second customer, whose contract the app had planned
        statements += [
            f"INSERT INTO account (id, company, channel_id, timezone, vendor_contact_id, "
            f"created_at{team}) VALUES (2, 'Beta', 'C2', 'Europe/Helsinki', 'U1', "
            f"'2027-01-01 10:00:00+00'{team_value})",
            "INSERT INTO contract (id, account_id, package_id, start, term_months, "
            "included_minutes, status_updates, minutes_spent, status_updates_spent, created_at, "
            "next_post_at) VALUES (2, 2, 'launch-kit', '2027-01-04', 12, 240, 0, 0, 0, "
            f"'2027-01-01 10:00:00+00', '{PLANNED:%Y-%m-%d %H:%M:%S}+00')",
        ]
    if revision >= 3:
        statements.append(
            "INSERT INTO session_request (id, account_id, requested_by, requested_by_team, "
            f"session_type, minutes, preferred_times, note, {state}, created_at, updated_at) "
            "VALUES (1, 1, 'U2', 'T_ACME', 'training', 45, '[]', 'soon', 'open', "
            "'2027-01-02 10:00:00+00', '2027-01-02 10:00:00+00')"
        )
    if revision >= 4:  # received 2027-02-05: the return window's last day is 2027-03-07
        statements += [
            "INSERT INTO customer_order (id, account_id, contract_id, received_on, rings, "
            "reference, recorded_by, created_at, updated_at) VALUES (1, 1, 1, '2027-02-05', 3, "
            "'PO-1', 'U1', '2027-02-05 10:00:00+00', '2027-02-05 10:00:00+00')",
            "INSERT INTO support_case (id, account_id, order_id, category, description, "
            f"opened_by, opened_by_team, {state}, created_at) VALUES (1, 1, 1, "
            "'technical-issue', 'It blinks', 'U2', 'T_ACME', 'open', '2027-02-06 10:00:00+00')",
        ]
    if engine.dialect.name == "sqlite":  # SQLite keeps UTC without an offset (storage.types)
        statements = [s.replace(":00+00'", ":00.000000'") for s in statements]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


@pytest.mark.parametrize("revision", [1, 2, 3, 4, 5, 6])
def test_a_database_filled_at_an_earlier_revision_gets_its_posts_after_the_upgrade(
    empty_engine: Engine,  # noqa: F811
    fake_slack: FakeSlack,
    revision: int,
) -> None:
    upgrade(empty_engine, f"{revision:04d}")
    fill_at(empty_engine, revision)
    upgrade(empty_engine)
    assert is_up_to_date(empty_engine)

    # Nothing lost on the way.
    with Session(empty_engine) as db:
        contracts = db.exec(select(Contract).order_by(col(Contract.id))).all()
        assert [(c.id, c.minutes_spent) for c in contracts] == [(1, 75), (2, 0)][: len(contracts)]
        assert contracts[0].next_post_at is not None  # planned by the upgrade
        if revision >= 2:
            assert contracts[1].next_post_at == PLANNED  # the app's plan is kept
        sessions = db.exec(select(OnboardingSession).order_by(col(OnboardingSession.id))).all()
        assert [(s.id, s.state, s.minutes_held) for s in sessions] == [
            (1, "held", 45),
            (2, "booked", None),
            (3, "cancelled", None),
        ]
        assert len(db.exec(select(SessionRequest)).all()) == (revision >= 3)
        assert len(db.exec(select(SupportCase)).all()) == (revision >= 4)

    fake_slack.now = lambda: SWEEP_AT.timestamp() + 1
    clock = Sweeper(empty_engine, clock_web_client("xoxb-test", fake_slack.api_url), pace_seconds=0)
    report = clock.sweep(SWEEP_AT)
    # 75 of 240 minutes by day 59 (and none for contract 2): the pace warnings go out too.
    expected = {
        "contract:1:window-warning:30",
        "contract:1:pace:half",
        f"session:2:reminder-24h:{SESSION_2_EPOCH}",
    }
    if revision >= 2:
        expected |= {"contract:2:window-warning:30", "contract:2:pace:half"}
    if revision >= 4:
        expected.add("contract:1:order:1:return-window-7d:2027-02-05")
    assert set(report.sent) == expected
    assert Counter(posted_keys(fake_slack)) == dict.fromkeys(expected, 1)
    assert {call.args["channel"] for call in fake_slack.posts()} == (
        {"C1", "C2"} if revision >= 2 else {"C1"}
    )
    # The sweep planned each contract's next look; a second sweep sends nothing again.
    with Session(empty_engine) as db:
        assert all(c.next_post_at > SWEEP_AT for c in db.exec(select(Contract)).all())
    assert clock.sweep(SWEEP_AT).sent == []
