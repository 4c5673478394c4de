"""Sessions in Slack: the channel posts of a change, staff replies, the usage card, the list,
the booking form and the schedule of automated posts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DateTimePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.automated_posts import refusal_text
from bot.blocks.base import (
    LIST_LIMIT,
    Message,
    date_token,
    day_text,
    escape,
    form_modal,
    section,
    sections,
    text_message,
)
from bot.blocks.buttons import channel_actions, session_actions
from bot.blocks.contract_lines import other_contracts_block
from bot.blocks.meetings import meeting_inputs, session_meeting
from bot.blocks.usage_warning import usage_dm_lines
from bot.domain.commands import form_code
from bot.domain.country import effective_country
from bot.domain.entitlement import Balance, Tally, minutes_tally, status_updates_tally
from bot.domain.packages import MAX_SESSION_MINUTES, PACKAGES, SessionState, SessionType
from bot.domain.schedule import Post
from bot.domain.session_log import UNLOGGED_BUSINESS_DAYS, is_unlogged_too_long
from bot.domain.support import (
    OVERDUE_BUSINESS_DAYS,
    CaseFacts,
    days_left_text,
    is_overdue,
    order_cases,
)
from bot.domain.usage_warnings import UsageDm
from bot.i18n import FINNISH, N_, _, money, n_, say
from bot.services.booking import (
    NO_SHOW_RELEASED,
    ChangeKind,
    SessionChange,
    SessionListing,
    Usage,
    balance_of,
)
from bot.services.rebalance import Absorbed
from storage.models import Account, CustomerTeam, OnboardingSession

# Words these builders show that are stored or kept as codes elsewhere: marked here so the
# catalog has them (the contact roles are `ContactRole` values, the rest database values).
# Translators: a vendor contact's role, shown after their name, e.g. "@Anna (account manager)".
CONTACT_ROLES = (N_("account manager"), N_("customer success manager"))
STATE_LABELS = {
    # Translators: a past session's state in the staff's list of sessions.
    SessionState.HELD: N_("held"),
    # Translators: a session's state in the staff's list of sessions.
    SessionState.CANCELLED: N_("cancelled"),
    # Translators: a session's state in the staff's list: the customer did not come.
    SessionState.NO_SHOW: N_("no-show"),
    # Translators: a session's state in the staff's list: cancelled at short notice, its time
    # counted as used.
    SessionState.LATE_CANCELLED: N_("cancelled late, time counted"),
}
# Translators: the kind of a customer's Slack account (a Slack workspace, an Enterprise Grid
# organization), shown to staff.
TEAM_KINDS = (N_("workspace"), N_("organization"))


def _mention(user_id: str | None) -> str:
    """A person as Slack shows them (a value, not an f-string, inside a marked sentence)."""
    return f"<@{user_id}>"


def _session_type(session: OnboardingSession) -> str:
    """A session's type in the reader's language (the labels are marked in packages.py)."""
    return _(SessionType(session.session_type).label)


# -- posts in the linked channel --------------------------------------------------------------


def session_line(session: OnboardingSession, timezone: str) -> str:
    minutes = session.minutes_held or session.minutes_booked
    when = date_token(session.starts_at, timezone, minutes)
    return f"*{_session_type(session)}* #{session.number}: {when}"


def _billable_note(session: OnboardingSession) -> str:
    if session.billable_minutes:
        note = _("{minutes} min of it is billable extra time.", minutes=session.billable_minutes)
        return "\n" + note
    return ""


def session_post(change: SessionChange) -> Message | None:
    """What the customer's channel is told of a change to a session (nothing of a log)."""
    match change.kind:
        case ChangeKind.BOOKED:
            return booked_post(change)
        case ChangeKind.MOVED:
            return moved_post(change)
        case ChangeKind.CANCELLED:
            return cancelled_post(change)
    return None


