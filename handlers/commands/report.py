"""`/oura-book report [YYYY-MM]`: the month's usage report, sent to the staff member as a CSV
in a DM."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.base import Message, text_message
from bot.domain.report import Month
from bot.i18n import _, n_
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
            # Translators: the title of the report's file; {month} is YYYY-MM.
            title=_("Oura onboarding usage {month}", month=report.month),
            content=report.csv,
            initial_comment=n_(
                "Usage report for {month}: {n} contract.",
                "Usage report for {month}: {n} contracts.",
                report.contracts,
                month=report.month,
            ),
        )
    except SlackApiError as error:
        code = error.response.get("error")
        log.warning("report upload for user=%s failed: %s", user_id, code)
        # Translators: {code} is Slack's error code.
        return text_message(_("I could not send you the report (Slack said `{code}`).", code=code))
    return text_message(
        n_(
            "I sent you the usage report for {month} ({n} contract) in a DM.",
            "I sent you the usage report for {month} ({n} contracts) in a DM.",
            report.contracts,
            month=report.month,
        )
    )
