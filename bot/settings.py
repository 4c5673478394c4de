"""Settings from the environment and a `.env` file (python-dotenv)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from dotenv import load_dotenv

from bot.domain.text import LANGUAGES
from bot.domain.timeutil import is_valid_zone

SLACK_DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///oura.db"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


# What OURA_NO_SHOW_COUNTS may say (bot.services.booking.NO_SHOW_USED, NO_SHOW_RELEASED).
NO_SHOW_RULES = ("used", "released")


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_api_url: str
    database_url: str
    port: int
    default_timezone: str
    hourly_rate: Decimal | None
    # ISO 4217 code the hourly rate and every estimate are in.
    currency: str = "EUR"
    # What a shared channel is written in until staff choose (`/oura-book language`), and
    # what a person reads when Slack does not tell us their locale.
    default_language: str = "en"
    # Where people reach the bot over HTTP (`https://oura-bot.example.com`): the start of each
    # staff calendar feed's address. None: no feed can be handed out.
    public_url: str | None = None
    # Retention (README: Customer data): days typed text is kept; None keeps it for ever.
    keep_case_descriptions_days: int | None = 730
    keep_session_notes_days: int | None = 730
    keep_audit_details_days: int | None = 1095
    # How a no-show's reserved time counts: "used" (spent, as if held) or "released" (given back).
    no_show_counts: str = "used"
    # A customer's cancel asked this many hours or fewer before the session is flagged to staff.
    late_cancel_hours: int = 24

    def require(self, *names: str) -> None:
        """Stop with one line naming the first missing setting a mode needs."""
        for name in names:
            if not getattr(self, name.lower()):
                raise SettingsError(f"{name} is not set: add it to the environment or .env")

    @property
    def uses_default_sqlite(self) -> bool:
        return self.database_url == DEFAULT_DATABASE_URL


def load_settings(environ: Mapping[str, str] | None = None, dotenv: bool = True) -> Settings:
    if environ is None:
        if dotenv:
            load_dotenv(os.path.join(os.getcwd(), ".env"), override=False)
        environ = os.environ

    def get(name: str) -> str | None:
        value = environ.get(name, "").strip()
        return value or None

    api_url = get("SLACK_API_URL") or SLACK_DEFAULT_API_URL
    if not api_url.endswith("/"):
        api_url += "/"

    port_text = get("PORT") or "3000"
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
        raise SettingsError(f"PORT must be a port number (1-65535), got {port_text!r}")

    tz = get("OURA_DEFAULT_TIMEZONE") or "Europe/Helsinki"
    if not is_valid_zone(tz):
        raise SettingsError(f"OURA_DEFAULT_TIMEZONE must be an IANA time zone, got {tz!r}")

    rate_text = get("OURA_HOURLY_RATE")
    hourly_rate = None
    if rate_text:
        try:
            hourly_rate = Decimal(rate_text)
        except InvalidOperation:
            raise SettingsError(
                f"OURA_HOURLY_RATE must be a number such as 150.00, got {rate_text!r}"
            ) from None

    currency = (get("OURA_CURRENCY") or "EUR").upper()
    if not (len(currency) == 3 and currency.isalpha() and currency.isascii()):
        raise SettingsError(f"OURA_CURRENCY must be a currency code such as EUR, got {currency!r}")

    language = (get("OURA_DEFAULT_LANGUAGE") or "en").lower()
    if language not in LANGUAGES:
        raise SettingsError(
            f"OURA_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, got {language!r}"
        )

    public_url = get("PUBLIC_URL")
    if public_url is not None:
        public_url = _public_url(public_url)
    keep = {
        field: _days(get(name), name, default)
        for field, name, default in (
            ("keep_case_descriptions_days", "OURA_KEEP_CASE_DESCRIPTIONS_DAYS", 730),
            ("keep_session_notes_days", "OURA_KEEP_SESSION_NOTES_DAYS", 730),
            ("keep_audit_details_days", "OURA_KEEP_AUDIT_DETAILS_DAYS", 1095),
        )
    }
    no_show = (get("OURA_NO_SHOW_COUNTS") or "used").lower()
    if no_show not in NO_SHOW_RULES:
        raise SettingsError(f"OURA_NO_SHOW_COUNTS must be used or released, got {no_show!r}")

    late_text = get("OURA_LATE_CANCEL_HOURS") or "24"
    if not (late_text.isascii() and late_text.isdigit()):
        raise SettingsError(f"OURA_LATE_CANCEL_HOURS must be a number of hours, got {late_text!r}")

    return Settings(
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_api_url=api_url,
        database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        port=int(port_text),
        default_timezone=tz,
        hourly_rate=hourly_rate,
        currency=currency,
        default_language=language,
        public_url=public_url,
        **keep,
        no_show_counts=no_show,
        late_cancel_hours=int(late_text),
    )


def _public_url(text: str) -> str:
    """An http(s) address with a host and nothing after its path, without the trailing `/`."""
    try:
        parts = urlsplit(text)
        valid = (
            parts.scheme in ("https", "http")
            and bool(parts.hostname)
            and not parts.query
            and not parts.fragment
            and not any(c.isspace() for c in text)
        )
    except ValueError:  # a malformed port or IPv6 address
        valid = False
    if not valid:
        raise SettingsError(
            f"PUBLIC_URL must be the bot's http(s) address, such as "
            f"https://oura-bot.example.com, got {text!r}"
        )
    return text.rstrip("/")


def _days(text: str | None, name: str, default: int) -> int | None:
    """A retention setting: whole days (at least 1), or `forever`."""
    if text is None:
        return default
    if text.lower() == "forever":
        return None
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise SettingsError(f"{name} must be a number of days (1 or more) or forever, got {text!r}")
    return int(text)
