"""Tables. Quotas live as counters on the contract so one locked row decides every booking."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint, func, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Account(SQLModel, table=True):
    """A customer: a company with a linked Slack channel and its named contacts."""

    id: int | None = Field(default=None, primary_key=True)
    company: str = Field(max_length=200)
    # Channel ids, never names: a private channel's id changes when it becomes shared.
    channel_id: str = Field(max_length=32, unique=True)
    timezone: str = Field(max_length=64)
    # ISO 3166 alpha-2, whose public holidays business hours skip; None follows the time zone.
    country: str | None = Field(default=None, max_length=2)
    # What the shared channel is written in ("fi", "en"): OURA_DEFAULT_LANGUAGE when linked.
    language: str = Field(default="en", max_length=8)
    vendor_contact_id: str = Field(max_length=32)
    buyer_contact_id: str | None = Field(default=None, max_length=32)
    # The customer's own Slack workspaces and organizations are `CustomerTeam` rows.
    # Slack refused posts to the channel for good (archived, deleted, posting restricted): the
    # error it gave and since when. The clock leaves the account alone until a person fixes it.
    unreachable_reason: str | None = Field(default=None, max_length=64)
    unreachable_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# The App Home lists accounts by company name (case-insensitively), then id: one staff member's
# and everyone's. These indexes hand a page over in that order, so neither the count nor the
# page walks the whole table (storage/overview.py, migration 0012).
Index(
    "ix_account_contact_company",
    Account.vendor_contact_id,  # type: ignore[arg-type]
    func.lower(Account.company),
    Account.id,  # type: ignore[arg-type]
)
Index("ix_account_company", func.lower(Account.company), Account.id)  # type: ignore[arg-type]


class CustomerTeam(SQLModel, table=True):
    """A Slack workspace (`T…`) or Enterprise Grid organization (`E…`) that an account's
    customer is known by (Slack Connect): people of any of them are the buyers in the account's
    channel. Slack tells of them as a channel is shared and linked, and as buyers act; staff
    correct them with `/oura-book contact buyer`."""

    __tablename__ = "customer_team"
    __table_args__ = (
        UniqueConstraint("account_id", "team_id", name="uq_customer_team_account_team"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    team_id: str = Field(max_length=32)
    # IdKind: "workspace" or "organization"
    kind: str = Field(max_length=16)
    # Who said so last: channel_shared, conversations.info, buyer (learned as a buyer acted),
    # contact (staff named the buyer contact), migrated (the single id kept before 0007).
    source: str = Field(max_length=24)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Contract(SQLModel, table=True):
    """One purchase of a package. A renewal is a new contract; old ones stay on record."""

    __table_args__ = (
        CheckConstraint(
            "minutes_spent >= 0 AND minutes_spent <= included_minutes",
            name="ck_contract_minutes_within_entitlement",
        ),
        CheckConstraint(
            "status_updates_spent >= 0 AND status_updates_spent <= status_updates",
            name="ck_contract_status_updates_within_entitlement",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    package_id: str = Field(max_length=32)
    start: date
    term_months: int
    # Entitlement copied from the package when sold, so later package changes keep history.
    included_minutes: int
    status_updates: int
    # Included minutes reserved by booked sessions or used by held ones.
    minutes_spent: int = 0
    status_updates_spent: int = 0
    # When the clock next has something to look at for this contract (None: never again).
    # Sweeps select on it, so their cost follows what is due, not how many contracts exist.
    next_post_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class OnboardingSession(SQLModel, table=True):
    """A booked, held or cancelled session (kickoff, onboarding, training or status update)."""

    __tablename__ = "onboarding_session"
    __table_args__ = (
        Index("ix_onboarding_session_account_start", "account_id", "starts_at"),
        Index("ix_onboarding_session_state_start", "state", "starts_at"),
        # One account's booked sessions from now on (the usage card's next session).
        Index("ix_onboarding_session_account_state_start", "account_id", "state", "starts_at"),
        # One staff member's own bookings in a time range (their busy time, migration 0016).
        Index("ix_onboarding_session_booked_by_state_start", "booked_by", "state", "starts_at"),
        CheckConstraint(
            "minutes_booked BETWEEN 1 AND 60", name="ck_onboarding_session_minutes_booked"
        ),
        CheckConstraint(
            "minutes_held IS NULL OR minutes_held BETWEEN 1 AND 60",
            name="ck_onboarding_session_minutes_held",
        ),
        # What people call a session: #1, #2 … per account (ids stay internal).
        UniqueConstraint("account_id", "number", name="uq_onboarding_session_account_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    contract_id: int = Field(foreign_key="contract.id", index=True)
    session_type: str = Field(max_length=16)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    minutes_booked: int
    minutes_held: int | None = None
    # How the session is paid for; replaced when it is logged as held or moved.
    included_minutes: int = 0
    billable_minutes: int = 0
    uses_status_update: bool = False
    # Billable minutes staff have explicitly confirmed for this session.
    billable_confirmed_minutes: int = 0
    # SessionState: booked -> held | no_show | cancelled ("didn't happen" is a quiet cancel)
    state: str = Field(default="booked", max_length=16)
    booked_by: str = Field(max_length=32)
    booked_by_team: str = Field(max_length=32)
    # The meeting: its own join link (None: the vendor contact's personal one, if any), a line
    # staff added to the type's agenda, and the invite's SEQUENCE (raised on every move).
    join_url: str | None = Field(default=None, max_length=500)
    agenda_note: str = Field(default="", max_length=300)
    sequence: int = 0
    # The session's number within its account (#1, #2 …), given at booking (migration 0017).
    number: int = 0
    # Staff-only: what happened and who was there; never shown to the customer.
    note: str = Field(default="", sa_type=Text)
    attendees: str = Field(default="", sa_type=Text)
    # Who logged the outcome (held, no-show, didn't happen) and when.
    logged_by: str | None = Field(default=None, max_length=32)
    logged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The ts of the booking's post in the account's channel (a quick delete removes it).
    post_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class StaffMember(SQLModel, table=True):
    """What a staff member set for their meetings: a personal join link, working hours (their
    free slots are these minus their booked sessions) and their calendar feed's token."""

    __tablename__ = "staff_member"

    user_id: str = Field(primary_key=True, max_length=32)
    meeting_url: str | None = Field(default=None, max_length=500)
    # Working hours in the person's own Slack time zone: minutes after midnight, and the ISO
    # weekdays (1 = Monday) as digits, "12345" for weekdays.
    work_start_minute: int = 9 * 60
    work_end_minute: int = 17 * 60
    work_days: str = Field(default="12345", max_length=7)
    # SHA-256 of the feed token (hex): the token itself is never stored.
    feed_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    # Slack deactivated the person's account (`user_change`, `deleted: true`): the App Home
    # flags their accounts as having no contact until someone else is named (or Slack
    # reactivates them).
    deactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class InstallationState(SQLModel, table=True):
    """Whether Slack has the app installed (one row, id 1; none: installed as far as we know).
    `app_uninstalled` or `tokens_revoked` set it; the clock sends nothing while it is set and
    clears it once Slack accepts the bot token again (a reinstall)."""

    __tablename__ = "installation_state"

    id: int = Field(default=1, primary_key=True)
    # None: installed. Else since when, and which event said so.
    uninstalled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = Field(default=None, max_length=32)
    reinstalled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AuditEvent(SQLModel, table=True):
    """Who changed what, and when: links, bookings, cancellations, logs, billable confirmations."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor_user_id: str = Field(max_length=32)
    actor_team_id: str = Field(max_length=32)
    action: str = Field(max_length=32)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="onboarding_session.id")
    details: str = Field(default="{}", sa_type=Text)


class PostLedger(SQLModel, table=True):
    """One row per automated post, claimed (unique key) before it is sent: each goes out once."""

    __tablename__ = "post_ledger"
    __table_args__ = (Index("ix_post_ledger_retry", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=32)
    account_id: int = Field(foreign_key="account.id", index=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    # claimed -> sent | failed (retried later) ; skipped: superseded, never to be sent.
    state: str = Field(max_length=16)
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    channel_id: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=200)
    # The first try that may have reached Slack with no answer to say so (a timeout, a 5xx, a
    # clock that died mid-send); None: no look in the channel's history is needed.
    unsure_since: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SessionRequest(SQLModel, table=True):
    """A buyer's request for a session, waiting for the vendor contact to confirm it."""

    __tablename__ = "session_request"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    requested_by: str = Field(max_length=32)
    requested_by_team: str = Field(max_length=32)
    session_type: str = Field(max_length=16)
    minutes: int
    # Preferred start times, UTC ISO 8601, as a JSON list (one to three).
    preferred_times: str = Field(sa_type=Text)
    note: str = Field(default="", sa_type=Text)
    # RequestState: open -> confirmed | proposed -> confirmed | declined
    state: str = Field(default="open", max_length=16)
    # RequestKind: a new session, or moving or cancelling the booked session `session_id`.
    kind: str = Field(default="new", max_length=16, sa_column_kwargs={"server_default": "new"})
    proposed_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    session_id: int | None = Field(default=None, foreign_key="onboarding_session.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# One open move or cancel request per session: a second ask racing the first fails here
# (migration 0021).
_OPEN_ASK = text("kind <> 'new' AND state IN ('open', 'proposed')")
Index(
    "ux_session_request_open_ask",
    SessionRequest.session_id,  # type: ignore[arg-type]
    unique=True,
    sqlite_where=_OPEN_ASK,
    postgresql_where=_OPEN_ASK,
)


class ProcessedEvent(SQLModel, table=True):
    """Events API deliveries already acted on: Slack's retries and repeats are ignored."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class SeenRequest(SQLModel, table=True):
    """Signatures of requests already served in the last minutes: a replayed body is refused."""

    __tablename__ = "seen_request"

    signature: str = Field(primary_key=True, max_length=80)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class CustomerOrder(SQLModel, table=True):
    """A customer's order of rings, on record for the support desk's 30-day return rule."""

    __tablename__ = "customer_order"
    __table_args__ = (CheckConstraint("rings >= 1", name="ck_customer_order_rings"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    # The contract whose clock posts this order's return-window reminders.
    contract_id: int = Field(foreign_key="contract.id", index=True)
    # The date the customer received the order (day 0 of its return window).
    received_on: date
    rings: int
    reference: str = Field(default="", max_length=80)
    recorded_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class SupportCase(SQLModel, table=True):
    """A customer's request for help: new order, return, exchange, product or technical."""

    __tablename__ = "support_case"
    __table_args__ = (Index("ix_support_case_account_state", "account_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    order_id: int | None = Field(default=None, foreign_key="customer_order.id")
    category: str = Field(max_length=24)
    description: str = Field(default="", sa_type=Text)
    # Returns and exchanges: whether the order's return window was open when the case was
    # opened (None for other categories), and the window's last day then.
    within_window: bool | None = None
    window_last_day: date | None = None
    opened_by: str = Field(max_length=32)
    opened_by_team: str = Field(max_length=32)
    # CaseState: open -> taken -> resolved (or open -> resolved)
    state: str = Field(default="open", max_length=16)
    taken_by: str | None = Field(default=None, max_length=32)
    taken_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: str | None = Field(default=None, max_length=32)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ReportJob(SQLModel, table=True):
    """A monthly report a staff member asked for: produced and sent by the clock, not by the
    web request; claimed (conditional update) before it is built, so it is sent once."""

    __tablename__ = "report_job"
    __table_args__ = (Index("ix_report_job_state_next", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # The slash command's trigger_id: the same request recorded twice is one job.
    request_key: str | None = Field(default=None, max_length=120, unique=True)
    requested_by: str = Field(max_length=32)
    month: str = Field(max_length=7)  # YYYY-MM
    # The requester's language when they asked: the DM is written in it.
    language: str = Field(default="en", max_length=8)
    # pending -> claimed -> sent | failed (tried again at next_attempt_at) | undeliverable
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set once Slack has the file, before it is shared: a retry asks Slack whether the share
    # happened (files.info) instead of sending a second copy.
    file_id: str | None = Field(default=None, max_length=32)
    rows: int | None = None
    last_error: str | None = Field(default=None, max_length=200)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BalanceMessage(SQLModel, table=True):
    """The living balance: one message per account in its channel, edited in place after
    every change (`bot.balance_refresh`). `version` counts the changes told of; `shown_version`
    is the newest one rendered into the message, so an older update never wins (migration
    0019)."""

    __tablename__ = "balance_message"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    channel_id: str = Field(max_length=32)
    # None while being posted (claimed_at says since when) or after Slack lost the message.
    ts: str | None = Field(default=None, max_length=32)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 0
    shown_version: int = 0
    # When the text shown would change by time alone (a session starts, a window or term
    # ends): the clock edits it then. None: no such moment (migration 0022).
    refresh_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
