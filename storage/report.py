"""Reading what the monthly report needs, a batch of accounts at a time: rows are yielded as
they are made, so memory holds one batch, whatever the number of accounts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlmodel import col

from bot.domain.report import ContractFact, Month, ReportRow, SessionFact, report_rows
from bot.domain.timeutil import add_days, local_midnight_utc
from storage.engine import read_session
from storage.models import Account, Contract, OnboardingSession

BATCH = 500


def iter_report_rows(
    engine: Engine,
    month: Month,
    hourly_rate: Decimal | None,
    on_progress: Callable[[int, int], None] | None = None,
    on_batch: Callable[[], None] | None = None,
) -> Iterator[ReportRow]:
    """Every contract's row for `month`, by account then contract; `on_progress(done, total)`
    (accounts) and `on_batch()` after each batch. Each batch is read in its own short
    transaction (keyset on the account id), so no read holds the database for the whole run."""
    # Sessions after the month's end in the most eastern zone cannot count; a day's margin
    # covers every zone, and the exact cut is made per account's zone in bot.domain.report.
    latest = local_midnight_utc(add_days(month.next_first_day, 1), "UTC")
    with read_session(engine) as db:
        total = int(db.execute(select(func.count()).select_from(Account)).scalar_one())
    done, after = 0, 0
    while True:
        with read_session(engine) as db:
            accounts = db.execute(
                select(Account.id, Account.company, Account.channel_id, Account.timezone)
                .where(col(Account.id) > after)
                .order_by(col(Account.id))
                .limit(BATCH)
            ).all()
            if not accounts:
                return
            first, last = accounts[0][0], accounts[-1][0]
            contracts = db.execute(
                select(
                    Contract.id,
                    Contract.account_id,
                    Contract.package_id,
                    Contract.start,
                    Contract.term_months,
                    Contract.included_minutes,
                    Contract.status_updates,
                ).where(
                    col(Contract.account_id).between(first, last),
                    col(Contract.start) < month.next_first_day,
                )
            ).all()
            sessions = db.execute(
                select(
                    OnboardingSession.contract_id,
                    OnboardingSession.starts_at,
                    OnboardingSession.state,
                    OnboardingSession.included_minutes,
                    OnboardingSession.billable_minutes,
                    OnboardingSession.uses_status_update,
                ).where(
                    col(OnboardingSession.account_id).between(first, last),
                    col(OnboardingSession.starts_at) < latest,
                )
            ).all()
        after = last
        yield from report_rows(_facts(accounts, contracts, sessions), month, hourly_rate)
        done += len(accounts)
        if on_progress is not None:
            on_progress(min(done, total), total)
        if on_batch is not None:
            on_batch()


def _facts(accounts, contracts, sessions) -> list[ContractFact]:  # type: ignore[no-untyped-def]
    by_contract: dict[int, list[SessionFact]] = defaultdict(list)
    for contract_id, starts_at, state, included, billable, status_update in sessions:
        by_contract[contract_id].append(
            SessionFact(
                starts_at=starts_at,
                state=state,
                included_minutes=included,
                billable_minutes=billable,
                uses_status_update=status_update,
            )
        )
    by_id = {a[0]: a for a in accounts}
    facts = []
    for contract_id, account_id, package_id, start, term, minutes, updates in contracts:
        _, company, channel_id, timezone = by_id[account_id]
        facts.append(
            ContractFact(
                account_id=account_id,
                company=company,
                channel_id=channel_id,
                timezone=timezone,
                contract_id=contract_id,
                package_id=package_id,
                start=start,
                term_months=term,
                included_minutes=minutes,
                status_updates=updates,
                sessions=tuple(by_contract[contract_id]),
            )
        )
    return facts
