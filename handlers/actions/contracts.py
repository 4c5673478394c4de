"""The More button under `/oura-book history`: the next page, privately, to staff."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import ids
from bot.blocks.contracts import history_list, parse_history_value
from bot.domain.identity import Action
from handlers.context import ack_now
from handlers.guard import Asked, button
from handlers.replies import STAFF_ONLY


def register(app: App) -> None:
    app.action(ids.HISTORY_MORE)(ack=ack_now, lazy=[history_more])


@button(Action.COMMAND, STAFF_ONLY, target=parse_history_value, needs_account=True)
def history_more(asked: Asked) -> None:
    session_id, page = asked.target
    channel = asked.channel_id or ""
    history = asked.services.contracts.history(channel, session_id, page)
    asked.client.chat_postEphemeral(
        channel=channel, user=asked.user_id, **history_list(history).as_kwargs()
    )
