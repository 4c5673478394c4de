"""Who is asking, and what every listener is given to work with (injected per request)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from slack_bolt import Ack, BoltContext, BoltRequest

from bot.domain.identity import Installation, Requester, requester
from bot.services.books import Actor
from bot.services.container import Services

SERVICES_KEY = "oura_services"
FOLLOW_UP_KEY = "oura_follow_up"

T = TypeVar("T")


class Shared(Generic[T]):
    """A value a lazy listener must get as it is. Bolt hands a lazy listener a deep copy of the
    request's context (`BoltContext.to_copyable`), which would copy the services (engine,
    caches, locks) or, failing that, drop them."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __deepcopy__(self, memo: dict[int, Any]) -> Shared[T]:
        return self


def put_services(context: BoltContext, services: Services) -> None:
    context[SERVICES_KEY] = Shared(services)


def services_from(context: BoltContext) -> Services:
    return context[SERVICES_KEY].value  # type: ignore[no-any-return]


def ack_now(ack: Ack) -> None:
    """The whole ack of a command, a click or an event, sent from Bolt's request thread (the
    app runs with `process_before_response`): nothing is read or written before it. The
    work is the listener's lazy function, which Bolt runs on its executor after this."""
    ack()


def follow_up_later(context: BoltContext, work: Callable[[], None]) -> None:
    """What a form does after its ack (posts, notes): run by its lazy `follow_up` once the
    ack is on its way, so the form's answer does not wait on Slack calls."""
    context[FOLLOW_UP_KEY] = Shared(work)


def follow_up(context: BoltContext) -> None:
    """The lazy half of a form (`app.view(...)(ack=form, lazy=[follow_up])`)."""
    work = context.get(FOLLOW_UP_KEY)
    if work is not None:
        work.value()


def installation_from(context: BoltContext) -> Installation:
    result = context.authorize_result
    if result is None:
        return Installation(team_id=None)
    return Installation(team_id=result.team_id, enterprise_id=result.enterprise_id)


def requester_from(body: dict[str, Any]) -> Requester:
    """Who clicked or submitted, from what Slack says of *them*: `user.team_id` (their own
    workspace; on Enterprise Grid it may be their organization) and `user.enterprise_id`, and
    `team.enterprise_id` when that `team` is the user's own workspace. Never the top-level
    `team` or `enterprise` alone: they say where the message lives, which in a Slack Connect
    channel may be the vendor's side while the clicker is the customer (a missing team is left
    missing, and the guard refuses)."""
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    team = body.get("team") if isinstance(body.get("team"), dict) else {}
    own_team = user.get("team_id")
    same_team = bool(own_team) and team.get("id") == own_team
    return requester(
        str(user.get("id") or ""),
        own_team,
        user.get("enterprise_id"),
        team.get("enterprise_id") if same_team else None,
    )


def requester_from_command(payload: dict[str, Any]) -> Requester:
    """Who typed a slash command. Slack documents a command's `team_id` and `enterprise_id`
    as where the person was when they typed it: the workspace (and Grid organization) they are
    signed in to, that is their own. Bolt's `context.actor_team_id` / `actor_enterprise_id`
    are these same two fields for a command (an interaction's are its top-level `team` and
    `enterprise`, which is why buttons and forms use `requester_from` instead)."""
    return requester(
        str(payload.get("user_id") or ""), payload.get("team_id"), payload.get("enterprise_id")
    )


def actor_of(person: Requester) -> Actor:
    """The person as the audit trail records them: their workspace, else their organization."""
    return Actor(user_id=person.user_id, team_id=person.team_id or person.enterprise_id or "")


def signature_of(request: BoltRequest) -> str | None:
    """The request's Slack signature (HTTP); None over Socket Mode, whose socket is
    authenticated instead."""
    values = request.headers.get("x-slack-signature") or []
    return values[0] if values else None
