"""A staff member's working hours, their free slots and the clashes of a booking (issue 15).

Working hours are wall-clock minutes in the person's own time zone on some ISO weekdays; a
slot is free when it lies inside them and overlaps none of the person's booked sessions. All
instants here are UTC; the zone is only used to read them as the person's wall clock, so a
day on which the clocks change still has its hours where the person expects them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.domain.country import is_holiday
from bot.domain.errors import RuleViolation
from bot.domain.packages import SessionType
from bot.domain.slacktext import escape
from bot.domain.text import Text
from bot.domain.timeutil import require_aware, zone

DAY_MINUTES = 24 * 60
DEFAULT_SLOT_MINUTES = 60
SLOT_STEP_MINUTES = 30  # slots start on the hour and the half hour of the working day
SLOT_HORIZON_DAYS = 28  # how far ahead free slots are looked for

# Day names people type, English and Finnish, to ISO weekdays (1 = Monday).
DAY_NAMES: dict[str, int] = {
    "mon": 1, "monday": 1, "tue": 2, "tuesday": 2, "wed": 3, "wednesday": 3,
    "thu": 4, "thursday": 4, "fri": 5, "friday": 5, "sat": 6, "saturday": 6,
    "sun": 7, "sunday": 7,
    "ma": 1, "ti": 2, "ke": 3, "to": 4, "pe": 5, "la": 6, "su": 7,
}  # fmt: skip
# How days are written back: as typed in the command (code, the same in every language).
DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_RANGE = re.compile(r"^(\d{1,2}):(\d{2})[-\u2013](\d{1,2}):(\d{2})$", re.ASCII)


class BadHours(ValueError):
    """Working hours as typed that cannot be read: `problem` says what is wrong."""

    def __init__(self, problem: Text) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class WorkingHours:
    """`start_minute` to `end_minute` (minutes after local midnight, end 1440 = midnight) on
    the ISO weekdays `days`."""

    start_minute: int = 9 * 60
    end_minute: int = 17 * 60
    days: frozenset[int] = frozenset(range(1, 6))

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < self.end_minute <= DAY_MINUTES:
            raise ValueError(f"bad working hours {self.start_minute}-{self.end_minute}")
        if not self.days or not self.days <= set(range(1, 8)):
            raise ValueError(f"bad working days {sorted(self.days)}")

    @property
    def days_digits(self) -> str:
        """The days as stored (`StaffMember.work_days`): "12345"."""
        return "".join(str(day) for day in sorted(self.days))

    @classmethod
    def stored(cls, start_minute: int, end_minute: int, days: str) -> WorkingHours:
        return cls(start_minute, end_minute, frozenset(int(d) for d in days if d in "1234567"))

    def works_on(self, day: date, country: str | None = None) -> bool:
        return day.isoweekday() in self.days and not is_holiday(day, country)

    def code(self) -> str:
        """As the command takes them: `09:00-17:00 mon-fri` (code, the same in any language)."""
        return f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)} {days_code(self.days)}"


def _code(token: str) -> str:
    """What was typed, echoed as short inline code that cannot act as markup."""
    token = token.replace("`", "'")
    return f"`{escape(token if len(token) <= 40 else token[:39] + '…')}`"


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def days_code(days: Iterable[int]) -> str:
    """`mon-fri`, `mon,wed,fri`, `mon-wed,fri`: runs of three or more days as a range."""
    ordered = sorted(set(days))
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_CODES[run[0] - 1]}-{DAY_CODES[run[-1] - 1]}")
        else:
            parts.extend(DAY_CODES[day - 1] for day in run)
    return ",".join(parts)


def parse_range(token: str) -> tuple[int, int]:
    """`HH:MM-HH:MM` as minutes after midnight; the end may be 24:00 and is after the start."""
    match = _RANGE.match(token)
    if match is None:
        raise BadHours(
            Text("{token} is not working hours in the form HH:MM-HH:MM.", token=_code(token))
        )
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
        raise BadHours(
            Text("{token} is not working hours in the form HH:MM-HH:MM.", token=_code(token))
        )
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if end <= start:
        # Working hours over midnight are not supported: a day's hours are one stretch in it.
        raise BadHours(
            Text(
                "In {token} the end is not after the start (hours over midnight are not taken).",
                token=_code(token),
            )
        )
    return start, end


def _day(name: str) -> int:
    name = name.strip().lower()
    if name.isdigit() and len(name) == 1 and 1 <= int(name) <= 7:
        return int(name)
    if name in DAY_NAMES:
        return DAY_NAMES[name]
    raise BadHours(
        Text("{token} is not a day (days are mon…sun, ma…su or 1…7).", token=_code(name or "-"))
    )


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri`, `mon,wed,fri`, `1-5`, `ma-pe`, `fri-mon` (a range may wrap the week)."""
    days: set[int] = set()
    for part in text.replace(" ", ",").split(","):
        if not part:
            continue
        first, dash, last = part.partition("-")
        if not dash:
            days.add(_day(first))
            continue
        start, end = _day(first), _day(last)
        length = (end - start) % 7
        days.update((start - 1 + offset) % 7 + 1 for offset in range(length + 1))
    if not days:
        raise BadHours(Text("Give the working days, such as mon-fri."))
    return frozenset(days)


