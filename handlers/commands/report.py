"""`/oura-book report [YYYY-MM]`: the month's usage report, built by the clock and sent to the
staff member as a CSV in a DM; the command only records the request and says it is coming."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.base import Message, text_message
from bot.domain.report import Month
from bot.i18n import _, current
from bot.services.container import Services


def send_report(
    services: Services,
    user_id: str,
    month: Month | None,
    now: datetime,
    request_key: str | None,
) -> Message:
    asked = services.reports.request(user_id, month, current(), request_key, now)
    return text_message(
        _(
            "I'm preparing the usage report for {month}: it will arrive in a DM shortly.",
            month=asked.month,
        )
    )
