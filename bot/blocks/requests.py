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
    article,
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
from bot.services.requests import RequestView

DURATIONS = (30, 45, 60)
TIME_LABELS = {1: "Preferred time", 2: "Second choice", 3: "Third choice"}


def request_modal(metadata: str, company: str) -> View:
    types = [Option(value=t.value, label=t.label) for t in SessionType]
    durations = [Option(value=str(m), label=f"{m} minutes") for m in DURATIONS]
    times: list[Block] = [
        InputBlock(
            block_id=ids.field_preferred_time(i),
            optional=i > 1,
            label=PlainTextObject(text=TIME_LABELS[i]),
            element=DateTimePickerElement(action_id=ids.FIELD_VALUE),
        )
        for i in (1, 2, 3)
    ]
    return form_modal(
        ids.REQUEST_MODAL,
        metadata,
        "Request a session",
        "Send request",
        [
            # Read by the customer's own people: their contact at Oura, not "company's vendor".
            section("Ask your Oura contact for a session: pick up to three times that suit you."),
            InputBlock(
                block_id=ids.FIELD_TYPE,
                label=PlainTextObject(text="What about"),
                element=StaticSelectElement(action_id=ids.FIELD_VALUE, options=types),
            ),
            InputBlock(
                block_id=ids.FIELD_MINUTES,
                label=PlainTextObject(text="How long"),
                element=StaticSelectElement(
                    action_id=ids.FIELD_VALUE, options=durations, initial_option=durations[-1]
                ),
            ),
            *times,
            InputBlock(
                block_id=ids.FIELD_NOTE,
                optional=True,
                label=PlainTextObject(text="Anything we should know"),
                element=PlainTextInputElement(
                    action_id=ids.FIELD_VALUE, multiline=True, max_length=MAX_NOTE
                ),
            ),
        ],
    )


def request_acknowledgement(view: RequestView) -> Message:
    request, account = view.request, view.account
    label = view.session_type.label
    text = (
        f":incoming_envelope: <@{request.requested_by}> asked for {article(label)} "
        f"*{label}* session (request #{request.id}). "
        f"<@{account.vendor_contact_id}> will confirm a time here."
    )
    return Message(text=text, blocks=[section(text)])


def request_dm(view: RequestView) -> Message:
    request, account = view.request, view.account
    times = view.preferred_times
    label = view.session_type.label
    lines = [
        f"*{escape(account.company)}*: <@{request.requested_by}> asks for {article(label)} "
        f"*{label}* session of {request.minutes} min (request #{request.id}).",
        *[f"{i}. {date_token(t, account.timezone)}" for i, t in enumerate(times, 1)],
    ]
    confirm = [
        button(f"Confirm time {i}", ids.CONFIRM_REQUEST, f"{request.id}:{i - 1}", "primary")
        for i in range(1, len(times) + 1)
    ]
    return Message(
        text=f"{escape(account.company)} asks for {article(label)} {label} session",
        blocks=[
            section("\n".join(lines)),
            *([quote_section(request.note)] if request.note else []),
            ActionsBlock(
                block_id=ids.request_actions(request.id),
                elements=[
                    *confirm,
                    button("Propose another time", ids.PROPOSE_TIME, str(request.id)),
                    button("Decline", ids.DECLINE_REQUEST, str(request.id), "danger"),
                ],
            ),
        ],
    )


def billable_prompt(view: RequestView, choice: int, refusal: str) -> Message:
    text = f"Request #{view.request.id} for *{escape(view.account.company)}*: {refusal}"
    return Message(
        text=text,
        blocks=[
            section(text.replace("Add `billable` to confirm", "Confirm below")),
            ActionsBlock(
                block_id=ids.request_billable_actions(view.request.id),
                elements=[
                    button(
                        "Confirm as billable",
                        ids.CONFIRM_BILLABLE,
                        f"{view.request.id}:{choice}",
                        "primary",
                    ),
                    button("Propose another time", ids.PROPOSE_TIME, str(view.request.id)),
                    button("Decline", ids.DECLINE_REQUEST, str(view.request.id), "danger"),
                ],
            ),
        ],
    )


def request_settled_dm(view: RequestView, outcome: str) -> Message:
    text = f"Request #{view.request.id} for *{escape(view.account.company)}*: {outcome}"
    return Message(text=text, blocks=[section(text)])


def propose_modal(metadata: str, company: str) -> View:
    return form_modal(
        ids.PROPOSE_MODAL,
        metadata,
        "Propose a time",
        "Propose",
        [
            section(f"Propose a time to *{escape(company)}*; they accept it in their channel."),
            InputBlock(
                block_id=ids.FIELD_TIME,
                label=PlainTextObject(text="Time"),
                element=DateTimePickerElement(action_id=ids.FIELD_VALUE),
            ),
        ],
    )


def proposal_post(view: RequestView) -> Message:
    request, account = view.request, view.account
    assert request.proposed_time is not None
    text = (
        f":spiral_calendar_pad: <@{account.vendor_contact_id}> proposes "
        f"{date_token(request.proposed_time, account.timezone, request.minutes)} for the "
        f"*{view.session_type.label}* session <@{request.requested_by}> asked for "
        f"(request #{request.id})."
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            ActionsBlock(
                block_id=ids.proposal_actions(request.id),
                elements=[button("Accept", ids.ACCEPT_PROPOSAL, str(request.id), "primary")],
            ),
            ContextBlock(elements=[MarkdownTextObject(text="Another time? Request a session.")]),
        ],
    )


def declined_post(view: RequestView) -> Message:
    text = (
        f"<@{view.account.vendor_contact_id}> can't take request #{view.request.id} as asked "
        "and will be in touch here."
    )
    return Message(text=text, blocks=[section(text), channel_actions()])


def log_held_modal(metadata: str, session_label: str, minutes: int) -> View:
    return form_modal(
        ids.LOG_HELD_MODAL,
        metadata,
        "Log as held",
        "Log",
        [
            section(session_label),
            minutes_input("Minutes held", minutes),
        ],
    )
