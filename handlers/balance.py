"""The living balance after a change the app handled: the edit loop itself is the runtime's
(`bot.balance_refresh`), shared with the clock, which edits it when time alone changes it."""

from __future__ import annotations

from slack_sdk import WebClient

from bot import balance_refresh
from bot.balance_refresh import Account
from bot.services.container import Services


def refresh_balance(client: WebClient, services: Services, account: Account) -> None:
    """Tell the living balance of one more change (posting it if the account has none)."""
    balance_refresh.refresh_balance(client, services.balance, account)


def repost_balance(client: WebClient, services: Services, account: Account) -> str | None:
    """`/oura-book pin`: post the balance anew and pin it; its ts, or None if Slack refused."""
    return balance_refresh.repost_balance(client, services.balance, account)
