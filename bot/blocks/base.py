"""What every message builder shares: the message value, sections cut to Slack's limits, forms
in a modal, and dates as Slack date tokens. Built with slack_sdk's classes so limits are checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.domain.errors import AlreadyChanged, OuraError

# Every builder escapes stored and typed text with `escape` and shows customer text with
# `quote`: one definition of each, in bot/domain/slacktext.py, where the services' messages and
# the parser's echoes (which may not import this layer) take them too.
from bot.domain.slacktext import escape as escape
from bot.domain.slacktext import quote
from bot.domain.timeutil import zone

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
    """Slack renders this in each reader's own zone; the fallback names the account's zone."""
    local = moment.astimezone(zone(timezone))
    fallback = f"{local:%a %d %b %Y %H:%M} {local.tzname()}"
    token = f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"
    if minutes:
        token += f" ({minutes} min)"
    return token


def error_text(error: OuraError) -> str:
    """What a person is told of their mistake: the error's message, with the times of a change
    that came first shown in their own time zone."""
    if isinstance(error, AlreadyChanged):
        return error.text(lambda moment: date_token(moment, error.timezone))
    return str(error)


def day_text(day: Any) -> str:
    return f"{day:%a %d %b %Y}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 day`, `2 days`: a count with its noun."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def article(word: str) -> str:
    """`a` or `an` for a label (by its first letter: our labels have no silent h or "uni-")."""
    return "an" if word[:1].lower() in "aeiou" else "a"


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
        close=PlainTextObject(text="Cancel"),
        blocks=list(blocks),
    )
    view.validate_json()
    return view
