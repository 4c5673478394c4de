"""Return-window reminders (issue 7): 7 days and 1 day before an order's return window
closes, once each, in business hours of the account's zone, across DST, with two clocks.

Dates written out by hand from a calendar: an order received on day 0 has day 30 as the
window's last day; "N days before" is that last day minus N.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_clock_sweep import ACTOR, Now, posted_keys, sweeper
from test_schedule import HELSINKI, NEW_YORK, contract, utc

from bot.domain.packages import PREMIUM
from bot.domain.schedule import OrderFacts, PostKind, next_check, plan, timeline
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import BookingService
from bot.services.support import SupportDesk
from storage.models import Contract

RETURN = PostKind.RETURN_WINDOW


def with_order(tz: str, received: date, order_id: int = 7):
    order = OrderFacts(id=order_id, received_on=received, rings=40, reference="PO-1")
    return replace(contract(PREMIUM, tz), orders=(order,))


def return_posts(facts):  # type: ignore[no-untyped-def]
    return [p for p in timeline(facts) if p.kind is RETURN]


# -- the planner -------------------------------------------------------------------------------


def test_reminders_7_and_1_day_before_the_last_day_across_new_york_dst() -> None:
    # Received Mon 2027-02-15: last day Wed 2027-03-17. DST starts Sun 2027-03-14.
    facts = with_order(NEW_YORK, date(2027, 2, 15))
    seven, one = return_posts(facts)
    assert seven.key == "contract:1:order:7:return-window-7d:2027-02-15"
    assert seven.send_at == utc(2027, 3, 10, 14, 0)  # Wed 09:00 EST
    assert one.key == "contract:1:order:7:return-window-1d:2027-02-15"
    assert one.send_at == utc(2027, 3, 16, 13, 0)  # Tue 09:00 EDT
    assert one.expires_at == utc(2027, 3, 18, 4, 0)  # midnight after the last day, EDT


def test_a_reminder_due_on_the_helsinki_dst_sunday_waits_for_monday() -> None:
    # Received Sat 2027-02-27: last day Mon 2027-03-29; 1 day before is Sun 2027-03-28,
    # the night Helsinki moves to summer time. Monday 09:00 EEST is 06:00 UTC.
    facts = with_order(HELSINKI, date(2027, 2, 27))
    seven, one = return_posts(facts)
    assert seven.send_at == utc(2027, 3, 22, 7, 0)  # Mon 09:00 EET
    assert one.send_at == utc(2027, 3, 29, 6, 0)
    assert one.expires_at == utc(2027, 3, 29, 21, 0)


def test_a_1_day_reminder_due_on_saturday_is_brought_forward_when_monday_is_too_late() -> None:
    # Received Fri 2027-02-05: last day Sun 2027-03-07; 1 day before is Sat 2027-03-06,
    # and Monday would be after the window: it goes on Friday 2027-03-05 09:00 EET.
    facts = with_order(HELSINKI, date(2027, 2, 5))
    _, one = return_posts(facts)
    assert one.send_at == utc(2027, 3, 5, 7, 0)


def test_a_clock_that_was_down_sends_only_the_1_day_reminder() -> None:
    facts = with_order(HELSINKI, date(2027, 2, 27))
    due = plan(facts, set(), utc(2027, 3, 29, 7, 0))
    returns = [p.key for p in due.send if p.kind is RETURN]
    assert returns == ["contract:1:order:7:return-window-1d:2027-02-27"]
    assert "contract:1:order:7:return-window-7d:2027-02-27" in [p.key for p in due.superseded]


def test_no_reminder_once_the_window_has_closed() -> None:
    facts = with_order(HELSINKI, date(2027, 2, 27))
    after = utc(2027, 3, 29, 21, 0)
    assert [p for p in plan(facts, set(), after).send if p.kind is RETURN] == []
    # Nor does a closed window make the clock look at the contract any sooner.
    without_order = replace(facts, orders=())
    assert next_check(facts, set(), after) == next_check(without_order, set(), after)


# -- the clock against a database and the fake Slack -----------------------------------------


@pytest.fixture
def now() -> Now:
    return Now(utc(2027, 2, 16, 15, 0))


@pytest.fixture
def service(engine: Engine, now: Now) -> BookingService:
    return BookingService(engine, HELSINKI, now=now)


def run_two_clocks(
    engine: Engine, fake: FakeSlack, start: datetime, end: datetime
) -> dict[str, list[datetime]]:
    """Two clocks sweep together every hour from `start` to `end`; when each key was sent."""
    clocks = [sweeper(engine, fake, "clock-a"), sweeper(engine, fake, "clock-b")]
    sent: dict[str, list[datetime]] = defaultdict(list)
    moment = start
    while moment <= end:
        barrier = threading.Barrier(len(clocks))
        reports = []

        def run(clock, at=moment, barrier=barrier, reports=reports):  # type: ignore[no-untyped-def]
            barrier.wait()
            reports.append(clock.sweep(at))

        threads = [threading.Thread(target=run, args=(c,)) for c in clocks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        for report in reports:
            for key in report.sent:
                sent[key].append(moment)
        moment += timedelta(hours=1)
    return sent


def return_keys(sent: dict[str, list[datetime]]) -> dict[str, list[datetime]]:
    return {k: v for k, v in sent.items() if ":return-window-" in k}


def test_two_clocks_post_each_reminder_once_across_dst(
    service: BookingService, engine: Engine, fake_slack: FakeSlack, now: Now
) -> None:
    service.link(ACTOR, "C1", "premium", date(2027, 1, 4), "Acme")
    service.set_timezone(ACTOR, "C1", NEW_YORK)
    SupportDesk(service).record_order(ACTOR, "C1", date(2027, 2, 15), 40, "PO-1")
    # The clocks are down until shortly before the 7-day reminder, then sweep hourly past
    # the window's close (Thu 2027-03-18 04:00 UTC).
    sent = run_two_clocks(engine, fake_slack, utc(2027, 3, 10, 10, 0), utc(2027, 3, 18, 6, 0))
    assert return_keys(sent) == {
        "contract:1:order:1:return-window-7d:2027-02-15": [utc(2027, 3, 10, 14, 0)],
        "contract:1:order:1:return-window-1d:2027-02-15": [utc(2027, 3, 16, 13, 0)],
    }
    counts = Counter(posted_keys(fake_slack))
    assert counts["contract:1:order:1:return-window-7d:2027-02-15"] == 1
    assert counts["contract:1:order:1:return-window-1d:2027-02-15"] == 1
    reminder = next(
        p
        for p in fake_slack.posts("C1")
        if p.args["metadata"]["event_payload"]["key"].endswith("1d:2027-02-15")
    )
    text = reminder.args["text"]
    assert "order #1 (PO-1), 40 rings received on Mon 15 Feb 2027" in text
    assert "closes at the end of Wed 17 Mar 2027" in text
    actions = [e["action_id"] for e in reminder.args["blocks"][1]["elements"]]
    assert "get_support" in actions


def next_post_at(engine: Engine) -> datetime | None:
    with Session(engine) as db:
        return db.exec(select(Contract.next_post_at)).one()


def test_a_new_or_corrected_order_brings_the_next_look_forward(
    service: BookingService, engine: Engine, fake_slack: FakeSlack, now: Now
) -> None:
    wednesday = utc(2027, 3, 10, 8, 0)  # 10:00 in Helsinki
    now.moment = wednesday
    service.link(ACTOR, "C1", "premium", date(2027, 1, 4), "Acme")
    clock = sweeper(engine, fake_slack)
    clock.sweep(wednesday)  # whatever the contract had due goes out first
    later = next_post_at(engine)
    assert later == utc(2027, 3, 22, 7, 0)  # a status-update last call
    desk = SupportDesk(service)
    # Received Fri 2027-02-19: last day Sun 03-21, the 7-day reminder Mon 03-15 09:00 EET.
    desk.record_order(ACTOR, "C1", date(2027, 2, 19), 40, "")
    assert next_post_at(engine) == utc(2027, 3, 15, 7, 0)
    # Corrected to Fri 2027-02-12, whose 7-day reminder (Mon 03-08) is already due: now.
    desk.correct_order(ACTOR, "C1", 1, date(2027, 2, 12), 40, "")
    assert next_post_at(engine) == wednesday
    # Corrected again, to a receipt whose window has closed: nothing of it is ever posted.
    desk.correct_order(ACTOR, "C1", 1, date(2027, 1, 10), 40, "")
    assert next_post_at(engine) == later
    sent = run_two_clocks(engine, fake_slack, wednesday, wednesday + timedelta(days=3))
    assert return_keys(sent) == {}
