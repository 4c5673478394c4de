"""The free slots a pace warning offers as buttons: its vendor contact's next few free starts
(working hours, nothing booked over them), read when the post is written."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.domain.availability import DEFAULT_SLOT_MINUTES, free_slots
from bot.domain.country import country_for_timezone
from bot.domain.schedule import ContractFacts
from bot.domain.timeutil import is_valid_zone
from handlers.slack_users import user_info
from storage.availability import busy_sessions, working_hours
from storage.engine import read_session
from storage.models import Account

if TYPE_CHECKING:
    from bot.clock import Sweeper

PACE_SLOTS = 3  # buttons on a pace warning
HORIZON = timedelta(days=29)  # as far as the request form looks


def with_free_slots(sweeper: Sweeper, facts: ContractFacts, now: datetime) -> ContractFacts:
    """`facts` with the vendor contact's next free slots; none if they cannot be read."""
    with read_session(sweeper.engine) as db:
        account = db.get(Account, facts.account_id)
        if account is None:
            return facts
        vendor = account.vendor_contact_id
        hours = working_hours(db, vendor)
        busy = busy_sessions(db, vendor, now, now + HORIZON)
    # The vendor contact's own zone, as the request form computes the slots in.
    tz = facts.timezone
    if sweeper.client is not None:
        their = (user_info(sweeper.client, vendor) or {}).get("tz")
        if isinstance(their, str) and is_valid_zone(their):
            tz = their
    starts = free_slots(
        hours,
        tz,
        busy,
        now,
        length=DEFAULT_SLOT_MINUTES,
        count=PACE_SLOTS,
        country=country_for_timezone(tz),
    )
    return replace(facts, free_slots=tuple(starts))
