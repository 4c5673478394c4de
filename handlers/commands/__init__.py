"""Slash commands: `/oura-book`, which staff type in a customer's channel."""

from __future__ import annotations

from slack_bolt import App

from bot.domain.commands import COMMAND
from handlers.commands.oura_book import oura_book
from handlers.context import ack_now


def register(app: App) -> None:
    # Acked from the request thread; the command's work runs after, in Bolt's lazy listener.
    app.command(COMMAND)(ack=ack_now, lazy=[oura_book])
