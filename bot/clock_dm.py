"""A DM the clock sends once to a person (the log DM and its daily "not logged" reminder, the
usage warnings, the weekly digest): claimed in the ledger before it is sent, like the posts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.blocks.base import Message
from bot.i18n import speaking
from storage.ledger import claim, give_up, mark_failed, mark_sent

if TYPE_CHECKING:
    from bot.clock import Sweeper

log = logging.getLogger("oura.clock")


def send_dm_once(
    sweeper: Sweeper,
    key: str,
    kind: str,
    home: tuple[int, int],
    user_id: str,
    build: Callable[[], Message],
    what: str,
    at: Callable[[], datetime],
) -> bool:
    """Claim `key` (filed under `home`, the account and contract ids), then DM `user_id` what
    `build` writes, in their language; True when sent. Nothing posted yet: tried again later.
    A try that may have reached Slack (a timeout, a 5xx) is given up, never sent twice."""
    # Imported here: bot.clock imports the modules that call this one.
    from bot.clock import _may_have_reached_slack, _reason, backoff

    assert sweeper.client is not None
    won, attempt, _unsure = claim(sweeper.engine, key, kind, *home, sweeper.worker, at())
    if not won:
        return False  # another clock has it, or it waits for its next try
    client = sweeper.client
    try:
        with speaking(sweeper._language_of(user_id)):
            message = build()
        dm = client.conversations_open(users=user_id)["channel"]["id"]
    except Exception as error:  # nothing was posted yet: try again later
        mark_failed(sweeper.engine, key, _reason(error), at() + backoff(attempt), None)
        log.warning("%s %s: could not open the DM: %s", what, key, _reason(error))
        return False
    try:
        response = client.chat_postMessage(channel=dm, **message.as_kwargs())
    except Exception as error:
        if _may_have_reached_slack(error):
            give_up(sweeper.engine, key, f"maybe sent: {_reason(error)}")
        else:
            mark_failed(sweeper.engine, key, _reason(error), at() + backoff(attempt), None)
        log.warning("%s %s failed: %s", what, key, _reason(error))
        return False
    mark_sent(sweeper.engine, key, dm, response.get("ts"), at())
    log.info("sent the %s %s", what, key)
    return True
