"""Who is asking, and what they may do: the one place that decides (SPEC §1).

Staff belong to the workspace that installed the app. Everyone else is external: a buyer
contact may act only on the account linked to the channel they act in, and only when their
team is that account's customer team; anyone else gets nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Installation:
    """The workspace (and enterprise grid, if any) that installed the app."""

    team_id: str | None
    enterprise_id: str | None = None


@dataclass(frozen=True)
class Requester:
    user_id: str
    team_id: str | None
    enterprise_id: str | None = None


class Role(StrEnum):
    STAFF = "staff"
    BUYER = "buyer"
    OUTSIDER = "outsider"


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


BUYER_ACTIONS = frozenset(
    {Action.SHOW_USAGE, Action.REQUEST_SESSION, Action.ACCEPT_PROPOSAL, Action.OPEN_SUPPORT}
)


@dataclass(frozen=True)
class LinkedAccount:
    """What identity needs to know of the account linked to the channel of the request."""

    id: int
    customer_team_id: str | None


@dataclass(frozen=True)
class Access:
    role: Role
    # The account the request may touch; for staff, the channel's account if it has one.
    account_id: int | None

    @property
    def is_staff(self) -> bool:
        return self.role is Role.STAFF


def is_staff(requester: Requester, home: Installation) -> bool:
    """Staff belong to the installing team, or to its enterprise grid on an org-wide install."""
    if home.team_id and requester.team_id == home.team_id:
        return True
    return bool(home.enterprise_id) and requester.enterprise_id == home.enterprise_id


def access_for(
    requester: Requester, home: Installation, channel_account: LinkedAccount | None
) -> Access:
    if is_staff(requester, home):
        return Access(Role.STAFF, channel_account.id if channel_account else None)
    if (
        channel_account is not None
        and channel_account.customer_team_id is not None
        and requester.team_id == channel_account.customer_team_id
    ):
        return Access(Role.BUYER, channel_account.id)
    return Access(Role.OUTSIDER, None)


def allows(access: Access, action: Action) -> bool:
    if access.role is Role.STAFF:
        return True
    return access.role is Role.BUYER and action in BUYER_ACTIONS
