"""`/oura-book report [YYYY-MM]`: the month's usage report, sent to the staff member as a CSV DM."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.sessions import Message, text_message
from bot.domain.report import Month, month_of, report_csv
from bot.services.container import Services
from handlers.common import log
from storage.report import load_report_rows


def send_report(
    client: WebClient, services: Services, user_id: str, month: Month | None, now: datetime
) -> Message:
    settings = services.settings
    month = month or month_of(now, settings.default_timezone)
    rows = load_report_rows(services.booking.engine, month, settings.hourly_rate)
    data = report_csv(rows, with_estimate=settings.hourly_rate is not None)
    try:
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=dm,
            filename=f"oura-usage-{month}.csv",
            title=f"Oura onboarding usage {month}",
            content=data,
            initial_comment=f"Usage report for {month}: {len(rows)} contracts.",
        )
    except SlackApiError as error:
        code = error.response.get("error")
        log.warning("report upload for user=%s failed: %s", user_id, code)
        return text_message(f"I could not send you the report (Slack said `{code}`).")
    return text_message(f"I sent you the usage report for {month} ({len(rows)} contracts) in a DM.")
