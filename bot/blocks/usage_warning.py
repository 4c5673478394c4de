"""The staff DM when a contract has spent 80% or all of its included minutes (staff only: it
may speak of billable time), and how `/oura-book schedule` tells of these DMs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.blocks.base import Message, date_token, escape
from bot.domain.usage_warnings import UsageDm, UsageDmState
from bot.i18n import _
from storage.models import Account


def usage_warning_dm(
    company: str, package: str, channel_id: str, spent: int, included: int, threshold: int
) -> Message:
    params = {
        "company": escape(company),
        "package": package,
        "channel": f"<#{channel_id}>",  # not for people: a channel mention
        "spent": spent,
        "included": included,
    }
    if threshold >= 100:
        # Translators: {package} is the package's name (Launch Kit, …); {channel} links to the
        # customer's channel; minutes: {spent} of {included} are reserved or used.
        text = _(
            ":rotating_light: {company} ({channel}) has spent all {included} included minutes of "
            "its {package} (booked or held). Any further session is billable and needs your "
            "confirmation when it is booked.",
            **params,
        )
    else:
        # Translators: {package} is the package's name (Launch Kit, …); {channel} links to the
        # customer's channel; minutes: {spent} of {included} are reserved or used.
        text = _(
            ":warning: {company} ({channel}) has spent {spent} of the {included} included "
            "minutes of its {package} (booked or held). Once they are all spent, further "
            "sessions are billable.",
            **params,
        )
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def usage_dm_lines(account: Account, dms: Sequence[UsageDm], now: datetime) -> list[str]:
    """One line per usage DM: to whom, which threshold, and whether it was sent or when it
    will be (`/oura-book schedule`, which only staff can type)."""
    lines = []
    for dm in dms:
        params = {
            "person": f"<@{account.vendor_contact_id}>",  # not for people: a mention
            # Translators: a share of the included minutes, e.g. 80%.
            "share": _("{percent}%", percent=dm.threshold),
        }
        if dm.state is UsageDmState.DUE and dm.at is not None:
            # Translators: {person} is the vendor contact; {when} a date and time.
            line = _(
                "Staff DM to {person}: {share} of included minutes used. Goes out {when}.",
                when=date_token(max(dm.at, now), account.timezone),
                **params,
            )
        elif dm.state is UsageDmState.SENT and dm.at is not None:
            # Translators: {person} is the vendor contact; {when} a date and time.
            line = _(
                "Staff DM to {person}: {share} of included minutes used. Sent {when}.",
                when=date_token(dm.at, account.timezone),
                **params,
            )
        elif dm.state is UsageDmState.SKIPPED:
            line = _(
                "Staff DM to {person}: {share} of included minutes used. Not sent: the DM "
                "for all of them went instead, or the window had closed.",
                **params,
            )
        elif dm.state is UsageDmState.UNDELIVERABLE:
            line = _(
                "Staff DM to {person}: {share} of included minutes used. Not sent: Slack "
                "refused it or did not answer.",
                **params,
            )
        else:
            line = _("Staff DM to {person}: {share} of included minutes used. Sent.", **params)
        lines.append(line)
    return lines
