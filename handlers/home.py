"""The App Home tab: staff see their accounts (or everyone's), a page at a time.

External users (Slack Connect buyers) get nothing: no view is published or opened for them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.blocks.home import (
    HOME_ALL,
    HOME_MINE,
    HOME_PAGE,
    HOME_USAGE,
    PAGE_SIZE,
    HomePage,
    Scope,
    home_view,
    notice_modal,
    page_count,
    parse_page_value,
    usage_modal,
)
from bot.blocks.sessions import usage_card
from bot.domain.errors import OuraError
from bot.services.container import Services
from handlers.common import log, requester_is_staff, services_from
from storage.engine import read_session
from storage.overview import account_channel, account_overview

# The pager's buttons are `home_page:prev` and `home_page:next` (ids must differ in a block).
PAGE_ACTION = re.compile(rf"^{HOME_PAGE}(:\w+)?$")


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
    app.action(HOME_MINE)(switch_page)
    app.action(HOME_ALL)(switch_page)
    app.action(PAGE_ACTION)(switch_page)
    app.action(HOME_USAGE)(open_usage_card)


# -- listeners --------------------------------------------------------------------------------


def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Events are acknowledged by Bolt itself; this runs after that."""
    user_id = str(event.get("user") or "")
    if event.get("tab", "home") != "home" or not user_id:
        return  # the Messages tab, or an event we cannot attribute
    try:
        team_id, enterprise_id = _user_team(client, user_id)
        if not requester_is_staff(context, team_id, enterprise_id):
            log.info("home tab not published for non-staff user=%s team=%s", user_id, team_id)
            return
        publish(client, services_from(context), user_id, Scope.MINE, 1)
    except Exception:
        log.exception("app_home_opened failed for user=%s", user_id)


def switch_page(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """`home_mine`, `home_all` and `home_page*`: the button's value says which scope and page."""
    ack()
    user_id, value = _click(body)
    try:
        if not _staff_click(body, context):
            return
        scope, page = parse_page_value(value)
        publish(client, services_from(context), user_id, scope, page)
    except Exception:
        log.exception("home page %r failed for user=%s", value, user_id)


def open_usage_card(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    user_id, value = _click(body)
    try:
        if not _staff_click(body, context):
            return
        trigger_id = body.get("trigger_id")
        if not trigger_id:
            log.warning("home_usage without trigger_id from user=%s", user_id)
            return
        try:
            account_id = int(value or "")
        except ValueError:
            log.warning("home_usage with a bad account id %r from user=%s", value, user_id)
            return
        view = usage_view(services_from(context), account_id)
        client.views_open(trigger_id=trigger_id, view=view)
    except Exception:
        log.exception("home usage card for account %r failed for user=%s", value, user_id)


# -- the work ---------------------------------------------------------------------------------


def load_page(services: Services, user_id: str, scope: Scope, page: int, now: datetime) -> HomePage:
    """The asked-for page; one past the end (accounts went away meanwhile) shows the last."""
    booking = services.booking
    contact = user_id if scope is Scope.MINE else None
    page = max(page, 1)
    with read_session(booking.engine) as db:
        accounts, total = account_overview(
            db, vendor_contact_id=contact, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, now=now
        )
        last = page_count(total)
        if page > last:
            page = last
            accounts, total = account_overview(
                db,
                vendor_contact_id=contact,
                offset=(page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
                now=now,
            )
    return HomePage(scope=scope, page=page, total=total, accounts=accounts)


def publish(client: WebClient, services: Services, user_id: str, scope: Scope, page: int) -> None:
    home = load_page(services, user_id, scope, page, services.booking.clock())
    client.views_publish(user_id=user_id, view=home_view(home))


def usage_view(services: Services, account_id: int) -> View:
    """The staff usage card of one account in a modal, or a note saying why there is none."""
    booking = services.booking
    with read_session(booking.engine) as db:
        channel_id = account_channel(db, account_id)
    if channel_id is None:
        return notice_modal("This account no longer exists.")
    now = booking.clock()
    try:
        usage = booking.usage(channel_id, now)
    except OuraError as error:
        return notice_modal(str(error))
    cases = services.support.open_cases(account_id, now)
    return usage_modal(usage_card(usage, for_staff=True, cases=cases, now=now))


# -- who is asking ----------------------------------------------------------------------------


def _click(body: dict[str, Any]) -> tuple[str, str | None]:
    user_id = str((body.get("user") or {}).get("id") or "")
    actions = body.get("actions") or [{}]
    return user_id, actions[0].get("value")


def _staff_click(body: dict[str, Any], context: BoltContext) -> bool:
    """A click counts as staff only when the clicking user's own team is the installing one."""
    user = body.get("user") or {}
    enterprise = body.get("enterprise")
    enterprise_id = enterprise.get("id") if isinstance(enterprise, dict) else None
    if requester_is_staff(context, user.get("team_id"), enterprise_id):
        return True
    log.info(
        "home action %s refused for non-staff user=%s team=%s",
        ((body.get("actions") or [{}])[0]).get("action_id"),
        user.get("id"),
        user.get("team_id"),
    )
    return False


def _user_team(client: WebClient, user_id: str) -> tuple[str | None, str | None]:
    """The user's own team (and enterprise), from `users.info`.

    `app_home_opened` carries no team of the user, and the envelope's team is the workspace
    the event was delivered for (ours), also for a Slack Connect user from another company.
    When Slack cannot tell us, the user is treated as external.
    """
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as error:
        log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
        return None, None
    enterprise = user.get("enterprise_user")
    enterprise_id = enterprise.get("enterprise_id") if isinstance(enterprise, dict) else None
    return user.get("team_id"), enterprise_id
