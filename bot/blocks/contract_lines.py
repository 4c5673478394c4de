"""The usage card's lines about a customer's other contracts (past ones, and one not started
yet), and how a contract's dates are written."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject

from bot.blocks.base import day_text
from bot.domain.packages import PACKAGES
from bot.domain.timeutil import add_months
from bot.i18n import _
from storage.models import Account, Contract


def period(contract: Contract) -> str:
    """A contract's term as its first and last day."""
    last_day = add_months(contract.start, contract.term_months) - timedelta(days=1)
    return _("{start} to {end}", start=day_text(contract.start), end=day_text(last_day))


def other_contract_lines(
    account: Account, current: Contract, contracts: Sequence[Contract]
) -> list[str]:
    """One line per contract other than the current one, oldest first: a past one with what
    was used and what lapsed (the closed summary's numbers), a later one as not started."""
    lines = []
    for contract in sorted(contracts, key=lambda c: c.start):
        if contract.id == current.id:
            continue
        name, dates = PACKAGES[contract.package_id].name, period(contract)
        if contract.start > current.start:
            # Translators: a usage card line about a contract that starts later (a renewal).
            lines.append(_("{package}, {period}: not started yet", package=name, period=dates))
            continue
        # Translators: a usage card line about a past contract; the numbers are minutes.
        lines.append(
            _(
                "{package}, {period}: {used} used, {lapsed} lapsed (of {included} included "
                "minutes)",
                package=name,
                period=dates,
                used=contract.minutes_spent,
                lapsed=contract.included_minutes - contract.minutes_spent,
                included=contract.included_minutes,
            )
        )
    return lines


def other_contracts_block(
    account: Account, current: Contract, contracts: Sequence[Contract]
) -> list[Block]:
    lines = other_contract_lines(account, current, contracts)
    if not lines:
        return []
    text = "\n".join([_("*Other contracts*"), *lines])
    return [ContextBlock(elements=[MarkdownTextObject(text=text)])]
