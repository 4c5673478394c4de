"""Whose time a booking takes, and in which time zone it is read (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from slack_sdk import WebClient

from bot.blocks import ids
from bot.blocks.availability import ANOTHER_TIME
from bot.domain.requests import MAX_PREFERRED_TIMES
from bot.domain.timeutil import is_valid_zone
from bot.i18n import _
from bot.services.clashes import ClashCheck
from bot.services.container import Services
from bot.services.requests import RequestView
from handlers.guard import Asked
from handlers.payloads import picked_time, selected
from handlers.slack_users import user_timezone


class Contacted(Protocol):
    """An account, as far as whose time it books goes."""

    vendor_contact_id: str
    timezone: str


def vendor_zone(client: WebClient, services: Services, account: Contacted) -> str:
    """The vendor contact's Slack time zone (`users.info`), else the account's."""
    return user_timezone(client, account.vendor_contact_id, services) or account.timezone


def clash_check(
    client: WebClient, services: Services, channel_id: str, confirmed: bool
) -> ClashCheck | None:
    """The check of the channel's vendor contact's time (None: no account, which the booking
    itself then refuses)."""
    account = services.booking.account_for_channel(channel_id)
    if account is None:
        return None
    return ClashCheck(vendor_zone(client, services, account), confirmed)


def form_clash_check(
    services: Services, channel_id: str, signed: dict[str, Any], confirmed: bool
) -> ClashCheck | None:
    """The clash check of a form, answered before its ack (no Slack call): the vendor
    contact's zone the form was opened with, else the account's."""
    account = services.booking.account_for_channel(channel_id)
    if account is None:
        return None
    return ClashCheck(_zone_opened_with(signed, account), confirmed)


def _zone_opened_with(signed: dict[str, Any], account: Contacted) -> str:
    """The vendor contact's zone a form was opened with (signed), else the account's."""
    said = signed.get("vendor_tz")
    return said if isinstance(said, str) and is_valid_zone(said) else account.timezone


def has_slots(view: dict[str, Any]) -> bool:
    """Whether the submitted request form offered free slots (Slack sends every input)."""
    return ids.FIELD_SLOT in (view.get("state") or {}).get("values", {})


def picked_slot(
    asked: Asked, view: dict[str, Any], minutes: int, errors: dict[str, str]
) -> datetime | None:
    """The free slot the customer picked in the request form (None: another time, or none),
    checked again: one taken since the form opened is refused under the choice."""
    value = selected(view, ids.FIELD_SLOT)
    if value is None or value == ANOTHER_TIME:
        return None
    try:
        start = datetime.fromtimestamp(int(str(value)), UTC)
    except (ValueError, OverflowError, OSError):
        errors[ids.FIELD_SLOT] = _("Choose one of the times offered, or “Another time”.")
        return None
    account = asked.services.booking.account_for_channel(asked.channel_id or "")
    if account is None or not minutes:
        return start  # the request itself says what is wrong
    tz = _zone_opened_with(asked.metadata, account)
    free = asked.services.availability.is_free(account.vendor_contact_id, tz, start, minutes)
    if start <= asked.services.booking.now() or not free:
        errors[ids.FIELD_SLOT] = _(
            "That time was just taken, or no longer suits your Oura contact: choose another."
        )
        return None
    return start


def preferred_times(
    asked: Asked, view: dict[str, Any], minutes: int, errors: dict[str, str]
) -> list[datetime]:
    """The times a request or move form asks for: the free slot picked first, then the typed
    ones (at most three in all); none at all is noted under the slots, or the first time."""
    times = [
        t
        for i in range(1, MAX_PREFERRED_TIMES + 1)
        if (t := picked_time(view, ids.field_preferred_time(i)))
    ]
    slot = picked_slot(asked, view, minutes, errors)
    if slot is not None:
        times = [slot, *[t for t in times if t != slot]][:MAX_PREFERRED_TIMES]
    if not times and ids.FIELD_SLOT not in errors:
        at = ids.FIELD_SLOT if has_slots(view) else ids.field_preferred_time(1)
        errors[at] = _("Choose at least one time that suits you.")
    return times


def busy_times(client: WebClient, services: Services, request: RequestView) -> list[datetime]:
    """The request's times that are busy for its vendor contact (in their Slack time zone)."""
    account = request.account
    tz = vendor_zone(client, services, account)
    times = request.preferred_times
    return services.availability.busy_among(
        account.vendor_contact_id, tz, times, request.request.minutes
    )
