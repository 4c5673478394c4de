"""Messages and modals of a buyer's session request, and the staff modals opened from buttons."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    DateTimePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.base import (
    Message,
    date_token,
    escape,
    form_modal,
    quote_section,
    section,
)
from bot.blocks.buttons import button, channel_actions
from bot.blocks.sessions import minutes_input
from bot.domain.packages import SessionType
from bot.domain.requests import MAX_NOTE
from bot.domain.text import Text
from bot.i18n import N_, _, n_, say
from bot.services.requests import RequestView

DURATIONS = (30, 45, 60)
TIME_LABELS = {
    # Translators: labels of the request form's three time pickers.
    1: N_("Preferred time"),
    2: N_("Second choice"),
    3: N_("Third choice"),
}

# Whole sentences per session type: English needs "a"/"an" before the type, and Finnish
# bends the words its own way; a sentence with the type put in as a word would do neither.
ASKED_FOR = {
    # Translators: the channel's note; {who} is the buyer, {vendor} their Oura contact.
    SessionType.KICKOFF: N_(
        ":incoming_envelope: {who} asked for a *Kickoff* session (request #{id}). "
        "{vendor} will confirm a time here."
    ),
    # Translators: the channel's note; {who} is the buyer, {vendor} their Oura contact.
    SessionType.ONBOARDING: N_(
        ":incoming_envelope: {who} asked for an *Onboarding* session (request #{id}). "
        "{vendor} will confirm a time here."
    ),
    # Translators: the channel's note; {who} is the buyer, {vendor} their Oura contact.
    SessionType.TRAINING: N_(
        ":incoming_envelope: {who} asked for a *Software training* session (request #{id}). "
        "{vendor} will confirm a time here."
    ),
    # Translators: the channel's note; {who} is the buyer, {vendor} their Oura contact.
    SessionType.STATUS_UPDATE: N_(
        ":incoming_envelope: {who} asked for a *Status update* session (request #{id}). "
        "{vendor} will confirm a time here."
    ),
}
ASKS_FOR = {
    # Translators: the Oura contact's DM; {company} the customer, {who} the buyer.
    SessionType.KICKOFF: N_(
        "*{company}*: {who} asks for a *Kickoff* session of {minutes} min (request #{id})."
    ),
    # Translators: the Oura contact's DM; {company} the customer, {who} the buyer.
    SessionType.ONBOARDING: N_(
        "*{company}*: {who} asks for an *Onboarding* session of {minutes} min (request #{id})."
    ),
    # Translators: the Oura contact's DM; {company} the customer, {who} the buyer.
    SessionType.TRAINING: N_(
        "*{company}*: {who} asks for a *Software training* session of {minutes} min "
        "(request #{id})."
    ),
    # Translators: the Oura contact's DM; {company} the customer, {who} the buyer.
    SessionType.STATUS_UPDATE: N_(
        "*{company}*: {who} asks for a *Status update* session of {minutes} min (request #{id})."
    ),
}
ASKS_FOR_SHORT = {
    # Translators: the DM's notification text; {company} is the customer's company.
    SessionType.KICKOFF: N_("{company} asks for a Kickoff session"),
    # Translators: the DM's notification text; {company} is the customer's company.
    SessionType.ONBOARDING: N_("{company} asks for an Onboarding session"),
    # Translators: the DM's notification text; {company} is the customer's company.
    SessionType.TRAINING: N_("{company} asks for a Software training session"),
    # Translators: the DM's notification text; {company} is the customer's company.
    SessionType.STATUS_UPDATE: N_("{company} asks for a Status update session"),
}


def _user(user_id: str | None) -> str:
    """A Slack mention of a person (built outside the marked sentence it goes into)."""
    return f"<@{user_id}>"


def request_modal(metadata: str, company: str, slots: InputBlock | None = None) -> View:
    """The customer's request form. `slots`: a choice of the vendor contact's free slots;
    with it, the time pickers are for "another time" and all optional."""
    types = [Option(value=t.value, label=_(t.label)) for t in SessionType]
    durations = [Option(value=str(m), label=n_("{n} minute", "{n} minutes", m)) for m in DURATIONS]
    times: list[Block] = [
        InputBlock(
            block_id=ids.field_preferred_time(i),
            optional=i > 1 or slots is not None,
            label=PlainTextObject(text=_(TIME_LABELS[i])),
            element=DateTimePickerElement(action_id=ids.FIELD_VALUE),
        )
        for i in (1, 2, 3)
    ]
    return form_modal(
        ids.REQUEST_MODAL,
        metadata,
        # Translators: a modal's title, at most 24 characters.
        _("Request a session"),
        # Translators: the modal's submit button, at most 24 characters.
        _("Send request"),
        [
            # Read by the customer's own people: their contact at Oura, not "company's vendor".
            section(
                _("Ask your Oura contact for a session: pick up to three times that suit you.")
            ),
            InputBlock(
                block_id=ids.FIELD_TYPE,
                # Translators: label of the choice of session type.
                label=PlainTextObject(text=_("What about")),
                element=StaticSelectElement(action_id=ids.FIELD_VALUE, options=types),
            ),
            InputBlock(
                block_id=ids.FIELD_MINUTES,
                # Translators: label of the choice of the session's length.
                label=PlainTextObject(text=_("How long")),
                element=StaticSelectElement(
                    action_id=ids.FIELD_VALUE, options=durations, initial_option=durations[-1]
                ),
            ),
            *([slots] if slots is not None else []),
            *times,
            InputBlock(
                block_id=ids.FIELD_NOTE,
                optional=True,
                label=PlainTextObject(text=_("Anything we should know")),
                element=PlainTextInputElement(
                    action_id=ids.FIELD_VALUE, multiline=True, max_length=MAX_NOTE
                ),
            ),
        ],
    )


def request_acknowledgement(view: RequestView) -> Message:
    request, account = view.request, view.account
    text = _(
        ASKED_FOR[view.session_type],
        who=_user(request.requested_by),
        id=request.id,
        vendor=_user(account.vendor_contact_id),
    )
    return Message(text=text, blocks=[section(text)])


def request_dm(view: RequestView) -> Message:
    request, account = view.request, view.account
    times = view.preferred_times
    company = escape(account.company)
    lines = [
        _(
            ASKS_FOR[view.session_type],
            company=company,
            who=_user(request.requested_by),
            minutes=request.minutes,
            id=request.id,
        ),
        *[f"{i}. {date_token(t, account.timezone)}" for i, t in enumerate(times, 1)],
    ]
    confirm = [
        # Translators: a button; {n} is the number of one of the buyer's preferred times.
        button(_("Confirm time {n}", n=i), ids.CONFIRM_REQUEST, f"{request.id}:{i - 1}", "primary")
        for i in range(1, len(times) + 1)
    ]
    return Message(
        text=_(ASKS_FOR_SHORT[view.session_type], company=company),
        blocks=[
            section("\n".join(lines)),
            *([quote_section(request.note)] if request.note else []),
            ActionsBlock(
                block_id=ids.request_actions(request.id),
                elements=[
                    *confirm,
                    button(_("Propose another time"), ids.PROPOSE_TIME, str(request.id)),
                    button(_("Decline"), ids.DECLINE_REQUEST, str(request.id), "danger"),
                ],
            ),
        ],
    )


def billable_prompt(view: RequestView, choice: str, reason: Text | str) -> Message:
    """Staff are asked to confirm a time that goes past what the package includes. `reason`:
    why it would be billable (the refusal's reason, without how to confirm it when typing)."""
    # Translators: {company} is the customer's company; {reason} says why the time would be
    # billable (a whole sentence); the button below is "Confirm as billable".
    text = _(
        "Request #{id} for *{company}*: {reason} Confirm below the extra time is billed.",
        id=view.request.id,
        company=escape(view.account.company),
        reason=say(reason),
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            ActionsBlock(
                block_id=ids.request_billable_actions(view.request.id),
                elements=[
                    button(
                        _("Confirm as billable"),
                        ids.CONFIRM_BILLABLE,
                        f"{view.request.id}:{choice}",
                        "primary",
                    ),
                    button(_("Propose another time"), ids.PROPOSE_TIME, str(view.request.id)),
                    button(_("Decline"), ids.DECLINE_REQUEST, str(view.request.id), "danger"),
                ],
            ),
        ],
    )