def booked_post(change: SessionChange) -> Message:
    session, account = change.session, change.account
    assert session.id is not None
    line = session_line(session, account.timezone)
    # Translators: {company} is the customer's name, {session} its type, id, date and length.
    booked = _("Booked for {company}: {session}", company=escape(account.company), session=line)
    text = f":calendar: {booked}{_billable_note(session)}"
    by = _("Booked by {user}", user=_mention(session.booked_by))
    lines, calendar = session_meeting(change)
    text = f"{text}\n{lines}"
    return Message(
        text=text,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=text)),
            ContextBlock(elements=[MarkdownTextObject(text=by)]),
            session_actions(session.id, session.number),
            calendar,
        ],
    )


def welcome_post(account: Account, package_id: str) -> Message:
    package = PACKAGES[package_id]
    # Translators: {package} is a package's name (Launch Kit…), {contact} a person, {role}
    # their role (account manager…); the buttons are "Request a session" and "Show usage".
    text = ":wave: " + _(
        "This channel is now where {company} and Oura plan the {package} onboarding. "
        "{contact} is your {role}. Use the buttons to ask for a session or to see what your "
        "package has left.",
        company=escape(account.company),
        package=package.name,
        contact=_mention(account.vendor_contact_id),
        role=_(package.contact_role),
    )
    return Message(
        text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
    )


def moved_post(change: SessionChange) -> Message:
    session, account = change.session, change.account
    previous = date_token(change.previous_start or session.starts_at, account.timezone)
    # Translators: {previous} is the date and time the session had before.
    moved = _(
        "Moved: {session} (was {previous})",
        session=session_line(session, account.timezone),
        previous=previous,
    )
    text = f":arrows_counterclockwise: {moved}{_billable_note(session)}"
    assert session.id is not None
    lines, calendar = session_meeting(change)
    text = f"{text}\n{lines}"
    return Message(
        text=text,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=text)),
            session_actions(session.id, session.number),
            calendar,
        ],
    )


def cancelled_post(change: SessionChange) -> Message:
    session = change.session
    line = session_line(session, change.account.timezone)
    text = ":x: " + _("Cancelled: {session}", session=line)
    if session.state == SessionState.LATE_CANCELLED:
        # The customer is told plainly why their balance went down.
        text += "\n" + _(
            "It was cancelled at short notice, so its {minutes} minutes count as used.",
            minutes=session.minutes_booked,
        )
    return Message(
        text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
    )


# -- ephemeral replies to staff ---------------------------------------------------------------


def balance_line(balance: Balance) -> str:
    line = _(
        "{left} of {included} included minutes left",
        left=balance.minutes_left,
        included=balance.included_minutes,
    )
    if balance.status_updates:
        # Translators: follows "… included minutes left" in the same sentence.
        line += _(
            ", {left} of {included} status updates left",
            left=balance.status_updates_left,
            included=balance.status_updates,
        )
    return line


def lapsed_line(tally: Tally) -> str:
    """`balance_line` once the window has ended: the closed summary's numbers."""
    return _(
        "{lapsed} of {included} included minutes lapsed",
        lapsed=tally.lapsed,
        included=tally.included,
    )


# What a staff member is told after a change. The line already ends with the minutes held.
REPLIES = {
    # Translators: to staff after a change; {session} is its type, id, date and length.
    ChangeKind.BOOKED: N_("Booked {session}."),
    # Translators: to staff after a change; {session} is its type, id, date and length.
    ChangeKind.MOVED: N_("Moved {session}."),
    # Translators: to staff after a change; {session} is its type, id, date and length.
    ChangeKind.CANCELLED: N_("Cancelled {session}."),
    # Translators: to staff; {session} is its type, id, date and the minutes held.
    ChangeKind.LOGGED_HELD: N_("Logged {session} as held."),
}


def booking_reply(change: SessionChange) -> Message:
    """What the staff member who made the change is told, with what is left."""
    session, account = change.session, change.account
    line = session_line(session, account.timezone)
    parts = [_(REPLIES[change.kind], session=line)]
    paid = []
    if session.included_minutes:
        paid.append(_("{minutes} included min", minutes=session.included_minutes))
    if session.uses_status_update:
        paid.append(_("1 included status update"))
    if session.billable_minutes:
        paid.append(_("{minutes} billable min", minutes=session.billable_minutes))
    if paid and session.state != SessionState.CANCELLED:
        # A late cancel counted as used still shows what paid for it.
        # Translators: {sources} lists what pays for the session, e.g. "45 included min".
        parts.append(_("Paid from: {sources}.", sources=", ".join(paid)))
    parts.extend(absorbed_line(a) for a in change.absorbed)
    parts.append(f"{escape(account.company)}: {balance_line(balance_of(change.contract))}.")
    return text_message(" ".join(parts))


