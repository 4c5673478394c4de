"""A customer's request to move or cancel a booked session (issue 17): the buttons on the
session's post and reminders, the customer's two forms, the vendor contact's DM, and what the
channel is told."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DateTimePickerElement,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.base import Message, date_token, escape, form_modal, quote_section, section
from bot.blocks.buttons import button
from bot.domain.availability import NeedsClashConfirmation
from bot.domain.packages import SessionState
from bot.domain.requests import MAX_NOTE, MAX_PREFERRED_TIMES, RequestKind
from bot.domain.text import Text
from bot.i18n import N_, _, say
from bot.services.session_asks import AskView

TIME_LABELS = {
    # Translators: labels of the move form's three time pickers.
    1: N_("Proposed time"),
    2: N_("Second choice"),
    3: N_("Third choice"),
}


def _user(user_id: str | None) -> str:
    """A Slack mention of a person (built outside the marked sentence it goes into)."""
    return f"<@{user_id}>"


def ask_buttons(session_id: int) -> list[ButtonElement]:
    """The customer's "Ask to move" and "Ask to cancel" next to a session's meeting buttons."""
    return [
        # Translators: a button on a booked session's post, at most 75 characters.
        button(_("Ask to move"), ids.ASK_MOVE, str(session_id)),
        # Translators: a button on a booked session's post, at most 75 characters.
        button(_("Ask to cancel"), ids.ASK_CANCEL, str(session_id)),
    ]


def _note_input(label: str) -> InputBlock:
    return InputBlock(
        block_id=ids.FIELD_NOTE,
        optional=True,
        label=PlainTextObject(text=label),
        element=PlainTextInputElement(
            action_id=ids.FIELD_VALUE, multiline=True, max_length=MAX_NOTE
        ),
    )


def ask_move_modal(metadata: str, number: int, slots: InputBlock | None) -> View:
    """The customer's form to move session #`number`: a free slot of their Oura contact, or
    up to three times of their own."""
    times: list[Block] = [
        InputBlock(
            block_id=ids.field_preferred_time(i),
            optional=i > 1 or slots is not None,
            label=PlainTextObject(text=_(TIME_LABELS[i])),
            element=DateTimePickerElement(action_id=ids.FIELD_VALUE),
        )
        for i in range(1, MAX_PREFERRED_TIMES + 1)
    ]
    return form_modal(
        ids.ASK_MOVE_MODAL,
        metadata,
        # Translators: a modal's title, at most 24 characters.
        _("Ask to move"),
        # Translators: the modal's submit button, at most 24 characters.
        _("Send request"),
        [
            section(
                _(
                    "Ask your Oura contact to move session #{number}: pick a free time, or "
                    "propose up to three.",
                    number=number,
                )
            ),
            *([slots] if slots is not None else []),
            *times,
            _note_input(_("Anything we should know")),
        ],
    )


def ask_cancel_modal(metadata: str, number: int) -> View:
    return form_modal(
        ids.ASK_CANCEL_MODAL,
        metadata,
        # Translators: a modal's title, at most 24 characters.
        _("Ask to cancel"),
        # Translators: the modal's submit button, at most 24 characters.
        _("Send request"),
        [
            section(
                _(
                    "Ask your Oura contact to cancel session #{number}. They confirm it here "
                    "in the channel.",
                    number=number,
                )
            ),
            # Translators: a form field's label.
            _note_input(_("Reason")),
        ],
    )


def ask_posted(view: AskView) -> Message:
    """The channel's note that a change was asked."""
    request, account = view.request, view.account
    params = {
        "who": _user(request.requested_by),
        "number": view.session.number,
        "id": request.id,
        "vendor": _user(account.vendor_contact_id),
    }
    if view.kind is RequestKind.MOVE:
        # Translators: {who} is the customer, {vendor} their Oura contact (Slack mentions).
        text = _(
            ":incoming_envelope: {who} asked to move session #{number} (request #{id}). "
            "{vendor} will answer here.",
            **params,
        )
    else:
        # Translators: {who} is the customer, {vendor} their Oura contact (Slack mentions).
        text = _(
            ":incoming_envelope: {who} asked to cancel session #{number} (request #{id}). "
            "{vendor} will answer here.",
            **params,
        )
    return Message(text=text, blocks=[section(text)])


