"""The staff DM when a contract has spent 80% or all of its included minutes (staff only: it
may speak of billable time)."""

from __future__ import annotations

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.blocks.base import Message, escape
from bot.i18n import _


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
