"""The contracts whose staff warning on included minutes spent (80%, 100%) is not settled,
and what the ledger says of each contract's warnings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Exists, and_, exists, or_
from sqlmodel import Session, col, select

from bot.domain.usage_warnings import USAGE_THRESHOLDS, UsageDmState, usage_kind
from storage.ledger import SENT, SKIPPED, UNDELIVERABLE
from storage.models import Account, Contract, PostLedger

# The ledger's states that settle a warning for good, as the domain names them.
_SETTLED = {
    SENT: UsageDmState.SENT,
    SKIPPED: UsageDmState.SKIPPED,
    UNDELIVERABLE: UsageDmState.UNDELIVERABLE,
}


def _settled(threshold: int) -> Exists:
    return exists().where(
        col(PostLedger.contract_id) == col(Contract.id),
        col(PostLedger.kind) == usage_kind(threshold),
        col(PostLedger.state).in_(list(_SETTLED)),
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


def settled_warnings(
    db: Session, contract_ids: Iterable[int]
) -> dict[int, dict[int, tuple[UsageDmState, datetime | None]]]:
    """Per contract, its warnings the ledger has settled: by threshold, the state and when
    it was sent (None unless sent). A warning claimed or failed is not settled."""
    ids = list(contract_ids)
    if not ids:
        return {}
    thresholds = {usage_kind(t): t for t in USAGE_THRESHOLDS}
    rows = db.exec(
        select(PostLedger.contract_id, PostLedger.kind, PostLedger.state, PostLedger.sent_at).where(
            col(PostLedger.contract_id).in_(ids),
            col(PostLedger.kind).in_(list(thresholds)),
            col(PostLedger.state).in_(list(_SETTLED)),
        )
    ).all()
    found: dict[int, dict[int, tuple[UsageDmState, datetime | None]]] = defaultdict(dict)
    for contract_id, kind, state, sent_at in rows:
        found[contract_id][thresholds[kind]] = (_SETTLED[state], sent_at)
    return dict(found)
