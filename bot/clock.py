"""The sweep: find what is due, claim it in the ledger, post it, record the outcome.

Several clocks may sweep at once; a post is claimed with one insert that only one of them can
win. A post whose try failed (Slack 5xx, a dropped connection) or whose claimer died is tried
again later, after first looking in the channel's history for it when the failed try may have
reached Slack (a timeout, a 5xx, a dead claimer), so it is never posted twice. Slack rations
`conversations.history` hard, so a sweep makes at most `LOOKUPS_PER_SWEEP` look-ups; the other
unsure posts are given back untried for later sweeps (never sent without a look).
Session reminders go first: before each page of other posts the sweep takes the contracts
whose reminders may be due by then, and a channel's reminder goes before its other posts.
A claim is stamped when it is made, and its lease (`storage.ledger.CLAIM_LEASE`) outlasts the
longest send this clock's client can make, so no other clock takes a post over while its first
send can still succeed, however long the sweep that claimed it has been running.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from urllib.error import HTTPError, URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from sqlalchemy import Engine

from bot.balance_refresh import refresh_due
from bot.blocks.automated_posts import post_message, unreachable_dm
from bot.blocks.base import Message
from bot.clock_install import InstallGate
from bot.clock_pool import ChannelPool, Countdown
from bot.domain.schedule import REMINDER_LEADS, ContractFacts, Post, PostKind, plan
from bot.i18n import locale_language, speaking
from bot.log_prompts import send_log_prompts, send_unlogged_reminders
from bot.pace_slots import with_free_slots
from bot.usage_warnings import send_usage_warnings
from handlers.slack_users import user_info
from storage.engine import read_session, write_session
from storage.facts import (
    due_contract_ids,
    due_contracts_after,
    due_reminder_contract_ids,
    load_facts,
    mark_unreachable,
    refresh_next_post_at,
)
from storage.ledger import (
    CLAIM_LEASE,
    claim,
    give_up,
    mark_failed,
    mark_sent,
    record_skipped,
    release,
    renew,
    settled_keys,
)
from storage.models import Account

log = logging.getLogger("oura.clock")

METADATA_EVENT = "oura_post"
BATCH = 200
MAX_BACKOFF = timedelta(hours=1)


# The clock's Web API client. These bound how long one send can take (`longest_send`), which
# the ledger's lease must exceed.
CLIENT_TIMEOUT_SECONDS = 10
RATE_LIMIT_RETRIES = 5
# A longer Retry-After is not slept through inside a send: the post goes back to the ledger
# and is tried again once it has passed, and the rest of that channel's posts wait for a later
# sweep (the channel is parked) while every other channel goes on.
MAX_RETRY_AFTER_SECONDS = 5
# Slack's answers that no retry can change. The channel is gone or closed to the app: the
# account is marked unreachable until a person fixes it.
CHANNEL_GONE = frozenset(
    {
        "is_archived",
        "channel_not_found",
        "account_inactive",
        "restricted_action",
        "not_in_channel",  # still, after trying to join (`_post`)
        "method_not_supported_for_channel_type",  # joining a private channel the app left
    }
)
# This one message can never be taken (the channel is fine).
NEVER_TAKEN = frozenset({"msg_too_long", "invalid_blocks", "too_many_attachments", "no_text"})
# Channels posted to at once: each channel's posts in order and paced, no channel waiting on
# another (a slow or rate-limited channel holds one of these, not the sweep).
# 16: with Slack answering in 100 ms, 8 sent 56 posts a second on a loaded 2-core machine,
# short of the 67 that 20,000 posts in 5 minutes need (bench/sweep.py).
CHANNELS_AT_ONCE = 16
# A claim older than this is renewed just before its message is sent (a retry that first
# read the channel's history, a pacing wait, a join): the lease left then is what a send gets.
RENEW_AFTER = timedelta(minutes=1)
# Look-ups in a channel's history per sweep. Slack allows apps outside the Marketplace one
# `conversations.history` call a minute (Tier 3, about 50 a minute, for internal apps): with a
# sweep every 5 minutes, 5 stays inside it. An outage leaves few posts to look up anyway:
# only tries that may have reached Slack need one (`_may_have_reached_slack`).
LOOKUPS_PER_SWEEP = 5
# Tries in a row that may have reached Slack with no answer (5xx, timeouts) before a sweep
# stops starting posts: each such post needs a look-up later, which Slack rations.
SLACK_DOWN_AFTER = 16
# How far ahead a session's reminders can fall due (the day-before one).
REMINDER_HORIZON = max(REMINDER_LEADS)


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 inside the SDK, honouring Retry-After, but only up to `max_wait_seconds`."""

    def __init__(self, max_retry_count: int, max_wait_seconds: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_seconds = max_wait_seconds

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        assert response is not None
        wait = retry_after({k: v[0] for k, v in response.headers.items() if v})
        return wait is not None and wait <= self.max_wait_seconds


def clock_web_client(token: str | None, base_url: str) -> WebClient:
    """Retries only 429s inside the SDK: Slack did not act on those. A 5xx or a dropped
    connection may have posted after all, so those go back to the ledger, whose retry looks
    in the channel's history first."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=CLIENT_TIMEOUT_SECONDS,
        retry_handlers=[BoundedRateLimitRetryHandler(RATE_LIMIT_RETRIES, MAX_RETRY_AFTER_SECONDS)],
    )


def longest_send(client: WebClient) -> timedelta:
    """The longest one Web API call of this client can last before it has succeeded or given
    up. Each try may wait `timeout` to connect and `timeout` for the answer (urllib applies the
    timeout to each blocking socket operation, and Slack's answer is one small read; a timed
    out try is not retried), and between tries a 429 handler sleeps Retry-After plus up to 1 s
    of jitter. With clock_web_client: 6 tries x 2 x 10 s + 5 x (30 + 1) s = 275 s."""
    retries, waits = 0, 0.0
    for handler in client.retry_handlers:
        if not isinstance(handler, BoundedRateLimitRetryHandler):
            raise ValueError(
                f"{type(handler).__name__} has no bound on its waits; the clock needs a client "
                "from clock_web_client"
            )
        retries += handler.max_retry_count
        waits += handler.max_retry_count * (handler.max_wait_seconds + 1)
    return timedelta(seconds=(1 + retries) * 2 * client.timeout + waits)


def retry_after(headers: dict[str, Any]) -> int | None:
    """Slack's Retry-After header, in seconds (None: absent or not a number)."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


class LeaseLost(Exception):
    """Another clock claimed the post after this one's lease ran out: this one must not send."""


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
    # Unsure posts given back untried: this sweep's history look-ups were spent.
    waiting: list[str] = field(default_factory=list)
    would_send: list[tuple[Post, ContractFacts, Message]] = field(default_factory=list)
    # The log DMs sent to staff after sessions ended (bot/log_prompts.py), by ledger key.
    log_dms: list[str] = field(default_factory=list)
    # The staff DMs at 80% and 100% of included minutes spent, by ledger key.
    usage_dms: list[str] = field(default_factory=list)
    # Accounts whose living balance was edited because time alone changed it.
    balances: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"sent {len(self.sent)}, recovered {len(self.recovered)}, "  # not for people
            f"failed {len(self.failed)}, superseded {len(self.superseded)}, "
            f"waiting for a look-up {len(self.waiting)}, log DMs {len(self.log_dms)}, "
            f"balances refreshed {len(self.balances)}"
        )


