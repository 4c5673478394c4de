"""Booking use cases: link, book, move, cancel, log as held, usage.

Each change is one transaction that locks the rows it decides on before reading them for the
decision, so concurrent requests can never spend more than is left nor act on a stale copy of
a session. Lock order, everywhere: the session row first (`find_session(lock=True)`), then the
vendor contact's staff row when their time is checked (`bot.services.clashes`), then contract
rows in ascending id (`lock_contracts`); a booking locks only its contract. Two requests thus
never wait on each other in a circle. (SQLite has no row locks: a writing transaction holds the
database's write lock from its first statement, `storage.engine`.) The rules themselves live in
`bot.domain.entitlement`, the finding, locking, spending and auditing inside a transaction in
`bot.services.books`; this module puts them together into the use cases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any

from sqlalchemy import Engine, and_, case, func, not_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain.entitlement import Allocation, Balance, ContractTerms, check_session_minutes
from bot.domain.errors import NotFound, RuleViolation
from bot.domain.identity import LinkedAccount
from bot.domain.packages import (
    CANCELLED_STATES,
    DEFAULT_TERM_MONTHS,
    SessionState,
    SessionType,
    package_by_id,
)
from bot.domain.schedule import Post, first_reminder_at, upcoming
from bot.domain.slacktext import escape
from bot.domain.support import CaseFacts
from bot.domain.text import Text
from bot.domain.timeutil import zone
from bot.domain.usage_warnings import UsageDm, usage_dms

# Actor and NeedsBillableConfirmation live in books; tests still import them from here.
from bot.services.books import (
    Actor,
    NeedsBillableConfirmation,
    account_in_channel,
    allocation_details,
    allocation_of,
    already_changed,
    contract_for,
    contracts_of,
    current_contract,
    find_session,
    lock_contract,
    meeting_details,
    next_session_number,
    not_linked,
    paid_as,
    plan_allocation,
    reallocate,
    rebalance_freed,
    record_audit,
    require_account,
    session_id_by_number,
    session_totals,
    spend,
)
from bot.services.clashes import ClashCheck, check_vendor_time
from bot.services.rebalance import Absorbed
from storage import balance as balance_messages
from storage.customers import (
    customer_ids,
    customer_teams,
    record_customer_ids,
    replace_customer_ids,
)
from storage.engine import read_session, write_session
from storage.facts import (
    balance_of,
    bring_next_post_forward,
    load_facts,
    mark_reachable,
    refresh_next_post_at,
    session_facts,
    terms_of,
)
from storage.ledger import settled_keys
from storage.meetings import join_link_of
from storage.models import Account, Contract, CustomerTeam, OnboardingSession
from storage.overview import open_cases_in_order
from storage.usage_warnings import settled_warnings


class ChangeKind(StrEnum):
    BOOKED = "booked"
    MOVED = "moved"
    CANCELLED = "cancelled"
    LOGGED_HELD = "logged-held"
    # Logged from the log DM: nothing is posted in the channel for these.
    LOGGED_NO_SHOW = "logged-no-show"
    NOT_HELD = "not-held"
    # Quiet corrections by staff: nothing is posted in the channel for these.
    NOTED = "noted"
    UNLOGGED = "unlogged"
    DELETED = "deleted"


# OURA_NO_SHOW_COUNTS: a no-show's reserved time is spent as if held, or given back.
NO_SHOW_USED, NO_SHOW_RELEASED = "used", "released"


@dataclass(frozen=True)
class SessionChange:
    """What one change did to a session, as it stands after the change: every path that books,
    moves, cancels or logs a session hands this to the one announcement point."""

    kind: ChangeKind
    account: Account
    contract: Contract
    session: OnboardingSession
    previous_start: datetime | None = None
    # Where customers join it: its own link, else the vendor contact's (`join_link_of`).
    join_url: str | None = None
    # Who made the change (their invite follows it, `handlers.invites`).
    actor: Actor | None = None
    # A booking: keeps the ts of its post in the channel (a quick delete removes the post).
    record_post: Callable[[str], None] | None = None
    # Booked sessions that took included minutes this change freed (billable rebalancing).
    absorbed: tuple[Absorbed, ...] = ()


@dataclass(frozen=True)
class Usage:
    account: Account
    contract: Contract
    terms: ContractTerms
    minutes_held: int
    minutes_reserved: int
    billable_minutes: int
    status_updates_held: int
    status_updates_booked: int
    next_session: OnboardingSession | None
    hourly_rate: Decimal | None
    # The Slack workspaces and organizations the customer is known by (shown to staff).
    customer_teams: tuple[CustomerTeam, ...] = ()
    # Support cases not yet resolved, overdue untaken ones first.
    open_cases: tuple[CaseFacts, ...] = ()
    currency: str = "EUR"  # of the hourly rate and the estimate (OURA_CURRENCY)
    no_show_counts: str = "used"  # how a no-show's time counts (OURA_NO_SHOW_COUNTS)
    # Every contract of the account, oldest first (the card has a line for the others).
    contracts: tuple[Contract, ...] = ()
    # Whether the window for the included minutes, and the term, have ended (as of the read).
    window_closed: bool = False
    term_closed: bool = False

    @property
    def balance(self) -> Balance:
        return balance_of(self.contract)

    @property
    def billing_estimate(self) -> Decimal | None:
        if self.hourly_rate is None:
            return None
        return (self.hourly_rate * self.billable_minutes / 60).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class SessionListing:
    """What `/oura-book list` shows of an account's sessions."""

    account: Account
    # Booked and not started yet, soonest first (at most the limit asked for).
    upcoming: list[OnboardingSession]
    # The others (held, cancelled, booked but not logged yet), latest first (at most the limit).
    past: list[OnboardingSession]
    upcoming_count: int
    past_count: int


