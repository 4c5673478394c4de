"""The staff App Home: a page of accounts with what each has used and left, in Block Kit, in the
language of the moment (the staff member's)."""

from __future__ import annotations

import json
from collections.abc import Sequence

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
from bot.domain.entitlement import Balance, minutes_tally, status_updates_tally
from bot.domain.overview import AccountSummary, HomePage, Scope
from bot.domain.session_log import UNLOGGED_BUSINESS_DAYS
from bot.i18n import _, n_

MAX_BLOCKS = 100
FIELD_LIMIT = 2000
SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
CASES_SHOWN = 5


def empty_text(scope: Scope) -> str:
    """What an empty page says: how accounts get here."""
    if scope is Scope.MINE:
        # Translators: {form} is the command `/oura-book link …` as it is typed; {button} is
        # the label of the button "All accounts" above.
        return _(
            "You are not the vendor contact for any account yet. Accounts you link with {form} "
            "show up here; *{button}* lists everyone's.",
            form=form_code("link"),
            button=_all_accounts(),
        )
    # Translators: {form} is the command `/oura-book link …` as it is typed.
    return _(
        "No customer is linked yet. Link a customer's channel with {form} typed in that channel.",
        form=form_code("link"),
    )


def _all_accounts() -> str:
    # Translators: a button's label (at most 75 characters) and the heading of the list.
    return _("All accounts")


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
        # Translators: the App Home's heading (at most 150 characters).
        HeaderBlock(text=PlainTextObject(text=_("Onboarding accounts"))),
        _toggle(page.scope),
    ]
    if page.total == 0:
        blocks.append(SectionBlock(text=_mrkdwn(empty_text(page.scope))))
    else:
        blocks.append(ContextBlock(elements=[_mrkdwn(summary_line(page))]))
        blocks.append(DividerBlock())
        for index, account in enumerate(page.accounts):
            if index:
                blocks.append(DividerBlock())
            blocks.append(account_section(account, show_contact=page.scope is Scope.ALL))
        if not page.accounts:
            blocks.append(SectionBlock(text=_mrkdwn(_("Nothing on this page."))))
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
    where = {"page": page.page, "pages": page.pages}
    if page.scope is Scope.MINE:
        # Translators: {page} of {pages}: which page of the list this is; {n} accounts in all.
        return n_(
            "Your accounts · page {page} of {pages} · {n} account",
            "Your accounts · page {page} of {pages} · {n} accounts",
            page.total,
            **where,
        )
    return n_(
        "All accounts · page {page} of {pages} · {n} account",
        "All accounts · page {page} of {pages} · {n} accounts",
        page.total,
        **where,
    )


def _toggle(scope: Scope) -> ActionsBlock:
    mine = ButtonElement(
        # Translators: a button's label (at most 75 characters).
        text=_("My accounts"),
        action_id=ids.HOME_MINE,
        value=page_value(Scope.MINE, 1),
        style="primary" if scope is Scope.MINE else None,
    )
    everyone = ButtonElement(
        text=_all_accounts(),
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
                text=_("◀ Previous"),
                action_id=f"{ids.HOME_PAGE}:prev",
                value=page_value(page.scope, min(page.page - 1, page.pages)),
            )
        )
    if page.page < page.pages:
        buttons.append(
            ButtonElement(
                text=_("Next ▶"),
                action_id=f"{ids.HOME_PAGE}:next",
                value=page_value(page.scope, page.page + 1),
            )
        )
    return ActionsBlock(block_id=ids.HOME_PAGES, elements=buttons) if buttons else None


