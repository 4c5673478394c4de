"""The support desk's use cases: orders on record, and support cases from open to resolved.

Each change is one transaction with its audit event; taking and resolving a case are single
conditional updates, so two clicks at once settle it only once. The rules (categories, the
30-day return window, overdue cases) live in `bot.domain.support`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.domain.errors import InvalidCommand, NotFound, RuleViolation
from bot.domain.slacktext import escape, printable
from bot.domain.support import (
    MAX_DESCRIPTION,
    MAX_REFERENCE,
    CaseCategory,
    CaseFacts,
    CaseState,
    ReturnWindow,
    case_ref,
    check_order_details,
    return_window,
)
from bot.domain.text import Text
from bot.services.booking import BookingService
from bot.services.books import Actor, current_contract, record_audit, require_account
from storage.engine import read_session, write_session
from storage.facts import refresh_next_post_at
from storage.models import Account, CustomerOrder, SupportCase
from storage.overview import open_cases_in_order

ORDER_LIST_LIMIT = 100


@dataclass(frozen=True)
class CaseView:
    case: SupportCase
    account: Account
    order: CustomerOrder | None

    @property
    def ref(self) -> str:
        assert self.case.id is not None
        return case_ref(self.case.id)

    @property
    def category(self) -> CaseCategory:
        return CaseCategory(self.case.category)


@dataclass(frozen=True)
class OrderChange:
    account: Account
    order: CustomerOrder
    before: dict[str, object] | None = None


def _order_details(order: CustomerOrder) -> dict[str, object]:
    return {
        "order_id": order.id,
        "received_on": order.received_on.isoformat(),
        "rings": order.rings,
        "reference": order.reference,
    }


class SupportDesk:
    def __init__(self, booking: BookingService) -> None:
        self.booking = booking
        self.engine = booking.engine

    # -- orders --------------------------------------------------------------------------------

    def record_order(
        self, actor: Actor, channel_id: str, received_on: date, rings: int, reference: str
    ) -> OrderChange:
        now = self.booking.now()
        with write_session(self.engine) as db:
            account = require_account(db, channel_id)
            _check_order(received_on, rings, reference, now, account.timezone)
            contract = current_contract(db, account, now)
            order = CustomerOrder(
                account_id=account.id,  # type: ignore[arg-type]
                contract_id=contract.id,  # type: ignore[arg-type]
                received_on=received_on,
                rings=rings,
                reference=printable(reference, lines=False).strip(),
                recorded_by=actor.user_id,
                created_at=now,
                updated_at=now,
            )
            db.add(order)
            db.flush()
            record_audit(db, actor, "order", account, details=_order_details(order))
            # A new order's reminders may be due before anything else on the contract.
            refresh_next_post_at(db, [order.contract_id], now)
            return OrderChange(account, order)

    def correct_order(
        self,
        actor: Actor,
        channel_id: str,
        order_id: int,
        received_on: date,
        rings: int,
        reference: str,
    ) -> OrderChange:
        now = self.booking.now()
        with write_session(self.engine) as db:
            account = require_account(db, channel_id)
            order = _order_of(db, account, order_id)
            _check_order(received_on, rings, reference, now, account.timezone)
            before = _order_details(order)
            order.received_on = received_on
            order.rings = rings
            order.reference = printable(reference, lines=False).strip()
            order.updated_at = now
            db.add(order)
            db.flush()
            after = _order_details(order)
            record_audit(db, actor, "order_fix", account, details={"from": before, "to": after})
            refresh_next_post_at(db, [order.contract_id], now)
            return OrderChange(account, order, before)

    def orders(self, channel_id: str) -> tuple[Account, list[CustomerOrder]]:
        with read_session(self.engine) as db:
            account = require_account(db, channel_id)
            return account, _orders(db, account.id)  # type: ignore[arg-type]

    def orders_of_account(self, account_id: int) -> list[CustomerOrder]:
        with read_session(self.engine) as db:
            return _orders(db, account_id)

    # -- cases ---------------------------------------------------------------------------------

    def open_case(
        self,
        actor: Actor,
        account_id: int,
        category: CaseCategory,
        order_id: int | None,
        description: str,
    ) -> tuple[CaseView, ReturnWindow | None]:
        """Record a case; for a return or exchange also how its order's window stands now.

        A case outside the window is still recorded (flagged) so staff can decide."""
        now = self.booking.now()
        description = printable(description).strip()
        if not description:
            raise InvalidCommand("Describe what you need help with.")
        if category.needs_order and order_id is None:
            raise InvalidCommand(order_needed(category))
        with write_session(self.engine) as db:
            account = db.get(Account, account_id)
            if account is None:
                raise NotFound("That account no longer exists.")
            order = _order_of(db, account, order_id) if order_id is not None else None
            window = (
                return_window(order.received_on, now, account.timezone)
                if order is not None and category.needs_order
                else None
            )
            case = SupportCase(
                account_id=account_id,
                order_id=order.id if order else None,
                category=category.value,
                description=description[:MAX_DESCRIPTION],
                within_window=window.is_open if window else None,
                window_last_day=window.last_day if window else None,
                opened_by=actor.user_id,
                opened_by_team=actor.team_id,
                state=CaseState.OPEN.value,
                created_at=now,
            )
            db.add(case)
            db.flush()
            record_audit(
                db,
                actor,
                "case_open",
                account,
                details={
                    "case_id": case.id,
                    "category": category.value,
                    "order_id": case.order_id,
                    "within_window": case.within_window,
                },
            )
            return CaseView(case, account, order), window

    def get_case(self, case_id: int) -> CaseView:
        with read_session(self.engine) as db:
            case = db.get(SupportCase, case_id)
            account = db.get(Account, case.account_id) if case else None
            if case is None or account is None:
                raise NotFound(_no_case(case_id))
            order = db.get(CustomerOrder, case.order_id) if case.order_id else None
            return CaseView(case, account, order)

    def take(self, actor: Actor, case_id: int) -> CaseView:
        now = self.booking.now()
        return self._settle(
            actor,
            case_id,
            "case_take",
            [CaseState.OPEN],
            state=CaseState.TAKEN.value,
            taken_by=actor.user_id,
            taken_at=now,
        )

    def resolve(self, actor: Actor, case_id: int) -> CaseView:
        now = self.booking.now()
        return self._settle(
            actor,
            case_id,
            "case_resolve",
            [CaseState.OPEN, CaseState.TAKEN],
            state=CaseState.RESOLVED.value,
            resolved_by=actor.user_id,
            resolved_at=now,
        )

    def _settle(
        self,
        actor: Actor,
        case_id: int,
        action: str,
        from_states: list[CaseState],
        **values: object,
    ) -> CaseView:
        with write_session(self.engine) as db:
            changed = db.execute(
                update(SupportCase)
                .where(
                    col(SupportCase.id) == case_id,
                    col(SupportCase.state).in_([s.value for s in from_states]),
                )
                .values(**values)
                .returning(SupportCase.account_id)
            ).first()
            if changed is None:
                case = db.get(SupportCase, case_id)
                if case is None:
                    raise NotFound(_no_case(case_id))
                raise RuleViolation(_case_settled(case_id, case.state))
            account = db.get(Account, changed[0])
            assert account is not None
            record_audit(db, actor, action, account, details={"case_id": case_id})
        return self.get_case(case_id)

    def open_cases(self, account_id: int, now: datetime | None = None) -> list[CaseFacts]:
        """The account's cases not yet resolved, overdue untaken ones first."""
        now = now or self.booking.now()
        with read_session(self.engine) as db:
            account = db.get(Account, account_id)
            if account is None:
                return []
            return open_cases_in_order(db, account, now)


