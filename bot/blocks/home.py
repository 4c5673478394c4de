"""The staff App Home: a page of accounts with what each has used and left, in Block Kit."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.automated_posts import refusal_text
from bot.blocks.base import Message, date_token, day_text, escape
from bot.domain.commands import form_code
from bot.domain.overview import AccountSummary, HomePage, Scope

MAX_BLOCKS = 100
FIELD_LIMIT = 2000
SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
CASES_SHOWN = 5

EMPTY_MINE = (
    "You are not the vendor contact for any account yet. Accounts you link with "
    f"{form_code('link')} show up here; *All accounts* lists everyone's."
)
EMPTY_ALL = (
    f"No customer is linked yet. Link a customer's channel with {form_code('link')} typed in that "
    "channel."
)


def page_value(scope: Scope, page: int) -> str:
    return f"{scope.value}:{page}"


def parse_page_value(value: str | None) -> tuple[Scope, int]:
    """A button's value back to (scope, page); anything odd means page 1 of "mine"."""
    scope_text, _, page_text = (value or "").partition(":")
    try:
        scope = Scope(scope_text)
        page = int(page_text)
    except ValueError:
        return Scope.MINE, 1
    return scope, max(page, 1)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str, limit: int = FIELD_LIMIT) -> MarkdownTextObject:
    return MarkdownTextObject(text=_clip(text, limit))


# -- the home tab -----------------------------------------------------------------------------


def home_view(page: HomePage) -> View:
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="Onboarding accounts")),
        _toggle(page.scope),
    ]
    if page.total == 0:
        blocks.append(
            SectionBlock(text=_mrkdwn(EMPTY_MINE if page.scope is Scope.MINE else EMPTY_ALL))
        )
    else:
        blocks.append(ContextBlock(elements=[_mrkdwn(summary_line(page))]))
        blocks.append(DividerBlock())
        for index, account in enumerate(page.accounts):
            if index:
                blocks.append(DividerBlock())
            blocks.append(account_section(account, show_contact=page.scope is Scope.ALL))
        if not page.accounts:
            blocks.append(SectionBlock(text=_mrkdwn("Nothing on this page.")))
        pager = _pager(page)
        if pager is not None:
            blocks.append(DividerBlock())
            blocks.append(pager)
    for block in blocks:
        block.validate_json()
    view = View(
        type="home",
        callback_id=ids.HOME_VIEW,
        private_metadata=json.dumps({"scope": page.scope.value, "page": page.page}),
        blocks=blocks,
    )
    view.validate_json()
    return view


def summary_line(page: HomePage) -> str:
    who = "Your accounts" if page.scope is Scope.MINE else "All accounts"
    noun = "account" if page.total == 1 else "accounts"
    return f"{who} · page {page.page} of {page.pages} · {page.total} {noun}"


def _toggle(scope: Scope) -> ActionsBlock:
    mine = ButtonElement(
        text="My accounts",
        action_id=ids.HOME_MINE,
        value=page_value(Scope.MINE, 1),
        style="primary" if scope is Scope.MINE else None,
    )
    everyone = ButtonElement(
        text="All accounts",
        action_id=ids.HOME_ALL,
        value=page_value(Scope.ALL, 1),
        style="primary" if scope is Scope.ALL else None,
    )
    return ActionsBlock(block_id=ids.HOME_SCOPE, elements=[mine, everyone])


def _pager(page: HomePage) -> ActionsBlock | None:
    """Previous / next buttons. Action ids must differ within a block, hence the suffixes:
    the listener takes every action id starting with `home_page`."""
    buttons = []
    if page.page > 1:
        buttons.append(
            ButtonElement(
                text="◀ Previous",
                action_id=f"{ids.HOME_PAGE}:prev",
                value=page_value(page.scope, min(page.page - 1, page.pages)),
            )
        )
    if page.page < page.pages:
        buttons.append(
            ButtonElement(
                text="Next ▶",
                action_id=f"{ids.HOME_PAGE}:next",
                value=page_value(page.scope, page.page + 1),
            )
        )
    return ActionsBlock(block_id=ids.HOME_PAGES, elements=buttons) if buttons else None


def account_section(account: AccountSummary, show_contact: bool = False) -> SectionBlock:
    title = f"*{escape(account.company)}* · {account.package_name}"
    if show_contact:
        title += f" · <@{account.vendor_contact_id}>"
    if account.unreachable_reason:
        title += (
            f"\n:warning: the clock can't post in the channel: "
            f"{refusal_text(account.unreachable_reason)}"
        )
    minutes = (
        f"*Minutes*\n{account.minutes_used} used · *{account.minutes_left} left* "
        f"of {account.minutes_included}"
    )
    if account.status_updates_included:
        status = (
            f"*Status updates*\n{account.status_updates_used} used · "
            f"*{account.status_updates_left} left* of {account.status_updates_included}"
        )
    else:
        status = "*Status updates*\nnone in this package"
    if account.window_end is None or account.term_end is None:
        ends = "*Ends*\nno contract on record"
    elif account.window_end != account.term_end:
        ends = (
            f"*Window ends*\n{day_text(account.window_end)}\n"
            f"(term ends {day_text(account.term_end)})"
        )
    else:
        ends = f"*Term ends*\n{day_text(account.term_end)}"
    upcoming = account.next_session
    if upcoming is None:
        next_text = "*Next session*\nnothing booked"
    else:
        when = date_token(upcoming.starts_at, account.timezone, upcoming.minutes)
        next_text = f"*Next session*\n{upcoming.session_type.label} #{upcoming.id}: {when}"
    return SectionBlock(
        text=_mrkdwn(title, SECTION_TEXT_LIMIT),
        fields=[
            _mrkdwn(minutes),
            _mrkdwn(status),
            _mrkdwn(ends),
            _mrkdwn(next_text),
            _mrkdwn(cases_field(account)),
        ],
        accessory=ButtonElement(
            text="Usage card", action_id=ids.HOME_USAGE, value=str(account.account_id)
        ),
    )


def cases_field(account: AccountSummary) -> str:
    """Open support cases, untaken for over two business days first (already in that order)."""
    if not account.open_cases:
        return "*Support cases*\nnone open"
    lines = [f"*Support cases* · {len(account.open_cases)} open"]
    for case in account.open_cases[:CASES_SHOWN]:
        who = f"taken by <@{case.taken_by}>" if case.taken_by else "not taken"
        mark = ":rotating_light: " if case.id in account.overdue_case_ids else ""
        lines.append(f"{mark}{case.ref} {case.category.label}, {who}")
    if len(account.open_cases) > CASES_SHOWN:
        lines.append(f"…and {len(account.open_cases) - CASES_SHOWN} more (usage card)")
    return "\n".join(lines)


# -- the usage card, opened from the home tab -----------------------------------------------


def usage_modal(card: Message) -> View:
    """The staff usage card (`bot.blocks.sessions.usage_card`) in a modal."""
    return _usage_card_modal(card.blocks[:MAX_BLOCKS])


def notice_modal(text: str) -> View:
    """A modal that only says something (the account is gone, it has no contract…)."""
    return _usage_card_modal([SectionBlock(text=_mrkdwn(text, SECTION_TEXT_LIMIT))])


def _usage_card_modal(blocks: list[Block]) -> View:
    view = View(
        type="modal",
        callback_id=ids.USAGE_MODAL,
        title=PlainTextObject(text="Usage card"),
        close=PlainTextObject(text="Close"),
        blocks=blocks,
    )
    view.validate_json()
    return view