def absorbed_line(absorbed: Absorbed) -> str:
    """A booked session that took freed included minutes (billable rebalancing)."""
    # Translators: to staff after a change freed included minutes; {id} is another booked
    # session's number, then how it is paid for now.
    return _(
        "Freed minutes went to #{id}: it is now {included} included min, {billable} billable min.",
        id=absorbed.number,
        included=absorbed.included_minutes,
        billable=absorbed.billable_minutes,
    )


def link_reply(account: Account, package_id: str, start: Any) -> Message:
    package = PACKAGES[package_id]
    return text_message(
        # Translators: {command} is the command to type, e.g. `/oura-book timezone <zone>`.
        _(
            "Linked this channel to *{company}*: {package} from {start}. Vendor contact: "
            "{contact}. Account time zone: {timezone} (change it with {command}).",
            company=escape(account.company),
            package=package.name,
            start=day_text(start),
            contact=_mention(account.vendor_contact_id),
            timezone=account.timezone,
            command=form_code("timezone"),
        )
    )


def reconnect_reply(account: Account, cleared: bool) -> Message:
    company = escape(account.company)
    if not cleared:
        return text_message(
            _(
                "I can post in this channel for *{company}* already: nothing to reconnect.",
                company=company,
            )
        )
    return text_message(
        # Translators: "the clock" is the bot's scheduler of reminders and warnings.
        _(
            "Reconnected: the clock posts for *{company}* in this channel again (whatever is "
            "still due goes out on its next sweep).",
            company=company,
        )
    )


def unreachable_block(account: Account) -> ContextBlock:
    """For staff: the clock has stopped posting in this channel, since when, and the fix."""
    since = account.unreachable_since
    reason = refusal_text(account.unreachable_reason or "")
    if since:
        # Translators: {since} is a date and time; {reason} says what Slack refused.
        text = _(
            "*The clock can't post here* since {since}: {reason}. Fix the channel (unarchive "
            "it, or invite me again), then type `/oura-book reconnect`.",
            since=date_token(since, account.timezone),
            reason=reason,
        )
    else:
        text = _(
            "*The clock can't post here*: {reason}. Fix the channel (unarchive it, or invite "
            "me again), then type `/oura-book reconnect`.",
            reason=reason,
        )
    return ContextBlock(elements=[MarkdownTextObject(text=f":warning: {text}")])


def timezone_reply(account: Account) -> Message:
    return text_message(
        _(
            "*{company}* now uses the time zone {timezone}.",
            company=escape(account.company),
            timezone=account.timezone,
        )
    )


def country_reply(account: Account) -> Message:
    return text_message(
        # Translators: {country} is a two-letter country code, e.g. FI.
        _(
            "*{company}* now follows the public holidays of {country}: automated posts wait "
            "for the next business day.",
            company=escape(account.company),
            country=account.country,
        )
    )


def language_reply(language: str) -> Message:
    """The answer to `/oura-book language`: built in the NEW language (the caller speaks it)."""
    if language == FINNISH:
        return text_message(_("Posts in this channel are now in Finnish."))
    return text_message(_("Posts in this channel are now in English."))


