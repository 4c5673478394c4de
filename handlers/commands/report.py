"""`/oura-book report [YYYY-MM]`: the month's usage report, sent to the staff member as a CSV
in a DM."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.base import Message, text_message
from bot.domain.report import Month
from bot.services.container import Services
from handlers.replies import log


def send_report(
    client: WebClient, services: Services, user_id: str, month: Month | None, now: datetime
) -> Message:
    report = services.reports.monthly(month, now)
    try:
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=dm,
            filename=f"oura-usage-{report.month}.csv",
            title=f"Oura onboarding usage {report.month}",
            content=report.csv,
            initial_comment=f"Usage report for {report.month}: {report.contracts} contracts.",
        )
    except SlackApiError as error:
        code = error.response.get("error")
        log.warning("report upload for user=%s failed: %s", user_id, code)
        return text_message(f"I could not send you the report (Slack said `{code}`).")
    return text_message(
        f"I sent you the usage report for {report.month} ({report.contracts} contracts) in a DM."
    )
