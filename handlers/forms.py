"""Opening the app's forms (modals) from a command or a button: each names, in signed metadata,
the channel and the account it acts on, so that its submission cannot be turned elsewhere."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.blocks.availability import clash_checkbox, free_slots_context, slot_select
from bot.blocks.requests import request_modal
from bot.blocks.sessions import booking_modal
from bot.blocks.support import order_modal, support_modal
from bot.domain.availability import DEFAULT_SLOT_MINUTES
from bot.domain.support import local_today
from bot.domain.timeutil import suggested_start
from bot.i18n import current
from bot.services.availability import SLOTS_OFFERED, SLOTS_SHOWN, Slots
from bot.services.books import not_linked
from bot.services.container import Services
from handlers.slack_users import user_timezone


class Form:
    """The forms one channel's account can open, for one trigger (a click or a command)."""

    def __init__(
        self, services: Services, client: WebClient, trigger_id: str, channel_id: str
    ) -> None:
        account = services.booking.account_for_channel(channel_id)
        if account is None or account.id is None:
            raise not_linked()
        self.services, self.client, self.trigger_id = services, client, trigger_id
        self.account_id, self.company, self.timezone = account.id, account.company, account.timezone
        # The form is answered in the language it was opened in (`slack_users.form_language`).
        self._metadata = {"channel_id": channel_id, "account_id": account.id, "lang": current()}
        self.metadata = services.signer.dumps(self._metadata)
        self.vendor_contact_id = account.vendor_contact_id

    def booking(self, now: datetime, user_id: str, chosen: datetime | None = None) -> None:
        """The booking form, first suggesting the next working hour in the user's own zone
        (else the account's), with the vendor contact's next free slots shown and a checkbox
        to book a time that clashes."""
        tz = user_timezone(self.client, user_id, self.services) or self.timezone
        slots = self._free_slots(now, DEFAULT_SLOT_MINUTES, SLOTS_SHOWN)
        initial = chosen if chosen is not None and chosen > now else suggested_start(now, tz)
        metadata = self._signed(vendor_tz=slots.vendor_zone)
        view = booking_modal(
            metadata,
            self.company,
            initial,
            free_slots=free_slots_context(slots),
            confirm=[clash_checkbox()],
        )
        self._open(view)

    def request(self, now: datetime, user_id: str, chosen: datetime | None = None) -> None:
        """The customer's request form: their Oura contact's next free slots to pick from,
        written out in the customer's own zone (else the account's), or other times;
        `chosen` (a pace warning's slot button) is picked already while it is still free."""
        slots = self._free_slots(now, DEFAULT_SLOT_MINUTES, SLOTS_OFFERED)
        reader_zone = user_timezone(self.client, user_id, self.services) or self.timezone
        metadata = self._signed(vendor_tz=slots.vendor_zone)
        self._open(request_modal(metadata, self.company, slot_select(slots, reader_zone, chosen)))

    def _free_slots(self, now: datetime, minutes: int, count: int) -> Slots:
        vendor = self.vendor_contact_id
        tz = user_timezone(self.client, vendor, self.services) or self.timezone
        return self.services.availability.free_slots(vendor, tz, now, minutes, count)

    def _signed(self, **more: str) -> str:
        """The form's metadata with more in it (the zone its slots were computed in)."""
        return self.services.signer.dumps({**self._metadata, **more})

    def support(self, now: datetime) -> None:
        orders = self.services.support.orders_of_account(self.account_id)
        today = local_today(now, self.timezone)
        self._open(support_modal(self.metadata, self.company, orders, today))

    def order(self, now: datetime) -> None:
        self._open(order_modal(self.metadata, self.company, local_today(now, self.timezone)))

    def _open(self, view: View) -> None:
        self.client.views_open(trigger_id=self.trigger_id, view=view)
