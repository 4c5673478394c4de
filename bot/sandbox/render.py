"""Block Kit as readable terminal text; buttons get numbers the user can type to click them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.slacktext import unescape


@dataclass(frozen=True)
class Button:
    """A button on screen: where it was and what clicking it sends."""

    label: str
    action_id: str
    value: str
    block_id: str
    channel_id: str | None  # None on the App Home
    message_ts: str | None  # None on an ephemeral message or a reply
    view: dict[str, Any] | None  # the App Home or modal it sits in
    confirm: str | None  # the confirmation question, if Slack would ask one


# Slack's markup in mrkdwn: `<…>`, whose inside never holds `<` or `>` (those are escaped).
_MARKUP = re.compile(r"<([^<>]*)>")


class Renderer:
    def __init__(
        self,
        user_name: Callable[[str], str],
        channel_name: Callable[[str], str],
        timezone: Callable[[], str],
    ) -> None:
        self.user_name = user_name
        self.channel_name = channel_name
        self.timezone = timezone
        self.buttons: dict[int, Button] = {}
        self._next = 1

    def mrkdwn(self, text: str) -> str:
        """What Slack shows of mrkdwn: its `<…>` markup rendered (a link by its label, as Slack
        does: `<EMEA>` is a link reading `EMEA`, `<!channel>` is `@channel`), then `&amp;`,
        `&lt;`, `&gt;` shown once as `&`, `<`, `>`. Text escaped twice shows `&amp;` here, as in
        Slack."""
        return unescape(_MARKUP.sub(self._markup, text))

    def text(self, obj: Any) -> str:
        """A text object as Slack shows it: mrkdwn rendered, plain_text exactly as sent."""
        if isinstance(obj, dict) and obj.get("type") == "plain_text":
            return str(obj.get("text") or "")
        return self.mrkdwn(_plain(obj))

    def _markup(self, match: re.Match[str]) -> str:
        target, _, label = match[1].partition("|")
        if target.startswith("!date^"):
            # Slack shows each reader their own local time: so does the sandbox.
            epoch = target.split("^")[1]
            if epoch.isascii() and epoch.isdigit():
                zone = ZoneInfo(self.timezone())
                local = datetime.fromtimestamp(int(epoch), UTC).astimezone(zone)
                return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"
            return label
        if target.startswith("@"):
            return "@" + self.user_name(target[1:])
        if target.startswith("#"):
            return "#" + (label or self.channel_name(target[1:]))
        if target.startswith("!subteam^"):
            return label or "@group"
        if target.startswith("!"):
            return "@" + target[1:]  # @here, @channel, @everyone: they notify
        # A link: Slack shows its label, or the address; the sandbox adds where it leads.
        shown = label or target.removeprefix("mailto:")
        return f"{shown} (link to {target})" if label else f"{shown} (link)"

    def blocks(
        self,
        blocks: list[dict[str, Any]],
        channel_id: str | None,
        message_ts: str | None,
        view: dict[str, Any] | None = None,
    ) -> list[str]:
        lines: list[str] = []
        for block in blocks:
            kind = block.get("type")
            block_id = str(block.get("block_id") or "")
            place = (channel_id, message_ts, view)
            if kind == "header":
                lines.append(f"== {self.text(block.get('text'))} ==")
            elif kind == "section":
                if block.get("text"):
                    lines.append(self.text(block["text"]))
                for f in block.get("fields") or []:
                    lines.append("  " + self.text(f).replace("\n", ": ", 1))
                accessory = block.get("accessory")
                if isinstance(accessory, dict) and accessory.get("type") == "button":
                    lines.append("  " + self.button(accessory, block_id, *place))
            elif kind == "context":
                parts = [self.text(e) for e in block.get("elements") or []]
                lines.append("  (" + " · ".join(p for p in parts if p) + ")")
            elif kind == "divider":
                lines.append("  ----")
            elif kind == "actions":
                shown = [
                    self.button(e, block_id, *place)
                    for e in block.get("elements") or []
                    if e.get("type") == "button"
                ]
                if shown:
                    lines.append("  " + "   ".join(shown))
            elif kind == "input":
                lines.append(f"  {self.text(block.get('label'))}: (a form field)")
            elif kind == "rich_text":
                lines.append(_rich_text(block))  # rich text is never escaped
        return lines

    def button(
        self,
        element: dict[str, Any],
        block_id: str,
        channel_id: str | None,
        message_ts: str | None,
        view: dict[str, Any] | None,
    ) -> str:
        number = self._next
        self._next += 1
        confirm = element.get("confirm")
        question = None
        if isinstance(confirm, dict):
            question = f"{self.text(confirm.get('title'))}: {self.text(confirm.get('text'))}"
        self.buttons[number] = Button(
            label=_plain(element.get("text")),
            action_id=str(element.get("action_id")),
            value=str(element.get("value") or ""),
            block_id=block_id,
            channel_id=channel_id,
            message_ts=message_ts,
            view=view,
            confirm=question,
        )
        return f"[{number}] {_plain(element.get('text'))}"

    def message(
        self, payload: dict[str, Any], channel_id: str | None, message_ts: str | None
    ) -> list[str]:
        blocks = payload.get("blocks") or []
        if blocks:
            return self.blocks(blocks, channel_id, message_ts)
        return [self.mrkdwn(str(payload.get("text") or ""))]


def _plain(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text") or "")
    return str(obj or "")


def _rich_text(block: dict[str, Any]) -> str:
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                parts.append(str(node.get("text") or ""))
            walk(node.get("elements"))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(block.get("elements"))
    return "".join(parts)


def indent(lines: list[str], prefix: str = "  ") -> str:
    return "\n".join(prefix + line.replace("\n", "\n" + prefix) for line in lines)