def case_lines(
    cases: Sequence[CaseFacts],
    timezone: str,
    now: datetime,
    for_staff: bool,
    country: str | None,
) -> list[str]:
    """Open support cases, overdue untaken ones first; buyers see no internal flags.
    `country`: whose public holidays are not business days (None: none)."""
    lines = []
    for case in order_cases(cases, now, timezone, country)[:LIST_LIMIT]:
        facts: dict[str, Any] = {
            "ref": case.ref,
            "category": _(case.category.label),
            "opened": date_token(case.created_at, timezone),
        }
        if case.taken_by:
            # Translators: a support case; {ref} its id, {category} its kind, {user} a person.
            line = _(
                "*{ref}* {category}: taken by {user}, opened {opened}",
                user=_mention(case.taken_by),
                **facts,
            )
        else:
            line = _("*{ref}* {category}: waiting to be taken, opened {opened}", **facts)
        if for_staff:
            if is_overdue(case.created_at, case.taken_by is not None, now, timezone, country):
                over = n_(
                    "(over {n} business day)",
                    "(over {n} business days)",
                    OVERDUE_BUSINESS_DAYS,
                )
                line = f":rotating_light: {line} {over}"
            if case.outside_window:
                line += _(", outside the return window")
        lines.append(line)
    return lines


def usage_fields(usage: Usage, details: str) -> tuple[str, str, str | None]:
    """The usage card's and the living balance's three fields: included minutes (with
    `details`, where they went), the window, and status updates (None: the package has none).
    Once the window or term has ended, they show the closed summary's numbers."""
    terms, balance = usage.terms, usage.balance
    window_end = terms.window_end - timedelta(days=1)
    minutes_now = minutes_tally(balance, usage.window_closed)
    if minutes_now.closed:
        # Translators: a field of the usage card once the window has ended; the numbers are
        # those of the closed summary; {details} says where the minutes went.
        minutes = _(
            "*Included minutes*\n{used} used, *{lapsed} lapsed* (of {included})\n{details}",
            used=minutes_now.used,
            lapsed=minutes_now.lapsed,
            included=minutes_now.included,
            details=details,
        )
        # Translators: a field of the usage card; {end} is the window's last day.
        window = _("*Window*\nended on {end}", end=day_text(window_end))
    else:
        # Translators: a field of the usage card; {details} says where the minutes went.
        minutes = _(
            "*Included minutes*\n{spent} used of {included}, *{left} left*\n{details}",
            spent=balance.minutes_spent,
            included=balance.included_minutes,
            left=balance.minutes_left,
            details=details,
        )
        if terms.package.window_days:
            window = n_(
                "*Window*\nfirst {n} day, until {end}",
                "*Window*\nfirst {n} days, until {end}",
                terms.package.window_days,
                end=day_text(window_end),
            )
        else:
            window = _("*Window*\nthe contract term, until {end}", end=day_text(window_end))
    if not balance.status_updates:
        return minutes, window, None
    updates_now = status_updates_tally(balance, usage.term_closed)
    if updates_now.closed:
        status = _(
            "*Status updates*\n{used} used, *{lapsed} lapsed* (of {included})",
            used=updates_now.used,
            lapsed=updates_now.lapsed,
            included=updates_now.included,
        )
    else:
        status = _(
            "*Status updates*\n{spent} used of {included}, *{left} left*",
            spent=balance.status_updates_spent,
            included=balance.status_updates,
            left=balance.status_updates_left,
        )
    return minutes, window, status


def contract_dates(usage: Usage) -> str:
    """The contract's package and dates, "(ended)" once its term is over."""
    # Translators: the contract's dates on the usage card.
    line = _(
        "*{package}*, contract from {start} to {end}",
        package=usage.terms.package.name,
        start=day_text(usage.contract.start),
        end=day_text(usage.terms.term_end - timedelta(days=1)),
    )
    if usage.term_closed:
        # Translators: follows "…, contract from … to …" once the term is over.
        line += " " + _("(ended)")
    return line


