"""What Slack knows of a user: their profile, time zone and locale (`users.info`)."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import language_of, locale_language
from bot.services.container import Profile, Services

log = logging.getLogger("oura.handlers")


def user_info(client: WebClient, user_id: str) -> dict[str, Any] | None:
    """The user as Slack knows them, or None (logged) when Slack cannot say: what we ask it
    for (a time zone, a language, a workspace) then has its fallback."""
    try:
        response = client.users_info(user=user_id, include_locale=True)
    except SlackApiError as error:
        log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
        return None
    except Exception as error:  # Slack unreachable after the client's own retries
        log.warning("users.info failed for %s: %r", user_id, error)
        return None
    return response.get("user") or None


def _profile(client: WebClient, user_id: str, services: Services) -> Profile | None:
    """The user's time zone and language as Slack gave them; reused for a few minutes
    (`Services.user_profiles`), and asked again when Slack said nothing."""
    now = time.monotonic()
    cached = services.user_profiles.get(user_id, now)
    if cached is not None:
        return cached
    user = user_info(client, user_id)
    if user is None:
        return None
    tz, locale = user.get("tz"), user.get("locale")
    about: dict[str, Any] = user.get("profile") if isinstance(user.get("profile"), dict) else {}
    names = (about.get("real_name"), user.get("real_name"), about.get("display_name"))
    name = next((n for n in names if isinstance(n, str) and n.strip()), user.get("name"))
    email = about.get("email")
    profile = Profile(
        timezone=tz if isinstance(tz, str) and tz else None,
        language=locale_language(locale),
        name=name if isinstance(name, str) and name else None,
        email=email if isinstance(email, str) and "@" in email else None,
    )
    services.user_profiles.put(user_id, profile, now)
    return profile


def user_profile(client: WebClient, user_id: str, services: Services) -> Profile | None:
    """What Slack said of the user lately (asked at most once in a few minutes), or None."""
    return _profile(client, user_id, services)


def user_timezone(client: WebClient, user_id: str, services: Services) -> str | None:
    """The user's Slack time zone (`users.info` `tz`), or None when Slack does not say."""
    profile = _profile(client, user_id, services)
    return profile.timezone if profile else None


def form_language(signed: dict[str, Any] | None, user_id: str, services: Services) -> str:
    """What a form's submitter reads, without asking Slack (a form is answered in its ack):
    the language the form was opened in, else what Slack said of them lately."""
    language = (signed or {}).get("lang")
    if isinstance(language, str) and language_of(language):
        return language
    cached = services.user_profiles.get(user_id, time.monotonic())
    return (cached.language if cached else None) or services.settings.default_language


def reader_language(client: WebClient, user_id: str, services: Services) -> str:
    """What this person reads: their Slack locale's language (`include_locale`), English for
    a locale we do not write, and OURA_DEFAULT_LANGUAGE when Slack does not say."""
    profile = _profile(client, user_id, services)
    language = profile.language if profile else None
    return language or services.settings.default_language


def user_team(client: WebClient, user_id: str) -> tuple[str | None, str | None]:
    """The user's own workspace and Grid organization, from `users.info` (the organization is
    `enterprise_user.enterprise_id` for Grid users); (None, None) when Slack cannot tell us."""
    user = user_info(client, user_id) or {}
    enterprise = user.get("enterprise_user")
    enterprise_id = enterprise.get("enterprise_id") if isinstance(enterprise, dict) else None
    return user.get("team_id") or None, enterprise_id or user.get("enterprise_id") or None