def request_booked_dm(
    view: RequestView, session_id: int | None, problem: str | None = None
) -> Message:
    """The Oura contact's DM once they confirmed a time; `problem`: the post that failed."""
    text = _(
        "Request #{id} for *{company}*: booked as #{session}.",
        id=view.request.id,
        company=escape(view.account.company),
        session=session_id,
    )
    if problem:
        text += f" :warning: {problem}"
    return Message(text=text, blocks=[section(text)])


def request_declined_dm(view: RequestView) -> Message:
    text = _(
        "Request #{id} for *{company}*: declined.",
        id=view.request.id,
        company=escape(view.account.company),
    )
    return Message(text=text, blocks=[section(text)])


def propose_modal(metadata: str, company: str) -> View:
    return form_modal(
        ids.PROPOSE_MODAL,
        metadata,
        # Translators: a modal's title, at most 24 characters.
        _("Propose a time"),
        # Translators: the modal's submit button, at most 24 characters.
        _("Propose"),
        [
            section(
                _(
                    "Propose a time to *{company}*; they accept it in their channel.",
                    company=escape(company),
                )
            ),
            InputBlock(
                block_id=ids.FIELD_TIME,
                label=PlainTextObject(text=_("Time")),
                element=DateTimePickerElement(action_id=ids.FIELD_VALUE),
            ),
        ],
    )


def proposal_post(view: RequestView) -> Message:
    request, account = view.request, view.account
    assert request.proposed_time is not None
    # Translators: {vendor} is the Oura contact and {who} the buyer (Slack mentions); {when} the
    # proposed date and time with its length; {type} the session type (a label).
    text = _(
        ":spiral_calendar_pad: {vendor} proposes {when} for the *{type}* session {who} asked "
        "for (request #{id}).",
        vendor=_user(account.vendor_contact_id),
        when=date_token(request.proposed_time, account.timezone, request.minutes),
        type=_(view.session_type.label),
        who=_user(request.requested_by),
        id=request.id,
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            ActionsBlock(
                block_id=ids.proposal_actions(request.id),
                elements=[button(_("Accept"), ids.ACCEPT_PROPOSAL, str(request.id), "primary")],
            ),
            ContextBlock(elements=[MarkdownTextObject(text=_("Another time? Request a session."))]),
        ],
    )


def declined_post(view: RequestView) -> Message:
    text = _(
        "{vendor} can't take request #{id} as asked and will be in touch here.",
        vendor=_user(view.account.vendor_contact_id),
        id=view.request.id,
    )
    return Message(text=text, blocks=[section(text), channel_actions()])


def log_held_modal(metadata: str, session_label: str, minutes: int) -> View:
    return form_modal(
        ids.LOG_HELD_MODAL,
        metadata,
        # Translators: a modal's title, at most 24 characters.
        _("Log as held"),
        # Translators: the modal's submit button, at most 24 characters.
        _("Log"),
        [
            section(session_label),
            minutes_input(_("Minutes held"), minutes),
        ],
    )
