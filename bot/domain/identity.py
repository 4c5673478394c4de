"""Who is asking, and what they may do: the one place that decides (SPEC §1).

Who acts decides, never where the message lives. A person is known by their *own* Slack
workspace (`T…`) and, on Enterprise Grid, their own organization (`E…`), as Slack says them of
that person; the team or organization a payload names at its top level says where the message
or the app lives, which in a Slack Connect channel may be the other company's.

Staff belong to the workspace that installed the app, or to its Grid organization. Everyone
else is external: a buyer may act only on the account linked to the channel they act in, and
only when their workspace or organization is one of that customer's; anyone else gets nothing.
Someone Slack says nothing about (no workspace, no organization) gets nothing either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class IdKind(StrEnum):
    """What a Slack team id names: a workspace (`T…`) or a Grid organization (`E…`)."""

    WORKSPACE = "workspace"
    ORGANIZATION = "organization"


def kind_of(slack_id: str) -> IdKind:
    """Slack's organization ids start with E; workspace ids with T."""
    return IdKind.ORGANIZATION if slack_id.startswith("E") else IdKind.WORKSPACE


@dataclass(frozen=True)
class Installation:
    """The workspace (and Grid organization, if any) that installed the app."""

    team_id: str | None
    enterprise_id: str | None = None

    def owns(self, slack_id: str | None) -> bool:
        """Whether a workspace or organization id is the vendor's own."""
        return bool(slack_id) and slack_id in (self.team_id, self.enterprise_id)


@dataclass(frozen=True)
class Requester:
    """The person asking, with their own workspace and organization (None: Slack did not
    say). Build it with `requester`, which sorts an organization id given as a team id."""

    user_id: str
    team_id: str | None
    enterprise_id: str | None = None

    @property
    def identified(self) -> bool:
        """Whether Slack said where this person belongs at all."""
        return bool(self.team_id or self.enterprise_id)


def requester(user_id: str, *ids: str | None) -> Requester:
    """The person `user_id`, from the ids Slack gives of *them* (their own workspace and
    organization, in any order). On Enterprise Grid Slack may give the organization where a
    workspace is expected (`user.team_id` = `E…`): each id is taken for what it is."""
    team_id = enterprise_id = None
    for slack_id in ids:
        if not slack_id or not isinstance(slack_id, str):
            continue
        if kind_of(slack_id) is IdKind.ORGANIZATION:
            enterprise_id = enterprise_id or slack_id
        else:
            team_id = team_id or slack_id
    return Requester(user_id, team_id, enterprise_id)


class Role(StrEnum):
    STAFF = "staff"
    BUYER = "buyer"
    OUTSIDER = "outsider"
    UNIDENTIFIED = "unidentified"  # Slack said nothing of the person's workspace or org


class Action(StrEnum):
    """Everything a request can ask for, grouped by who may do it."""

    COMMAND = "command"  # any /oura-book form
    BOOK = "book"  # the booking modal
    CANCEL = "cancel"
    LOG_HELD = "log-held"
    CONFIRM_REQUEST = "confirm-request"
    CONFIRM_BILLABLE = "confirm-billable"
    PROPOSE_TIME = "propose-time"
    DECLINE_REQUEST = "decline-request"
    HOME = "home"
    SHOW_USAGE = "show-usage"
    REQUEST_SESSION = "request-session"
    ACCEPT_PROPOSAL = "accept-proposal"
    OPEN_SUPPORT = "open-support"
    TAKE_CASE = "take-case"
    RESOLVE_CASE = "resolve-case"
    RECORD_ORDER = "record-order"
    ADD_TO_CALENDAR = "add-to-calendar"  # anyone in the channel: the session's invite, by DM
    ASK_CHANGE = "ask-change"  # the customer asks to move or cancel a booked session


BUYER_ACTIONS = frozenset(
    {
        Action.SHOW_USAGE,
        Action.REQUEST_SESSION,
        Action.ACCEPT_PROPOSAL,
        Action.OPEN_SUPPORT,
        Action.ADD_TO_CALENDAR,
        Action.ASK_CHANGE,
    }
)


@dataclass(frozen=True)
class LinkedAccount:
    """What identity needs to know of the account linked to the channel of the request:
    every Slack id its customer is known by, workspaces (`T…`) and organizations (`E…`)."""

    id: int
    customer_ids: frozenset[str] = frozenset()

    @property
    def organizations(self) -> frozenset[str]:
        return frozenset(i for i in self.customer_ids if kind_of(i) is IdKind.ORGANIZATION)


@dataclass(frozen=True)
class Access:
    role: Role
    # The account the request may touch; for staff, the channel's account if it has one.
    account_id: int | None

    @property
    def is_staff(self) -> bool:
        return self.role is Role.STAFF


def is_staff(person: Requester, home: Installation) -> bool:
    """Staff belong to the installing workspace, or to its Grid organization."""
    if home.team_id and person.team_id == home.team_id:
        return True
    return bool(home.enterprise_id) and person.enterprise_id == home.enterprise_id


def is_customer(person: Requester, account: LinkedAccount) -> bool:
    """The person's own workspace or organization is one the account's customer is known by."""
    return any(i in account.customer_ids for i in (person.team_id, person.enterprise_id) if i)


def access_for(
    person: Requester, home: Installation, channel_account: LinkedAccount | None
) -> Access:
    if not person.identified:
        return Access(Role.UNIDENTIFIED, None)
    if is_staff(person, home):
        return Access(Role.STAFF, channel_account.id if channel_account else None)
    if channel_account is not None and is_customer(person, channel_account):
        return Access(Role.BUYER, channel_account.id)
    return Access(Role.OUTSIDER, None)


def allows(access: Access, action: Action) -> bool:
    if access.role is Role.STAFF:
        return True
    return access.role is Role.BUYER and action in BUYER_ACTIONS


def organization_would_decide(
    person: Requester, home: Installation, channel_account: LinkedAccount | None
) -> bool:
    """Whether the person's organization, which Slack did not put in the request, could
    change the answer: they are known by a workspace only, that workspace decides nothing,
    and either the vendor or this channel's customer is a Grid organization."""
    if person.enterprise_id is not None or person.team_id is None:
        return False
    if access_for(person, home, channel_account).role is not Role.OUTSIDER:
        return False
    return bool(home.enterprise_id) or bool(channel_account and channel_account.organizations)


def workspace_to_learn(person: Requester, account: LinkedAccount) -> str | None:
    """A buyer recognized by their organization alone: their workspace, to be remembered as
    one of the customer's (a later request may name only the workspace)."""
    if (
        person.team_id
        and person.team_id not in account.customer_ids
        and person.enterprise_id in account.customer_ids
    ):
        return person.team_id
    return None


def customer_ids_among(ids: Iterable[str | None], home: Installation) -> list[str]:
    """The ids of a shared channel's other side: every workspace or organization Slack names,
    less the vendor's own (sorted, each once)."""
    return sorted({i for i in ids if isinstance(i, str) and i and not home.owns(i)})
