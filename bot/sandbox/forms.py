"""A modal as a series of prompts; the answers become a view_submission's state values, every
input block in it as Slack sends them: an untouched optional field as null."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

Ask = Callable[[str], str | None]
Say = Callable[[str], None]
Show = Callable[[list[dict[str, Any]]], list[str]]
Values = dict[str, dict[str, dict[str, Any]]]


class Cancelled(Exception):
    """The user typed :cancel (or the input ended) in the middle of a form."""


def has_inputs(view: dict[str, Any]) -> bool:
    """A form to fill and submit; a modal without inputs (the usage card) is only read."""
    return any(block.get("type") == "input" for block in view.get("blocks") or [])


def fill(
    view: dict[str, Any],
    ask: Ask,
    say: Say,
    timezone: str,
    show: Show,
    previous: Values | None = None,
) -> Values:
    """Ask for every input of the modal; returns `{block_id: {action_id: state}}` for every
    input block. `previous`: the answers of a submission the app refused, kept as Slack keeps
    them in the open modal (Enter keeps each)."""
    title = (view.get("title") or {}).get("text") or "Form"
    say(f"\n┌ {title}  (answer each prompt; Enter keeps [the default]; :cancel closes the form)")
    if previous is None:
        for line in show([b for b in view.get("blocks") or [] if b.get("type") != "input"]):
            say(f"│ {line}")
    values: Values = {}
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = dict(block.get("element") or {})
        block_id, action_id = str(block.get("block_id")), str(element.get("action_id"))
        kept = ((previous or {}).get(block_id) or {}).get(action_id)
        if kept is not None:
            element = _with_answer(element, kept)
        label = (block.get("label") or {}).get("text") or "value"
        if block.get("optional"):
            label += " (optional)"
        while True:
            try:
                value = _ask_element(element, label, ask, say, timezone)
            except ValueError as error:
                say(f"│ {error}")
                continue
            if not _answered(value) and not block.get("optional"):
                say("│ This one is needed.")
                continue
            break
        values.setdefault(block_id, {})[action_id] = value
    return values


def _answered(state: dict[str, Any]) -> bool:
    return any(v not in (None, []) for k, v in state.items() if k != "type")


def _with_answer(element: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """The element with a previous answer as its default, as the modal still shows it."""
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons") and state.get("selected_option"):
        return {**element, "initial_option": state["selected_option"]}
    if kind == "checkboxes":
        return {**element, "initial_options": state.get("selected_options") or []}
    if kind == "datetimepicker" and state.get("selected_date_time"):
        return {**element, "initial_date_time": state["selected_date_time"]}
    if kind == "datepicker" and state.get("selected_date"):
        return {**element, "initial_date": state["selected_date"]}
    if kind == "timepicker" and state.get("selected_time"):
        return {**element, "initial_time": state["selected_time"]}
    if kind == "users_select" and state.get("selected_user"):
        return {**element, "initial_user": state["selected_user"]}
    if state.get("value") is not None:
        return {**element, "initial_value": state["value"]}
    return element


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
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= len(options):
        raise ValueError(f"Type a number from 1 to {len(options)}.")
    return options[int(text) - 1]


def _ask_element(
    element: dict[str, Any], label: str, ask: Ask, say: Say, timezone: str
) -> dict[str, Any]:
    """One input's state as Slack sends it (shapes: slackapi/bolt-js
    types-tests/view.test-d.ts, e.g. `{"type": "plain_text_input", "value": null}`)."""
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons"):
        options = _options(element, say)
        initial = element.get("initial_option")
        default = f" [{initial['text']['text']}]" if initial else ""
        text = _answer(ask, f"│ {label}{default} (number): ")
        chosen = _pick(text, options) if text else initial
        return {"type": kind, "selected_option": chosen or None}
    if kind == "checkboxes":
        options = _options(element, say)
        initial = element.get("initial_options") or []
        default = (
            " [" + ", ".join(str(options.index(o) + 1) for o in initial if o in options) + "]"
            if initial
            else ""
        )
        none = "- for none" if initial else "or Enter for none"
        text = _answer(ask, f"│ {label}{default} (numbers separated by commas, {none}): ")
        if not text:
            return {"type": kind, "selected_options": list(initial)}
        chosen = [_pick(t.strip(), options) for t in text.split(",") if t.strip() not in ("", "-")]
        return {"type": kind, "selected_options": chosen}
    if kind == "datetimepicker":
        initial = element.get("initial_date_time")
        default = ""
        if initial:
            local = datetime.fromtimestamp(int(initial), ZoneInfo(timezone))
            default = f" [{local:%Y-%m-%d %H:%M}]"
        text = _answer(ask, f"│ {label}{default} (YYYY-MM-DD HH:MM, {timezone}): ")
        if not text:
            return {"type": kind, "selected_date_time": initial or None}
        try:
            moment = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(timezone))
        except ValueError:
            raise ValueError(
                "Type a date and time as YYYY-MM-DD HH:MM, e.g. 2027-01-05 14:00."
            ) from None
        return {"type": kind, "selected_date_time": int(moment.timestamp())}
    if kind == "datepicker":
        initial = element.get("initial_date")
        default = f" [{initial}]" if initial else ""
        text = _answer(ask, f"│ {label}{default} (YYYY-MM-DD): ") or initial or ""
        if not text:
            return {"type": kind, "selected_date": None}
        try:
            return {"type": kind, "selected_date": date.fromisoformat(text).isoformat()}
        except ValueError:
            raise ValueError("Type a date as YYYY-MM-DD.") from None
    if kind == "timepicker":
        initial = element.get("initial_time")
        default = f" [{initial}]" if initial else ""
        text = _answer(ask, f"│ {label}{default} (HH:MM): ") or initial or ""
        if not text:
            return {"type": kind, "selected_time": None}
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
        initial = element.get("initial_user")
        default = f" [{initial}]" if initial else ""
        text = _answer(ask, f"│ {label}{default} (a user id, e.g. U0SANDBOXSTAFF): ")
        return {"type": kind, "selected_user": text or initial or None}
    initial = element.get("initial_value")
    default = f" [{initial}]" if initial else ""
    if element.get("multiline"):
        text = _lines(ask, f"│ {label}{default} (end a line with \\ to go on to another): ")
    else:
        text = _answer(ask, f"│ {label}{default}: ")
    return {"type": kind or "plain_text_input", "value": text or initial or None}


def _lines(ask: Ask, prompt: str) -> str:
    """A multiline text: each line ending in a backslash goes on to another."""
    lines = [_answer(ask, prompt)]
    while lines[-1].endswith("\\"):
        lines[-1] = lines[-1][:-1]
        lines.append(_answer(ask, "│ … "))
    return "\n".join(lines)