def ask_dm(view: AskView, late_hours: int) -> Message:
    """The vendor contact's DM: confirm one of the times (a move) or the cancel, or decline."""
    request, account, session = view.request, view.account, view.session
    params = {
        "company": escape(account.company),
        "who": _user(request.requested_by),
        "number": session.number,
        "when": date_token(session.starts_at, account.timezone, session.minutes_booked),
        "id": request.id,
    }
    buttons: list[ButtonElement]
    if view.kind is RequestKind.MOVE:
        lines = [
            # Translators: the Oura contact's DM; {when} is the session's date and time now.
            _(
                "*{company}*: {who} asks to move session #{number} ({when}) (request #{id}).",
                **params,
            )
        ]
        times = view.preferred_times
        lines += [f"{i}. {date_token(t, account.timezone)}" for i, t in enumerate(times, 1)]
        buttons = [
            # Translators: a button; {n} is the number of one of the customer's times.
            button(_("Move to time {n}", n=i), ids.CONFIRM_ASK, f"{request.id}:{i - 1}", "primary")
            for i in range(1, len(times) + 1)
        ]
        short = _("{company} asks to move a session", company=params["company"])
    else:
        lines = [
            # Translators: the Oura contact's DM; {when} is the session's date and time.
            _(
                "*{company}*: {who} asks to cancel session #{number} ({when}) (request #{id}).",
                **params,
            )
        ]
        if view.late:
            lines.append(
                _(
                    ":warning: Asked less than {hours} hours before the session: a late cancel. "
                    "Decide whether its {minutes} minutes count as used.",
                    hours=late_hours,
                    minutes=session.minutes_booked,
                )
            )
            buttons = [
                # Translators: a button, at most 75 characters: cancel and count the time.
                button(_("Cancel, time counts as used"), ids.CONFIRM_ASK, f"{request.id}:u"),
                # Translators: a button, at most 75 characters: cancel and give the time back.
                button(_("Cancel, give the time back"), ids.CONFIRM_ASK, f"{request.id}:c"),
            ]
        else:
            buttons = [
                button(_("Cancel the session"), ids.CONFIRM_ASK, f"{request.id}:c", "primary")
            ]
        short = _("{company} asks to cancel a session", company=params["company"])
    return Message(
        text=short,
        blocks=[
            section("\n".join(lines)),
            *([quote_section(request.note)] if request.note else []),
            ActionsBlock(
                block_id=ids.ask_actions(request.id),
                elements=[
                    *buttons,
                    button(_("Decline"), ids.DECLINE_ASK, str(request.id), "danger"),
                ],
            ),
        ],
    )


def ask_clash_prompt(view: AskView, choice: str, error: NeedsClashConfirmation) -> Message:
    """The vendor contact is asked whether to move to a time that is now busy for them."""
    reason = say(
        error.reason(lambda moment, minutes: date_token(moment, error.vendor_zone, minutes))
    )
    # Translators: {reason} says what the time clashes with (whole sentences); the button
    # below is "Move anyway".
    text = _(
        "Request #{id} for *{company}*: that time is busy. {reason} Move the session anyway "
        "below, or decline.",
        id=view.request.id,
        company=escape(view.account.company),
        reason=reason,
    )
    # Translators: a button, at most 75 characters.
    return _move_or_decline(view, text, _("Move anyway"), ids.CONFIRM_ASK_CLASH, choice)


def ask_billable_prompt(view: AskView, choice: str, reason: Text | str) -> Message:
    """The vendor contact is asked whether the moved session's time past what the package
    includes is billed. `reason`: why it would be billable."""
    # Translators: {reason} says why the time would be billable (a whole sentence); the button
    # below is "Move as billable".
    text = _(
        "Request #{id} for *{company}*: {reason} Move the session below if the extra time is "
        "billed, or decline.",
        id=view.request.id,
        company=escape(view.account.company),
        reason=say(reason),
    )
    # Translators: a button, at most 75 characters.
    return _move_or_decline(view, text, _("Move as billable"), ids.CONFIRM_ASK_BILLABLE, choice)


def _move_or_decline(view: AskView, text: str, label: str, action_id: str, choice: str) -> Message:
    """A second question about a move request: `text`, a button that moves as asked (keeping
    `choice`, what was confirmed before), and Decline."""
    request_id = view.request.id
    return Message(
        text=text,
        blocks=[
            section(text),
            ActionsBlock(
                block_id=ids.ask_actions(request_id),
                elements=[
                    button(label, action_id, f"{request_id}:{choice}", "primary"),
                    button(_("Decline"), ids.DECLINE_ASK, str(request_id), "danger"),
                ],
            ),
        ],
    )


def ask_done_dm(view: AskView, problem: str | None = None) -> Message:
    """The vendor contact's DM once they confirmed; `problem`: the post that failed."""
    params = {
        "id": view.request.id,
        "company": escape(view.account.company),
        "number": view.session.number,
    }
    if view.kind is RequestKind.MOVE:
        text = _("Request #{id} for *{company}*: session #{number} moved.", **params)
    elif view.session.state == SessionState.LATE_CANCELLED:
        text = _(
            "Request #{id} for *{company}*: session #{number} cancelled; its time counts as used.",
            **params,
        )
    else:
        text = _("Request #{id} for *{company}*: session #{number} cancelled.", **params)
    if problem:
        text += f" :warning: {problem}"
    return Message(text=text, blocks=[section(text)])


def ask_declined_dm(view: AskView) -> Message:
    text = _(
        "Request #{id} for *{company}*: declined; session #{number} stays as it was.",
        id=view.request.id,
        company=escape(view.account.company),
        number=view.session.number,
    )
    return Message(text=text, blocks=[section(text)])


def ask_declined_post(view: AskView) -> Message:
    params = {"vendor": _user(view.account.vendor_contact_id), "number": view.session.number}
    if view.kind is RequestKind.MOVE:
        # Translators: {vendor} is the Oura contact (a Slack mention).
        text = _(
            "{vendor} can't move session #{number} as asked; it stays as booked, and they will "
            "be in touch here.",
            **params,
        )
    else:
        # Translators: {vendor} is the Oura contact (a Slack mention).
        text = _(
            "{vendor} can't cancel session #{number} as asked; it stays as booked, and they "
            "will be in touch here.",
            **params,
        )
    return Message(text=text, blocks=[section(text)])
