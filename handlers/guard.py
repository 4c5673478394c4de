"""Who may do this here: the one guard every listener goes through before it acts.

`button` and `form` wrap a listener: they ack (buttons at once; forms are left to the listener,
which may still refuse a field), find who is asking and where, ask `bot.domain.identity`
whether that person may do the action there, and only then call the listener with an `Asked`.
A refusal changes nothing and posts nothing but a polite note to the person asking.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from typing import Any

from slack_bolt import Ack, BoltContext, BoltRequest, Respond
from slack_sdk import WebClient

from bot.blocks.base import Message
from bot.domain.identity import Access, Action, Installation, Requester, access_for, allows
from bot.services.booking import Actor
from bot.services.container import Services
from handlers.context import (
    actor_of,
    installation_from,
    requester_from,
    services_from,
    signature_of,
)
from handlers.errors import Answer, attempt
from handlers.payloads import channel_of, value_of
from handlers.replies import EXPIRED, answer_privately, refuse_form, tell

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
        assert self.respond is not None, "only DM buttons replace their message"
        self.respond(replace_original=True, **message.as_kwargs())

    def tell(self, text: str) -> None:
        """An ephemeral note in the channel the request came from."""
        tell(self.client, self.channel_id or "", self.user_id, text)


def decide(
    services: Services, home: Installation, requester: Requester, channel_id: str | None,
    action: Action,
) -> Access | None:  # fmt: skip
    """The access this request has in that channel, or None when it may not do `action`.
    Every listener asks this (through `button` and `form`) before it acts."""
    linked = services.booking.linked_account(channel_id) if channel_id else None
    access = access_for(requester, home, linked)
    if not allows(access, action):
        log.info(
            "refused %s for user=%s team=%s channel=%s role=%s",
            action,
            requester.user_id,
            requester.team_id,
            channel_id,
            access.role,
        )
        return None
    return access


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
            ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext,
            respond: Respond, request: BoltRequest,
        ) -> None:  # fmt: skip
            ack()
            requester = requester_from(body)
            channel = channel_of(body) if where is Where.CHANNEL else None
            answer = _answer(where, client, channel, requester.user_id, respond)
            services = services_from(context)
            parsed = target(value_of(body)) if target else None

            def guarded() -> None:
                if not services.deliveries.first_request(signature_of(request)):
                    log.warning("a replayed %s was acked and changed nothing", work.__name__)
                    return
                access = decide(services, installation_from(context), requester, channel, action)
                if (
                    access is None
                    or (target is not None and parsed is None)
                    or (needs_account and access.account_id is None)
                ):
                    answer(refusal)
                    return
                asked = Asked(
                    requester, access, services, client, body, channel, answer, parsed,
                    respond=respond,
                )  # fmt: skip
                work(asked)

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


FormListener = Callable[[Asked, Ack, dict[str, Any]], None]


def form(
    action: Action, refusal: str, at: str, metadata: tuple[str, ...] = ("channel_id", "account_id")
) -> Callable[[FormListener], Callable[..., None]]:
    """A form (view submission) listener for `action`. What the form acts on comes from its
    signed metadata, which must hold `metadata` (a `channel_id` string, ids as numbers); the
    submitter is authorized again in that channel, on that same account. A refusal or an
    expired form is shown at the field `at`. The listener acks itself."""

    def decorate(work: FormListener) -> Callable[..., None]:
        def listener(
            ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
            context: BoltContext, request: BoltRequest,
        ) -> None:  # fmt: skip
            requester = requester_from(body)
            services = services_from(context)
            signed = services.signer.loads(view.get("private_metadata"))
            if signed is None or not _holds(signed, metadata):
                refuse_form(ack, at, EXPIRED)
                return
            channel = signed["channel_id"] if "channel_id" in metadata else None

            def guarded() -> None:
                if not services.deliveries.first_request(signature_of(request)):
                    log.warning("a replayed %s was acked and changed nothing", work.__name__)
                    ack()
                    return
                access = decide(services, installation_from(context), requester, channel, action)
                if access is None or (
                    "account_id" in metadata and access.account_id != signed.get("account_id")
                ):
                    refuse_form(ack, at, refusal)
                    return
                answer = partial(tell, client, channel or "", requester.user_id)
                asked = Asked(
                    requester, access, services, client, body, channel, answer, None, signed
                )
                work(asked, ack, view)

            # Before the ack: a failure shows on the form (after it, Slack ignores a second ack).
            attempt(work.__name__, guarded, partial(refuse_form, ack, at), user=requester.user_id)

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
