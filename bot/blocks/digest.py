"""The weekly digest as a staff member reads it (the Monday DM and `/oura-book digest`): per
account, this week's sessions, sessions to log, what is about to lapse, open support cases
and a channel the clock cannot post in. Staff-only: it goes to staff alone."""

from __future__ import annotations

from bot.blocks.automated_posts import refusal_text
from bot.blocks.base import LIST_LIMIT, Message, date_token, escape, sections
from bot.domain.digest import AccountDigest, Digest, DigestSession, Lapse
from bot.i18n import _, day_text, n_

# Items of one kind shown per account; the rest are counted ("…and 3 more").
ITEMS = 5


def _capped(items: list[str], limit: int = ITEMS) -> list[str]:
    if len(items) <= limit:
        return items
    return [*items[:limit], _("…and {count} more", count=len(items) - limit)]


def _session(session: DigestSession, timezone: str) -> str:
    # The type's label is marked in bot/domain/packages.py.
    when = date_token(session.starts_at, timezone, session.minutes)
    return f"*{_(session.session_type.label)}* #{session.number}: {when}"


def _lapse(lapse: Lapse) -> str:
    if lapse.status_updates:
        # Translators: {n} status updates left, usable until {day} (a day).
        return n_(
            "{n} status update left, last day {day}",
            "{n} status updates left, last day {day}",
            lapse.left,
            day=day_text(lapse.last_day),
        )
    # Translators: {n} included minutes left, usable until {day} (a day).
    return n_(
        "{n} included minute left, last day {day}",
        "{n} included minutes left, last day {day}",
        lapse.left,
        day=day_text(lapse.last_day),
    )


def account_lines(account: AccountDigest) -> list[str]:
    """One account's part: its name and channel, then a line per kind of news."""
    lines = [f"*{escape(account.company)}* <#{account.channel_id}>"]
    if account.unreachable_reason:
        lines.append(
            "• :warning: "
            + _(
                "The clock can't post in the channel: {reason}. Type `/oura-book reconnect` "
                "there once it is fixed.",
                reason=refusal_text(account.unreachable_reason),
            )
        )
    if account.this_week:
        sessions = _capped([_session(s, account.timezone) for s in account.this_week])
        lines.append("• " + _("This week: {sessions}", sessions="; ".join(sessions)))
    if account.to_log:
        sessions = _capped([_session(s, account.timezone) for s in account.to_log])
        # Translators: sessions that ended and are not logged yet; {command} is the command
        # that logs one (code).
        lines.append(
            "• :hourglass: "
            + _(
                "To log ({command} in the channel): {sessions}",
                command="`/oura-book done " + escape("<N>") + "`",  # a name
                sessions="; ".join(sessions),
            )
        )
    if account.lapsing:
        lines.append(
            "• :alarm_clock: "
            + _("About to lapse: {what}", what="; ".join(_lapse(x) for x in account.lapsing))
        )
    if account.open_cases:
        refs = _capped([f"{case.ref} {_(case.category.label)}" for case in account.open_cases])
        lines.append(
            "• :sos: "
            + n_(
                "{n} open support case: {cases}",
                "{n} open support cases: {cases}",
                len(account.open_cases),
                cases=", ".join(refs),
            )
        )
    return lines


def digest_message(digest: Digest) -> Message:
    """The digest; accounts with nothing to tell are only counted."""
    if not digest.accounts:
        text = _("You are not the vendor contact of any account, so you have no weekly digest.")
        return Message(text=text, blocks=sections(text, []))
    # Translators: the weekly digest's first line; {week} is an ISO week such as 2026-W49.
    title = ":spiral_calendar_pad: " + n_(
        "*Your week {week}*: {n} account.",
        "*Your week {week}*: {n} accounts.",
        len(digest.accounts),
        week=digest.week,
    )
    lines: list[str] = []
    busy = digest.busy
    for account in busy[:LIST_LIMIT]:
        lines.extend(["", *account_lines(account)])
    if len(busy) > LIST_LIMIT:
        lines.append(_("…and {count} more", count=len(busy) - LIST_LIMIT))
    if digest.quiet_count:
        lines.append("")
        lines.append(
            n_(
                "{n} account has nothing this week.",
                "{n} accounts have nothing this week.",
                digest.quiet_count,
            )
        )
    return Message(text=title, blocks=sections(title, lines))
