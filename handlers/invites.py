"""Calendar invites in DMs: the `.ics` of a session as it is booked, moved or cancelled (to the
vendor contact and the staff who booked or changed it), and to anyone who asks for it with
"Add to my calendar". Each is written in its recipient's language; a failed upload is logged
and changes nothing else."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient

from bot.calendar.invite import Person, filename, invite, summary
from bot.domain.identity import requester
from bot.domain.slacktext import escape
from bot.i18n import _, speaking
from bot.services.booking import ChangeKind, SessionChange
from bot.services.calendar import Meeting
from bot.services.container import Services
from handlers.slack_users import reader_language, user_profile

log = logging.getLogger("oura.handlers")

# The changes that change the meeting in people's calendars.
INVITED = frozenset({ChangeKind.BOOKED, ChangeKind.MOVED, ChangeKind.CANCELLED, ChangeKind.DELETED})


def send_invites(client: WebClient, services: Services, change: SessionChange) -> None:
    """The change's invite to each staff member it concerns: a booking, a move, a cancel and a
    quiet delete change the meeting; logging and notes do not (the meeting is over)."""
    if change.kind not in INVITED:
        return
    try:
        meeting = services.calendar.meeting(change.session, change.account)
        organizer, attendees = people(client, services, meeting)
        linked = services.booking.linked_account(change.account.channel_id)
        chosen = recipients(change, linked.customer_ids if linked is not None else frozenset())
    except Exception:  # the change is made and announced: a missing invite is only logged
        log.exception("no invite for session %s", change.session.id)
        return
    for user_id in chosen:
        send_invite(client, services, user_id, meeting, organizer, attendees, change.kind)


def recipients(change: SessionChange, customers: frozenset[str]) -> list[str]:
    """The vendor contact, and the staff member who booked the session and who changed it when
    that is someone else; never a customer, a person of one of the `customers` workspaces or
    organizations (they have "Add to my calendar")."""
    account, session = change.account, change.session
    people = [(account.vendor_contact_id, None), (session.booked_by, session.booked_by_team)]
    if change.actor is not None:
        people.append((change.actor.user_id, change.actor.team_id))
    chosen: list[str] = []
    for user_id, team_id in people:
        person = requester(user_id, team_id)
        if user_id in chosen or any(i in customers for i in (person.team_id, person.enterprise_id)):
            continue
        chosen.append(user_id)
    return chosen


def people(client: WebClient, services: Services, meeting: Meeting) -> tuple[Person, list[Person]]:
    """The organizer (the vendor contact) and everyone known to take part: the vendor
    contact, whoever booked it and the buyer contact, as Slack names them (`users.info`)."""
    account, session = meeting.account, meeting.session
    ids = dict.fromkeys(
        i for i in (account.vendor_contact_id, session.booked_by, account.buyer_contact_id) if i
    )
    known = {user_id: person_of(client, services, user_id) for user_id in ids}
    return known[account.vendor_contact_id], list(known.values())


def person_of(client: WebClient, services: Services, user_id: str) -> Person:
    """A person's name and email as Slack gives them (the cached profile, so a change asks
    Slack about each person at most once in a few minutes); without the `users:read.email`
    scope, or when Slack cannot say, the invite names them without an email."""
    profile = user_profile(client, user_id, services)
    if profile is None:
        return Person(user_id, None, None)
    return Person(user_id, profile.name, profile.email)


def send_invite(
    client: WebClient,
    services: Services,
    user_id: str,
    meeting: Meeting,
    organizer: Person,
    attendees: Iterable[Person],
    kind: ChangeKind | None = None,
) -> bool:
    """The session's `.ics` as a file in the person's DM, with a line saying what it is, in
    their language; False (logged) when Slack would not take it."""
    with speaking(reader_language(client, user_id, services)):
        body = invite(meeting, services.booking.now(), organizer, attendees)
        comment = _comment(meeting, kind)
    try:
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=dm,
            content=body,
            filename=filename(meeting),
            title=filename(meeting),
            initial_comment=comment,
        )
        return True
    except Exception:
        log.exception("could not send the invite of session %s to %s", meeting.session.id, user_id)
        return False


def _comment(meeting: Meeting, kind: ChangeKind | None) -> str:
    what = escape(summary(meeting))
    session_id = meeting.session.number
    if kind in (ChangeKind.CANCELLED, ChangeKind.DELETED):
        # Translators: {what} is the session's type and customer, {id} its number.
        return _(
            "*{what}* (#{id}) was cancelled: open this invite to take it off your calendar.",
            what=what,
            id=session_id,
        )
    if kind is ChangeKind.MOVED:
        return _(
            "*{what}* (#{id}) moved: open this invite to update it in your calendar.",
            what=what,
            id=session_id,
        )
    return _(
        "*{what}* (#{id}): open this invite to add it to your calendar.", what=what, id=session_id
    )