@dataclass
class _Run:
    """What the threads of one sweep share."""

    shift: timedelta
    report: SweepReport
    budget: _Budget
    pool: ChannelPool | None
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def lock_of(self, channel_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(channel_id, threading.Lock())


class _Budget:
    """Look-ups a sweep may still make, and whether Slack still answers: shared by the
    sweep's channel threads."""

    def __init__(self, left: int) -> None:
        self.left = left
        self.halted = False
        self._unanswered = 0
        self._lock = threading.Lock()

    def answered(self) -> None:
        with self._lock:
            self._unanswered = 0

    def unanswered(self) -> None:
        """A try that may have reached Slack got no answer: after `SLACK_DOWN_AFTER` in a row
        the sweep starts no more posts, so an outage leaves few posts to look up later."""
        with self._lock:
            self._unanswered += 1
            if self._unanswered >= SLACK_DOWN_AFTER and not self.halted:
                self.halted = True
                log.warning(
                    "Slack gave no answer to %d posts in a row: the rest waits for the next sweep",
                    self._unanswered,
                )

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


class Sweeper:
    def __init__(
        self,
        engine: Engine,
        client: WebClient | None,
        worker: str | None = None,
        pace_seconds: float = 1.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        channels_at_once: int = CHANNELS_AT_ONCE,
        default_language: str = "en",
        lookups_per_sweep: int = LOOKUPS_PER_SWEEP,
    ) -> None:
        if client is not None and longest_send(client) + RENEW_AFTER >= CLAIM_LEASE:
            raise ValueError(
                f"a send can last {longest_send(client)}, too long for the ledger's lease of "
                f"{CLAIM_LEASE}: another clock could post it again meanwhile"
            )
        self.engine = engine
        self.client = client
        self.worker = worker or worker_name()
        self.pace_seconds = pace_seconds
        self.now = now
        self.channels_at_once = channels_at_once
        self.lookups_per_sweep = lookups_per_sweep
        # What a vendor contact reads when Slack does not tell their locale.
        self.default_language = default_language
        self._last_post: dict[str, float] = {}
        # Nothing is sent while Slack has the app uninstalled.
        self.installed = InstallGate(engine, client)

    def sweep(self, now: datetime | None = None, dry_run: bool = False) -> SweepReport:
        """Send what is due at `now` (default: the time `self.now` gives). Claims and outcomes
        are stamped with the time they happen, on the sweep's timeline (`now` plus the time
        gone by since the sweep began): a long sweep's late claims are fresh, not as old as the
        sweep, so no other clock takes them for abandoned.

        Before each page of other contracts, those whose session reminders may be due by
        then (on the same timeline) are taken first: a reminder waits for at most one page
        in progress, however many other posts are due. Once the posts are done, the living
        balances that time alone changed are edited (`bot.balance_refresh.refresh_due`)."""
        started = self.now()
        now = now or started
        shift = now - started
        report = SweepReport()
        budget = _Budget(self.lookups_per_sweep)
        if dry_run:
            with read_session(self.engine) as db:
                ids = due_contract_ids(db, now, limit=1_000_000)
            for chunk in _chunks(ids, BATCH):
                self._plan_chunk(chunk, now, shift, report, budget, dry_run=True)
            return report
        if not self.installed.open(now):
            return report
        # The log DMs of sessions that just ended (bot/log_prompts.py), claimed in the ledger.
        report.log_dms.extend(send_log_prompts(self, now, lambda: self._at(shift)))
        report.log_dms.extend(send_unlogged_reminders(self, now, lambda: self._at(shift)))
        # The staff warnings at 80% and 100% of included minutes spent (bot/usage_warnings.py).
        report.usage_dms.extend(send_usage_warnings(self, now, lambda: self._at(shift)))
        self._send_posts(now, shift, report, budget)
        # The living balances whose text time alone changed (bot/balance_refresh.py): edits,
        # not posts, so no ledger entry and no business hours. After the posts, so a session
        # reminder never waits for them; not while Slack gives no answer.
        if self.client is not None and not budget.halted:
            at = lambda: self._at(shift)  # noqa: E731
            report.balances.extend(refresh_due(self.engine, self.client, now, at))
        return report

    def _send_posts(
        self, now: datetime, shift: timedelta, report: SweepReport, budget: _Budget
    ) -> None:
        """The channel posts due at `now`, session reminders first (see `sweep`)."""
        seen: set[int] = set()
        cursor: tuple[datetime, int] | None = None
        pool = None
        if self.channels_at_once > 1:
            pool = ChannelPool(self.channels_at_once, waiting=self.channels_at_once)
        run = _Run(shift, report, budget, pool)
        try:
            while not budget.halted:
                moment = max(now, self._at(shift))
                with read_session(self.engine) as db:
                    soon = due_reminder_contract_ids(db, moment, REMINDER_HORIZON)
                soon = [i for i in soon if i not in seen][:BATCH]
                if soon:
                    seen.update(soon)
                    self._plan_chunk(soon, moment, shift, report, budget, dry_run=False, run=run)
                    continue
                with read_session(self.engine) as db:
                    page = due_contracts_after(db, now, cursor, BATCH)
                if not page:
                    return
                cursor = page[-1][1], page[-1][0]
                ids = [i for i, _ in page if i not in seen]
                seen.update(ids)
                if ids:
                    self._plan_chunk(ids, now, shift, report, budget, dry_run=False, run=run)
            # Slack stopped answering: the rest waits for the next sweep.
        finally:
            if pool is not None:
                pool.close()

    def _at(self, shift: timedelta) -> datetime:
        """This moment, on the timeline of the sweep in progress."""
        return self.now() + shift

    def _plan_chunk(
        self,
        ids: list[int],
        now: datetime,
        shift: timedelta,
        report: SweepReport,
        budget: _Budget,
        dry_run: bool,
        run: _Run | None = None,
    ) -> None:
        with read_session(self.engine) as db:
            facts_list = load_facts(db, ids)
            settled = settled_keys(db, ids, now)
        queues: dict[str, list[tuple[Post, ContractFacts]]] = defaultdict(list)
        for facts in facts_list:
            due = plan(facts, settled.get(facts.contract_id, set()), now)
            if dry_run:
                report.would_send.extend((p, facts, _written(p, facts, now)) for p in due.send)
                continue
            for post in due.superseded:
                record_skipped(
                    self.engine, post.key, post.kind, post.account_id, post.contract_id, now
                )
                report.superseded.append(post.key)
            for post in due.send:
                queues[post.channel_id].append((post, facts))
        if dry_run or run is None:
            return

        def refresh() -> None:
            """Once the page's posts are all done: when to look at its contracts next."""
            with write_session(self.engine) as db:
                refresh_next_post_at(db, [facts.contract_id for facts in facts_list], now)

        self._send_all(list(queues.values()), run, Countdown(len(queues), refresh))

    def _send_all(
        self, queues: list[list[tuple[Post, ContractFacts]]], run: _Run, page: Countdown
    ) -> None:
        """Each channel's posts in order (session reminders first), channels side by side;
        channels with a session reminder are started first, also before channels of pages
        planned earlier that have not started yet."""
        for queue in queues:
            queue.sort(key=lambda item: (not item[0].is_reminder, item[0].send_at, item[0].key))
        queues.sort(key=lambda queue: not queue[0][0].is_reminder)
        for queue in queues:
            reminders = [item for item in queue if item[0].is_reminder]
            if run.pool is None or not reminders:
                self._start(queue, [], run, page)
            else:
                self._start(reminders, queue[len(reminders) :], run, page)

    def _start(
        self,
        first: list[tuple[Post, ContractFacts]],
        then: list[tuple[Post, ContractFacts]],
        run: _Run,
        page: Countdown,
        planning: bool = True,
    ) -> None:
        """Send a channel's `first` posts; then hand `then`, its other posts, back to the pool
        behind the reminders waiting, instead of holding a thread through the channel's
        pacing while other channels' reminders wait."""
        channel = first[0][0].channel_id

        def job() -> None:
            handed_on = False
            try:
                # Two pages may hold one channel (an account with two contracts).
                with run.lock_of(channel):
                    parked = self._send_channel(first, run.shift, run.report, run.budget)
                if then and not parked:
                    self._start(then, [], run, page, planning=False)
                    handed_on = True
            finally:
                if not handed_on:
                    page.one_done()

        if run.pool is None:
            job()
        else:
            # Only the sweep's planning waits for room: a thread handing on must not (each
            # thread could wait for another to take a job: none would).
            run.pool.submit(first[0][0].is_reminder, job, wait=planning)

    def _send_channel(
        self,
        queue: list[tuple[Post, ContractFacts]],
        shift: timedelta,
        report: SweepReport,
        budget: _Budget,
    ) -> bool:
        """Send a channel's posts in order; True if the channel was parked."""
        for index, (post, facts) in enumerate(queue):
            if self._deliver(post, facts, shift, report, budget) is Outcome.PARK:
                waiting = len(queue) - index - 1
                if waiting:
                    log.warning(
                        "channel %s is parked: its %d other posts wait for a later sweep",
                        post.channel_id,
                        waiting,
                    )
                return True
        return False

    def _deliver(
        self,
        post: Post,
        facts: ContractFacts,
        shift: timedelta,
        report: SweepReport,
        budget: _Budget,
    ) -> Outcome:
        if budget.halted:
            return Outcome.PARK  # unclaimed: the next sweep finds it due
        claimed_at = self._at(shift)
        won, attempt, unsure_since = claim(
            self.engine,
            post.key,
            post.kind,
            post.account_id,
            post.contract_id,
            self.worker,
            claimed_at,
        )
        if not won:
            return Outcome.NEXT
        if self.client is None:
            raise RuntimeError("a sweep that posts needs a Slack client")

        def keep_lease() -> None:
            """Called just before each send: the lease left must outlast it."""
            nonlocal claimed_at
            moment = self._at(shift)
            if moment - claimed_at < RENEW_AFTER:
                return
            if not renew(self.engine, post.key, self.worker, attempt, moment):
                raise LeaseLost(post.key)
            claimed_at = moment

        if unsure_since is not None and not budget.take():
            # Never sent without a look: back to the ledger, untried, for a later sweep.
            release(self.engine, post.key, self.worker, attempt, self._at(shift))
            report.waiting.append(post.key)
            return Outcome.NEXT
        # Since when a try may have reached Slack unseen, as of now (for `_failed`).
        unsure = unsure_since
        try:
            if unsure_since is not None:
                ts = self._already_posted(post, unsure_since)
                if ts is not None:
                    mark_sent(self.engine, post.key, post.channel_id, ts, self._at(shift))
                    report.recovered.append(post.key)
                    log.info("post %s was already in %s (ts %s)", post.key, post.channel_id, ts)
                    return Outcome.NEXT
                unsure = None  # no earlier try got there
            if post.kind is PostKind.PACE_WARNING:  # its buttons: the free slots as of now
                facts = with_free_slots(self, facts, self._at(shift))
            message = _written(post, facts, self._at(shift))
            self._pace(post.channel_id)
            try:
                response = self._post(post, message, keep_lease)
            finally:
                # From Slack's answer: the next post's arrival is a full pace after this one's.
                self._last_post[post.channel_id] = time.monotonic()
        except LeaseLost:
            log.warning("post %s: another clock took it over before it was sent", post.key)
            return Outcome.NEXT
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            if code in CHANNEL_GONE or code in NEVER_TAKEN:
                return self._refused_for_good(post, code, shift, report)
            if _may_have_reached_slack(error):
                unsure = unsure or claimed_at
                budget.unanswered()
            return self._failed(post, error, attempt, unsure, shift, report)
        except Exception as error:  # dropped connections, timeouts, anything: retry later
            if _may_have_reached_slack(error):
                unsure = unsure or claimed_at
                budget.unanswered()
            return self._failed(post, error, attempt, unsure, shift, report)
        mark_sent(self.engine, post.key, post.channel_id, response.get("ts"), self._at(shift))
        report.sent.append(post.key)
        budget.answered()
        log.info("posted %s in %s", post.key, post.channel_id)
        return Outcome.NEXT

    def _failed(
        self,
        post: Post,
        error: Exception,
        attempt: int,
        unsure: datetime | None,
        shift: timedelta,
        report: SweepReport,
    ) -> Outcome:
        """A failure that may pass: the post goes back to the ledger with a back-off, unsure
        (to be looked for before the next try) if this or an earlier try may be in Slack."""
        reason = _reason(error)
        retry_at = self._retry_at(error, attempt, shift)
        mark_failed(self.engine, post.key, reason, retry_at, unsure)
        report.failed.append(post.key)
        log.warning("post %s to %s failed (try %d): %s", post.key, post.channel_id, attempt, reason)
        return Outcome.PARK if _parks_channel(error) else Outcome.NEXT

    def _refused_for_good(
        self, post: Post, code: str, shift: timedelta, report: SweepReport
    ) -> Outcome:
        """Slack will never take this post. If the channel itself is gone (archived, deleted,
        posting restricted), the account is marked unreachable, its vendor contact told once,
        and the clock leaves it alone until someone fixes the channel; transient errors keep
        their back-off instead (`_failed`)."""
        give_up(self.engine, post.key, f"slack {code}")
        report.failed.append(post.key)
        if code not in CHANNEL_GONE:
            log.warning("post %s to %s refused for good: %s", post.key, post.channel_id, code)
            return Outcome.NEXT
        with write_session(self.engine) as db:
            account = mark_unreachable(db, post.account_id, code, self._at(shift))
        log.warning(
            "channel %s is unreachable (%s): the clock stops posting there", post.channel_id, code
        )
        if account is not None:
            self._tell_vendor_contact(account, code)
        return Outcome.PARK

    def _tell_vendor_contact(self, account: Account, code: str) -> None:
        """A DM in the vendor contact's own language (their Slack locale)."""
        assert self.client is not None
        user_id = account.vendor_contact_id
        try:
            with speaking(self._language_of(user_id)):
                message = unreachable_dm(account, code)
            dm = self.client.conversations_open(users=user_id)["channel"]["id"]
            self.client.chat_postMessage(channel=dm, **message.as_kwargs())
        except Exception:
            log.exception("could not DM %s about an unreachable channel", user_id)

    def _language_of(self, user_id: str) -> str:
        assert self.client is not None
        user = user_info(self.client, user_id) or {}
        return locale_language(user.get("locale")) or self.default_language

    def _retry_at(self, error: Exception, attempt: int, shift: timedelta) -> datetime:
        """The back-off, or longer when Slack asked us to wait longer (a 429's Retry-After)."""
        wait = backoff(attempt)
        if isinstance(error, SlackApiError) and getattr(error.response, "status_code", 0) == 429:
            asked = retry_after(dict(error.response.headers or {}))
            if asked is not None:
                wait = max(wait, timedelta(seconds=asked))
        return self._at(shift) + wait

    def _post(self, post: Post, message: Message, keep_lease: Callable[[], None]) -> Any:
        assert self.client is not None
        kwargs = message.as_kwargs()
        # The kind is for machines (customers read no internal label); the key finds the post
        # again in the channel's history.
        payload = {"key": post.key, "kind": str(post.kind)}
        metadata = {"event_type": METADATA_EVENT, "event_payload": payload}
        try:
            keep_lease()
            return self.client.chat_postMessage(
                channel=post.channel_id, metadata=metadata, **kwargs
            )
        except SlackApiError as error:
            if error.response.get("error") != "not_in_channel":
                raise
        self.client.conversations_join(channel=post.channel_id)
        keep_lease()
        return self.client.chat_postMessage(channel=post.channel_id, metadata=metadata, **kwargs)

    def _already_posted(self, post: Post, since: datetime) -> str | None:
        """The ts of this post in the channel, if a try from `since` on got it there after
        all (a minute's margin for clocks that are off; fewer pages than from the post's due
        time)."""
        assert self.client is not None
        oldest = (since - timedelta(minutes=1)).timestamp()
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


class Outcome(Enum):
    NEXT = "next"  # go on with the channel's next post
    PARK = "park"  # the channel asked us to wait, or does not answer: leave it for later


def _written(post: Post, facts: ContractFacts, now: datetime) -> Message:
    """A post is written in its account's language, whoever runs the clock."""
    with speaking(facts.language):
        return post_message(post, facts, now)


def _may_have_reached_slack(error: Exception) -> bool:
    """Whether Slack may have posted despite this error. A refusal in Slack's words (below
    500) or a request never fully sent (urllib wraps errors while connecting and sending in a
    URLError) did not post; a 5xx, a timeout or a dropped connection while waiting for the
    answer, or anything unknown may have."""
    if isinstance(error, SlackApiError):
        return int(getattr(error.response, "status_code", 500) or 500) >= 500
    if isinstance(error, HTTPError):
        return error.code >= 500
    return not isinstance(error, URLError)


def _parks_channel(error: Exception) -> bool:
    """A 429 whose wait was too long to sleep through, or a channel that does not answer in
    time: its next posts would only wait the same way."""
    if isinstance(error, SlackApiError):
        return getattr(error.response, "status_code", 0) == 429
    return isinstance(error, TimeoutError | URLError | ConnectionError)


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _reason(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", "?")
        return f"slack {status} {error.response.get('error')}"
    return f"{type(error).__name__}: {error}"[:200]
