"""Reading what the monthly report needs, a batch of accounts at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import col, select

from bot.domain.report import ContractFact, Month, ReportRow, SessionFact, report_rows
from bot.domain.timeutil import add_days, local_midnight_utc
from storage.engine import read_session
from storage.models import Account, Contract, OnboardingSession

BATCH = 500


def load_report_rows(
    engine: Engine,
    month: Month,
    hourly_rate: Decimal | None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[ReportRow]:
    """Every contract's row for `month`; `on_progress(done, total)` after each batch."""
    # Sessions after the month's end in the most eastern zone cannot count; a day's margin
    # covers every zone, and the exact cut is made per account's zone in bot.domain.report.
    latest = local_midnight_utc(add_days(month.next_first_day, 1), "UTC")
    with read_session(engine) as db:
        account_ids = list(db.exec(select(Account.id).order_by(col(Account.id))).all())
    rows: list[ReportRow] = []
    for offset in range(0, len(account_ids), BATCH):
        batch = [i for i in account_ids[offset : offset + BATCH] if i is not None]
        with read_session(engine) as db:
            accounts = {
                a.id: a for a in db.exec(select(Account).where(col(Account.id).in_(batch))).all()
            }
            contracts = db.exec(
                select(Contract)
                .where(col(Contract.account_id).in_(batch))
                .where(col(Contract.start) < month.next_first_day)
            ).all()
            sessions = db.exec(
                select(OnboardingSession)
                .where(col(OnboardingSession.contract_id).in_([c.id for c in contracts]))
                .where(col(OnboardingSession.starts_at) < latest)
            ).all()
        by_contract: dict[int, list[SessionFact]] = defaultdict(list)
        for s in sessions:
            by_contract[s.contract_id].append(
                SessionFact(
                    starts_at=s.starts_at,
                    state=s.state,
                    included_minutes=s.included_minutes,
                    billable_minutes=s.billable_minutes,
                    uses_status_update=s.uses_status_update,
                )
            )
        facts = []
        for c in contracts:
            account = accounts[c.account_id]
            assert account.id is not None and c.id is not None
            facts.append(
                ContractFact(
                    account_id=account.id,
                    company=account.company,
                    channel_id=account.channel_id,
                    timezone=account.timezone,
                    contract_id=c.id,
                    package_id=c.package_id,
                    start=c.start,
                    term_months=c.term_months,
                    included_minutes=c.included_minutes,
                    status_updates=c.status_updates,
                    sessions=tuple(by_contract[c.id]),
                )
            )
        rows.extend(report_rows(facts, month, hourly_rate))
        if on_progress is not None:
            on_progress(min(offset + BATCH, len(account_ids)), len(account_ids))
    return rows
