"""The clock's staff warnings at 80% and 100% of a contract's included minutes spent (issue 17;
the rules: bot/domain/usage_warnings.py, shared with `/oura-book schedule` and `oura-bot preview`).

Each sweep looks for contracts whose counters have reached a threshold with that warning not
yet settled (`storage.usage_warnings.unwarned_contracts`): every path that spends minutes
(booking, moving, logging, corrections, rebalancing) is covered without each of them asking
the clock, and a contract's `next_post_at` need not change. The vendor contact gets one DM
per contract and threshold (ledger key `contract:<id>:usage:<80|100>`). As with the log DM, a
try that may have reached Slack is given up, not retried, so nobody gets it twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.blocks.usage_warning import usage_warning_dm
from bot.clock_dm import send_dm_once
from bot.domain.country import effective_country
from bot.domain.usage_warnings import usage_key, usage_kind, usage_step
from storage.engine import read_session
from storage.facts import balance_of, terms_of
from storage.ledger import record_skipped
from storage.models import Account, Contract
from storage.usage_warnings import settled_warnings, unwarned_contracts

if TYPE_CHECKING:
    from bot.clock import Sweeper

log = logging.getLogger("oura.clock")


def send_usage_warnings(sweeper: Sweeper, now: datetime, at: Callable[[], datetime]) -> list[str]:
    """Send the usage warnings due at `now`; the keys of those sent."""
    if sweeper.client is None:
        return []
    with read_session(sweeper.engine) as db:
        found = unwarned_contracts(db)
        settled = settled_warnings(db, [contract.id for contract, _ in found if contract.id])
    sent = []
    for contract, account in found:
        assert contract.id is not None and account.id is not None
        step = usage_step(
            balance_of(contract),
            terms_of(contract, account.timezone),
            effective_country(account.country, account.timezone),
            settled.get(contract.id, {}).keys(),
            now,
        )
        for threshold in step.skip:
            _skip(sweeper, contract, threshold, now)
        if step.send is not None and _send(sweeper, contract, account, step.send, at):
            sent.append(usage_key(contract.id, step.send))
    return sent


def _skip(sweeper: Sweeper, contract: Contract, threshold: int, now: datetime) -> None:
    assert contract.id is not None
    key, kind = usage_key(contract.id, threshold), usage_kind(threshold)
    record_skipped(sweeper.engine, key, kind, contract.account_id, contract.id, now)


def _send(
    sweeper: Sweeper,
    contract: Contract,
    account: Account,
    threshold: int,
    at: Callable[[], datetime],
) -> bool:
    assert contract.id is not None and account.id is not None
    key = usage_key(contract.id, threshold)
    return send_dm_once(
        sweeper,
        key,
        usage_kind(threshold),
        (account.id, contract.id),
        account.vendor_contact_id,
        lambda: usage_warning_dm(
            account.company,
            terms_of(contract, account.timezone).package.name,
            account.channel_id,
            contract.minutes_spent,
            contract.included_minutes,
            threshold,
        ),
        "usage warning",
        at,
    )
