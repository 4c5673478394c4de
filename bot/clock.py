"""The sweep: find what is due, claim it in the ledger, post it, record the outcome.

Several clocks may sweep at once; a post is claimed with one insert that only one of them can
win. A post whose try failed (Slack 5xx, a dropped connection) or whose claimer died is tried
again later, after first looking in the channel's history for it, so it is never posted twice.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy import Engine

from bot.blocks.automated_posts import post_message
from bot.blocks.base import Message
from bot.domain.schedule import ContractFacts, Post, plan
from storage.engine import read_session, write_session
from storage.facts import due_contract_ids, load_facts, refresh_next_post_at
from storage.ledger import claim, mark_failed, mark_sent, record_skipped, settled_keys

log = logging.getLogger("oura.clock")

METADATA_EVENT = "oura_post"
BATCH = 200
MAX_BACKOFF = timedelta(hours=1)


def clock_web_client(token: str | None, base_url: str) -> WebClient:
    """Retries only 429s inside the SDK: Slack did not act on those. A 5xx or a dropped
    connection may have posted after all, so those go back to the ledger, whose retry looks
    in the channel's history first."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=5)],
    )


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempt: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempt - 1, 0)), MAX_BACKOFF)


@dataclass
class SweepReport:
    sent: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    would_send: list[tuple[Post, ContractFacts, Message]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"sent {len(self.sent)}, recovered {len(self.recovered)}, "
            f"failed {len(self.failed)}, superseded {len(self.superseded)}"
        )


class Sweeper:
    def __init__(
        self,
        engine: Engine,
        client: WebClient | None,
        worker: str | None = None,
        pace_seconds: float = 1.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.client = client
        self.worker = worker or worker_name()
        self.pace_seconds = pace_seconds
        self.now = now
        self._last_post: dict[str, float] = {}

    def sweep(self, now: datetime | None = None, dry_run: bool = False) -> SweepReport:
        now = now or self.now()
        report = SweepReport()
        if dry_run:
            with read_session(self.engine) as db:
                ids = due_contract_ids(db, now, limit=1_000_000)
            for chunk in _chunks(ids, BATCH):
                self._plan_chunk(chunk, now, report, dry_run=True)
            return report
        seen: set[int] = set()
        while True:
            with read_session(self.engine) as db:
                ids = [i for i in due_contract_ids(db, now, BATCH) if i not in seen]
            if not ids:
                return report
            seen.update(ids)
            self._plan_chunk(ids, now, report, dry_run=False)

    def _plan_chunk(
        self, ids: list[int], now: datetime, report: SweepReport, dry_run: bool
    ) -> None:
        with read_session(self.engine) as db:
            facts_list = load_facts(db, ids)
            settled = settled_keys(db, ids, now)
        for facts in facts_list:
            due = plan(facts, settled.get(facts.contract_id, set()), now)
            if dry_run:
                report.would_send.extend((p, facts, post_message(p, facts)) for p in due.send)
                continue
            for post in due.superseded:
                record_skipped(
                    self.engine, post.key, post.kind, post.account_id, post.contract_id, now
                )
                report.superseded.append(post.key)
            for post in due.send:
                self._deliver(post, facts, now, report)
            with write_session(self.engine) as db:
                refresh_next_post_at(db, [facts.contract_id], now)

    def _deliver(
        self, post: Post, facts: ContractFacts, now: datetime, report: SweepReport
    ) -> None:
        won, attempt = claim(
            self.engine, post.key, post.kind, post.account_id, post.contract_id, self.worker, now
        )
        if not won:
            return
        if self.client is None:
            raise RuntimeError("a sweep that posts needs a Slack client")
        try:
            if attempt > 1:
                ts = self._already_posted(post)
                if ts is not None:
                    mark_sent(self.engine, post.key, post.channel_id, ts, now)
                    report.recovered.append(post.key)
                    log.info("post %s was already in %s (ts %s)", post.key, post.channel_id, ts)
                    return
            self._pace(post.channel_id)
            response = self._post(post, post_message(post, facts))
        except Exception as error:  # Slack errors, dropped connections, anything: retry later
            reason = _reason(error)
            mark_failed(self.engine, post.key, reason, now + backoff(attempt))
            report.failed.append(post.key)
            log.warning(
                "post %s to %s failed (try %d): %s", post.key, post.channel_id, attempt, reason
            )
            return
        mark_sent(self.engine, post.key, post.channel_id, response.get("ts"), now)
        report.sent.append(post.key)
        log.info("posted %s in %s", post.key, post.channel_id)

    def _post(self, post: Post, message: Message) -> Any:
        assert self.client is not None
        kwargs = message.as_kwargs()
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": post.key}}
        try:
            return self.client.chat_postMessage(
                channel=post.channel_id, metadata=metadata, **kwargs
            )
        except SlackApiError as error:
            if error.response.get("error") != "not_in_channel":
                raise
        self.client.conversations_join(channel=post.channel_id)
        return self.client.chat_postMessage(channel=post.channel_id, metadata=metadata, **kwargs)

    def _already_posted(self, post: Post) -> str | None:
        """The ts of this post in the channel, if an earlier try got it there after all."""
        assert self.client is not None
        oldest = (post.due_at - timedelta(minutes=1)).timestamp()
        cursor = None
        while True:
            page = self.client.conversations_history(
                channel=post.channel_id,
                oldest=f"{oldest:.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in page.get("messages", []):
                metadata = message.get("metadata") or {}
                if (metadata.get("event_payload") or {}).get("key") == post.key:
                    return str(message.get("ts"))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def _pace(self, channel_id: str) -> None:
        """About one post a second per channel, as Slack asks."""
        last = self._last_post.get(channel_id)
        if last is not None:
            wait = self.pace_seconds - (time.monotonic() - last)
            if wait > 0:
                time.sleep(wait)
        self._last_post[channel_id] = time.monotonic()


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _reason(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", "?")
        return f"slack {status} {error.response.get('error')}"
    return f"{type(error).__name__}: {error}"[:200]