def parse_working_hours(range_token: str, day_tokens: Sequence[str]) -> WorkingHours:
    """What `/oura-book hours` is given: a range, then days (default Monday to Friday)."""
    start, end = parse_range(range_token)
    days = parse_days(",".join(day_tokens)) if day_tokens else frozenset(range(1, 6))
    return WorkingHours(start, end, days)


# -- busy time, clashes and free slots ---------------------------------------------------------


@dataclass(frozen=True)
class Busy:
    """A booked session that keeps its vendor contact busy."""

    start: datetime
    end: datetime
    session_id: int | None = None
    session_type: str = ""  # a SessionType value
    company: str = ""

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def clashes(start: datetime, end: datetime, busy: Iterable[Busy]) -> list[Busy]:
    """The busy intervals `start` to `end` overlaps (touching ends do not), soonest first."""
    return sorted((b for b in busy if b.overlaps(start, end)), key=lambda b: b.start)


def _wall_minutes(moment: datetime, tz_name: str) -> tuple[date, int]:
    local = moment.astimezone(zone(tz_name))
    return local.date(), local.hour * 60 + local.minute


def outside_hours(
    start: datetime,
    end: datetime,
    hours: WorkingHours,
    tz_name: str,
    country: str | None = None,
) -> bool:
    """Whether `start` to `end` is not wholly inside one working day's hours, read on the
    person's own wall clock in `tz_name` (a public holiday of `country` is no working day)."""
    require_aware(start, "start")
    day, start_minute = _wall_minutes(start, tz_name)
    end_day, end_minute = _wall_minutes(end, tz_name)
    if end_day == day + timedelta(days=1) and end_minute == 0:
        end_day, end_minute = day, DAY_MINUTES  # ends at midnight
    if not hours.works_on(day, country) or not hours.start_minute <= start_minute:
        return True
    if end_day == day:
        return not start_minute < end_minute <= hours.end_minute
    # Over midnight: inside only when the hours run to midnight and on from it the next day.
    return not (
        end_day == day + timedelta(days=1)
        and hours.end_minute == DAY_MINUTES
        and hours.start_minute == 0
        and hours.works_on(end_day, country)
        and end_minute <= hours.end_minute
    )


