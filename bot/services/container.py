"""What the Slack listeners are given to work with, injected per request by a middleware."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.services.availability import AvailabilityService
from bot.services.balance import BalanceMessages
from bot.services.booking import BookingService
from bot.services.calendar import CalendarService
from bot.services.contracts import ContractService
from bot.services.deliveries import Deliveries
from bot.services.digest import DigestService
from bot.services.home import HomeService
from bot.services.installation import InstallationService
from bot.services.meetings import MeetingLinks
from bot.services.report import ReportService
from bot.services.requests import RequestService
from bot.services.session_asks import SessionAsks
from bot.services.session_log import SessionLog
from bot.services.signer import MetadataSigner
from bot.services.support import SupportDesk
from bot.services.ttlcache import TTLCache
from bot.settings import Settings

# A user's Slack time zone and locale change rarely (travel, a setting); asking users.info on
# every typed booking was one of three Slack round trips per booking (bench/ack.py).
USER_PROFILE_SECONDS = 600


@dataclass(frozen=True)
class Profile:
    """What Slack said of a user that changes how we answer them (None: it did not say)."""

    timezone: str | None
    language: str | None
    # How a calendar invite names them (the email needs the `users:read.email` scope).
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Services:
    settings: Settings
    booking: BookingService
    requests: RequestService
    support: SupportDesk
    home: HomeService
    reports: ReportService
    deliveries: Deliveries
    signer: MetadataSigner
    meetings: MeetingLinks
    calendar: CalendarService
    installation: InstallationService
    session_log: SessionLog
    availability: AvailabilityService
    contracts: ContractService
    digest: DigestService
    balance: BalanceMessages
    asks: SessionAsks
    user_profiles: TTLCache[str, Profile] = field(
        default_factory=lambda: TTLCache(USER_PROFILE_SECONDS)
    )

    @classmethod
    def build(cls, settings: Settings, booking: BookingService) -> Services:
        support = SupportDesk(booking)
        requests = RequestService(booking)
        return cls(
            settings=settings,
            booking=booking,
            requests=requests,
            support=support,
            home=HomeService(booking),
            reports=ReportService(booking, settings.default_timezone, settings.hourly_rate),
            deliveries=Deliveries(booking.engine),
            installation=InstallationService(booking.engine, booking.now),
            session_log=SessionLog(booking),
            # Socket Mode has no signing secret: the app token is as secret.
            signer=MetadataSigner(
                settings.slack_signing_secret or settings.slack_app_token or "unsigned"
            ),
            meetings=MeetingLinks(booking.engine, booking.now),
            calendar=CalendarService(booking.engine, booking.now),
            availability=AvailabilityService(booking),
            contracts=ContractService(booking),
            digest=DigestService(booking.engine),
            balance=BalanceMessages(booking),
            asks=SessionAsks(requests, settings.late_cancel_hours),
        )