def usage_card(
    usage: Usage,
    for_staff: bool = True,
    cases: Sequence[CaseFacts] = (),
    now: datetime | None = None,
) -> Message:
    account, terms, balance = usage.account, usage.terms, usage.balance
    package = terms.package
    # Staff keep the precise words; a buyer reads what happened and what is booked ahead.
    spent = (
        _(
            "({held} used: held, no-shows, late cancels; {reserved} reserved by bookings)",
            held=usage.minutes_held,
            reserved=usage.minutes_reserved,
        )
        if for_staff
        else _(
            "({held} already used, {reserved} booked ahead)",
            held=usage.minutes_held,
            reserved=usage.minutes_reserved,
        )
    )
    minutes_now = minutes_tally(balance, usage.window_closed)
    minutes, window, status = usage_fields(usage, spent)
    if status is None:
        status = _("*Status updates*\nnone in this package")
    contact_title = _("*Vendor contact*") if for_staff else _("*Your Oura contact*")
    role = _(package.contact_role)
    contacts = f"{contact_title}\n<@{account.vendor_contact_id}> ({role})"
    buyer = (
        _("*Customer contact*\n{user}", user=_mention(account.buyer_contact_id))
        if account.buyer_contact_id
        else _("*Customer contact*\nnot named yet")
    )
    billable = _("*Billable extra time*\n{minutes} min", minutes=usage.billable_minutes)
    if for_staff and usage.billing_estimate is not None:
        # Translators: {amount} is money with its currency, e.g. €75.00.
        estimate = _("(estimate {amount})", amount=money(usage.billing_estimate, usage.currency))
        billable += f" {estimate}"
    next_line = (
        session_line(usage.next_session, account.timezone)
        if usage.next_session
        else _("nothing booked")
    )
    text = _(
        "{company}: {package}, {balance}; {billable} billable min.",
        company=escape(account.company),
        package=package.name,
        balance=lapsed_line(minutes_now) if minutes_now.closed else balance_line(balance),
        billable=usage.billable_minutes,
    )
    contract_line = contract_dates(usage)
    return Message(
        text=text,
        blocks=[
            # Translators: a header (plain text); {company} is the customer's name.
            HeaderBlock(
                text=PlainTextObject(text=_("{company}: usage", company=account.company)[:150])
            ),
            SectionBlock(text=MarkdownTextObject(text=contract_line)),
            SectionBlock(
                fields=[
                    MarkdownTextObject(text=minutes),
                    MarkdownTextObject(text=window),
                    MarkdownTextObject(text=status),
                    MarkdownTextObject(text=billable),
                    MarkdownTextObject(text=contacts),
                    MarkdownTextObject(text=buyer),
                ]
            ),
            ContextBlock(
                elements=[MarkdownTextObject(text=_("Next session: {next}", next=next_line))]
            ),
            *other_contracts_block(account, usage.contract, usage.contracts),
            *([customer_ids_block(usage.customer_teams)] if for_staff else []),
            *([no_show_block(usage.no_show_counts)] if for_staff else []),
            *([unreachable_block(account)] if for_staff and account.unreachable_reason else []),
            *(
                sections(
                    _("*Open support cases*"),
                    case_lines(
                        cases,
                        account.timezone,
                        now,
                        for_staff,
                        effective_country(account.country, account.timezone),
                    )
                    or [_("none")],
                )
                if now is not None
                else []
            ),
        ],
    )