def free_slots(
    hours: WorkingHours,
    tz_name: str,
    busy: Sequence[Busy],
    start_from: datetime,
    length: int = DEFAULT_SLOT_MINUTES,
    count: int = 10,
    step: int = SLOT_STEP_MINUTES,
    country: str | None = None,
    horizon_days: int = SLOT_HORIZON_DAYS,
) -> list[datetime]:
    """The next `count` starts (UTC, soonest first, none before `start_from`) of `length`
    minutes inside the working hours in `tz_name`, overlapping nothing `busy`. Starts are the
    working day's start and every `step` minutes after it; a wall-clock time the clocks skip
    that day is not offered, one they repeat is offered once (its first occurrence)."""
    require_aware(start_from, "start_from")
    tz = zone(tz_name)
    span = timedelta(minutes=length)
    first_day = start_from.astimezone(tz).date()
    found: list[datetime] = []
    seen: set[datetime] = set()
    for offset in range(horizon_days + 1):
        day = first_day + timedelta(days=offset)
        if not hours.works_on(day, country):
            continue
        for minute in range(hours.start_minute, hours.end_minute - length + 1, step):
            local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
            start = local.astimezone(UTC)
            if start.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
                continue  # skipped by a DST jump
            end = start + span
            if start < start_from or start in seen:
                continue
            if outside_hours(start, end, hours, tz_name, country) or clashes(start, end, busy):
                continue
            seen.add(start)
            found.append(start)
        if len(found) >= count:
            break
    return sorted(found)[:count]


# -- the refusal of a booking that clashes -----------------------------------------------------


# How a clash is confirmed, by where staff are: typed, in the booking form, or in a DM.
CONFIRM_CLASH_TYPED = Text("Add `anyway` to book it all the same.")
# Translators: “Book anyway” is the booking form's checkbox: say it as it is translated there.
CONFIRM_CLASH_IN_FORM = Text("Tick “Book anyway” to book it all the same.")


class NeedsClashConfirmation(RuleViolation):
    """The booking overlaps another booked session of the vendor contact, or falls outside
    their working hours: staff must confirm it. It carries what it clashes with, so each
    reader sees the times in their own time zone (`text(when)`); `str()` writes UTC."""

    def __init__(
        self,
        start: datetime,
        end: datetime,
        overlapping: Sequence[Busy],
        outside: WorkingHours | None,
        vendor_id: str,
        vendor_zone: str,
    ) -> None:
        self.start, self.end = start, end
        self.overlapping = tuple(overlapping)
        self.outside = outside  # the hours it falls outside of, or None
        self.vendor_id = vendor_id
        self.vendor_zone = vendor_zone
        super().__init__(self.text(_utc, CONFIRM_CLASH_TYPED))

    def reason(self, when: Callable[[datetime, int], str]) -> Text:
        """What it clashes with; `when(start, minutes)` writes a session's time."""
        sentences: list[Text] = []
        if self.overlapping:
            first = self.overlapping[0]
            minutes = int((first.end - first.start).total_seconds() // 60)
            # Translators: {who} is the vendor contact; {type} a session type, {id} its number,
            # {company} the customer, {when} its date, time and length.
            sentences.append(
                Text(
                    "It overlaps {who}'s *{type}* #{id} with *{company}*, {when}.",
                    who=_mention(self.vendor_id),
                    type=Text(SessionType(first.session_type).label),
                    id=first.session_id,
                    company=escape(first.company),
                    when=when(first.start, minutes),
                )
            )
            if len(self.overlapping) > 1:
                sentences.append(
                    Text("It overlaps {count} sessions in all.", count=len(self.overlapping))
                )
        if self.outside is not None:
            # Translators: {who} is the vendor contact; {hours} their working hours as code,
            # e.g. `09:00-17:00 mon-fri`; {zone} their time zone.
            sentences.append(
                Text(
                    "It falls outside {who}'s working hours ({hours} in {zone}).",
                    who=_mention(self.vendor_id),
                    hours=_code(self.outside.code()),
                    zone=self.vendor_zone,
                )
            )
        reason = sentences[0]
        for more in sentences[1:]:
            reason = Text("{said} {more}", said=reason, more=more)
        return reason

    def text(self, when: Callable[[datetime, int], str], how: Text) -> Text:
        # Translators: {reason} says what a booking clashes with; {how} how to confirm it.
        return Text("{reason} {how}", reason=self.reason(when), how=how)


def _mention(user_id: str) -> str:
    """A person as Slack shows them (a value put into a sentence, not a sentence)."""
    return f"<@{user_id}>"


def _utc(moment: datetime, minutes: int) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC ({minutes} min)"
