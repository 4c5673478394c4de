"""What the app said, printed for the terminal: where it appeared, who sees it, and its text."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.sandbox.fakeslack import Output
from bot.sandbox.render import Renderer, indent


class Screen:
    def __init__(self, renderer: Renderer, say: Callable[[str], None]) -> None:
        self.renderer = renderer
        self.say = say

    def ack(self, response: Any) -> None:
        if response.status != 200:
            self.say(f"(the app answered HTTP {response.status}: {response.body[:200]})")
            return
        body = (response.body or "").strip()
        if body.startswith("{"):
            data = json.loads(body)
            if data.get("text") or data.get("blocks"):
                self.print("reply (only you see it)", self.renderer.message(data, None, None))
        elif body:
            self.print("reply (only you see it)", [body])

    def output(self, output: Output, channel_id: str) -> None:
        payload, channel = output.payload, output.channel
        where = self.where(channel)
        if output.kind == "message":
            lines = self.renderer.message(payload, channel, output.ts)
            seen_by = "" if where.startswith("DM") else " (everyone there sees it)"
            self.print(f"{where}, posted by the bot{seen_by}", lines)
        elif output.kind == "ephemeral":
            self.print(f"{where} (only you see it)", self.renderer.message(payload, channel, None))
        elif output.kind == "updated":
            lines = self.renderer.message(payload, channel, output.ts)
            self.print(f"{where}, a bot message was updated", lines)
        elif output.kind == "pinned":
            self.print(f"{where}, the bot pinned its message", [f"(ts {output.ts})"])
        elif output.kind == "reply":
            if payload.get("delete_original"):
                self.print("reply", ["(the message was removed)"])
                return
            shared = payload.get("response_type") == "in_channel"
            label = (
                "reply (everyone in the channel sees it)" if shared else "reply (only you see it)"
            )
            self.print(label, self.renderer.message(payload, channel_id, None))
        elif output.kind == "home":
            lines = self.renderer.blocks(payload.get("blocks") or [], None, None, view=payload)
            self.print("App Home", lines)
        elif output.kind == "file":
            content = payload["content"].decode("utf-8", "replace")
            rows = content.splitlines()
            lines = [payload.get("initial_comment") or "", f"file {payload['filename']}:"]
            lines += ["  " + row for row in rows[:25]]
            if len(rows) > 25:
                lines.append(f"  … {len(rows) - 25} more lines")
            self.print(f"{where}, a file from the bot", lines)

    def modal(self, view: dict[str, Any]) -> None:
        """A modal with nothing to fill in (the usage card): read, then closed. Slack sends
        nothing when it closes (no `notify_on_close`), and never submits it."""
        title = self.renderer.text(view.get("title")) or "Modal"
        lines = self.renderer.blocks(view.get("blocks") or [], None, None, view=view)
        self.print(f"modal: {title} (only you see it; closed again)", lines)

    def where(self, channel: str | None) -> str:
        if channel and channel.startswith("D_"):  # the fake's DM ids: D_<user id>
            return f"DM to @{self.renderer.user_name(channel.removeprefix('D_'))}"
        return f"#{self.renderer.channel_name(channel or '')}"

    def print(self, heading: str, lines: list[str]) -> None:
        self.say(f"\n[{heading}]")
        self.say(indent([line for line in lines if line is not None]))