# -- helpers used inside one transaction ------------------------------------------------------


def _orders(db: Session, account_id: int) -> list[CustomerOrder]:
    return list(
        db.exec(
            select(CustomerOrder)
            .where(CustomerOrder.account_id == account_id)
            .order_by(col(CustomerOrder.received_on).desc(), col(CustomerOrder.id).desc())
            .limit(ORDER_LIST_LIMIT)
        ).all()
    )


def _order_of(db: Session, account: Account, order_id: int) -> CustomerOrder:
    order = db.get(CustomerOrder, order_id)
    if order is None or order.account_id != account.id:
        # Translators: {company} is the customer's name.
        raise NotFound(
            "There is no order #{id} for *{company}*. See the ids with `/oura-book orders`.",
            id=order_id,
            company=escape(account.company),
        )
    return order


def _check_order(
    received_on: date, rings: int, reference: str, now: datetime, tz_name: str
) -> None:
    check_order_details(received_on, rings, now, tz_name)
    if len(printable(reference, lines=False).strip()) > MAX_REFERENCE:
        raise InvalidCommand(
            "The order reference is longer than {limit} characters.", limit=MAX_REFERENCE
        )


def order_needed(category: CaseCategory) -> Text:
    """A return or an exchange names its order: a whole sentence for each."""
    if category == CaseCategory.EXCHANGE:
        return Text("Choose the order the exchange is about.")
    return Text("Choose the order the return is about.")


def _no_case(case_id: int) -> Text:
    # Translators: {ref} is a support case's id, e.g. S-12.
    return Text("There is no support case {ref}.", ref=case_ref(case_id))


def _case_settled(case_id: int, state: str) -> Text:
    """Why a case can't be taken or resolved again: a whole sentence for each state."""
    if state == CaseState.RESOLVED:
        return Text("Support case {ref} is already resolved.", ref=case_ref(case_id))
    return Text("Support case {ref} is already taken.", ref=case_ref(case_id))
