"""The automated posts (SPEC §5): which are due, computed from facts and an explicit `now`.

Nothing here reads a clock, a database or Slack. Due dates are computed in the account's
time zone; every post except session reminders waits for business hours there: weekdays that
are not public holidays in the account's country.
Each post has a stable key: the ledger that records sent posts is keyed on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from bot.domain.country import is_business_day
from bot.domain.entitlement import Balance, ContractTerms
from bot.domain.pace import Checkpoint, Projection, checkpoint_day, project
from bot.domain.packages import SessionState, SessionType
from bot.domain.support import RETURN_REMINDER_DAYS, closing_reminder_day, window_last_day
from bot.domain.text import N_, Text
from bot.domain.timeutil import add_days, add_months, zone

BUSINESS_START = time(9, 0)
BUSINESS_END = time(17, 0)
WINDOW_WARNING_DAYS = (30, 14, 7, 1)
TERM_WARNING_DAYS = (30, 7)
STATUS_LAST_CALL_DAYS = 14
REMINDER_LEADS = (timedelta(hours=24), timedelta(hours=1))
# A closing summary more than a week late (the bot was down, or the contract was entered
# late) would only be noise.
SUMMARY_STALE_DAYS = 7


class PostKind(StrEnum):
    STATUS_NUDGE = "status-nudge"
    STATUS_LAST_CALL = "status-last-call"
    WINDOW_WARNING = "window-warning"
    WINDOW_CLOSED = "window-closed"
    TERM_WARNING = "term-warning"
    TERM_CLOSED = "term-closed"
    SESSION_REMINDER = "session-reminder"
    RETURN_WINDOW = "return-window"
    PACE_WARNING = "pace-warning"

    @property
    def label(self) -> str:
        return POST_LABELS[self]


# Labels of the automated posts in `/oura-book schedule`, translated where they are shown
# (`_(kind.label)`).
POST_LABELS = {
    # Translators: an automated post that reminds the customer to book a status update.
    PostKind.STATUS_NUDGE: N_("status-update nudge"),
    # Translators: the last reminder to book a status update before the period ends.
    PostKind.STATUS_LAST_CALL: N_("status-update last call"),
    # Translators: a warning that the Launch Kit's window for included minutes is closing.
    PostKind.WINDOW_WARNING: N_("Launch Kit window warning"),
    # Translators: a summary posted when the window for included minutes has closed.
    PostKind.WINDOW_CLOSED: N_("window closed summary"),
    # Translators: a warning that the contract term is ending.
    PostKind.TERM_WARNING: N_("term-end warning"),
    # Translators: a summary posted when the contract term has ended.
    PostKind.TERM_CLOSED: N_("term closed summary"),
    # Translators: a reminder of a booked session.
    PostKind.SESSION_REMINDER: N_("session reminder"),
    # Translators: a reminder that an order's return window is closing.
    PostKind.RETURN_WINDOW: N_("return-window reminder"),
    # Translators: a warning that, at the pace so far, included minutes will go unused.
    PostKind.PACE_WARNING: N_("pace warning"),
}


@dataclass(frozen=True)
class SessionFacts:
    id: int
    session_type: SessionType
    starts_at: datetime
    minutes: int
    state: SessionState
    # When it was booked or last moved: a reminder due before then is not sent.
    scheduled_at: datetime
    number: int  # what people call it (#1, #2 … in its account)
    # Where it is joined (its own link, else the vendor contact's) and the line staff added
    # to its type's agenda: what its reminders show.
    join_url: str | None = None
    agenda_note: str = ""


@dataclass(frozen=True)
class OrderFacts:
    """An order on record: its return window runs from the date the customer received it."""

    id: int
    received_on: date
    rings: int
    reference: str


@dataclass(frozen=True)
class ContractFacts:
    contract_id: int
    account_id: int
    channel_id: str
    company: str
    terms: ContractTerms
    balance: Balance
    sessions: tuple[SessionFacts, ...] = ()
    orders: tuple[OrderFacts, ...] = ()
    # Whose public holidays business hours skip, already resolved from the account's own
    # setting or its time zone (`bot.domain.country.effective_country`); None: no holidays.
    country: str | None = None
    # What the account's channel is written in (`/oura-book language`).
    language: str = "en"
    # The account's next contract after this one (a renewal), if one is on record: its
    # package and start. The closing posts then tell of it instead of asking for a renewal.
    successor: tuple[str, date] | None = None
    # The vendor contact's next free slots, loaded by the clock only for a pace warning about
    # to go out (`bot.pace_slots`): its buttons.
    free_slots: tuple[datetime, ...] = ()

    @property
    def timezone(self) -> str:
        return self.terms.timezone


@dataclass(frozen=True)
class Period:
    """One status-update period of a term: [start, end) in local dates."""

    index: int  # 1-based
    count: int
    start: date
    end: date


@dataclass(frozen=True)
class Post:
    key: str
    kind: PostKind
    contract_id: int
    account_id: int
    channel_id: str
    # When it becomes due, and the first moment it may be posted (business hours).
    due_at: datetime
    send_at: datetime
    # From then on it is moot whatever else happens (its period or window is over).
    expires_at: datetime | None
    # Posts of one series replace each other: only the latest due one is sent.
    series: str
    days_before: int | None = None
    period: Period | None = None
    session: SessionFacts | None = None
    order: OrderFacts | None = None
    checkpoint: Checkpoint | None = None  # a pace warning's place in the window

    @property
    def is_reminder(self) -> bool:
        return self.kind is PostKind.SESSION_REMINDER


@dataclass(frozen=True)
class Plan:
    send: list[Post] = field(default_factory=list)
    # Due but replaced by a later post of the same series; recorded so they never go out.
    superseded: list[Post] = field(default_factory=list)


# -- time ----------------------------------------------------------------------------------


def in_business_hours(moment: datetime, tz_name: str, country: str | None) -> bool:
    """Business hours on a weekday that is not a public holiday in `country` (None: none)."""
    local = moment.astimezone(zone(tz_name))
    return is_business_day(local.date(), country) and BUSINESS_START <= local.time() < BUSINESS_END


def next_business_moment(moment: datetime, tz_name: str, country: str | None) -> datetime:
    """`moment` itself in business hours, else the next business-day morning."""
    if in_business_hours(moment, tz_name, country):
        return moment
    local = moment.astimezone(zone(tz_name))
    day = local.date()
    if local.time() >= BUSINESS_START:
        day = add_days(day, 1)
    while not is_business_day(day, country):
        day = add_days(day, 1)
    return _morning(day, tz_name)


def _local(day: date, time_of_day: time, tz_name: str) -> datetime:
    # Never refuses: where a DST jump skips the time (Chile and Cuba skip midnight), the
    # instant of the jump stands for it.
    return datetime.combine(day, time_of_day, tzinfo=zone(tz_name)).astimezone(UTC)


def _morning(day: date, tz_name: str) -> datetime:
    return _local(day, BUSINESS_START, tz_name)


def _midnight(day: date, tz_name: str) -> datetime:
    return _local(day, time(0), tz_name)


def _send_time(day: date, expires: datetime | None, tz_name: str, country: str | None) -> datetime:
    """The first business morning from `day`; brought forward to the last one before
    `expires` when waiting for Monday (or past a holiday) would let the post lapse."""
    moment = next_business_moment(_morning(day, tz_name), tz_name, country)
    if expires is None or moment < expires:
        return moment
    earlier = add_days(day, -1)
    while not is_business_day(earlier, country):
        earlier = add_days(earlier, -1)
    return _morning(earlier, tz_name)


# -- the timeline ------------------------------------------------------------------------------


def status_periods(terms: ContractTerms) -> list[Period]:
    """The term cut into one period per status update: calendar months where they divide evenly."""
    count = terms.package.status_updates
    if count == 0:
        return []
    if terms.term_months % count == 0:
        step = terms.term_months // count
        bounds = [add_months(terms.start, i * step) for i in range(count + 1)]
    else:
        days = (terms.term_end - terms.start).days
        bounds = [add_days(terms.start, days * i // count) for i in range(count + 1)]
    return [Period(i + 1, count, bounds[i], bounds[i + 1]) for i in range(count)]


def timeline(facts: ContractFacts) -> list[Post]:
    """Every automated post of a contract, whether or not it is moot, sorted by send time."""
    terms, tz, country = facts.terms, facts.timezone, facts.country
    prefix = f"contract:{facts.contract_id}"
    posts: list[Post] = []

    def add(
        kind: PostKind,
        key: str,
        day: date,
        expires: date | None,
        series: str,
        **extra: object,
    ) -> None:
        expires_at = _midnight(expires, tz) if expires else None
        send_at = _send_time(day, expires_at, tz, country)
        due = min(_morning(day, tz), send_at)
        posts.append(
            Post(
                key=f"{prefix}:{key}",
                kind=kind,
                contract_id=facts.contract_id,
                account_id=facts.account_id,
                channel_id=facts.channel_id,
                due_at=due,
                send_at=send_at,
                expires_at=expires_at,
                series=f"{prefix}:{series}",
                **extra,  # type: ignore[arg-type]
            )
        )

    for period in status_periods(terms):
        add(
            PostKind.STATUS_NUDGE,
            f"status-nudge:{period.index}",
            period.start,
            period.end,
            f"status:{period.index}",
            period=period,
        )
        last_call = add_days(period.end, -STATUS_LAST_CALL_DAYS)
        if last_call > period.start:
            add(
                PostKind.STATUS_LAST_CALL,
                f"status-last-call:{period.index}",
                last_call,
                period.end,
                f"status:{period.index}",
                period=period,
            )

    if terms.package.window_days is not None:
        # SPEC: "30, 14, 7 and 1 days before day 90", the window's last day.
        last_day = add_days(terms.window_end, -1)
        for days in WINDOW_WARNING_DAYS:
            add(
                PostKind.WINDOW_WARNING,
                f"window-warning:{days}",
                add_days(last_day, -days),
                terms.window_end,
                "window-warning",
                days_before=days,
            )
        if terms.window_end < terms.term_end:
            add(
                PostKind.WINDOW_CLOSED,
                "window-closed",
                terms.window_end,
                add_days(terms.window_end, SUMMARY_STALE_DAYS),
                "window-closed",
            )

    if terms.package.included_minutes:
        # One series: a late clock sends the two-thirds warning, not both.
        for checkpoint in Checkpoint:
            add(
                PostKind.PACE_WARNING,
                f"pace:{checkpoint}",
                checkpoint_day(terms.start, terms.window_end, checkpoint),
                terms.window_end,
                "pace",
                checkpoint=checkpoint,
            )

    if terms.package.status_updates:
        for days in TERM_WARNING_DAYS:
            add(
                PostKind.TERM_WARNING,
                f"term-warning:{days}",
                add_days(terms.term_end, -days),
                terms.term_end,
                "term-warning",
                days_before=days,
            )
    add(
        PostKind.TERM_CLOSED,
        "term-closed",
        terms.term_end,
        add_days(terms.term_end, SUMMARY_STALE_DAYS),
        "term-closed",
    )

    for order in facts.orders:
        # The receipt date is in the key, so an order corrected to another date is reminded
        # afresh and the old date's reminders simply leave the timeline.
        last_day = window_last_day(order.received_on)
        for days in RETURN_REMINDER_DAYS:
            add(
                PostKind.RETURN_WINDOW,
                f"order:{order.id}:return-window-{days}d:{order.received_on.isoformat()}",
                closing_reminder_day(order.received_on, days),
                add_days(last_day, 1),
                f"order:{order.id}:return-window:{order.received_on.isoformat()}",
                days_before=days,
                order=order,
            )

    for session in facts.sessions:
        posts.extend(_reminders(facts, session))
    return sorted(posts, key=lambda p: (p.send_at, p.key))


def first_reminder_at(session: SessionFacts, now: datetime) -> datetime | None:
    """When a session booked at `now` first needs the clock: its earliest reminder that is not
    already moot (a reminder due before the booking is never sent), or None."""
    if session.state != SessionState.BOOKED:
        return None
    dues = [session.starts_at - lead for lead in REMINDER_LEADS]
    ahead = [due for due in dues if due >= now]
    return min(ahead) if ahead else None


def _reminders(facts: ContractFacts, session: SessionFacts) -> list[Post]:
    if session.state != SessionState.BOOKED:
        return []
    epoch = int(session.starts_at.timestamp())
    posts = []
    for lead in REMINDER_LEADS:
        hours = int(lead.total_seconds() // 3600)
        due = session.starts_at - lead
        posts.append(
            Post(
                # The start time is in the key, so a moved session is reminded afresh.
                key=f"session:{session.id}:reminder-{hours}h:{epoch}",
                kind=PostKind.SESSION_REMINDER,
                contract_id=facts.contract_id,
                account_id=facts.account_id,
                channel_id=facts.channel_id,
                due_at=due,
                send_at=due,
                expires_at=session.starts_at,
                series=f"session:{session.id}:{epoch}",
                days_before=None,
                session=session,
            )
        )
    return posts


# -- what is due now ---------------------------------------------------------------------------


def moot_reason(post: Post, facts: ContractFacts, now: datetime) -> Text | None:
    """Why a post should not go out (any more), or None if it still should."""
    if post.expires_at is not None and now >= post.expires_at:
        return Text("its time has passed")
    balance = facts.balance
    match post.kind:
        case PostKind.STATUS_NUDGE | PostKind.STATUS_LAST_CALL:
            assert post.period is not None
            if balance.status_updates_left <= 0:
                return Text("no status updates are left")
            if _status_update_booked(facts, post.period):
                return Text("a status update is booked for the period")
        case PostKind.WINDOW_WARNING:
            if balance.minutes_left <= 0:
                return Text("no included minutes are left")
        case PostKind.TERM_WARNING:
            if balance.minutes_left <= 0 and balance.status_updates_left <= 0:
                return Text("nothing included is left")
        case PostKind.PACE_WARNING:
            if not pace_at(facts, now).worth_warning:
                return Text("at this pace, less than a quarter of the included minutes lapse")
        case PostKind.SESSION_REMINDER:
            session = post.session
            assert session is not None
            if session.state != SessionState.BOOKED:
                # Translators: {state} is booked, held or cancelled.
                return Text("the session is {state}", state=session.state)
            if session.scheduled_at > post.due_at:
                return Text("the session was booked after the reminder was due")
    return None


def pace_at(facts: ContractFacts, now: datetime) -> Projection:
    """The pace projection of a contract's included minutes on `now`'s local day."""
    terms = facts.terms
    today = now.astimezone(zone(facts.timezone)).date()
    found = project(facts.balance, terms.start, terms.window_end, today)
    # Nothing elapsed yet: no rate to project from, so nothing to warn of.
    return found or Projection(facts.balance.included_minutes, 0, 0, 0)


def _status_update_booked(facts: ContractFacts, period: Period) -> bool:
    begins, ends = _midnight(period.start, facts.timezone), _midnight(period.end, facts.timezone)
    return any(
        s.session_type is SessionType.STATUS_UPDATE
        and s.state != SessionState.CANCELLED
        and begins <= s.starts_at < ends
        for s in facts.sessions
    )


def is_sendable_now(post: Post, tz_name: str, country: str | None, now: datetime) -> bool:
    if post.send_at > now:
        return False
    # Session reminders are about a set time: a holiday does not hold them back.
    return post.is_reminder or in_business_hours(now, tz_name, country)


def plan(facts: ContractFacts, done_keys: Iterable[str], now: datetime) -> Plan:
    """The posts of one contract to send at `now`; `done_keys` are already sent or claimed."""
    now = now.astimezone(UTC)
    done = set(done_keys)
    latest: dict[str, Post] = {}
    superseded: list[Post] = []
    for post in timeline(facts):
        if post.key in done or not is_sendable_now(post, facts.timezone, facts.country, now):
            continue
        if moot_reason(post, facts, now) is not None:
            continue
        previous = latest.get(post.series)
        if previous is not None:
            superseded.append(previous)
        latest[post.series] = post
    return Plan(
        send=sorted(latest.values(), key=lambda p: (p.send_at, p.key)), superseded=superseded
    )


def next_check(facts: ContractFacts, done_keys: Iterable[str], now: datetime) -> datetime | None:
    """When this contract next needs a sweep to look at it; None when never again.

    A post already due but moot is left out: only a change to the contract (which recomputes
    this) can make it relevant again, so sweeps need not keep looking at it.
    """
    done = set(done_keys)
    soonest: datetime | None = None
    for post in timeline(facts):
        if post.key in done:
            continue
        if post.expires_at is not None and now >= post.expires_at:
            continue
        if post.send_at <= now:
            if moot_reason(post, facts, now) is not None:
                continue
            moment = (
                now
                if post.is_reminder
                else next_business_moment(now, facts.timezone, facts.country)
            )
        else:
            moment = post.send_at
        if soonest is None or moment < soonest:
            soonest = moment
    return soonest


def upcoming(facts: ContractFacts, done_keys: Iterable[str], now: datetime) -> list[Post]:
    """Posts still to come, as things stand now (what `/oura-book schedule` shows)."""
    done = set(done_keys)
    return [
        post
        for post in timeline(facts)
        if post.key not in done and moot_reason(post, facts, max(now, post.send_at)) is None
    ]
