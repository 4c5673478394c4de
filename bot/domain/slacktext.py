"""Slack's text format at the app's edges, as plain functions.

Slack escapes `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;` and keeps `<…>` for its own markup
(mentions, channels, links, dates). Text coming in (command text) is read back once into what
the person typed (`as_typed`, `unescape`); text going out into mrkdwn is escaped exactly once
(`escape`, `quote`). Storage holds what people typed, never Slack's escaping.
"""

from __future__ import annotations

import re
import unicodedata

_ENTITY = re.compile(r"&(amp|lt|gt);")
_CHARACTER = {"amp": "&", "lt": "<", "gt": ">"}
_MARKUP = re.compile(r"<([^<>]*)>")
QUOTE_LIMIT = 2900  # what a quote may take of a section's 3,000 characters


def escape(text: str) -> str:
    """Stored or customer-typed text for mrkdwn: `&`, `<` and `>` can no longer act as markup
    (no links, mentions or `<!channel>`), and Slack shows them as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack's three entities back to `&`, `<`, `>`, in one pass (`&amp;lt;` is the `&lt;`
    the person typed, not `<`)."""
    return _ENTITY.sub(lambda match: _CHARACTER[match[1]], text)


def as_typed(text: str) -> str:
    """Text as Slack sends it (a slash command with `should_escape: true`) back to what the
    person saw while typing: Slack's markup to its label (`<@U1|bea>` is `@bea`,
    `<http://acme.io|acme.io>` is `acme.io`, `<#C1|general>` is `#general`, `<!here>` is
    `@here`), then the entities to the characters typed. Markup comes first: a `<` the person
    typed arrives as `&lt;`, so every real `<` is Slack's."""
    return unescape(_MARKUP.sub(_label, text))


def _label(match: re.Match[str]) -> str:
    target, _, label = match[1].partition("|")
    if target.startswith(("@", "#")):
        return target[0] + (label or target[1:])
    if target.startswith("!"):
        if label:
            return label if label.startswith("@") else "@" + label
        return "@" + target[1:].split("^")[0]
    return label or target.removeprefix("mailto:")


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Customer-typed text (a support description, a request note) shown to staff as a quote:
    every line kept and quoted, `&<>` escaped so nothing in it is a live link, mention or
    `<!channel>`. Show it in a `verbatim` text object so Slack does not turn bare URLs or names
    into links either. Cut (with `…`) to `limit` characters, never inside an entity."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    used = 0
    for line in lines:
        quoted = "> " + escape(line)
        cost = len(quoted) + (1 if out else 0)
        if used + cost <= limit:
            out.append(quoted)
            used += cost
            continue
        # The line that does not fit: as much of it as fits, character by character.
        budget = limit - used - (1 if out else 0) - len("> …")
        kept = ""
        for character in line:
            piece = escape(character)
            if len(kept) + len(piece) > budget:
                break
            kept += piece
        if budget >= 0:
            out.append(f"> {kept}…")
        break
    return "\n".join(out)


def printable(text: str, lines: bool = True) -> str:
    """Typed text without control characters (a NUL cannot even be stored in PostgreSQL); with
    `lines`, line breaks and tabs stay."""
    keep = "\n\t" if lines else ""
    return "".join(c for c in text if c in keep or unicodedata.category(c) != "Cc")


def has_control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)
