"""The living balance in each account's channel: posted once (and pinned where Slack lets
the app), then edited in place with `chat.update` after every change (the handlers, in the
lazy work after the ack, once the change's own transaction committed) and whenever its text
changes by time alone (the clock's sweep, `refresh_due`).

Two processes may edit at once and Slack keeps whichever edit arrives last. So each change
first raises the account's version (`BalanceMessages.ticket`); the editor reads the version,
then the facts, sends, and edits again while the version moved on meanwhile. The edit that
arrives last was therefore rendered after every change whose ticket came before it was sent,
and a change ticketed later is sent later still: the message ends on the database's facts.
The clock takes a ticket too (time passing is a change), so a handler's edit rendered before
a session started cannot land last unnoticed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.blocks.balance import balance_post
from bot.i18n import speaking
from bot.services.balance import BalanceMessages
from bot.services.booking import BookingService
from storage.balance import Where

log = logging.getLogger("oura.balance")

# Edits in a row for one change before it leaves the rest to the newer changes' own editors.
MAX_EDITS = 20
# `pins.add` refusals that are no error: the message is pinned already, or may not be.
PIN_REFUSALS = frozenset({"already_pinned", "not_pinnable", "no_permission", "pin_limit_reached"})
# Balances one sweep refreshes (the most overdue first); the rest wait for the next sweep,
# which keeps a burst (many windows ending the same midnight) inside Slack's rate limits.
REFRESHES_PER_SWEEP = 50
# A claimed refresh whose edit did not get through (Slack failed, the clock died) is due again
# this much later.
REFRESH_RETRY = timedelta(hours=1)


class Account(Protocol):
    """An account, as far as its balance goes: which one, and its channel now."""

    @property
    def id(self) -> int | None: ...
    @property
    def channel_id(self) -> str: ...


def refresh_balance(client: WebClient, balances: BalanceMessages, account: Account) -> None:
    """Tell the living balance of one more change (posting it if the account has none)."""
    try:
        _refresh(client, balances, account, repost=False)
    except Exception:  # the change itself is done; the next one puts the balance right
        log.exception("the living balance of account %s was not updated", account.id)


def repost_balance(client: WebClient, balances: BalanceMessages, account: Account) -> str | None:
    """`/oura-book pin`: post the balance anew, pin it and edit that one from now on. The ts
    of the new message, or None if Slack refused the post."""
    return _refresh(client, balances, account, repost=True)


def refresh_due(
    engine: Engine, client: WebClient, now: datetime, at: Callable[[], datetime]
) -> list[int]:
    """The clock: edit the balances whose text changed by time alone as of `now` (a session
    started, a window or term ended); the ids of the accounts whose edit was tried (`at` is
    the sweep's timeline, which renders). Each is claimed with one conditional update, so
    clocks sweeping at once edit it once. No ledger entry: it is an edit, not a post, and an
    edit at night is fine, as it notifies nobody.

    The clock has no app settings: none of those a BookingService carries (rate, currency,
    the no-show rule, the default zone) shows in the customer-safe balance, and each account
    has its own zone and language."""
    balances = BalanceMessages(BookingService(engine, "UTC", now=at))
    tried = []
    for account_id, seen in balances.due(now, REFRESHES_PER_SWEEP):
        if not balances.claim_refresh(account_id, seen, REFRESH_RETRY):
            continue  # another clock took it
        account = balances.account(account_id)
        if account is not None:
            refresh_balance(client, balances, account)
            tried.append(account_id)
    return tried


def _refresh(
    client: WebClient, balances: BalanceMessages, account: Account, repost: bool
) -> str | None:
    assert account.id is not None
    ticket = balances.ticket(account.id, account.channel_id, repost=repost)
    if not ticket.post and ticket.ts is None:
        return None  # another process is posting it; it sees our version and edits again
    channel, ts = ticket.channel_id, ticket.ts
    for _edit in range(MAX_EDITS):
        version, usage, refresh_at = balances.read(account.id)
        with speaking(usage.account.language):
            message = balance_post(usage)
        if ts is None:
            ts = _post(client, channel, message.as_kwargs())
            if ts is None:
                balances.post_failed(account.id)
                return None
            if not balances.posted(account.id, channel, ts):
                # The account moved to another channel meanwhile: that one has its own.
                _delete(client, Where(channel, ts))
                return None
            if ticket.replaces:
                _delete(client, ticket.replaces)
        else:
            try:
                client.chat_update(channel=channel, ts=ts, **message.as_kwargs())
            except SlackApiError as error:
                code = error.response.get("error")
                if code != "message_not_found" or not balances.lost(account.id, ts):
                    log.warning("chat.update of the balance %s in %s: %s", ts, channel, code)
                    return ts
                log.info("the balance %s in %s was deleted; posting it again", ts, channel)
                ts = None
                continue
        balances.shown(account.id, version, refresh_at)
        if balances.version(account.id) == version:
            return ts
    log.warning("the balance of account %s kept changing; newer changes finish it", account.id)
    return ts


def _post(client: WebClient, channel: str, message: dict[str, object]) -> str | None:
    try:
        ts = client.chat_postMessage(channel=channel, **message)["ts"]
    except SlackApiError as error:
        log.warning("the balance was not posted in %s: %s", channel, error.response.get("error"))
        return None
    try:
        client.pins_add(channel=channel, timestamp=ts)
    except SlackApiError as error:
        code = error.response.get("error")
        if code not in PIN_REFUSALS:
            log.warning("pins.add of the balance %s in %s: %s", ts, channel, code)
    return str(ts)


def _delete(client: WebClient, old: Where) -> None:
    """The balance posted before, if Slack still has it: two would disagree. Its pin goes
    with it. A channel archived or left, or a message already gone, keeps it (logged)."""
    try:
        client.chat_delete(channel=old.channel_id, ts=old.ts)
    except SlackApiError as error:
        code = error.response.get("error")
        log.info("the old balance %s in %s stays: %s", old.ts, old.channel_id, code)
