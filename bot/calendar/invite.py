"""A session as an RFC 5545 event: the `.ics` invite sent as a session is booked, moved or
cancelled, and the events of a staff member's calendar feed. One session is one event with the
same UID everywhere, so a calendar updates the event it has instead of adding another."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from bot.domain.meeting import agenda
from bot.domain.packages import CANCELLED_STATES, SessionType
from bot.domain.timeutil import zone
from bot.i18n import _
from bot.services.calendar import Meeting

# A host name of ours that never changes: it makes the UIDs unique worldwide (RFC 5545 3.8.4.7).
UID_HOST = "oura-onboarding-bot"  # not for people: part of every event's UID
PRODID = "-//Oura onboarding bot//Sessions//EN"  # not for people: the calendar's maker
# A person Slack gave no email for: an address that can never receive mail (RFC 6761).
NO_EMAIL_DOMAIN = "slack.invalid"  # not for people: a reserved domain


@dataclass(frozen=True)
class Person:
    """Someone in the meeting as Slack knows them (a name and an email when it says them)."""

    user_id: str
    name: str | None = None
    email: str | None = None

    def address(self) -> vCalAddress:
        mailbox = self.email or f"{self.user_id}@{NO_EMAIL_DOMAIN}"
        address = vCalAddress(f"mailto:{mailbox}")
        address.params["cn"] = vText(self.name or self.user_id)
        return address


def uid_of(session_id: int | None) -> str:
    return f"session-{session_id}@{UID_HOST}"


def summary(meeting: Meeting) -> str:
    # Translators: an invite's title: {type} is the session type, {company} the customer.
    return _(
        "{type} · {company}",
        type=_(SessionType(meeting.session.session_type).label),
        company=meeting.account.company,
    )


def description(meeting: Meeting) -> str:
    """The agenda (the type's topics and the line staff added) and how to join."""
    topics = [_(topic) for topic in agenda(meeting.session.session_type)]
    if meeting.session.agenda_note:
        topics.append(meeting.session.agenda_note)
    lines = [_("Agenda:"), *(f"- {topic}" for topic in topics)]
    if meeting.join_url:
        lines += ["", _("Join the meeting: {url}", url=meeting.join_url)]
    return "\n".join(lines)


def filename(meeting: Meeting) -> str:
    """`kickoff-2026-12-03.ics`: the type and the day it is on for the customer."""
    local = meeting.session.starts_at.astimezone(zone(meeting.account.timezone))
    return f"{meeting.session.session_type}-{local.date().isoformat()}.ics"


def event(
    meeting: Meeting,
    stamp: datetime,
    organizer: Person | None = None,
    attendees: Iterable[Person] = (),
) -> Event:
    session = meeting.session
    minutes = session.minutes_held or session.minutes_booked
    cancelled = session.state in CANCELLED_STATES
    item = Event()
    item.add("uid", uid_of(session.id))
    item.add("dtstamp", stamp)
    item.add("dtstart", session.starts_at)
    item.add("dtend", session.starts_at + timedelta(minutes=minutes))
    item.add("summary", summary(meeting))
    item.add("description", description(meeting))
    item.add("sequence", session.sequence)
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if meeting.join_url:
        item.add("location", meeting.join_url)
        item.add("url", meeting.join_url)
    if organizer is not None:
        item.add("organizer", organizer.address())
    for person in attendees:
        attendee = person.address()
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        item.add("attendee", attendee)
    return item


def invite(
    meeting: Meeting, now: datetime, organizer: Person, attendees: Iterable[Person]
) -> bytes:
    """The invite for the session as it is now: METHOD:REQUEST, or METHOD:CANCEL once it is
    cancelled (same UID, STATUS:CANCELLED)."""
    cancelled = meeting.session.state in CANCELLED_STATES
    calendar = _calendar("CANCEL" if cancelled else "REQUEST")
    calendar.add_component(event(meeting, now, organizer, attendees))
    return calendar.to_ical()


def feed(meetings: Iterable[Meeting]) -> bytes:
    """A calendar to subscribe to: the sessions as published events (no METHOD, no people, so
    a calendar app shows them without asking anyone to answer). Each event is stamped with its
    session's last change, so the same sessions give the same bytes (the feed's ETag)."""
    calendar = _calendar(None)
    calendar.add("x-wr-calname", _("Onboarding sessions"))
    for meeting in meetings:
        calendar.add_component(event(meeting, meeting.session.updated_at))
    return calendar.to_ical()


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method)
    return calendar
