"""The App Home's buttons (staff only): switch between my accounts and all, page through them,
and open one account's usage card. Nothing to answer in on the Home tab: refusals are logged."""

from __future__ import annotations

import re

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks import ids
from bot.blocks.base import error_text
from bot.blocks.contracts import history_list
from bot.blocks.home import home_view, notice_modal, parse_page_value, usage_modal
from bot.blocks.sessions import usage_card
from bot.domain.errors import OuraError
from bot.domain.identity import Action
from bot.domain.overview import Scope
from bot.services.container import Services
from handlers.context import ack_now
from handlers.guard import Asked, Where, button
from handlers.payloads import id_value

# The pager's buttons are `home_page:prev` and `home_page:next` (ids must differ in a block).
PAGE_ACTION = re.compile(rf"^{ids.HOME_PAGE}(:\w+)?$")


def register(app: App) -> None:
    app.action(ids.HOME_MINE)(ack=ack_now, lazy=[switch_page])
    app.action(ids.HOME_ALL)(ack=ack_now, lazy=[switch_page])
    app.action(PAGE_ACTION)(ack=ack_now, lazy=[switch_page])
    app.action(ids.HOME_USAGE)(ack=ack_now, lazy=[open_usage_card])


# On the Home tab a refusal is only logged (handlers/guard.py): "staff only" is for the log.
@button(Action.HOME, "staff only", Where.HOME, target=lambda value: value)  # not for people
def switch_page(asked: Asked) -> None:
    """`home_mine`, `home_all` and `home_page*`: the button's value says which scope and page."""
    scope, page = parse_page_value(asked.target)
    publish_home(asked.client, asked.services, asked.user_id, scope, page)


@button(Action.HOME, "staff only", Where.HOME, target=id_value)  # not for people
def open_usage_card(asked: Asked) -> None:
    trigger_id = asked.body.get("trigger_id")
    if not trigger_id:
        # Only logged: there is nothing to answer in on the Home tab.
        asked.answer(f"home_usage without trigger_id from user={asked.user_id}")  # not for people
        return
    try:
        shown = asked.services.home.account_usage(asked.target)
        card = usage_card(shown.usage, for_staff=True, cases=shown.cases, now=shown.now)
        history = asked.services.contracts.account_history(asked.target)
        view = usage_modal(card, history_list(history, more=False).blocks)
    except OuraError as error:
        view = notice_modal(error_text(error))
    asked.client.views_open(trigger_id=trigger_id, view=view)


def publish_home(
    client: WebClient, services: Services, user_id: str, scope: Scope, page: int
) -> None:
    home = services.home.page(user_id, scope, page)
    client.views_publish(user_id=user_id, view=home_view(home))
