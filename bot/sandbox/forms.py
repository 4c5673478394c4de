"""A modal as a series of prompts; the answers become a view_submission's state values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

Ask = Callable[[str], str | None]
Say = Callable[[str], None]


class Cancelled(Exception):
    """The user typed :cancel (or the input ended) in the middle of a form."""


def fill(view: dict[str, Any], ask: Ask, say: Say, timezone: str) -> dict[str, Any]:
    """Ask for every input of the modal; returns `{block_id: {action_id: value}}`."""
    title = (view.get("title") or {}).get("text") or "Form"
    say(f"\n┌ {title}  (answer each prompt; Enter keeps [the default]; :cancel closes the form)")
    for block in view.get("blocks") or []:
        if block.get("type") in ("section", "context", "header") and block.get("text"):
            say(f"│ {(block.get('text') or {}).get('text', '')}")
    values: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        label = (block.get("label") or {}).get("text") or "value"
        if block.get("optional"):
            label += " (optional)"
        while True:
            try:
                value = _ask_element(element, label, ask, say, timezone)
            except ValueError as error:
                say(f"│ {error}")
                continue
            if value is None and not block.get("optional"):
                say("│ This one is needed.")
                continue
            break
        if value is not None:
            values.setdefault(block.get("block_id"), {})[element.get("action_id")] = value
    return values


def _answer(ask: Ask, prompt: str) -> str:
    text = ask(prompt)
    if text is None or text.strip() == ":cancel":
        raise Cancelled
    return text.strip()


def _options(element: dict[str, Any], say: Say) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for number, option in enumerate(options, 1):
        say(f"│   {number}. {(option.get('text') or {}).get('text')}")
    return options


def _pick(text: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    if not text.isdigit() or not 1 <= int(text) <= len(options):
        raise ValueError(f"Type a number from 1 to {len(options)}.")
    return options[int(text) - 1]


def _ask_element(
    element: dict[str, Any], label: str, ask: Ask, say: Say, timezone: str
) -> dict[str, Any] | None:
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons"):
        options = _options(element, say)
        initial = element.get("initial_option")
        default = f" [{initial['text']['text']}]" if initial else ""
        text = _answer(ask, f"│ {label}{default} (number): ")
        if not text:
            return {"type": kind, "selected_option": initial} if initial else None
        return {"type": kind, "selected_option": _pick(text, options)}
    if kind == "checkboxes":
        options = _options(element, say)
        text = _answer(ask, f"│ {label} (numbers separated by commas, or Enter for none): ")
        chosen = [_pick(t.strip(), options) for t in text.split(",") if t.strip()]
        return {"type": kind, "selected_options": chosen}
    if kind == "datetimepicker":
        initial = element.get("initial_date_time")
        default = ""
        if initial:
            local = datetime.fromtimestamp(int(initial), ZoneInfo(timezone))
            default = f" [{local:%Y-%m-%d %H:%M}]"
        text = _answer(ask, f"│ {label}{default} (YYYY-MM-DD HH:MM, {timezone}): ")
        if not text:
            return {"type": kind, "selected_date_time": initial} if initial else None
        try:
            moment = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(timezone))
        except ValueError:
            raise ValueError(
                "Type a date and time as YYYY-MM-DD HH:MM, e.g. 2027-01-05 14:00."
            ) from None
        return {"type": kind, "selected_date_time": int(moment.timestamp())}
    if kind == "datepicker":
        text = _answer(ask, f"│ {label} (YYYY-MM-DD): ") or element.get("initial_date") or ""
        if not text:
            return None
        try:
            return {"type": kind, "selected_date": date.fromisoformat(text).isoformat()}
        except ValueError:
            raise ValueError("Type a date as YYYY-MM-DD.") from None
    if kind == "timepicker":
        text = _answer(ask, f"│ {label} (HH:MM): ") or element.get("initial_time") or ""
        if not text:
            return None
        try:
            return {"type": kind, "selected_time": time.fromisoformat(text).strftime("%H:%M")}
        except ValueError:
            raise ValueError("Type a time as HH:MM, e.g. 14:00.") from None
    if kind == "number_input":
        initial = element.get("initial_value")
        default = f" [{initial}]" if initial else ""
        text = _answer(ask, f"│ {label}{default}: ") or (initial or "")
        return {"type": kind, "value": text or None}
    if kind == "users_select":
        text = _answer(ask, f"│ {label} (a user id, e.g. U0SANDBOXSTAFF): ")
        return {"type": kind, "selected_user": text or None}
    initial = element.get("initial_value")
    default = f" [{initial}]" if initial else ""
    text = _answer(ask, f"│ {label}{default}: ") or (initial or "")
    return {"type": kind or "plain_text_input", "value": text or None}
