"""A typist's Slack time zone is asked of users.info once, then reused for a few minutes."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import STAFF_NY, RunningBot
from sqlmodel import Session, col, select

from bot.services.ttlcache import TTLCache
from storage.models import OnboardingSession


def test_second_booking_reads_the_zone_without_asking_slack_again(bot: RunningBot) -> None:
    bot.link("premium", "2027-01-04")
    bot.command("training 2027-02-01 09:00 30m", user_id=STAFF_NY)
    bot.command("training 2027-02-02 09:00 30m", user_id=STAFF_NY)
    asked = [c.args.get("user") for c in bot.fake.calls_to("users.info")]
    # The typist's zone is asked once; nobody (the vendor contact's hours and invite
    # included) is asked twice.
    assert asked.count(STAFF_NY) == 1 and len(asked) == len(set(asked))
    with Session(bot.engine) as db:
        starts = db.exec(select(OnboardingSession.starts_at).order_by(col(OnboardingSession.id)))
        # 09:00 in New York (EST, UTC-5) both times.
        assert list(starts) == [
            datetime(2027, 2, 1, 14, 0, tzinfo=UTC),
            datetime(2027, 2, 2, 14, 0, tzinfo=UTC),
        ]


def test_ttl_cache_forgets_after_its_time_and_makes_room_for_new_keys() -> None:
    cache: TTLCache[str, str] = TTLCache(seconds=600, max_entries=2)
    cache.put("U1", "Europe/Helsinki", now=1000.0)
    assert cache.get("U1", now=1599.0) == "Europe/Helsinki"
    assert cache.get("U1", now=1600.0) is None
    assert cache.get("U_OTHER", now=1000.0) is None

    cache.put("U2", "Asia/Tokyo", now=1001.0)
    cache.put("U3", "America/New_York", now=1002.0)  # full: U1, the oldest, goes
    assert cache.get("U1", now=1003.0) is None
    assert cache.get("U2", now=1003.0) == "Asia/Tokyo"
    assert cache.get("U3", now=1003.0) == "America/New_York"
