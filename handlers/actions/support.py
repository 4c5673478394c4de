"""The vendor contact's DM about a support case: Take and Resolve (staff only)."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import ids
from bot.blocks.support import case_resolved_dm, case_resolved_post, case_taken_dm
from bot.domain.identity import Action
from handlers.context import ack_now
from handlers.guard import Asked, Where, button
from handlers.payloads import id_value
from handlers.replies import STAFF_ONLY, post_for_account


def register(app: App) -> None:
    app.action(ids.TAKE_CASE)(ack=ack_now, lazy=[take_case])
    app.action(ids.RESOLVE_CASE)(ack=ack_now, lazy=[resolve_case])


@button(Action.TAKE_CASE, STAFF_ONLY, Where.DM, target=id_value)
def take_case(asked: Asked) -> None:
    case = asked.services.support.take(asked.actor, asked.target)
    asked.replace_message(case_taken_dm(case))


@button(Action.RESOLVE_CASE, STAFF_ONLY, Where.DM, target=id_value)
def resolve_case(asked: Asked) -> None:
    case = asked.services.support.resolve(asked.actor, asked.target)
    # The channel's post in its account's language; the staff member's DM (and any problem
    # posting) in theirs.
    problem = post_for_account(asked.client, case.account, lambda: case_resolved_post(case))
    asked.replace_message(case_resolved_dm(case, problem))
