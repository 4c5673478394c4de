"""The session log's use cases: a session logged from the log DM (no-show, didn't happen),
staff-only notes and attendance, and quiet corrections (unlog, delete a booking made by
mistake). As `BookingService`, each change is one transaction that locks the session row, then
its contract; nothing here posts in the customer's channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlmodel import Session

from bot.domain.commands import form_code
from bot.domain.entitlement import Allocation
from bot.domain.errors import NotFound, RuleViolation
from bot.domain.packages import SessionState
from bot.domain.session_log import DELETE_WITHIN
from bot.domain.text import Text
from bot.services.booking import NO_SHOW_RELEASED, BookingService, ChangeKind, SessionChange
from bot.services.books import (
    Actor,
    allocation_details,
    allocation_of,
    already_changed,
    apply_allocation,
    find_session,
    lock_contract,
    reallocate,
    rebalance_freed,
    record_audit,
    spend,
)
from storage.engine import read_session, write_session
from storage.facts import refresh_next_post_at
from storage.models import Account, Contract, OnboardingSession


class SessionLog:
    def __init__(self, booking: BookingService) -> None:
        self.booking = booking

    def session_by_id(self, session_id: int) -> tuple[Account, OnboardingSession]:
        """A session and its account by the session's id (a DM's button names no channel)."""
        with read_session(self.booking.engine) as db:
            session = db.get(OnboardingSession, session_id)
            account = db.get(Account, session.account_id) if session is not None else None
            if session is None or account is None:
                raise NotFound("There is no such session any more.")
            return account, session

    def log_no_show(self, actor: Actor, channel_id: str, session_id: int) -> SessionChange:
        """The customer did not come: its time counts by OURA_NO_SHOW_COUNTS (spent as if held,
        or given back). Nothing is posted in the channel."""
        now = self.booking.now()
        with write_session(self.booking.engine) as db:
            account, session = self._to_log(db, actor, channel_id, session_id, now)
            contract = lock_contract(db, session.contract_id)
            details: dict[str, Any] = {"counts": self.booking.no_show_counts}
            if self.booking.no_show_counts == NO_SHOW_RELEASED:
                spend(db, contract, allocation_of(session), release=True)
                details["released"] = allocation_details(session)
                apply_allocation(session, Allocation(0, 0, False), billable=False)
            session.state = SessionState.NO_SHOW
            db.add(session)
            record_audit(db, actor, "no_show", account, session, details, at=now)
            db.flush()
            absorbed = rebalance_freed(db, actor, account, {contract.id}, now)
            db.refresh(contract)
            refresh_next_post_at(db, [contract.id], now)
            return SessionChange(
                ChangeKind.LOGGED_NO_SHOW, account, contract, session, absorbed=absorbed
            )

    def log_not_held(self, actor: Actor, channel_id: str, session_id: int) -> SessionChange:
        """The session did not happen: cancelled quietly (its time given back, nothing posted
        in the channel), audited as `not_held`."""
        now = self.booking.now()
        with write_session(self.booking.engine) as db:
            account, session = self._to_log(db, actor, channel_id, session_id, now)
            done = Quiet("not_held", {}, ChangeKind.NOT_HELD)
            return _cancel_quietly(db, actor, account, session, done, now)

    def set_session_text(
        self, actor: Actor, channel_id: str, session_id: int, field: str, text: str
    ) -> SessionChange:
        """A session's staff-only note or attendees (`field`), audited before and after."""
        assert field in ("note", "attendees"), field  # not for people
        now = self.booking.now()
        with write_session(self.booking.engine) as db:
            account, session = find_session(db, channel_id, session_id, lock=True)
            before = getattr(session, field)
            setattr(session, field, text)
            session.updated_at = now
            db.add(session)
            details = {"from": before, "to": text}
            record_audit(db, actor, field, account, session, details, at=now)
            contract = db.get(Contract, session.contract_id)
            assert contract is not None
            return SessionChange(ChangeKind.NOTED, account, contract, session)

    def unlog(self, actor: Actor, channel_id: str, session_id: int) -> SessionChange:
        """A held session or a no-show back to booked, paid for at its booked length again; a
        late cancel counted as used to a plain cancel, its time given back. A quiet correction
        (nothing is posted), audited with what it was."""
        now = self.booking.now()
        with write_session(self.booking.engine) as db:
            account, session = find_session(db, channel_id, session_id, lock=True)
            if session.state == SessionState.LATE_CANCELLED:
                done = Quiet(
                    "unlog", {"from": session.state, "to": "cancelled"}, ChangeKind.UNLOGGED
                )
                return _cancel_quietly(db, actor, account, session, done, now)
            if session.state not in (SessionState.HELD, SessionState.NO_SHOW):
                raise RuleViolation(
                    "Session #{id} is not logged: only a held session, a no-show or a late "
                    "cancel counted as used can be unlogged.",
                    id=session.number,
                )
            before = {
                "state": session.state,
                "minutes_held": session.minutes_held,
                "logged_by": session.logged_by,
                **allocation_details(session),
            }
            contract, _confirmed = reallocate(
                db, account, session, session.starts_at, session.minutes_booked, False
            )
            session.state = SessionState.BOOKED
            session.minutes_held = None
            session.logged_by, session.logged_at, session.updated_at = None, None, now
            db.add(session)
            details = {"from": before, "to": allocation_details(session)}
            record_audit(db, actor, "unlog", account, session, details, at=now)
            db.flush()
            db.refresh(contract)
            return SessionChange(ChangeKind.UNLOGGED, account, contract, session)

    def delete(self, actor: Actor, channel_id: str, session_id: int) -> SessionChange:
        """A booking made by mistake, within DELETE_WITHIN of booking it: its time is given
        back and it is cancelled without a cancellation post (the caller removes its post)."""
        now = self.booking.now()
        with write_session(self.booking.engine) as db:
            account, session = find_session(db, channel_id, session_id, lock=True)
            if session.state != SessionState.BOOKED:
                raise already_changed(db, account, session, Text("Nothing was changed."))
            if now - session.created_at > DELETE_WITHIN:
                # Translators: {form} is the cancel command, as code.
                raise RuleViolation(
                    "Session #{id} was booked more than {minutes} minutes ago, so it can't be "
                    "deleted quietly: cancel it with {form}.",
                    id=session.number,
                    minutes=int(DELETE_WITHIN.total_seconds() // 60),
                    form=form_code("cancel"),
                )
            done = Quiet("delete", {"from": "booked", "to": "deleted"}, ChangeKind.DELETED)
            return _cancel_quietly(db, actor, account, session, done, now)

    def _to_log(
        self, db: Session, actor: Actor, channel_id: str, session_id: int, now: datetime
    ) -> tuple[Account, OnboardingSession]:
        """A booked session that has started, locked, marked as logged by `actor` now."""
        account, session = find_session(db, channel_id, session_id, lock=True)
        if session.state != SessionState.BOOKED:
            raise already_changed(db, account, session, Text("Nothing was changed."))
        if session.starts_at > now:
            raise RuleViolation(
                "Session #{id} has not started yet; log it afterwards.", id=session.number
            )
        session.logged_by, session.logged_at, session.updated_at = actor.user_id, now, now
        return account, session


class Quiet(NamedTuple):
    """A quiet cancel: its audit action and details, and the change it is."""

    action: str
    details: dict[str, Any]
    kind: ChangeKind


def _cancel_quietly(
    db: Session,
    actor: Actor,
    account: Account,
    session: OnboardingSession,
    done: Quiet,
    now: datetime,
) -> SessionChange:
    """Cancel without a post in the channel (didn't happen, a quick delete, a counted late
    cancel given back): the time is released, audited, and booked sessions take what it freed."""
    contract = lock_contract(db, session.contract_id)
    spend(db, contract, allocation_of(session), release=True)
    details = {**done.details, "released": allocation_details(session)}
    session.state = SessionState.CANCELLED
    session.updated_at = now
    db.add(session)
    record_audit(db, actor, done.action, account, session, details, at=now)
    db.flush()
    absorbed = rebalance_freed(db, actor, account, {contract.id}, now)
    db.refresh(contract)
    refresh_next_post_at(db, [contract.id], now)
    return SessionChange(done.kind, account, contract, session, absorbed=absorbed)