def no_show_block(counts: str) -> ContextBlock:
    """For staff: the one rule a no-show follows (OURA_NO_SHOW_COUNTS)."""
    if counts == NO_SHOW_RELEASED:
        text = _("No-shows: the reserved time is given back.")
    else:
        text = _("No-shows: the reserved time counts as used.")
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def customer_ids_block(teams: Sequence[CustomerTeam]) -> ContextBlock:
    """For staff: the Slack workspaces and organizations the customer is known by (their
    people are the buyers here), where each came from, and how to correct them."""
    command = "`/oura-book contact buyer @person`"  # a name
    if not teams:
        # Translators: {command} is the command that fixes it, kept as it is.
        text = _(
            "Customer's Slack: not known yet, so no customer can use the buttons. {command} "
            "sets them from the customer contact.",
            command=command,
        )
    else:
        # The source (channel_shared, buyer…) is a code for staff, kept as it is.
        known = ", ".join(f"{_(t.kind)} `{t.team_id}` ({t.source})" for t in teams)
        # Translators: {known} lists the customer's Slack workspaces and organizations.
        text = _(
            "Customer's Slack: {known}. Wrong? {command} sets them from the customer contact.",
            known=known,
            command=command,
        )
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _clipped(text: str, limit: int = 200) -> str:
    """Staff's words on one line, cut, escaped for mrkdwn."""
    flat = " ".join(text.split())
    return escape(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def staff_notes(session: OnboardingSession) -> str:
    """A session's attendees and note, for staff only (never in the customer's view)."""
    lines = ""
    if session.attendees:
        # Translators: after a session in the staff's list; {names} as staff typed them.
        lines += "\n> " + _("Attendees: {names}", names=_clipped(session.attendees))
    if session.note:
        # Translators: after a session in the staff's list; {note} as staff typed it.
        lines += "\n> " + _("Note: {note}", note=_clipped(session.note))
    return lines


def unlogged_text(
    session: OnboardingSession, timezone: str, country: str | None, now: datetime
) -> str:
    """After a started session not logged yet; flagged two business days after its end."""
    if is_unlogged_too_long(
        session.state, session.starts_at, session.minutes_booked, now, timezone, country
    ):
        # Translators: after a session in the staff's list; keep `done &lt;id&gt;` as it is.
        return " :hourglass: " + n_(
            "not logged {n} business day after its end (`done &lt;id&gt;`)",
            "not logged {n} business days after its end (`done &lt;id&gt;`)",
            UNLOGGED_BUSINESS_DAYS,
        )
    # Translators: keep the command `done &lt;id&gt;` as it is.
    return _(", not logged yet (`done &lt;id&gt;`)")


def session_list(listing: SessionListing, now: datetime) -> Message:
    """`/oura-book list`: the sessions ahead, then the others latest first, each group cut at
    LIST_LIMIT with how many more there are."""
    account = listing.account
    blocks: list[Block] = [
        # Translators: a header (plain text); {company} is the customer's name.
        HeaderBlock(
            text=PlainTextObject(text=_("{company}: sessions", company=account.company)[:150])
        )
    ]

    country = effective_country(account.country, account.timezone)

    def describe(session: OnboardingSession) -> str:
        line = session_line(session, account.timezone)
        if session.state == SessionState.BOOKED and session.starts_at < now:
            line += unlogged_text(session, account.timezone, country, now)
        elif session.state != SessionState.BOOKED:
            line += ", " + _(STATE_LABELS.get(SessionState(session.state), session.state))
        if session.billable_minutes and session.state != SessionState.CANCELLED:
            line += _(", {minutes} min billable", minutes=session.billable_minutes)
        return line + staff_notes(session)

    groups = (
        (_("Upcoming"), listing.upcoming, listing.upcoming_count),
        (_("Past and cancelled"), listing.past, listing.past_count),
    )
    for title, group, count in groups:
        shown = group[:LIST_LIMIT]
        lines = [describe(s) for s in shown] or [_("none")]
        if count > len(shown):
            lines.append(_("…and {count} more", count=count - len(shown)))
        blocks.extend(sections(f"*{title}*", lines))
        blocks.append(DividerBlock())
    text = n_(
        "{company}: {n} session, {upcoming} upcoming, {past} past or cancelled",
        "{company}: {n} sessions, {upcoming} upcoming, {past} past or cancelled",
        listing.upcoming_count + listing.past_count,
        company=escape(account.company),
        upcoming=listing.upcoming_count,
        past=listing.past_count,
    )
    return Message(text=text, blocks=blocks[:-1])


# -- the booking modal ------------------------------------------------------------------------


def minutes_input(label: str, initial: int) -> InputBlock:
    """A session's length in whole minutes, 1 to the most a session may last. `label`: in the
    reader's language already."""
    return InputBlock(
        block_id=ids.FIELD_MINUTES,
        # Translators: a form field's label, e.g. "Minutes (at most 60)".
        label=PlainTextObject(
            text=_("{label} (at most {most})", label=label, most=MAX_SESSION_MINUTES)
        ),
        element=NumberInputElement(
            action_id=ids.FIELD_VALUE,
            is_decimal_allowed=False,
            initial_value=str(initial),
            min_value="1",
            max_value=str(MAX_SESSION_MINUTES),
        ),
    )


def booking_modal(
    metadata: str,
    company: str,
    initial: datetime,
    free_slots: Sequence[Block] = (),
    confirm: Sequence[Block] = (),
) -> View:
    """The booking form; `metadata` (signed) names the channel whose account it books for.
    `free_slots` are shown under the start, `confirm` (more confirmations) at the end."""
    types = [Option(value=t.value, label=_(t.label)) for t in SessionType]
    return form_modal(
        ids.BOOKING_MODAL,
        metadata,
        # Translators: a modal's title, at most 24 characters.
        _("Book a session"),
        # Translators: the modal's submit button, at most 24 characters.
        _("Book"),
        [
            section(_("For *{company}*", company=escape(company))),
            InputBlock(
                block_id=ids.FIELD_TYPE,
                label=PlainTextObject(text=_("Session type")),
                element=StaticSelectElement(
                    action_id=ids.FIELD_VALUE, options=types, initial_option=types[0]
                ),
            ),
            InputBlock(
                block_id=ids.FIELD_STARTS_AT,
                # Translators: the form field of the date and time the session starts.
                label=PlainTextObject(text=_("Starts")),
                element=DateTimePickerElement(
                    action_id=ids.FIELD_VALUE, initial_date_time=int(initial.timestamp())
                ),
            ),
            *free_slots,
            minutes_input(_("Minutes"), MAX_SESSION_MINUTES),
            InputBlock(
                block_id=ids.FIELD_BILLABLE,
                optional=True,
                label=PlainTextObject(text=_("Extra time")),
                hint=PlainTextObject(
                    text=_("Needed only when the booking goes past what the package has left.")
                ),
                element=CheckboxesElement(
                    action_id=ids.FIELD_VALUE,
                    # Translators: a checkbox, at most 75 characters.
                    options=[Option(value="billable", label=_("Confirm billable extra time"))],
                ),
            ),
            *confirm,
            *meeting_inputs(),
        ],
    )


def schedule_list(
    account: Account,
    posts: list[Post],
    now: datetime,
    usage_dms: Sequence[UsageDm] = (),
    digest: tuple[str, datetime | None] | None = None,
) -> Message:
    """What the clock will post in the channel, and when (the account's business hours); its
    staff DMs on included minutes used, sent or to come; and `digest`, the vendor contact's
    next weekly digest (their zone)."""
    lines = []
    for post in posts[:LIST_LIMIT]:
        when = date_token(max(post.send_at, now), account.timezone)
        # The kinds' labels are marked in bot/domain/schedule.py.
        kind = _(post.kind.label)
        if post.period is not None:
            # Translators: {kind} is a kind of automated post, e.g. "status-update nudge".
            what = _(
                "{kind} (period {index} of {count})",
                kind=kind,
                index=post.period.index,
                count=post.period.count,
            )
        elif post.session is not None:
            what = _("{kind} for #{session}", kind=kind, session=post.session.number)
        elif post.order is not None:
            # Translators: {days} is a count of days, e.g. "3 days".
            what = _(
                "{kind} for order #{order} ({days} before it closes)",
                kind=kind,
                order=post.order.id,
                days=say(days_left_text(post.days_before or 0)),
            )
        elif post.days_before:
            what = _(
                "{kind} ({days} before)", kind=kind, days=say(days_left_text(post.days_before))
            )
        else:
            what = kind
        lines.append(f"{when}: {what}")
    if len(posts) > LIST_LIMIT:
        lines.append(_("…and {count} more", count=len(posts) - LIST_LIMIT))
    title = _("*Automated posts still to come for {company}*", company=escape(account.company))
    blocks = sections(title, lines or [_("none: nothing is due any more")])
    if usage_dms:
        blocks += sections(
            _("*Staff DMs on included minutes used*"), usage_dm_lines(account, usage_dms, now)
        )
    if digest is not None:
        user, at = digest
        if at is None:
            line = _(
                "To {vendor}: none in the next two weeks (no working day).", vendor=_mention(user)
            )
        else:
            # Translators: {vendor} is the vendor contact (a mention); {when} a date and time.
            line = _(
                "To {vendor}: next on {when}.",
                vendor=_mention(user),
                when=date_token(at, account.timezone),
            )
        blocks += sections(_("*Weekly digest*"), [line])
    count = n_(
        "{company}: {n} automated post to come",
        "{company}: {n} automated posts to come",
        len(posts),
        company=escape(account.company),
    )
    return Message(text=count, blocks=blocks)
