"""The contracts whose staff warning on included minutes spent (80%, 100%) is not settled."""

from __future__ import annotations

from sqlalchemy import Exists, and_, exists, or_
from sqlmodel import Session, col, select

from bot.domain.pace import usage_kind
from storage.ledger import SENT, SKIPPED, UNDELIVERABLE
from storage.models import Account, Contract, PostLedger


def _settled(threshold: int) -> Exists:
    return exists().where(
        col(PostLedger.contract_id) == col(Contract.id),
        col(PostLedger.kind) == usage_kind(threshold),
        col(PostLedger.state).in_([SENT, SKIPPED, UNDELIVERABLE]),
    )


def unwarned_contracts(db: Session) -> list[tuple[Contract, Account]]:
    """Contracts past 80% or 100% of their included minutes with that warning not yet sent
    (nor given up), of accounts whose channel is reachable. Settled warnings drop a contract
    out, so this stays small however many contracts are on record."""
    spent, included = col(Contract.minutes_spent), col(Contract.included_minutes)
    rows = db.exec(
        select(Contract, Account)
        .join(Account, col(Account.id) == col(Contract.account_id))
        .where(
            included > 0,
            col(Account.unreachable_reason).is_(None),
            or_(
                and_(spent * 5 >= included * 4, ~_settled(80)),
                and_(spent >= included, ~_settled(100)),
            ),
        )
        .order_by(col(Contract.id))
    ).all()
    return [(contract, account) for contract, account in rows]
