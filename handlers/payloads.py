"""Reading Bolt payloads: the channel, a button's value, a form's fields and signed metadata."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from handlers.common import services_from

EXPIRED = "This form can't be used any more; open it again from Slack."


def channel_of(body: dict[str, Any]) -> str:
    return str((body.get("channel") or {}).get("id") or "")


def value_of(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def id_value(text: str) -> int | None:
    """A database id carried in a button's value; anything else is None."""
    return int(text) if text.isdigit() and len(text) < 10 else None


def field(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    values = view.get("state", {}).get("values", {})
    return values.get(block_id, {}).get("value", {}) or {}


def signed_metadata(context: BoltContext, view: dict[str, Any]) -> dict[str, Any] | None:
    """The form's private metadata when our signature on it holds, else None."""
    return services_from(context).signer.loads(view.get("private_metadata"))


def refuse_form(ack: Ack, block_id: str, text: str) -> None:
    ack(response_action="errors", errors={block_id: text[:300]})
