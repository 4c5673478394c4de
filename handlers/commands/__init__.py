"""Slash commands: `/oura-book`, which staff type in a customer's channel."""

from __future__ import annotations

from slack_bolt import App

from bot.domain.commands import COMMAND
from handlers.commands.oura_book import oura_book


def register(app: App) -> None:
    app.command(COMMAND)(oura_book)
