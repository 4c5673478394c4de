"""The monthly usage report as a CSV (the rows are computed in `bot.domain.report`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.domain.report import Month, month_of, report_csv
from bot.services.booking import BookingService
from storage.report import load_report_rows


@dataclass(frozen=True)
class Report:
    month: Month
    contracts: int
    csv: str


class ReportService:
    def __init__(
        self, booking: BookingService, default_timezone: str, hourly_rate: Decimal | None
    ) -> None:
        self.booking = booking
        self.default_timezone = default_timezone
        self.hourly_rate = hourly_rate

    def monthly(self, month: Month | None, now: datetime | None = None) -> Report:
        """The month's report (default: this month in the default time zone)."""
        month = month or month_of(now or self.booking.now(), self.default_timezone)
        rows = load_report_rows(self.booking.engine, month, self.hourly_rate)
        csv = report_csv(rows, with_estimate=self.hourly_rate is not None)
        return Report(month, len(rows), csv)
