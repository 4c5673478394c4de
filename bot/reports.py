"""The clock's report worker: builds each requested monthly report off the web request,
streamed to a private temporary file, and shares it with the staff member in a DM.

Once only: a job is claimed with a conditional update (`storage.report_jobs`) that one clock
wins. Nothing lost: a failure (Slack, the database, the process dying) leaves the job to be
tried again after a back-off or when its lease runs out. Nothing doubled: the file's id is
written down before the file is shared, and a retry first asks Slack (files.info) whether the
share happened.
"""

from __future__ import annotations

import logging
import os
import tempfile
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.domain.report import parse_month, write_csv
from bot.i18n import _, n_, speaking
from storage.report import iter_report_rows
from storage.report_jobs import (
    ClaimedJob,
    claim_next,
    give_up,
    mark_failed,
    mark_sent,
    record_file,
    renew,
)

log = logging.getLogger("oura.reports")

MAX_ATTEMPTS = 5
# Renewed this often while the rows are read (the lease, REPORT_LEASE, is far longer).
RENEW_AFTER = timedelta(minutes=1)
UPLOAD_TIMEOUT_SECONDS = 120


class LeaseLost(Exception):
    """Another clock took the job over: this one must not send it."""


def backoff(attempt: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempt - 1, 0)), timedelta(minutes=30))


class ReportWorker:
    def __init__(
        self,
        engine: Engine,
        client: WebClient,
        hourly_rate: Decimal | None,
        worker: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.client = client
        self.hourly_rate = hourly_rate
        self.worker = worker
        self.now = now

    def run_pending(self, limit: int = 20) -> int:
        """Build and send the jobs due, up to `limit`; how many were sent."""
        sent = 0
        for _turn in range(limit):
            job = claim_next(self.engine, self.worker, self.now())
            if job is None:
                break
            sent += self.run(job)
        return sent

    def run(self, job: ClaimedJob) -> bool:
        try:
            self._deliver(job)
        except LeaseLost:
            log.warning("report job %d: another clock took it over", job.id)
            return False
        except Exception as error:
            self._failed(job, error)
            return False
        return True

    def _deliver(self, job: ClaimedJob) -> None:
        dm = self.client.conversations_open(users=job.requested_by)["channel"]["id"]
        if job.file_id and self._already_shared(job.file_id, dm):
            mark_sent(self.engine, job, None, self.now())
            log.info("report job %d was already in %s's DM", job.id, job.requested_by)
            return
        renewed = self.now()

        def keep_lease() -> None:
            nonlocal renewed
            if self.now() - renewed >= RENEW_AFTER:
                renewed = self.now()
                if not renew(self.engine, job, renewed):
                    raise LeaseLost(job.id)

        month = parse_month(job.month)
        descriptor, path = tempfile.mkstemp(prefix="oura-report-", suffix=".csv")  # 0600
        try:
            with open(descriptor, "w", encoding="utf-8", newline="") as out:
                rows = iter_report_rows(self.engine, month, self.hourly_rate, on_batch=keep_lease)
                count = write_csv(rows, out, with_estimate=self.hourly_rate is not None)
            size = os.path.getsize(path)
            filename = f"oura-usage-{month}.csv"
            with speaking(job.language):
                # Translators: the title of the report's file; {month} is YYYY-MM.
                title = _("Oura onboarding usage {month}", month=month)
                comment = n_(
                    "Usage report for {month}: {n} contract.",
                    "Usage report for {month}: {n} contracts.",
                    count,
                    month=month,
                )
            keep_lease()
            ticket = self.client.files_getUploadURLExternal(filename=filename, length=size)
            _post_file(str(ticket["upload_url"]), path, size)
            if not record_file(self.engine, job, str(ticket["file_id"]), self.now()):
                raise LeaseLost(job.id)
            self.client.files_completeUploadExternal(
                files=[{"id": ticket["file_id"], "title": title}],
                channel_id=dm,
                initial_comment=comment,
            )
        finally:
            os.unlink(path)
        mark_sent(self.engine, job, count, self.now())
        log.info("report job %d: %d rows for %s sent to %s", job.id, count, month, dm)

    def _already_shared(self, file_id: str, dm: str) -> bool:
        """Whether an earlier try's file reached the DM (Slack lists where a file is shared)."""
        try:
            file = self.client.files_info(file=file_id).get("file") or {}
        except SlackApiError as error:
            if error.response.get("error") == "file_not_found":
                return False
            raise
        shares = file.get("shares") or {}
        return dm in (file.get("ims") or []) or any(dm in (shares.get(k) or {}) for k in shares)

    def _failed(self, job: ClaimedJob, error: Exception) -> None:
        reason = _reason(error)
        if job.attempt >= MAX_ATTEMPTS:
            give_up(self.engine, job, reason)
            log.error("report job %d given up after %d tries: %s", job.id, job.attempt, reason)
            self._tell_failure(job, error)
            return
        mark_failed(self.engine, job, reason, self.now() + backoff(job.attempt))
        log.warning("report job %d failed (try %d): %s", job.id, job.attempt, reason)

    def _tell_failure(self, job: ClaimedJob, error: Exception) -> None:
        code = error.response.get("error") if isinstance(error, SlackApiError) else "error"
        try:
            with speaking(job.language):
                # Translators: {code} is Slack's error code.
                text = _("I could not send you the report (Slack said `{code}`).", code=code)
            dm = self.client.conversations_open(users=job.requested_by)["channel"]["id"]
            self.client.chat_postMessage(channel=dm, text=text)
        except Exception:
            log.exception("could not tell %s their report failed", job.requested_by)


def _post_file(url: str, path: str, size: int) -> None:
    """The file's bytes to Slack's upload URL, read from disk as they are sent (slack_sdk's
    files_upload_v2 would first read the whole file into memory)."""
    with open(path, "rb") as body:
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
        )
        with urllib.request.urlopen(request, timeout=UPLOAD_TIMEOUT_SECONDS) as response:
            response.read()


def _reason(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return f"slack {error.response.get('error')}"
    return f"{type(error).__name__}: {error}"[:200]
