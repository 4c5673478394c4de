"""A buyer asks for a session; the vendor contact confirms one of the times, proposes another,
or declines. Confirming books through exactly the same rules as `/oura-book`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from bot.domain.entitlement import check_session_minutes
from bot.domain.errors import InvalidCommand, NotFound, RuleViolation
from bot.domain.packages import SessionType
from bot.domain.requests import (
    MAX_NOTE,
    MAX_PREFERRED_TIMES,
    OPEN_STATES,
    RequestKind,
    RequestState,
)
from bot.domain.slacktext import printable
from bot.domain.text import Text
from bot.services.booking import BookingService, SessionChange
from bot.services.books import Actor, record_audit
from bot.services.clashes import ClashCheck
from storage.engine import read_session, write_session
from storage.models import Account, OnboardingSession, SessionRequest


@dataclass(frozen=True)
class RequestView:
    request: SessionRequest
    account: Account

    @property
    def session_type(self) -> SessionType:
        return SessionType(self.request.session_type)

    @property
    def preferred_times(self) -> list[datetime]:
        return [datetime.fromisoformat(t) for t in json.loads(self.request.preferred_times)]


class RequestService:
    def __init__(self, booking: BookingService) -> None:
        self.booking = booking
        self.engine = booking.engine

    def create(
        self,
        actor: Actor,
        account_id: int,
        session_type: SessionType,
        minutes: int,
        times: list[datetime],
        note: str,
    ) -> RequestView:
        check_session_minutes(minutes)
        if not 1 <= len(times) <= MAX_PREFERRED_TIMES:
            raise InvalidCommand("Give one to {most} preferred times.", most=MAX_PREFERRED_TIMES)
        now = self.booking.now()
        if any(t <= now for t in times):
            raise InvalidCommand("Preferred times must be in the future.")
        with write_session(self.engine) as db:
            account = db.get(Account, account_id)
            if account is None:
                raise NotFound("That account no longer exists.")
            request = SessionRequest(
                account_id=account_id,
                requested_by=actor.user_id,
                requested_by_team=actor.team_id,
                session_type=session_type.value,
                minutes=minutes,
                preferred_times=json.dumps([t.isoformat() for t in times]),
                note=printable(note).strip()[:MAX_NOTE],
                created_at=now,
                updated_at=now,
            )
            db.add(request)
            db.flush()
            record_audit(db, actor, "request", account, details={"request_id": request.id})
            return RequestView(request, account)

    def get(self, request_id: int) -> RequestView:
        with read_session(self.engine) as db:
            request = db.get(SessionRequest, request_id)
            account = db.get(Account, request.account_id) if request else None
            # A move or cancel request is answered by its own buttons (`bot.services.session_asks`).
            if request is None or account is None or request.kind != RequestKind.NEW:
                raise NotFound("There is no session request #{id}.", id=request_id)
            return RequestView(request, account)

    def confirm(
        self,
        actor: Actor,
        request_id: int,
        starts_at: datetime,
        billable: bool,
        clash: ClashCheck | None = None,
    ) -> tuple[RequestView, SessionChange]:
        """Book the request at `starts_at`; only one confirmation of a request can ever win.
        `clash`: check the vendor contact's time, as every booking from Slack does."""
        view = self.get(request_id)
        if view.request.state not in OPEN_STATES:
            raise RuleViolation(settled_reason(request_id, view.request.state))

        def settle(db: Session, session: OnboardingSession) -> None:
            confirm_open(db, request_id, self.booking.now(), session_id=session.id)
            record_audit(
                db, actor, "confirm_request", view.account, session, {"request_id": request_id}
            )

        booked = self.booking.book(
            actor,
            view.account.channel_id,
            view.session_type,
            starts_at,
            view.request.minutes,
            billable,
            also=settle,
            clash=clash,
        )
        return self.get(request_id), booked

    def propose(self, actor: Actor, request_id: int, starts_at: datetime) -> RequestView:
        if starts_at <= self.booking.now():
            raise InvalidCommand("Propose a time in the future.")
        self._change(
            actor, request_id, "propose", state=RequestState.PROPOSED, proposed_time=starts_at
        )
        return self.get(request_id)

    def decline(self, actor: Actor, request_id: int) -> RequestView:
        self._change(actor, request_id, "decline", state=RequestState.DECLINED)
        return self.get(request_id)

    def decline_change(self, actor: Actor, request_id: int, kind: RequestKind) -> None:
        """Decline an open request to move or cancel a session (`bot.services.session_asks`)."""
        self._change(actor, request_id, "decline", kind, state=RequestState.DECLINED)

    def _change(
        self,
        actor: Actor,
        request_id: int,
        action: str,
        kind: RequestKind = RequestKind.NEW,
        **values: object,
    ) -> None:
        """Settle or propose, if the request (of `kind`) is still open."""
        with write_session(self.engine) as db:
            changed = db.execute(
                update(SessionRequest)
                .where(
                    col(SessionRequest.id) == request_id,
                    col(SessionRequest.kind) == kind,
                    col(SessionRequest.state).in_(OPEN_STATES),
                )
                .values(updated_at=self.booking.now(), **values)
                .returning(SessionRequest.account_id)
            ).first()
            if changed is None:
                raise RuleViolation("Request #{id} is no longer open.", id=request_id)
            account = db.get(Account, changed[0])
            assert account is not None
            record_audit(
                db, actor, f"{action}_request", account, details={"request_id": request_id}
            )


def confirm_open(db: Session, request_id: int, now: datetime, **values: object) -> None:
    """Mark the request confirmed (with `values`) in one conditional statement, only while it
    is open: of two confirmations racing, the second is told it came too late."""
    settled = db.execute(
        update(SessionRequest)
        .where(
            col(SessionRequest.id) == request_id,
            col(SessionRequest.state).in_(OPEN_STATES),
        )
        .values(state=RequestState.CONFIRMED, updated_at=now, **values)
        .returning(SessionRequest.id)
    ).first()
    if settled is None:
        raise RuleViolation("Request #{id} was just settled by someone else.", id=request_id)


def settled_reason(request_id: int, state: str) -> Text:
    """Why a request settled before can't be confirmed: a whole sentence for each state."""
    if state == RequestState.CONFIRMED:
        return Text("Request #{id} is already confirmed.", id=request_id)
    if state == RequestState.DECLINED:
        return Text("Request #{id} is already declined.", id=request_id)
    return Text("Request #{id} is no longer open.", id=request_id)