def account_section(account: AccountSummary, show_contact: bool = False) -> SectionBlock:
    # An account with no contract on record has no package name to show.
    package = account.package_name if account.package_id else _("No contract")
    title = f"*{escape(account.company)}* · {package}"
    if show_contact:
        title += f" · <@{account.vendor_contact_id}>"
    if account.contact_deactivated:
        # Translators: `/oura-book contact vendor` is the command to type: keep it as it is.
        title += "\n" + _(
            ":bust_in_silhouette: *no contact*: the vendor contact's Slack account is "
            "deactivated. Name another with `/oura-book contact vendor @someone`."
        )
    if account.unreachable_reason:
        # Translators: {reason} is why Slack refuses the posts (e.g. "the channel is
        # archived"), with Slack's error code.
        title += "\n" + _(
            ":warning: the clock can't post in the channel: {reason}",
            reason=refusal_text(account.unreachable_reason),
        )
    if account.unlogged_numbers:
        numbers = ", ".join(f"#{n}" for n in account.unlogged_numbers)
        # Translators: {sessions} are session numbers, e.g. "#2, #5".
        title += "\n:hourglass: " + n_(
            "not logged {n} business day after its end: {sessions}",
            "not logged {n} business days after their end: {sessions}",
            UNLOGGED_BUSINESS_DAYS,
            sessions=numbers,
        )
    if account.last_note is not None:
        number, note = account.last_note
        flat = " ".join(note.split())
        # Translators: staff-only; {number} is a session's number, {note} as staff typed it.
        title += "\n> " + _(
            "Last note (#{number}): {note}",
            number=number,
            note=escape(flat if len(flat) <= 150 else flat[:149] + "…"),
        )
    balance = Balance(
        account.minutes_included,
        account.minutes_used,
        account.status_updates_included,
        account.status_updates_used,
    )
    minutes_now = minutes_tally(balance, account.window_closed)
    updates_now = status_updates_tally(balance, account.term_closed)
    if minutes_now.closed:
        # Translators: once the window has ended: the closed summary's numbers.
        minutes = _(
            "*Minutes*\n{used} used · *{lapsed} lapsed* of {included}",
            used=minutes_now.used,
            lapsed=minutes_now.lapsed,
            included=minutes_now.included,
        )
    else:
        # Translators: the fields' headings are in *bold*; "{left} left" is in bold too.
        minutes = _(
            "*Minutes*\n{used} used · *{left} left* of {included}",
            used=account.minutes_used,
            left=account.minutes_left,
            included=account.minutes_included,
        )
    if account.status_updates_included and updates_now.closed:
        status = _(
            "*Status updates*\n{used} used · *{lapsed} lapsed* of {included}",
            used=updates_now.used,
            lapsed=updates_now.lapsed,
            included=updates_now.included,
        )
    elif account.status_updates_included:
        status = _(
            "*Status updates*\n{used} used · *{left} left* of {included}",
            used=account.status_updates_used,
            left=account.status_updates_left,
            included=account.status_updates_included,
        )
    else:
        status = _("*Status updates*\nnone in this package")
    if account.window_end is None or account.term_end is None:
        ends = _("*Ends*\nno contract on record")
    elif account.term_closed:
        # Translators: {term}: the contract term's last day, now past.
        ends = _("*Term ended*\n{term}", term=day_text(account.term_end))
    elif account.window_closed:
        # Translators: {window}: the last day of the included minutes, now past; {term}: the
        # contract term's last day.
        ends = _(
            "*Window ended*\n{window}\n(term ends {term})",
            window=day_text(account.window_end),
            term=day_text(account.term_end),
        )
    elif account.window_end != account.term_end:
        # Translators: {window}: the last day to use the included minutes; {term}: the
        # contract term's last day.
        ends = _(
            "*Window ends*\n{window}\n(term ends {term})",
            window=day_text(account.window_end),
            term=day_text(account.term_end),
        )
    else:
        ends = _("*Term ends*\n{term}", term=day_text(account.term_end))
    upcoming = account.next_session
    if upcoming is None:
        next_text = _("*Next session*\nnothing booked")
    else:
        # Translators: {type}: the kind of session (Kickoff, Onboarding, …); {when}: its date
        # and time.
        next_text = _(
            "*Next session*\n{type} #{id}: {when}",
            type=_(upcoming.session_type.label),
            id=upcoming.number,
            when=date_token(upcoming.starts_at, account.timezone, upcoming.minutes),
        )
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
            text=_usage_card(), action_id=ids.HOME_USAGE, value=str(account.account_id)
        ),
    )


def cases_field(account: AccountSummary) -> str:
    """Open support cases, untaken for over two business days first (already in that order)."""
    if not account.open_cases:
        return _("*Support cases*\nnone open")
    lines = [_("*Support cases* · {n} open", n=len(account.open_cases))]
    for case in account.open_cases[:CASES_SHOWN]:
        # Translators: {user} becomes the name of the staff member who took the case.
        who = _("taken by <@{user}>", user=case.taken_by) if case.taken_by else _("not taken")
        mark = ":rotating_light: " if case.id in account.overdue_case_ids else ""
        lines.append(f"{mark}{case.ref} {_(case.category.label)}, {who}")
    if len(account.open_cases) > CASES_SHOWN:
        # Translators: {n} more cases are listed on the account's usage card.
        lines.append(_("…and {n} more (usage card)", n=len(account.open_cases) - CASES_SHOWN))
    return "\n".join(lines)


# -- the usage card, opened from the home tab -----------------------------------------------


def usage_modal(card: Message, history: Sequence[Block] = ()) -> View:
    """The staff usage card (`bot.blocks.sessions.usage_card`) in a modal, and below it the
    account's latest history (`bot.blocks.contracts.history_list`) if given."""
    below = [DividerBlock(), *history] if history else []
    return _usage_card_modal([*card.blocks, *below][:MAX_BLOCKS])


def notice_modal(text: str) -> View:
    """A modal that only says something (the account is gone, it has no contract…)."""
    return _usage_card_modal([SectionBlock(text=_mrkdwn(text, SECTION_TEXT_LIMIT))])


def _usage_card_modal(blocks: list[Block]) -> View:
    view = View(
        type="modal",
        callback_id=ids.USAGE_MODAL,
        title=PlainTextObject(text=_usage_card()),
        # Translators: a modal's close button (at most 24 characters).
        close=PlainTextObject(text=_("Close")),
        blocks=blocks,
    )
    view.validate_json()
    return view


def _usage_card() -> str:
    # Translators: a button's label and a modal's title (at most 24 characters).
    return _("Usage card")