def _already_linked(account: Account) -> RuleViolation:
    # Translators: {company} is the customer's name.
    return RuleViolation(
        "This channel is already linked to *{company}*. "
        "See `/oura-book usage`; a channel holds one customer.",
        company=escape(account.company),
    )


class BookingService:
    def __init__(
        self,
        engine: Engine,
        default_timezone: str,
        hourly_rate: Decimal | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        currency: str = "EUR",
        default_language: str = "en",
        no_show_counts: str = NO_SHOW_USED,
    ) -> None:
        self.engine = engine
        self.default_timezone = default_timezone
        self.hourly_rate = hourly_rate
        self.now = now
        self.currency = currency
        self.default_language = default_language  # of a newly linked channel
        self.no_show_counts = no_show_counts

    # -- reading ---------------------------------------------------------------------------

    def account_for_channel(self, channel_id: str) -> Account | None:
        with read_session(self.engine) as db:
            return account_in_channel(db, channel_id)

    def usage(self, channel_id: str, now: datetime | None = None) -> Usage:
        """The usage card's facts, its open cases included, in one read transaction."""
        now = now or self.now()
        with read_session(self.engine) as db:
            account = account_in_channel(db, channel_id)
            if account is None:
                raise not_linked()
            return self.read_usage(db, account, now)

    def read_usage(self, db: Session, account: Account, now: datetime) -> Usage:
        """The usage of an account already read, inside the caller's transaction."""
        contract = current_contract(db, account, now)
        totals = session_totals(db, contract.id)
        terms = terms_of(contract, account.timezone)
        next_session = db.exec(
            select(OnboardingSession)
            .where(
                OnboardingSession.account_id == account.id,
                OnboardingSession.state == SessionState.BOOKED,
                OnboardingSession.starts_at >= now,
            )
            # Two at the same moment: the first booked, as the App Home shows it.
            .order_by(col(OnboardingSession.starts_at), col(OnboardingSession.id))
            .limit(1)
        ).first()
        return Usage(
            account=account,
            contract=contract,
            terms=terms,
            next_session=next_session,
            hourly_rate=self.hourly_rate,
            currency=self.currency,
            no_show_counts=self.no_show_counts,
            customer_teams=tuple(customer_teams(db, account.id or 0)),
            open_cases=tuple(open_cases_in_order(db, account, now)),
            contracts=tuple(contracts_of(db, account)),
            window_closed=terms.window_closed(now),
            term_closed=terms.term_closed(now),
            **totals,
        )

    def session_listing(self, channel_id: str, now: datetime, limit: int) -> SessionListing:
        """`/oura-book list`: the first `limit` sessions ahead and the latest `limit` others,
        with how many there are of each, in one read transaction. Only the rows shown are
        read, so an account's long history costs a count, not a row each."""
        with read_session(self.engine) as db:
            account = account_in_channel(db, channel_id)
            if account is None:
                raise not_linked()
            mine = col(OnboardingSession.account_id) == account.id
            ahead = and_(
                col(OnboardingSession.state) == SessionState.BOOKED,
                col(OnboardingSession.starts_at) >= now,
            )
            total, upcoming_count = db.exec(
                select(func.count(), func.coalesce(func.sum(case((ahead, 1), else_=0)), 0)).where(
                    mine
                )
            ).one()
            start, session_id = col(OnboardingSession.starts_at), col(OnboardingSession.id)
            upcoming = db.exec(
                select(OnboardingSession)
                .where(mine, ahead)
                .order_by(start, session_id)
                .limit(limit)
            ).all()
            past = db.exec(
                select(OnboardingSession)
                .where(mine, not_(ahead))
                .order_by(start.desc(), session_id.desc())
                .limit(limit)
            ).all()
            return SessionListing(
                account=account,
                upcoming=list(upcoming),
                past=list(past),
                upcoming_count=int(upcoming_count),
                past_count=int(total) - int(upcoming_count),
            )

    def sessions(self, channel_id: str) -> tuple[Account, list[OnboardingSession]]:
        with read_session(self.engine) as db:
            account = account_in_channel(db, channel_id)
            if account is None:
                raise not_linked()
            rows = db.exec(
                select(OnboardingSession)
                .where(OnboardingSession.account_id == account.id)
                .order_by(col(OnboardingSession.starts_at))
            ).all()
            return account, list(rows)

    def schedule(self, channel_id: str, now: datetime | None = None) -> tuple[Account, list[Post]]:
        """The automated posts still to come for the channel's account, as things stand."""
        now = now or self.now()
        with read_session(self.engine) as db:
            account, ids = _account_and_contract_ids(db, channel_id)
            settled = settled_keys(db, ids, now)
            posts = [
                post
                for facts in load_facts(db, ids)
                for post in upcoming(facts, settled.get(facts.contract_id, set()), now)
            ]
            return account, sorted(posts, key=lambda p: (p.send_at, p.key))

    def usage_dms(self, channel_id: str, now: datetime | None = None) -> list[UsageDm]:
        """The staff DMs at 80% and 100% of included minutes spent, of the channel's account:
        sent (or settled otherwise), and the next one as things stand."""
        now = now or self.now()
        with read_session(self.engine) as db:
            _account, ids = _account_and_contract_ids(db, channel_id)
            settled = settled_warnings(db, ids)
            return [
                dm
                for facts in load_facts(db, ids)
                for dm in usage_dms(facts, settled.get(facts.contract_id, {}), now)
            ]

    def session_id_for_number(self, channel_id: str, number: int) -> int:
        """The id of the channel's account's session #`number` (the number people see)."""
        with read_session(self.engine) as db:
            return session_id_by_number(db, account_in_channel(db, channel_id), number)

    def session_in_channel(self, channel_id: str, session_id: int) -> OnboardingSession:
        """A session of the account linked to the channel (NotFound for any other)."""
        with read_session(self.engine) as db:
            return find_session(db, channel_id, session_id)[1]

    def preview(
        self, channel_id: str, session_type: SessionType, starts_at: datetime, minutes: int
    ) -> tuple[Allocation, Text | None]:
        """How a booking would be paid for, and why it would be billable (for the modal)."""
        with read_session(self.engine) as db:
            account = account_in_channel(db, channel_id)
            if account is None:
                raise not_linked()
            contract = contract_for(db, account, starts_at)
            return plan_allocation(account, contract, session_type, starts_at, minutes)

    # -- changing --------------------------------------------------------------------------

    def link(
        self,
        actor: Actor,
        channel_id: str,
        package_id: str,
        start: date,
        company: str,
        timezone: str | None = None,
    ) -> tuple[Account, Contract]:
        package = package_by_id(package_id)
        if package is None:
            # Translators: {package} is a package id as code.
            raise NotFound("No package {package}.", package="`" + escape(package_id) + "`")
        try:
            with write_session(self.engine) as db:
                existing = account_in_channel(db, channel_id)
                if existing is not None:
                    raise _already_linked(existing)
                account = Account(
                    company=company,
                    channel_id=channel_id,
                    timezone=timezone or self.default_timezone,
                    language=self.default_language,
                    vendor_contact_id=actor.user_id,
                )
                db.add(account)
                db.flush()
                contract = Contract(
                    account_id=account.id,
                    package_id=package.id,
                    start=start,
                    term_months=DEFAULT_TERM_MONTHS,
                    included_minutes=package.included_minutes,
                    status_updates=package.status_updates,
                )
                db.add(contract)
                db.flush()
                record_audit(
                    db,
                    actor,
                    "link",
                    account,
                    details={
                        "channel_id": channel_id,
                        "company": company,
                        "package": package.id,
                        "start": start.isoformat(),
                        "contract_id": contract.id,
                    },
                )
                refresh_next_post_at(db, [contract.id], self.now())
                return account, contract
        except IntegrityError:
            # Another request linked the channel between our check and our insert.
            account = self.account_for_channel(channel_id)
            if account is None:
                raise
            raise _already_linked(account) from None

    def linked_account(self, channel_id: str) -> LinkedAccount | None:
        with read_session(self.engine) as db:
            account = account_in_channel(db, channel_id)
            if account is None or account.id is None:
                return None
            return LinkedAccount(id=account.id, customer_ids=customer_ids(db, account.id))

    def set_contact(
        self,
        actor: Actor,
        channel_id: str,
        role: str,
        user_id: str,
        buyer_ids: Sequence[str] = (),
    ) -> Account:
        """Name the vendor contact, or the buyer contact: then the customer is known by exactly
        the buyer's own workspace and organization (`buyer_ids`), a correction by staff of
        whatever Slack had told before. No ids: the ones kept stay as they are."""
        with write_session(self.engine) as db:
            account = account_in_channel(db, channel_id)
            if account is None or account.id is None:
                raise not_linked()
            details: dict[str, Any] = {"role": role}
            if role == "vendor":
                details["from"] = account.vendor_contact_id
                account.vendor_contact_id = user_id
            else:
                details["from"] = account.buyer_contact_id or ""
                account.buyer_contact_id = user_id
                if buyer_ids:
                    details["customer_ids_from"] = sorted(customer_ids(db, account.id))
                    details["customer_ids"] = sorted(set(buyer_ids))
                    replace_customer_ids(db, account.id, buyer_ids, "contact", self.now())
            db.add(account)
            details["to"] = user_id
            record_audit(db, actor, "contact", account, details=details)
            return account

    def record_customer_ids(self, channel_id: str, ids: Sequence[str], source: str) -> bool:
        """Keep ids Slack gave of the channel's customer (`source`: who said so); an id kept
        before is updated with the newer word. False when the channel is linked to nothing."""
        with write_session(self.engine) as db:
            account = account_in_channel(db, channel_id)
            if account is None or account.id is None:
                return False
            record_customer_ids(db, account.id, ids, source, self.now())
            return True

    def learn_customer_workspace(self, account_id: int, team_id: str) -> None:
        """A buyer known by the customer's organization acted from this workspace of it."""
        with write_session(self.engine) as db:
            record_customer_ids(db, account_id, [team_id], "buyer", self.now())

    def move_channel(self, old_channel_id: str, new_channel_id: str) -> bool:
        """A private channel that becomes shared gets a new id: the link follows it."""
        with write_session(self.engine) as db:
            moved = db.execute(
                update(Account)
                .where(col(Account.channel_id) == old_channel_id)
                .values(channel_id=new_channel_id)
                .returning(Account.id)
            ).first()
            balance_messages.follow_channel(db, old_channel_id, new_channel_id)
            return moved is not None

    def reconnect(self, actor: Actor, channel_id: str) -> tuple[Account, bool]:
        """Staff say the channel Slack refused is fixed: the clock plans it again. Also says
        whether it had been unreachable."""
        with write_session(self.engine) as db:
            account = account_in_channel(db, channel_id)
            if account is None or account.id is None:
                raise not_linked()
            reason = account.unreachable_reason
            cleared = mark_reachable(db, account.id, self.now())
            if cleared:
                record_audit(db, actor, "reconnect", account, details={"was": reason})
            db.refresh(account)
            return account, cleared

    def channel_back(self, channel_id: str) -> bool:
        """Slack says the channel is back (unarchived): the clock plans it again."""
        with write_session(self.engine) as db:
            account = account_in_channel(db, channel_id)
            if account is None or account.id is None:
                return False
            return mark_reachable(db, account.id, self.now())

    def set_timezone(self, actor: Actor, channel_id: str, timezone: str) -> Account:
        zone(timezone)
        return self._replan_with(actor, channel_id, "timezone", timezone)

    def set_country(self, actor: Actor, channel_id: str, country: str) -> Account:
        """Whose public holidays the account's business hours skip (checked by the parser)."""
        return self._replan_with(actor, channel_id, "country", country)

    def set_language(self, actor: Actor, channel_id: str, language: str) -> Account:
        """What the channel's posts are written in, the clock's included (checked by the
        parser). The plan does not change: only its words."""
        return self._replan_with(actor, channel_id, "language", language, replan=False)

    def _replan_with(
        self, actor: Actor, channel_id: str, setting: str, value: str, replan: bool = True
    ) -> Account:
        """Change an account setting (its time zone, its country, its language), audited under
        the setting's name; when the clock's plan depends on it, every contract's next look is
        recomputed."""
        with write_session(self.engine) as db:
            account = account_in_channel(db, channel_id)
            if account is None:
                raise not_linked()
            before = getattr(account, setting)
            setattr(account, setting, value)
            db.add(account)
            record_audit(db, actor, setting, account, details={"from": before, "to": value})
            if replan:
                refresh_next_post_at(db, [c.id for c in contracts_of(db, account)], self.now())
            return account

    def book(
        self,
        actor: Actor,
        channel_id: str,
        session_type: SessionType,
        starts_at: datetime,
        minutes: int,
        billable: bool,
        also: Callable[[Session, OnboardingSession], None] | None = None,
        join_url: str | None = None,
        agenda_note: str = "",
        clash: ClashCheck | None = None,
    ) -> SessionChange:
        """Book a session. `also` runs inside the same transaction (a request it settles).
        `join_url` and `agenda_note` are checked by the caller (`bot.domain.meeting`); `clash`:
        check the vendor contact's time (`bot.services.clashes`; every Slack path does)."""
        check_session_minutes(minutes)
        now = self.now()
        with write_session(self.engine) as db:
            # Locked (before its contract) so two bookings of one account take turns for the
            # account's next session number; the unique constraint backs it.
            account = account_in_channel(db, channel_id, lock=True)
            if account is None:
                raise not_linked()
            if clash is not None:
                check_vendor_time(db, account, starts_at, minutes, clash, now)
            contract = contract_for(db, account, starts_at, lock=True)
            allocation, refusal = plan_allocation(
                account, contract, session_type, starts_at, minutes
            )
            if refusal and not billable:
                raise NeedsBillableConfirmation(refusal, allocation)
            spend(db, contract, allocation)
            session = OnboardingSession(
                account_id=account.id,
                contract_id=contract.id,
                session_type=session_type.value,
                starts_at=starts_at,
                minutes_booked=minutes,
                included_minutes=allocation.included_minutes,
                billable_minutes=allocation.billable_minutes,
                uses_status_update=allocation.uses_status_update,
                billable_confirmed_minutes=allocation.billable_minutes,
                booked_by=actor.user_id,
                booked_by_team=actor.team_id,
                join_url=join_url,
                agenda_note=agenda_note,
                number=next_session_number(db, account.id),
                created_at=now,
                updated_at=now,
            )
            db.add(session)
            db.flush()
            details = allocation_details(session)
            details.update(meeting_details(session))
            record_audit(db, actor, "book", account, session, details, at=now)
            if allocation.is_billable:
                record_audit(db, actor, "billable_confirmed", account, session, details, at=now)
            if also is not None:
                also(db, session)
            db.refresh(contract)
            first_reminder = first_reminder_at(session_facts(session), now)
            if first_reminder is not None and contract.id is not None:
                bring_next_post_forward(db, contract.id, first_reminder)
            assert session.id is not None
            join = join_link_of(db, session, account)
            return SessionChange(
                ChangeKind.BOOKED,
                account,
                contract,
                session,
                join_url=join,
                actor=actor,
                record_post=partial(self.record_post_ts, session.id),
            )

    def move(
        self,
        actor: Actor,
        channel_id: str,
        session_id: int,
        starts_at: datetime,
        billable: bool,
        clash: ClashCheck | None = None,
        also: Callable[[Session, OnboardingSession], None] | None = None,
    ) -> SessionChange:
        """`also` runs inside the same transaction (a customer's request it settles)."""
        now = self.now()
        with write_session(self.engine) as db:
            account, session = find_session(db, channel_id, session_id, lock=True)
            if session.state != SessionState.BOOKED:
                raise already_changed(
                    db,
                    account,
                    session,
                    Text("Nothing was changed: only booked sessions can be moved."),
                )
            previous, previous_contract = session.starts_at, session.contract_id
            if clash is not None and starts_at != previous:
                minutes = session.minutes_booked
                check_vendor_time(db, account, starts_at, minutes, clash, now, session.id)
            before = paid_as(session)
            contract, confirmed = reallocate(
                db, account, session, starts_at, session.minutes_booked, billable
            )
            if starts_at == previous and not confirmed and paid_as(session) == before:
                raise already_changed(db, account, session, Text("Nothing was changed."))
            session.starts_at = starts_at
            # Calendars take the moved invite over the one they have (RFC 5546): the row is
            # locked, so this increment is the only one of this move.
            session.sequence += 1
            session.updated_at = now
            db.add(session)
            details = {"from": previous.isoformat(), **allocation_details(session)}
            record_audit(db, actor, "move", account, session, details, at=now)
            if also is not None:
                also(db, session)
            if confirmed:
                record_audit(db, actor, "billable_confirmed", account, session, details, at=now)
            absorbed = rebalance_freed(db, actor, account, {previous_contract, contract.id}, now)
            db.flush()
            db.refresh(contract)
            refresh_next_post_at(db, {previous_contract, contract.id}, now)
            join = join_link_of(db, session, account)
            return SessionChange(
                ChangeKind.MOVED,
                account,
                contract,
                session,
                previous_start=previous,
                join_url=join,
                actor=actor,
                absorbed=absorbed,
            )

    def cancel(
        self,
        actor: Actor,
        channel_id: str,
        session_id: int,
        also: Callable[[Session, OnboardingSession], None] | None = None,
        counts_as_used: bool = False,
    ) -> SessionChange:
        """`also` runs inside the same transaction (a customer's request it settles).
        `counts_as_used`: a late cancel whose time staff decided is spent, as if held."""
        now = self.now()
        with write_session(self.engine) as db:
            account, session = find_session(db, channel_id, session_id, lock=True)
            if session.state == SessionState.HELD:
                raise already_changed(
                    db, account, session, Text("A held session cannot be cancelled.")
                )
            if session.state != SessionState.BOOKED:
                # A no-show is logged: `unlog` first to change it.
                raise already_changed(db, account, session, Text("Nothing was changed."))
            contract = lock_contract(db, session.contract_id)
            details: dict[str, Any]
            if counts_as_used:
                details = {"counts_as_used": allocation_details(session)}
                session.state = SessionState.LATE_CANCELLED
            else:
                spend(db, contract, allocation_of(session), release=True)
                details = {"released": allocation_details(session)}
                session.state = SessionState.CANCELLED
            session.updated_at = now
            db.add(session)
            record_audit(db, actor, "cancel", account, session, details, at=now)
            if also is not None:
                also(db, session)
            absorbed = rebalance_freed(db, actor, account, {session.contract_id}, now)
            db.flush()
            db.refresh(contract)
            refresh_next_post_at(db, [contract.id], now)
            return SessionChange(
                ChangeKind.CANCELLED, account, contract, session, actor=actor, absorbed=absorbed
            )

    def log_held(
        self,
        actor: Actor,
        channel_id: str,
        session_id: int,
        minutes: int | None,
        billable: bool,
        first_log: bool = False,
        attendees: str | None = None,
        note: str | None = None,
    ) -> SessionChange:
        """Log a session as held, or correct the minutes of one held. `first_log` (the log
        DM): only a session not logged yet; `attendees` and `note`: staff-only, kept when None."""
        now = self.now()
        with write_session(self.engine) as db:
            account, session = find_session(db, channel_id, session_id, lock=True)
            if first_log and session.state != SessionState.BOOKED:
                raise already_changed(db, account, session, Text("Nothing was changed."))
            if session.state in CANCELLED_STATES:
                raise already_changed(
                    db, account, session, Text("It was cancelled: book a new one to log time.")
                )
            if session.starts_at > now:
                raise RuleViolation(
                    "Session #{id} has not started yet; log it as held afterwards.",
                    id=session.number,
                )
            held = check_session_minutes(minutes or session.minutes_held or session.minutes_booked)
            before = (session.state, session.minutes_held, paid_as(session))
            if session.state == SessionState.NO_SHOW:
                raise already_changed(db, account, session, Text("Nothing was changed."))
            previous_contract = session.contract_id
            contract, confirmed = reallocate(
                db, account, session, session.starts_at, held, billable
            )
            noted = (attendees, note) != (None, None)
            if (
                not confirmed
                and not noted
                and before == (SessionState.HELD, held, paid_as(session))
            ):
                raise already_changed(db, account, session, Text("Nothing was changed."))
            if session.state == SessionState.HELD and before[1] != held:
                # A quiet correction: the minutes before and after are audited.
                details = {"from": before[1], "to": held}
                record_audit(db, actor, "minutes_fixed", account, session, details, at=now)
            session.minutes_held = held
            session.state = SessionState.HELD
            session.updated_at = now
            if before[0] != SessionState.HELD:
                session.logged_by, session.logged_at = actor.user_id, now
            if attendees is not None:
                session.attendees = attendees
            if note is not None:
                session.note = note
            db.add(session)
            details = allocation_details(session)
            record_audit(db, actor, "log_held", account, session, details, at=now)
            if confirmed:
                record_audit(db, actor, "billable_confirmed", account, session, details, at=now)
            absorbed = rebalance_freed(db, actor, account, {previous_contract, contract.id}, now)
            db.flush()
            db.refresh(contract)
            first_reminder = first_reminder_at(session_facts(session), now)
            if first_reminder is not None and contract.id is not None:
                bring_next_post_forward(db, contract.id, first_reminder)
            return SessionChange(
                ChangeKind.LOGGED_HELD, account, contract, session, absorbed=absorbed
            )

    def record_post_ts(self, session_id: int, ts: str) -> None:
        """The ts of a booking's post in its channel (announced after the booking committed)."""
        with write_session(self.engine) as db:
            db.execute(
                update(OnboardingSession)
                .where(col(OnboardingSession.id) == session_id)
                .values(post_ts=ts)
            )


def _account_and_contract_ids(db: Session, channel_id: str) -> tuple[Account, list[int]]:
    """The channel's account and the ids of all its contracts, oldest first."""
    account = require_account(db, channel_id)
    return account, [c.id for c in contracts_of(db, account) if c.id is not None]
