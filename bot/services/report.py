"""The monthly usage report: asked for here, built and sent by the clock (`bot.reports`), so
no web request ever reads a whole month's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.domain.report import Month, month_of
from bot.services.booking import BookingService
from storage.report_jobs import record_job


@dataclass(frozen=True)
class ReportRequest:
    month: Month
    # False when this very request had been recorded already (the same Slack request twice).
    recorded: bool


class ReportService:
    def __init__(
        self, booking: BookingService, default_timezone: str, hourly_rate: Decimal | None
    ) -> None:
        self.booking = booking
        self.default_timezone = default_timezone
        self.hourly_rate = hourly_rate

    def request(
        self,
        user_id: str,
        month: Month | None,
        language: str,
        request_key: str | None,
        now: datetime,
    ) -> ReportRequest:
        """Record the report for the clock to build and DM to `user_id` in `language`
        (default month: this month in the default time zone)."""
        month = month or month_of(now, self.default_timezone)
        job = record_job(self.booking.engine, user_id, str(month), language, request_key, now)
        return ReportRequest(month, job is not None)
