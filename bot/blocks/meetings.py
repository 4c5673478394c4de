"""A session as a meeting, wherever customers see it (the channel post, the reminders): its
agenda in one line, its join link, and buttons to put it in a calendar or join it."""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
    UrlInputElement,
)

from bot.blocks import ids
from bot.blocks.base import Message, escape, text_message
from bot.blocks.buttons import button
from bot.blocks.session_asks import ask_buttons
from bot.calendar.links import CalendarEvent, google_url, outlook_url
from bot.domain.commands import form_code
from bot.domain.meeting import AGENDA_NOTE_LIMIT, agenda
from bot.domain.packages import SessionType
from bot.domain.schedule import SessionFacts
from bot.i18n import _
from bot.services.booking import SessionChange


def link_markup(url: str) -> str:
    """A link for mrkdwn, shown as its address: `&<>` escaped, and a `|` (which would end the
    address) percent-encoded."""
    return f"<{escape(url).replace('|', '%7C')}>"


def _topics(session_type: SessionType | str, note: str) -> list[str]:
    """The type's topics in the reader's language, then the line staff added (as typed)."""
    topics = [_(topic) for topic in agenda(session_type)]
    return [*topics, note] if note else topics


def agenda_line(session_type: SessionType | str, note: str) -> str:
    """The agenda in one mrkdwn line."""
    topics = "; ".join(escape(topic) for topic in _topics(session_type, note))
    # Translators: {topics} is the session's agenda, its topics separated by semicolons.
    return _("Agenda: {topics}", topics=topics)


def join_line(url: str) -> str:
    # Translators: {link} is the meeting's join link.
    return _("Join the meeting: {link}", link=link_markup(url))


def meeting_lines(session_type: SessionType | str, note: str, join_url: str | None) -> str:
    """The agenda line, and the join link's line when there is one."""
    lines = [agenda_line(session_type, note)]
    if join_url:
        lines.append(join_line(join_url))
    return "\n".join(lines)


def calendar_event(
    session_type: SessionType | str,
    company: str,
    starts_at: datetime,
    minutes: int,
    note: str,
    join_url: str | None,
) -> CalendarEvent:
    """The session as a calendar event in the reader's language; plain text (an address's
    parameters are not mrkdwn), so the company's name is as typed."""
    label = _(SessionType(session_type).label)
    # Translators: a calendar event's title: {type} is the session type (Kickoff, …),
    # {company} the customer's name.
    title = _("{type}: {company} and Oura", type=label, company=company)
    lines = [_("Agenda:"), *(f"• {topic}" for topic in _topics(session_type, note))]
    if join_url:
        # Translators: in a calendar event's description; {link} is the join link.
        lines += ["", _("Join the meeting: {link}", link=join_url)]
    return CalendarEvent(
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        details="\n".join(lines),
        location=join_url or "",
    )


def _link_button(text: str, action_id: str, url: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=PlainTextObject(text=text), action_id=action_id, url=url, style=style)


def meeting_actions(
    session_id: int,
    event: CalendarEvent,
    add_to_calendar: bool = True,
    join_url: str | None = None,
) -> ActionsBlock:
    """The meeting's buttons: "Join" to the `join_url` when one is given, "Add to my calendar"
    (the invite by DM, `add_to_calendar`) unless told not to, and the Google Calendar and
    Outlook links."""
    elements: list[ButtonElement] = []
    if join_url:
        # Translators: a button that opens the meeting's join link, at most 75 characters.
        elements.append(_link_button(_("Join"), ids.JOIN_MEETING, join_url, "primary"))
    if add_to_calendar:
        # Translators: a button that sends the clicker a calendar invite, at most 75 characters.
        elements.append(button(_("Add to my calendar"), ids.ADD_TO_CALENDAR, str(session_id)))
    elements += [
        *ask_buttons(session_id),
        # Translators: a button that opens Google Calendar with the session filled in.
        _link_button(_("Google Calendar"), ids.CALENDAR_GOOGLE, google_url(event)),
        # Translators: a button that opens Outlook on the web with the session filled in.
        _link_button(_("Outlook"), ids.CALENDAR_OUTLOOK, outlook_url(event)),
    ]
    return ActionsBlock(block_id=ids.meeting_actions(session_id), elements=elements)


def meeting_link_reply(url: str | None, before: str | None) -> Message:
    """The answer to `meeting-link`: the typist's personal link as it is now (`before`: as it
    was, the same when it was only shown)."""
    form = form_code("meeting-link")
    if url and url != before:
        # Translators: {link} is a meeting link.
        text = _(
            "Your meeting link is now {link}. Sessions you are the vendor contact of use it "
            "unless a booking gives its own.",
            link=link_markup(url),
        )
    elif url:
        # Translators: {form} is the command, as code; `off` is typed as it is.
        text = _(
            "Your meeting link is {link}. Change it with {form}, or type `off` after "
            "`meeting-link` to remove it.",
            link=link_markup(url),
            form=form,
        )
    elif before:
        text = _("Your meeting link is removed: sessions without a link of their own have none.")
    else:
        # Translators: {form} is the command, as code.
        text = _(
            "You have no meeting link. Set one with {form}: a Zoom, Google Meet, Teams or "
            "Whereby address.",
            form=form,
        )
    return text_message(text)


def meeting_inputs() -> list[InputBlock]:
    """The booking form's optional join link and agenda line."""
    return [
        InputBlock(
            block_id=ids.FIELD_JOIN_URL,
            optional=True,
            # Translators: a form field's label.
            label=PlainTextObject(text=_("Join link")),
            hint=PlainTextObject(
                text=_("An https address; empty: the vendor contact's own meeting link, if any.")
            ),
            element=UrlInputElement(action_id=ids.FIELD_VALUE),
        ),
        InputBlock(
            block_id=ids.FIELD_AGENDA,
            optional=True,
            # Translators: a form field's label: one more line added to the session's agenda.
            label=PlainTextObject(text=_("Agenda, one more line")),
            element=PlainTextInputElement(action_id=ids.FIELD_VALUE, max_length=AGENDA_NOTE_LIMIT),
        ),
    ]


def session_meeting(change: SessionChange) -> tuple[str, ActionsBlock]:
    """What a booked or moved session's channel post adds: the agenda and join link lines,
    and the calendar buttons."""
    session, account = change.session, change.account
    assert session.id is not None
    minutes = session.minutes_held or session.minutes_booked
    event = calendar_event(
        session.session_type,
        account.company,
        session.starts_at,
        minutes,
        session.agenda_note,
        change.join_url,
    )
    lines = meeting_lines(session.session_type, session.agenda_note, change.join_url)
    return lines, meeting_actions(session.id, event)


def reminder_meeting(
    text: str, session: SessionFacts, company: str, last_hour: bool
) -> tuple[str, ActionsBlock]:
    """A session reminder's text with the agenda and join link lines, and its buttons: the
    calendar links, and "Join" in the last hour when there is a link."""
    event = calendar_event(
        session.session_type,
        company,
        session.starts_at,
        session.minutes,
        session.agenda_note,
        session.join_url,
    )
    lines = meeting_lines(session.session_type, session.agenda_note, session.join_url)
    join = session.join_url if last_hour else None
    return f"{text}\n{lines}", meeting_actions(session.id, event, False, join)
