"""What the Slack listeners are given to work with, injected per request by a middleware."""

from __future__ import annotations

from dataclasses import dataclass

from bot.booking import BookingService
from bot.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    booking: BookingService
