"""The vendor's support packages and session types (SPEC §2 and §3).

Plain data and rules: nothing here knows about Slack or the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.text import N_

MAX_SESSION_MINUTES = 60
DEFAULT_SESSION_MINUTES = 60
DEFAULT_TERM_MONTHS = 12


class ContactRole(StrEnum):
    """The vendor contact's role; the value is also its label, translated where shown."""

    # Translators: the vendor contact's role, shown as "@name (account manager)".
    ACCOUNT_MANAGER = N_("account manager")
    # Translators: the vendor contact's role, shown as "@name (customer success manager)".
    CUSTOMER_SUCCESS_MANAGER = N_("customer success manager")


@dataclass(frozen=True)
class Package:
    id: str
    name: str
    contact_role: ContactRole
    included_minutes: int
    # None: the included minutes may be used for the whole contract term.
    window_days: int | None
    status_updates: int


LAUNCH_KIT = Package(
    id="launch-kit",
    name="Launch Kit",  # a name
    contact_role=ContactRole.ACCOUNT_MANAGER,
    included_minutes=240,
    window_days=90,
    status_updates=0,
)
PRO_LITE = Package(
    id="pro-lite",
    name="Pro Lite Success",  # a name
    contact_role=ContactRole.CUSTOMER_SUCCESS_MANAGER,
    included_minutes=120,
    window_days=None,
    status_updates=4,
)
PREMIUM = Package(
    id="premium",
    name="Premium Success",  # a name
    contact_role=ContactRole.CUSTOMER_SUCCESS_MANAGER,
    included_minutes=120,
    window_days=None,
    status_updates=12,
)

PACKAGES: dict[str, Package] = {p.id: p for p in (LAUNCH_KIT, PRO_LITE, PREMIUM)}


class SessionType(StrEnum):
    KICKOFF = "kickoff"
    ONBOARDING = "onboarding"
    TRAINING = "training"
    STATUS_UPDATE = "status"

    @property
    def label(self) -> str:
        return SESSION_LABELS[self]

    @property
    def uses_status_update(self) -> bool:
        """A status update spends one of the package's status updates, not included minutes."""
        return self is SessionType.STATUS_UPDATE


# Labels, translated where they are shown (`_(session_type.label)`).
SESSION_LABELS: dict[SessionType, str] = {
    # Translators: a session type.
    SessionType.KICKOFF: N_("Kickoff"),
    # Translators: a session type.
    SessionType.ONBOARDING: N_("Onboarding"),
    # Translators: a session type.
    SessionType.TRAINING: N_("Software training"),
    # Translators: a session type.
    SessionType.STATUS_UPDATE: N_("Status update"),
}


class SessionState(StrEnum):
    BOOKED = "booked"
    HELD = "held"
    # The customer did not come (how its time counts: OURA_NO_SHOW_COUNTS).
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    # Cancelled at the customer's late request; staff decided its time counts as used.
    LATE_CANCELLED = "late_cancelled"


# Not coming any more: the invite is withdrawn, nothing is reminded or logged.
CANCELLED_STATES = frozenset({SessionState.CANCELLED, SessionState.LATE_CANCELLED})
# Time spent (as far as the session keeps it): held, a no-show, a late cancel counted as used.
USED_STATES = frozenset({SessionState.HELD, SessionState.NO_SHOW, SessionState.LATE_CANCELLED})


def package_by_id(package_id: str) -> Package | None:
    return PACKAGES.get(package_id.strip().lower())
