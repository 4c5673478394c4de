"""Reading Bolt payloads: the channel, a button's value, a form's fields and signed metadata."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext, Respond

from bot.domain.errors import OuraError
from bot.domain.identity import Access, Action, Requester
from handlers.common import (
    SORRY,
    STAFF_ONLY,
    answer_privately,
    authorize,
    log,
    requester_from,
    services_from,
)

T = TypeVar("T")

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


def authorize_channel_form(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    action: Action,
    block_id: str,
    refusal: str,
) -> tuple[Requester, Access, str] | None:
    """A form opened from a customer's channel: its signed metadata names the channel and the
    account, and the submitter must be allowed `action` there, on that same account.

    Returns who submitted, their access and the channel; otherwise the form shows `refusal`
    (or that it expired) at `block_id` and the result is None."""
    requester = requester_from(body)
    metadata = signed_metadata(context, view)
    if metadata is None:
        refuse_form(ack, block_id, EXPIRED)
        return None
    channel_id = str(metadata.get("channel_id"))
    access = authorize(context, requester, channel_id, action)
    if access is None or access.account_id != metadata.get("account_id"):
        refuse_form(ack, block_id, refusal)
        return None
    return requester, access, channel_id


def staff_dm_click(
    context: BoltContext, body: dict[str, Any], respond: Respond, action: Action
) -> tuple[Requester, int] | None:
    """A staff button in a DM carries the id of what it acts on. Returns who clicked and that
    id; anyone not allowed `action`, or a value that is no id, is told it is for staff."""
    requester = requester_from(body)
    target = id_value(value_of(body))
    if authorize(context, requester, None, action) is None or target is None:
        answer_privately(respond, STAFF_ONLY)
        return None
    return requester, target


def in_form(
    ack: Ack, where: str, work: Callable[[], T], mistake_at: str, sorry_at: str | None = None
) -> T | None:
    """Run a form's work before its ack, so that a refusal shows on the form itself: a user's
    mistake at block `mistake_at`, anything else logged and answered politely (at `sorry_at`,
    by default the same block). None when it was refused; the form is then answered."""
    try:
        return work()
    except OuraError as error:
        refuse_form(ack, mistake_at, str(error))
    except Exception:
        log.exception("%s failed", where)
        refuse_form(ack, sorry_at or mistake_at, SORRY)
    return None
