"""A customer asks to move or cancel a booked session; the vendor contact confirms or declines
(issue 17). Confirming moves or cancels through `BookingService` in the same transaction that
settles the request, so only one confirmation of a request can ever win."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.domain.errors import InvalidCommand, NotFound, RuleViolation
from bot.domain.packages import SessionState
from bot.domain.requests import (
    MAX_NOTE,
    MAX_PREFERRED_TIMES,
    OPEN_STATES,
    RequestKind,
    is_late_cancel,
)
from bot.domain.slacktext import printable
from bot.services.booking import SessionChange
from bot.services.books import Actor, record_audit
from bot.services.clashes import ClashCheck
from bot.services.requests import RequestService, RequestView, confirm_open, settled_reason
from storage.engine import read_session, write_session
from storage.models import Account, OnboardingSession, SessionRequest


@dataclass(frozen=True)
class AskView(RequestView):
    """A move or cancel request with the session it is about; `late`: a cancel asked inside
    the late-cancel hours of the session's start."""

    session: OnboardingSession
    late: bool = False

    @property
    def kind(self) -> RequestKind:
        return RequestKind(self.request.kind)


class SessionAsks:
    def __init__(self, requests: RequestService, late_cancel_hours: int) -> None:
        self.requests = requests
        self.booking = requests.booking
        self.engine = requests.engine
        self.late_cancel_hours = late_cancel_hours

    def ask(
        self,
        actor: Actor,
        account_id: int,
        session_id: int,
        kind: RequestKind,
        times: list[datetime],
        note: str,
    ) -> AskView:
        """Ask the vendor contact to move the session to one of `times`, or to cancel it."""
        now = self.booking.now()
        if kind is RequestKind.MOVE:
            if not 1 <= len(times) <= MAX_PREFERRED_TIMES:
                raise InvalidCommand(
                    "Give one to {most} preferred times.", most=MAX_PREFERRED_TIMES
                )
            if any(t <= now for t in times):
                raise InvalidCommand("Preferred times must be in the future.")
        with write_session(self.engine) as db:
            account = db.get(Account, account_id)
            session = db.get(OnboardingSession, session_id)
            if account is None or session is None or session.account_id != account_id:
                raise NotFound("There is no such session here.")
            if session.state != SessionState.BOOKED or session.starts_at <= now:
                raise RuleViolation(
                    "Session #{number} is no longer coming up, so it can't be changed.",
                    number=session.number,
                )
            if _open_ask(db, session_id) is not None:
                raise _asked_already(session.number)
            request = SessionRequest(
                account_id=account_id,
                requested_by=actor.user_id,
                requested_by_team=actor.team_id,
                session_type=session.session_type,
                minutes=session.minutes_booked,
                preferred_times=json.dumps([t.isoformat() for t in times]),
                note=printable(note).strip()[:MAX_NOTE],
                kind=kind.value,
                session_id=session_id,
                created_at=now,
                updated_at=now,
            )
            number = session.number  # read before a failed flush ends the transaction
            db.add(request)
            try:
                db.flush()
            except IntegrityError:  # an ask that raced this one came first (0021's index)
                raise _asked_already(number) from None
            record_audit(
                db, actor, f"ask_{kind.value}", account, session, {"request_id": request.id}
            )
            return self._view(request, account, session)

    def get(self, request_id: int) -> AskView:
        with read_session(self.engine) as db:
            request = db.get(SessionRequest, request_id)
            if request is None or request.kind == RequestKind.NEW or request.session_id is None:
                raise NotFound("There is no session request #{id}.", id=request_id)
            account = db.get(Account, request.account_id)
            session = db.get(OnboardingSession, request.session_id)
            if account is None or session is None:
                raise NotFound("There is no session request #{id}.", id=request_id)
            return self._view(request, account, session)

    def confirm_move(
        self,
        actor: Actor,
        request_id: int,
        starts_at: datetime,
        clash: ClashCheck | None = None,
        billable: bool = False,
    ) -> tuple[AskView, SessionChange]:
        """Move the session to `starts_at` (one of the times asked), as the vendor contact;
        `billable`: they confirmed the time past what the package includes."""
        view = self._open(request_id, RequestKind.MOVE)
        change = self.booking.move(
            actor,
            view.account.channel_id,
            view.session.id or 0,
            starts_at,
            billable=billable,
            clash=clash,
            also=self._settle(actor, view),
        )
        return self.get(request_id), change

    def confirm_cancel(
        self, actor: Actor, request_id: int, counts_as_used: bool = False
    ) -> tuple[AskView, SessionChange]:
        """Cancel the session; `counts_as_used` (only for a late cancel): its time is spent."""
        view = self._open(request_id, RequestKind.CANCEL)
        if counts_as_used and not view.late:
            raise RuleViolation(
                "Request #{id} was asked in good time, so its time can't count as used.",
                id=request_id,
            )
        change = self.booking.cancel(
            actor,
            view.account.channel_id,
            view.session.id or 0,
            also=self._settle(actor, view),
            counts_as_used=counts_as_used,
        )
        return self.get(request_id), change

    def decline(self, actor: Actor, request_id: int) -> AskView:
        kind = self.get(request_id).kind  # a move or cancel request, not a new one
        self.requests.decline_change(actor, request_id, kind)
        return self.get(request_id)

    def _open(self, request_id: int, kind: RequestKind) -> AskView:
        view = self.get(request_id)
        if view.kind is not kind:
            raise NotFound("There is no session request #{id}.", id=request_id)
        if view.request.state not in OPEN_STATES:
            raise RuleViolation(settled_reason(request_id, view.request.state))
        return view

    def _settle(self, actor: Actor, view: AskView) -> Callable[[Session, OnboardingSession], None]:
        request_id = view.request.id

        def settle(db: Session, session: OnboardingSession) -> None:
            confirm_open(db, request_id, self.booking.now())
            record_audit(
                db,
                actor,
                f"confirm_{view.kind.value}_request",
                view.account,
                session,
                {"request_id": request_id},
            )

        return settle

    def _view(
        self, request: SessionRequest, account: Account, session: OnboardingSession
    ) -> AskView:
        late = request.kind == RequestKind.CANCEL and is_late_cancel(
            session.starts_at, request.created_at, self.late_cancel_hours
        )
        return AskView(request, account, session, late)


def _open_ask(db: Session, session_id: int) -> int | None:
    """The open move or cancel request of a session, if any."""
    return db.execute(
        select(SessionRequest.id).where(
            col(SessionRequest.session_id) == session_id,
            col(SessionRequest.kind) != RequestKind.NEW,
            col(SessionRequest.state).in_(OPEN_STATES),
        )
    ).scalar()


def _asked_already(number: int) -> RuleViolation:
    return RuleViolation(
        "A change to session #{number} is already asked and waits for your Oura contact.",
        number=number,
    )
