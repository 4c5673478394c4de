"""The App Home tab opened: staff see their accounts; anyone else gets nothing published."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.domain.identity import Action, requester
from bot.domain.overview import Scope
from bot.i18n import speaking
from handlers.actions.home import publish_home
from handlers.context import ack_now, installation_from, services_from
from handlers.errors import attempt
from handlers.guard import decide
from handlers.replies import log
from handlers.slack_users import reader_language, user_team


def register(app: App) -> None:
    app.event("app_home_opened")(ack=ack_now, lazy=[home_opened])


def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """`app_home_opened` carries no team of the user, and the envelope's team is the workspace
    the event was delivered for (ours), also for a Slack Connect user from another company: the
    user's own workspace and organization come from `users.info`; when Slack cannot tell, the
    tab is not published (and that is logged)."""
    user_id = str(event.get("user") or "")
    if event.get("tab", "home") != "home" or not user_id:
        return  # the Messages tab, or an event we cannot attribute
    services = services_from(context)

    def publish() -> None:
        person = requester(user_id, *user_team(client, user_id))
        if decide(services, installation_from(context), person, None, Action.HOME) is None:
            log.info("home tab not published for user=%s team=%s", user_id, person.team_id)
            return
        with speaking(reader_language(client, user_id, services)):
            publish_home(client, services, user_id, Scope.MINE, 1)

    # Nobody to answer on an event: a failure is only logged.
    attempt("app_home_opened", publish, lambda text: None, user=user_id)
