"""The log DM's buttons (bot/log_prompts.py): a session whose end has passed is logged in one
click as held for its booked length, as a no-show or as not held; "other length" opens a form.
Staff only. A session already logged is answered with what was recorded, by whom and when."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import ids
from bot.blocks.session_log import log_session_modal, logged_dm, session_label
from bot.domain.identity import Action
from bot.services.booking import NO_SHOW_USED, SessionChange
from handlers.balance import refresh_balance
from handlers.context import ack_now
from handlers.guard import Asked, Where, button
from handlers.payloads import id_value
from handlers.replies import STAFF_ONLY


def register(app: App) -> None:
    app.action(ids.LOG_PROMPT_HELD)(ack=ack_now, lazy=[log_prompt_held])
    app.action(ids.LOG_PROMPT_OTHER)(ack=ack_now, lazy=[log_prompt_other])
    app.action(ids.LOG_PROMPT_NO_SHOW)(ack=ack_now, lazy=[log_prompt_no_show])
    app.action(ids.LOG_PROMPT_NOT_HELD)(ack=ack_now, lazy=[log_prompt_not_held])


def _recorded(asked: Asked, change: SessionChange) -> None:
    """The DM's buttons give way to what was recorded."""
    used = asked.services.booking.no_show_counts == NO_SHOW_USED
    asked.replace_message(logged_dm(change, counts_as_used=used))
    refresh_balance(asked.client, asked.services, change.account)


@button(Action.LOG_HELD, STAFF_ONLY, Where.DM, target=id_value)
def log_prompt_held(asked: Asked) -> None:
    booking = asked.services.booking
    account, _session = asked.services.session_log.session_by_id(asked.target)
    change = booking.log_held(
        asked.actor, account.channel_id, asked.target, None, False, first_log=True
    )
    _recorded(asked, change)


@button(Action.LOG_HELD, STAFF_ONLY, Where.DM, target=id_value)
def log_prompt_no_show(asked: Asked) -> None:
    service = asked.services.session_log
    account, _session = service.session_by_id(asked.target)
    _recorded(asked, service.log_no_show(asked.actor, account.channel_id, asked.target))


@button(Action.LOG_HELD, STAFF_ONLY, Where.DM, target=id_value)
def log_prompt_not_held(asked: Asked) -> None:
    service = asked.services.session_log
    account, _session = service.session_by_id(asked.target)
    _recorded(asked, service.log_not_held(asked.actor, account.channel_id, asked.target))


@button(Action.LOG_HELD, STAFF_ONLY, Where.DM, target=id_value)
def log_prompt_other(asked: Asked) -> None:
    account, session = asked.services.session_log.session_by_id(asked.target)
    container = asked.body.get("container") or {}
    # The form acts on the session in its account's channel; the DM is updated once logged.
    metadata = asked.services.signer.dumps(
        {
            "channel_id": account.channel_id,
            "session_id": asked.target,
            "dm_channel": str(container.get("channel_id") or ""),
            "dm_ts": str(container.get("message_ts") or ""),
        }
    )
    label = session_label(session, account.timezone)
    view = log_session_modal(metadata, label, session.minutes_held or session.minutes_booked)
    asked.client.views_open(trigger_id=asked.body["trigger_id"], view=view)
