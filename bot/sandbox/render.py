"""Block Kit as readable terminal text; buttons get numbers the user can type to click them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo


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


_DATE = re.compile(r"<!date\^(\d+)\^[^|>]*\|([^>]*)>")
_USER = re.compile(r"<@([A-Z0-9_]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([A-Z0-9_]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


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
        def date(match: re.Match[str]) -> str:
            # Slack shows each reader their own local time: so does the sandbox.
            local = datetime.fromtimestamp(int(match[1]), UTC).astimezone(ZoneInfo(self.timezone()))
            return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"

        text = _DATE.sub(date, text)
        text = _USER.sub(lambda m: "@" + self.user_name(m[1]), text)
        text = _CHANNEL.sub(lambda m: "#" + (m[2] or self.channel_name(m[1])), text)
        text = _LINK.sub(lambda m: f"{m[2]} ({m[1]})", text)
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

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
                lines.append(f"== {_plain(block.get('text'))} ==")
            elif kind == "section":
                if block.get("text"):
                    lines.append(self.mrkdwn(_plain(block["text"])))
                for f in block.get("fields") or []:
                    lines.append("  " + self.mrkdwn(_plain(f)).replace("\n", ": ", 1))
                accessory = block.get("accessory")
                if isinstance(accessory, dict) and accessory.get("type") == "button":
                    lines.append("  " + self.button(accessory, block_id, *place))
            elif kind == "context":
                parts = [self.mrkdwn(_plain(e)) for e in block.get("elements") or []]
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
                lines.append(f"  {_plain(block.get('label'))}: (a form field)")
            elif kind == "rich_text":
                lines.append(self.mrkdwn(_rich_text(block)))
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
            question = f"{_plain(confirm.get('title'))}: {_plain(confirm.get('text'))}"
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
