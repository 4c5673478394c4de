"""The session log in Slack: the DM asking staff how a session went (one click to log it), the
form for another length with attendees and a note, and what the DM says once logged."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.base import (
    LIST_LIMIT,
    Message,
    date_token,
    escape,
    form_modal,
    section,
    sections,
    text_message,
)
from bot.blocks.buttons import button
from bot.blocks.sessions import absorbed_line, balance_line, minutes_input
from bot.domain.packages import SessionState, SessionType
from bot.domain.session_log import MAX_ATTENDEES, MAX_NOTE, UNLOGGED_BUSINESS_DAYS
from bot.i18n import _, n_
from bot.services.booking import ChangeKind, SessionChange, balance_of
from storage.models import Account, OnboardingSession


def session_label(session: OnboardingSession, timezone: str) -> str:
    """`*Kickoff* #3: <date>`: its type, its number in the account, when and how long."""
    minutes = session.minutes_held or session.minutes_booked
    when = date_token(session.starts_at, timezone, minutes)
    # The type's label is marked in bot/domain/packages.py.
    return f"*{_(SessionType(session.session_type).label)}* #{session.number}: {when}"


def log_prompt_dm(account: Account, session: OnboardingSession) -> Message:
    """To the vendor contact (and the booker) once a session's end has passed."""
    assert session.id is not None
    # Translators: a DM to staff after a session; {session} is its type, number, date and
    # length; {company} the customer's name.
    text = _(
        "How did it go? Log {session} with *{company}*:",
        session=session_label(session, account.timezone),
        company=escape(account.company),
    )
    value = str(session.id)
    return Message(
        text=text,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=text)),
            ActionsBlock(
                elements=[
                    # Translators: a button, at most 75 characters; {minutes} the booked length.
                    button(
                        _("Held, {minutes} min", minutes=session.minutes_booked),
                        ids.LOG_PROMPT_HELD,
                        value,
                        "primary",
                    ),
                    # Translators: a button that opens a form, at most 75 characters.
                    button(_("Held, other length…"), ids.LOG_PROMPT_OTHER, value),
                    # Translators: a button, at most 75 characters: the customer did not come.
                    button(_("No-show"), ids.LOG_PROMPT_NO_SHOW, value),
                    # Translators: a button, at most 75 characters: the session did not happen.
                    button(_("Didn't happen"), ids.LOG_PROMPT_NOT_HELD, value),
                ]
            ),
        ],
    )


def logged_dm(change: SessionChange, counts_as_used: bool) -> Message:
    """The log DM once a button recorded what happened (it replaces the buttons)."""
    session, account = change.session, change.account
    label = session_label(session, account.timezone)
    company = escape(account.company)
    if session.state == SessionState.HELD:
        # Translators: {session} is its type, number, date and the minutes held.
        text = _("Logged {session} with *{company}* as held.", session=label, company=company)
    elif session.state == SessionState.NO_SHOW:
        text = (
            _(
                "Logged {session} with *{company}* as a no-show: its time counts as used.",
                session=label,
                company=company,
            )
            if counts_as_used
            else _(
                "Logged {session} with *{company}* as a no-show: its time was given back.",
                session=label,
                company=company,
            )
        )
    else:
        text = _(
            "Logged {session} with *{company}* as not held: its time was given back, and "
            "nothing was posted in the channel.",
            session=label,
            company=company,
        )
    text = " ".join([text, *(absorbed_line(a) for a in change.absorbed)])
    return Message(text=text, blocks=[section(":white_check_mark: " + text)])


def log_session_modal(metadata: str, label: str, minutes: int) -> View:
    """Held, another length: the minutes, who attended and a note (both staff-only)."""
    return form_modal(
        ids.LOG_SESSION_MODAL,
        metadata,
        # Translators: a modal's title, at most 24 characters.
        _("Log as held"),
        # Translators: the modal's submit button, at most 24 characters.
        _("Log"),
        [
            section(label),
            minutes_input(_("Minutes held"), minutes),
            InputBlock(
                block_id=ids.FIELD_ATTENDEES,
                optional=True,
                # Translators: a form field's label: who took part in the session.
                label=PlainTextObject(text=_("Attendees")),
                hint=PlainTextObject(text=_("Seen by staff only.")),
                element=PlainTextInputElement(action_id=ids.FIELD_VALUE, max_length=MAX_ATTENDEES),
            ),
            InputBlock(
                block_id=ids.FIELD_NOTE,
                optional=True,
                # Translators: a form field's label: a note about the session.
                label=PlainTextObject(text=_("Note")),
                hint=PlainTextObject(text=_("Seen by staff only.")),
                element=PlainTextInputElement(
                    action_id=ids.FIELD_VALUE, multiline=True, max_length=MAX_NOTE
                ),
            ),
        ],
    )


def unlogged_reminder_dm(sessions: list[tuple[OnboardingSession, Account]]) -> Message:
    """The daily DM to staff: sessions still not logged two business days after their end."""
    lines = [
        f"• <#{account.channel_id}> *{escape(account.company)}*: "
        + session_label(session, account.timezone)
        for session, account in sessions[:LIST_LIMIT]
    ]
    if len(sessions) > LIST_LIMIT:
        lines.append(_("…and {count} more", count=len(sessions) - LIST_LIMIT))
    # Translators: a daily DM to staff; {n} is how many sessions, {days} business days,
    # {command} the command that logs one (code); the sessions are listed below it.
    title = ":hourglass: " + n_(
        "{n} session is still not logged, {days} business days after its end. Log it with "
        "{command} in its channel:",
        "{n} sessions are still not logged, {days} business days after their end. Log them "
        "with {command} in their channels:",
        len(sessions),
        days=UNLOGGED_BUSINESS_DAYS,
        command="`/oura-book done " + escape("<N>") + "`",  # a name
    )
    return Message(text=title, blocks=sections(title, lines))


def correction_reply(change: SessionChange, field: str | None = None) -> Message:
    """What staff are told after a note or a quiet correction (nothing is posted in the
    channel), with what is left."""
    session, account = change.session, change.account
    label = session_label(session, account.timezone)
    if change.kind == ChangeKind.NOTED and field == "attendees":
        # Translators: {session} is its type, number, date and length.
        said = _("Saved who attended {session} (seen by staff only).", session=label)
    elif change.kind == ChangeKind.NOTED:
        said = _("Saved the note of {session} (seen by staff only).", session=label)
    elif change.kind == ChangeKind.UNLOGGED and session.state == SessionState.CANCELLED:
        # A late cancel counted as used, uncounted.
        said = _(
            "{session} stays cancelled and its time was given back. Nothing was posted.",
            session=label,
        )
    elif change.kind == ChangeKind.UNLOGGED:
        said = _("{session} is booked again, not logged. Nothing was posted.", session=label)
    else:
        said = _(
            "Deleted {session}: its time was given back and no cancellation was posted.",
            session=label,
        )
    left = f"{escape(account.company)}: {balance_line(balance_of(change.contract))}."
    return text_message(" ".join([said, left, *(absorbed_line(a) for a in change.absorbed)]))


def removed_post() -> Message:
    """What a deleted booking's post says where Slack would not delete it."""
    text = ":wastebasket: " + _("This booking was removed.")
    return Message(text=text, blocks=[section(text)])
