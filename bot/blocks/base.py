"""What every message builder shares: the message value, sections cut to Slack's limits, forms
in a modal, and dates as Slack date tokens. Built with slack_sdk's classes so limits are checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.domain.availability import CONFIRM_CLASH_TYPED, NeedsClashConfirmation
from bot.domain.errors import AlreadyChanged, OuraError

# Every builder escapes stored and typed text with `escape` and shows customer text with
# `quote`: one definition of each, in bot/domain/slacktext.py, where the services' messages and
# the parser's echoes (which may not import this layer) take them too.
from bot.domain.slacktext import escape as escape
from bot.domain.slacktext import quote
from bot.domain.timeutil import zone
from bot.i18n import _, moment_text, say
from bot.i18n import day_text as day_text

SECTION_TEXT_LIMIT = 3000
LIST_LIMIT = 40


@dataclass
class Message:
    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        """Arguments for chat.postMessage / respond(), with every block validated."""
        for block in self.blocks:
            block.validate_json()
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


def section(text: str, verbatim: bool = False) -> SectionBlock:
    """A markdown section, cut to Slack's 3,000-character limit. `verbatim`: Slack shows bare
    URLs and names as they are instead of turning them into links (customer text)."""
    text = text[:SECTION_TEXT_LIMIT]
    return SectionBlock(text=MarkdownTextObject(text=text, verbatim=True if verbatim else None))


def quote_section(text: str) -> SectionBlock:
    """Customer-typed text as a quote of its own, nothing in it live (`quote`)."""
    return section(quote(text), verbatim=True)


def text_message(text: str) -> Message:
    return Message(text=text, blocks=[section(text)])


# -- time -----------------------------------------------------------------------------------


def date_token(moment: datetime, timezone: str, minutes: int | None = None) -> str:
    """Slack renders this in each reader's own zone; the fallback (for clients that cannot)
    is written in the current language and names the account's zone."""
    local = moment.astimezone(zone(timezone))
    fallback = f"{moment_text(local)} {local.tzname()}"
    # Translators: how Slack shows a session's date and time; keep both placeholders.
    pattern = _("{date} at {time}", date="{date_short_pretty}", time="{time}")
    token = f"<!date^{int(moment.timestamp())}^{pattern}|{fallback}>"
    if minutes:
        token += " " + _("({minutes} min)", minutes=minutes)
    return token


def error_text(error: OuraError) -> str:
    """What a person is told of their mistake, in their language: the error's message, with
    the times of a change that came first shown in their own time zone."""
    if isinstance(error, AlreadyChanged):
        return say(error.text(lambda moment: date_token(moment, error.timezone)))
    if isinstance(error, NeedsClashConfirmation):
        at = error.vendor_zone
        return say(error.text(lambda moment, n: date_token(moment, at, n), CONFIRM_CLASH_TYPED))
    return say(error.message)


def sections(title: str, lines: list[str]) -> list[Block]:
    """Lines split over as many sections as the 3,000-character limit needs."""
    sections: list[Block] = []
    chunk = title
    for line in lines:
        if len(chunk) + len(line) + 1 > SECTION_TEXT_LIMIT:
            sections.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
            chunk = line
        else:
            chunk += "\n" + line
    sections.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
    return sections


def form_modal(
    callback_id: str, metadata: str, title: str, submit: str, blocks: Sequence[Block]
) -> View:
    """A form in a modal, checked by slack_sdk against Slack's limits. `metadata` (signed) says
    what the form acts on; its submit handler reads it back."""
    view = View(
        type="modal",
        callback_id=callback_id,
        private_metadata=metadata,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text=_("Cancel")),
        blocks=list(blocks),
    )
    view.validate_json()
    return view
