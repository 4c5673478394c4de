"""The living balance in each account's channel: posted once (and pinned where Slack lets
the app), then edited in place with `chat.update` after every change. Runs in the lazy work
after the ack, after the change's own transaction committed.

Two processes may edit at once and Slack keeps whichever edit arrives last. So each change
first raises the account's version (`BalanceMessages.ticket`); the editor reads the version,
then the facts, sends, and edits again while the version moved on meanwhile. The edit that
arrives last was therefore rendered after every change whose ticket came before it was sent,
and a change ticketed later is sent later still: the message ends on the database's facts."""

from __future__ import annotations

from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.balance import balance_post
from bot.i18n import speaking
from bot.services.container import Services
from handlers.replies import log

# Edits in a row for one change before it leaves the rest to the newer changes' own editors.
MAX_EDITS = 20
# `pins.add` refusals that are no error: the message is pinned already, or may not be.
PIN_REFUSALS = frozenset({"already_pinned", "not_pinnable", "no_permission", "pin_limit_reached"})


class Account(Protocol):
    """An account, as far as its balance goes: which one, and its channel now."""

    @property
    def id(self) -> int | None: ...
    @property
    def channel_id(self) -> str: ...


def refresh_balance(client: WebClient, services: Services, account: Account) -> None:
    """Tell the living balance of one more change (posting it if the account has none)."""
    try:
        _refresh(client, services, account, repost=False)
    except Exception:  # the change itself is done; the next one puts the balance right
        log.exception("the living balance of account %s was not updated", account.id)


def repost_balance(client: WebClient, services: Services, account: Account) -> str | None:
    """`/oura-book pin`: post the balance anew, pin it and edit that one from now on. The ts
    of the new message, or None if Slack refused the post."""
    return _refresh(client, services, account, repost=True)


def _refresh(client: WebClient, services: Services, account: Account, repost: bool) -> str | None:
    balances = services.balance
    assert account.id is not None
    ticket = balances.ticket(account.id, account.channel_id, repost=repost)
    if not ticket.post and ticket.ts is None:
        return None  # another process is posting it; it sees our version and edits again
    channel, ts = ticket.channel_id, ticket.ts
    for _edit in range(MAX_EDITS):
        version, usage = balances.snapshot(account.id)
        with speaking(usage.account.language):
            message = balance_post(usage)
        if ts is None:
            ts = _post(client, channel, message.as_kwargs())
            if ts is None:
                balances.post_failed(account.id)
                return None
            balances.posted(account.id, channel, ts)
            if ticket.replaces:
                _delete(client, channel, ticket.replaces)
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
        balances.shown(account.id, version)
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


def _delete(client: WebClient, channel: str, ts: str) -> None:
    """The balance posted before, if Slack still has it: two would disagree."""
    try:
        client.chat_delete(channel=channel, ts=ts)
    except SlackApiError as error:
        log.info("the old balance %s in %s stays: %s", ts, channel, error.response.get("error"))
