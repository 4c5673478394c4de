"""What the Slack listeners are given to work with, injected per request by a middleware."""

from __future__ import annotations

from dataclasses import dataclass

from bot.booking import BookingService
from bot.session_requests import RequestService
from bot.settings import Settings
from bot.support_desk import SupportDesk
from bot.tokens import MetadataSigner


@dataclass(frozen=True)
class Services:
    settings: Settings
    booking: BookingService
    requests: RequestService
    support: SupportDesk
    signer: MetadataSigner

    @classmethod
    def build(cls, settings: Settings, booking: BookingService) -> Services:
        return cls(
            settings=settings,
            booking=booking,
            requests=RequestService(booking),
            support=SupportDesk(booking),
            # Socket Mode has no signing secret: the app token is as secret.
            signer=MetadataSigner(
                settings.slack_signing_secret or settings.slack_app_token or "unsigned"
            ),
        )
