"""Who may do this here: the one guard every listener goes through before it acts.

`button` and `form` wrap a listener: they find who is asking and where, ask
`bot.domain.identity` whether that person may do the action there, and only then call the
listener with an `Asked`. A refusal changes nothing and posts nothing but a polite note to the
person asking.

When each answers Slack:
- A button is acked before anything else, from the request thread (`ack_now`), and all of
  its work is a lazy listener: `app.action(id)(ack=ack_now, lazy=[listener])`.
- A form answers in its ack (a field's error, a refusal shown on the form, or closing it), so
  what decides that answer runs before the ack, in the request thread: the replay check, the
  guard, the change itself. Kept so on purpose: checking fields and acking first would close
  the form and leave a refusal (no minutes left, the time taken) to an ephemeral note, with the
  person's typing lost. What the form does after its ack (posts, notes) is returned by the
  listener and run by the lazy `follow_up`, so the form's answer never waits on Slack calls:
  `app.view(id)(ack=listener, lazy=[follow_up])`. Slack gives a form 3 seconds, as any ack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import partial
from typing import Any

from slack_bolt import Ack, BoltContext, BoltRequest, Respond
from slack_sdk import WebClient

from bot.blocks.base import Message
from bot.domain.identity import (
    Access,
    Action,
    IdKind,
    Installation,
    Requester,
    Role,
    access_for,
    allows,
    kind_of,
    organization_would_decide,
    workspace_to_learn,
)
from bot.i18n import _, speaking
from bot.services.books import Actor
from bot.services.container import Services
from handlers.context import (
    actor_of,
    follow_up_later,
    installation_from,
    requester_from,
    services_from,
    signature_of,
)
from handlers.errors import Answer, attempt
from handlers.payloads import channel_of, value_of
from handlers.replies import EXPIRED, UNIDENTIFIED, answer_privately, refuse_form, tell
from handlers.slack_users import form_language, reader_language, user_team

log = logging.getLogger("oura.handlers")


class Where(Enum):
    """Where a button was clicked, which says how to answer the person who clicked it."""

    CHANNEL = "channel"  # a post in the customer's channel: an ephemeral note there
    DM = "dm"  # the bot's DM: a note through the click's response_url
    HOME = "home"  # the App Home: nothing to answer in, so refusals are only logged


@dataclass(frozen=True)
class Asked:
    """A request the guard let through: who asks, where, with what access, and the means to
    answer. `target` is what the button's value names (parsed); `metadata` a form's signed
    metadata."""

    requester: Requester
    access: Access
    services: Services
    client: WebClient
    body: dict[str, Any]
    channel_id: str | None
    answer: Answer
    target: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # A DM button's response_url, to replace the message the button was on.
    respond: Respond | None = None

    @property
    def actor(self) -> Actor:
        return actor_of(self.requester)

    @property
    def user_id(self) -> str:
        return self.requester.user_id

    def replace_message(self, message: Message) -> None:
        """Replace the DM message whose button was clicked (its response_url)."""
        assert self.respond is not None, "only DM buttons replace their message"  # not for people
        self.respond(replace_original=True, **message.as_kwargs())

    def tell(self, text: str) -> None:
        """An ephemeral note in the channel the request came from."""
        tell(self.client, self.channel_id or "", self.user_id, text)


def decide(
    services: Services, home: Installation, person: Requester, channel_id: str | None,
    action: Action, client: WebClient | None = None,
) -> Access | None:  # fmt: skip
    """The access this request has in that channel, or None when it may not do `action`.
    Every listener asks this (through `button` and `form`) before it acts.

    Only who acts counts (`bot.domain.identity`). Someone Slack says nothing about is refused
    (and logged). When the person's organization is not in the request but could decide,
    Slack is asked for it (`users.info`, the person's own data); a buyer recognized by their
    organization alone has their workspace remembered as the customer's."""
    linked = services.booking.linked_account(channel_id) if channel_id else None
    if not person.identified:
        log.warning(
            "refused %s: Slack did not say which workspace or organization user=%s belongs to "
            "(channel=%s)",
            action,
            person.user_id,
            channel_id,
        )
        return None
    access = access_for(person, home, linked)
    if (
        not allows(access, action)
        and client is not None
        and organization_would_decide(person, home, linked)
    ):
        _, enterprise_id = user_team(client, person.user_id)
        if enterprise_id and kind_of(enterprise_id) is IdKind.ORGANIZATION:
            person = replace(person, enterprise_id=enterprise_id)
            access = access_for(person, home, linked)
    if not allows(access, action):
        log.info(
            "refused %s for user=%s team=%s enterprise=%s channel=%s role=%s",
            action,
            person.user_id,
            person.team_id,
            person.enterprise_id,
            channel_id,
            access.role,
        )
        return None
    if access.role is Role.BUYER and linked is not None:
        learned = workspace_to_learn(person, linked)
        if learned is not None:
            services.booking.learn_customer_workspace(linked.id, learned)
            log.info("account %s: customer workspace %s learned from user=%s", linked.id,
                     learned, person.user_id)  # fmt: skip
    return access


def refusal_for(person: Requester, refusal: str) -> str:
    """What a refused person is told, in their language: the action's own refusal (a message
    id), or, when Slack did not say who they belong to, that."""
    return _(refusal) if person.identified else _(UNIDENTIFIED)


ButtonListener = Callable[[Asked], None]


def button(
    action: Action,
    refusal: str,
    where: Where = Where.CHANNEL,
    target: Callable[[str], Any] | None = None,
    needs_account: bool = False,
) -> Callable[[ButtonListener], Callable[..., None]]:
    """A button listener for `action`. `target` parses the button's value (None: refused);
    `needs_account` refuses a channel that is linked to no account."""

    def decorate(work: ButtonListener) -> Callable[..., None]:
        def listener(
            body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond,
            request: BoltRequest,
        ) -> None:  # fmt: skip
            # A lazy listener: the click was acked before this (`ack_now`).
            requester = requester_from(body)
            channel = channel_of(body) if where is Where.CHANNEL else None
            answer = _answer(where, client, channel, requester.user_id, respond)
            services = services_from(context)
            language = reader_language(client, requester.user_id, services)

            def guarded() -> None:
                if not services.deliveries.first_request(signature_of(request)):
                    log.warning("a replayed %s was acked and changed nothing", work.__name__)
                    return
                parsed = target(value_of(body)) if target else None
                home = installation_from(context)
                access = decide(services, home, requester, channel, action, client)
                if (
                    access is None
                    or (target is not None and parsed is None)
                    or (needs_account and access.account_id is None)
                ):
                    answer(refusal_for(requester, refusal))
                    return
                asked = Asked(
                    requester, access, services, client, body, channel, answer, parsed,
                    respond=respond,
                )  # fmt: skip
                work(asked)

            with speaking(language):
                attempt(
                    work.__name__,
                    guarded,
                    answer,
                    user=requester.user_id,
                    channel=channel,
                    value=value_of(body)[:40],
                )

        listener.__name__ = work.__name__
        listener.__doc__ = work.__doc__
        return listener

    return decorate


def _answer(
    where: Where, client: WebClient, channel: str | None, user_id: str, respond: Respond
) -> Answer:
    if where is Where.CHANNEL:
        return partial(tell, client, channel or "", user_id)
    if where is Where.DM:
        return partial(answer_privately, respond)
    return lambda text: log.info("home tab: %s", text[:80])


# What a form does once it has acked (posts and notes), or None.
FollowUp = Callable[[], None]
FormListener = Callable[[Asked, Ack, dict[str, Any]], FollowUp | None]


def form(
    action: Action, refusal: str, at: str, metadata: tuple[str, ...] = ("channel_id", "account_id")
) -> Callable[[FormListener], Callable[..., None]]:
    """A form (view submission) listener for `action`. What the form acts on comes from its
    signed metadata, which must hold `metadata` (a `channel_id` string, ids as numbers); the
    submitter is authorized again in that channel, on that same account. A refusal or an
    expired form is shown at the field `at`. The listener acks itself, and returns what it
    does after the ack (run by the lazy `follow_up`, in the same language)."""

    def decorate(work: FormListener) -> Callable[..., None]:
        def listener(
            ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
            context: BoltContext, request: BoltRequest,
        ) -> None:  # fmt: skip
            requester = requester_from(body)
            services = services_from(context)
            signed = services.signer.loads(view.get("private_metadata"))
            # No Slack call before the ack: the form says what it was opened in.
            language = form_language(signed, requester.user_id, services)
            if signed is None or not _holds(signed, metadata):
                with speaking(language):
                    refuse_form(ack, at, _(EXPIRED))
                return
            channel = signed["channel_id"] if "channel_id" in metadata else None
            then: list[FollowUp] = []

            def guarded() -> None:
                if not services.deliveries.first_request(signature_of(request)):
                    log.warning("a replayed %s was acked and changed nothing", work.__name__)
                    ack()
                    return
                home = installation_from(context)
                access = decide(services, home, requester, channel, action, client)
                if access is None or (
                    "account_id" in metadata and access.account_id != signed.get("account_id")
                ):
                    refuse_form(ack, at, refusal_for(requester, refusal))
                    return
                answer = partial(tell, client, channel or "", requester.user_id)
                asked = Asked(
                    requester, access, services, client, body, channel, answer, None, signed
                )
                after = work(asked, ack, view)
                if after is not None:
                    then.append(after)

            # Before the ack: a failure shows on the form (after it, Slack ignores a second ack).
            with speaking(language):
                attempt(
                    work.__name__, guarded, partial(refuse_form, ack, at), user=requester.user_id
                )
            if then:
                tell_them: Answer = (
                    partial(tell, client, channel, requester.user_id)
                    if channel
                    else lambda text: None  # a DM form: the failure is logged by `attempt`
                )

                def after_ack() -> None:
                    with speaking(language):
                        where = f"{work.__name__} after its ack"  # not for people
                        attempt(where, then[0], tell_them, user=requester.user_id)

                follow_up_later(context, after_ack)

        listener.__name__ = work.__name__
        listener.__doc__ = work.__doc__
        return listener

    return decorate


def _holds(signed: dict[str, Any], keys: tuple[str, ...]) -> bool:
    for key in keys:
        value = signed.get(key)
        if key == "channel_id":
            if not isinstance(value, str):
                return False
        elif key != "account_id" and not isinstance(value, int):
            # A form's account is checked against the channel's (a refusal, not "expired").
            return False
    return True


def in_form(ack: Ack, at: str, sorry_at: str | None = None) -> tuple[Answer, Answer]:
    """How a form's work answers a failure before its ack: a mistake at the field `at`, an
    apology at `sorry_at` (by default the same field)."""
    return partial(refuse_form, ack, at), partial(refuse_form, ack, sorry_at or at)
