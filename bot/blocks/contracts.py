"""Contracts in Slack: the staff replies to `renew` and `contract fix`, the channel's post about
a new contract, the usage card's lines for the other contracts, and `/oura-book history`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks import ids
from bot.blocks.base import Message, date_token, escape, sections, text_message
from bot.blocks.buttons import button, channel_actions
from bot.blocks.contract_lines import period as _period
from bot.blocks.sessions import absorbed_line, balance_line
from bot.domain.packages import PACKAGES
from bot.i18n import N_, _
from bot.services.booking import balance_of
from bot.services.contracts import ContractFix, HistoryPage, Renewal, details_of
from storage.models import Account, AuditEvent, Contract

# What each audited change is called in `/oura-book history` (the action codes are stored).
ACTIONS = {
    # Translators: an entry of an account's history: what someone did.
    "link": N_("linked the channel"),
    # Translators: an entry of an account's history: what someone did to a session.
    "book": N_("booked session"),
    # Translators: an entry of an account's history: what someone did to a session.
    "move": N_("moved session"),
    # Translators: an entry of an account's history: what someone did to a session.
    "cancel": N_("cancelled session"),
    # Translators: an entry of an account's history: what someone did to a session.
    "log_held": N_("logged as held"),
    # Translators: an entry of an account's history: staff confirmed billable extra time.
    "billable_confirmed": N_("confirmed billable time for"),
    # Translators: an entry of an account's history: a session took included minutes that
    # came free.
    "rebalance": N_("gave freed included minutes to"),
    # Translators: an entry of an account's history: a new contract (a renewal).
    "renew": N_("added a contract"),
    # Translators: an entry of an account's history.
    "contract_fix": N_("corrected the contract"),
    # Translators: an entry of an account's history.
    "move_channel": N_("moved the account to another channel"),
    # Translators: an entry of an account's history.
    "contact": N_("named a contact"),
    # Translators: an entry of an account's history.
    "timezone": N_("changed the time zone"),
    # Translators: an entry of an account's history.
    "country": N_("changed the country"),
    # Translators: an entry of an account's history.
    "language": N_("changed the language"),
    # Translators: an entry of an account's history.
    "reconnect": N_("reconnected the channel"),
    # Translators: an entry of an account's history.
    "order": N_("recorded an order"),
    # Translators: an entry of an account's history.
    "order_fix": N_("corrected an order"),
    # Translators: an entry of an account's history.
    "case_open": N_("opened a support case"),
    # Translators: an entry of an account's history.
    "request": N_("asked for a session"),
    # Translators: an entry of an account's history.
    "confirm_request": N_("confirmed a session request for"),
    # Translators: an entry of an account's history: the Oura contact proposed another time.
    "propose_request": N_("proposed another time for a session request"),
    # Translators: an entry of an account's history.
    "decline_request": N_("declined a session request"),
    # Translators: an entry of an account's history: a customer asked to move a session.
    "ask_move": N_("asked to move session"),
    # Translators: an entry of an account's history: a customer asked to cancel a session.
    "ask_cancel": N_("asked to cancel session"),
    # Translators: an entry of an account's history.
    "confirm_move_request": N_("confirmed the request to move session"),
    # Translators: an entry of an account's history.
    "confirm_cancel_request": N_("confirmed the request to cancel session"),
    # Translators: an entry of an account's history: the customer did not come.
    "no_show": N_("logged as a no-show"),
    # Translators: an entry of an account's history: the session did not happen.
    "not_held": N_("logged as not held"),
    # Translators: an entry of an account's history: a held session's minutes corrected.
    "minutes_fixed": N_("corrected the minutes of"),
    # Translators: an entry of an account's history: a log taken back.
    "unlog": N_("took back the log of"),
    # Translators: an entry of an account's history: a booking made by mistake removed.
    "delete": N_("deleted session"),
    # Translators: an entry of an account's history: a staff-only note on a session.
    "note": N_("wrote a note on"),
    # Translators: an entry of an account's history: who attended a session.
    "attendees": N_("noted who attended"),
    # Translators: an entry of an account's history.
    "case_take": N_("took a support case"),
    # Translators: an entry of an account's history.
    "case_resolve": N_("resolved a support case"),
}
# Translators: what `/oura-book contract fix` corrects, shown in its reply.
FIELDS = {"start": N_("start date"), "term": N_("term (months)"), "package": N_("package")}


def numbers(session_ids: Sequence[int]) -> str:
    """Sessions as staff name them: `#4, #7`."""
    return ", ".join(f"#{i}" for i in session_ids)


def renew_reply(renewal: Renewal) -> Message:
    account, contract = renewal.account, renewal.contract
    # Translators: {package} is a package's name, {period} its dates ("… to …").
    parts = [
        _(
            "Added a {package} contract for *{company}*, {period}. It takes over at its start; "
            "the contracts before keep their sessions and history.",
            package=PACKAGES[contract.package_id].name,
            company=escape(account.company),
            period=_period(contract),
        )
    ]
    if renewal.repaid:
        # Translators: {sessions} lists session numbers, e.g. "#4, #7".
        parts.append(
            _(
                "Booked sessions in its term are now paid from it: {sessions}.",
                sessions=numbers(renewal.repaid),
            )
        )
    return text_message(" ".join(parts))


def renewal_post(account: Account, contract: Contract) -> Message:
    """The channel is told of its new contract (in the account's language)."""
    package = PACKAGES[contract.package_id]
    # Translators: {package} is a package's name, {period} its dates ("… to …"); the buttons
    # are "Request a session" and "Show usage".
    text = ":tada: " + _(
        "{company} has a new {package} contract, {period}. Use the buttons to ask for a session "
        "or to see what it includes.",
        company=escape(account.company),
        package=package.name,
        period=_period(contract),
    )
    return Message(
        text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text)), channel_actions()]
    )


def fix_reply(fix: ContractFix) -> Message:
    account, contract = fix.account, fix.contract
    # Translators: {field} is what was corrected (start date, term, package); {before} and
    # {after} its values.
    parts = [
        _(
            "Corrected the contract of *{company}*: {field} {before} → {after}. "
            "It is now {package}, {period}.",
            company=escape(account.company),
            field=_(FIELDS[fix.field]),
            before=fix.before,
            after=fix.after,
            package=PACKAGES[contract.package_id].name,
            period=_period(contract),
        )
    ]
    if fix.reduced:
        # Translators: {sessions} lists session numbers, e.g. "#4, #7".
        parts.append(
            _(
                "Paid differently now (within what staff confirmed): {sessions}.",
                sessions=numbers(fix.reduced),
            )
        )
    parts.extend(absorbed_line(a) for a in fix.absorbed)
    parts.append(f"{escape(account.company)}: {balance_line(balance_of(contract))}.")
    return text_message(" ".join(parts))


def _detail(event: AuditEvent, details: dict[str, Any]) -> str:
    """The few facts of a change worth a line, where there are some."""
    match event.action:
        case "rebalance":
            after = details.get("to") or {}
            return _(
                "now {included} included min, {billable} billable min",
                included=after.get("included_minutes", 0),
                billable=after.get("billable_minutes", 0),
            )
        case "contract_fix":
            field = str(details.get("field", ""))
            return _(
                "{field} {before} → {after}",
                field=_(FIELDS[field]) if field in FIELDS else escape(field),
                before=escape(str(details.get("from", ""))),
                after=escape(str(details.get("to", ""))),
            )
        case "renew":
            package = PACKAGES.get(str(details.get("package", "")))
            return _(
                "{package} from {start}",
                package=package.name if package else "",
                start=escape(str(details.get("start", ""))),
            )
        case "cancel" if "counts_as_used" in details:
            kept = details.get("counts_as_used") or {}
            # Translators: a late cancel whose time staff decided is spent.
            return _(
                "a late cancel, its {included} included min counted as used",
                included=kept.get("included_minutes", 0),
            )
        case "book" | "move" | "log_held":
            return _(
                "{included} included min, {billable} billable min",
                included=details.get("included_minutes", 0),
                billable=details.get("billable_minutes", 0),
            )
    return ""


def history_line(event: AuditEvent, timezone: str, numbers: dict[int, int]) -> str:
    """One change: when, who, what, and which session (by its number in the account)."""
    what = _(ACTIONS[event.action]) if event.action in ACTIONS else f"`{escape(event.action)}`"
    number = numbers.get(event.session_id) if event.session_id else None
    target = f" #{number}" if number is not None else ""
    detail = _detail(event, details_of(event))
    line = f"{date_token(event.at, timezone)} <@{event.actor_user_id}> {what}{target}"
    return f"{line} ({detail})" if detail else line


def history_value(session_id: int | None, page: int) -> str:
    """The More button's value: which history, and which page of it."""
    return f"{session_id or ''}:{page}"  # not for people: a button value


def parse_history_value(value: str) -> tuple[int | None, int] | None:
    session, _sep, page = value.partition(":")
    if not page.isascii() or not page.isdigit() or (session and not session.isdigit()):
        return None
    return (int(session) if session else None), int(page)


def history_list(page: HistoryPage, more: bool = True) -> Message:
    """A page of the audit trail; `more`: with a button for the next page (in a channel)."""
    account = page.account
    if page.session_id is None:
        # Translators: the title of `/oura-book history`; {company} is the customer's name.
        title = _("*History of {company}*, newest first", company=escape(account.company))
    else:
        # Translators: the title of `/oura-book history <id>`.
        title = _(
            "*History of session #{id}* of {company}, newest first",
            id=page.session_number,
            company=escape(account.company),
        )
    lines = [history_line(e, account.timezone, page.numbers) for e in page.events] or [
        _("nothing yet")
    ]
    blocks = sections(title, lines)
    if page.pages > 1:
        # Translators: {page} and {pages} are numbers.
        footer = _("Page {page} of {pages}.", page=page.page, pages=page.pages)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    if more and page.page < page.pages:
        # Translators: a button showing the next page of the history, at most 75 characters.
        more = button(_("More"), ids.HISTORY_MORE, history_value(page.session_id, page.page + 1))
        blocks.append(ActionsBlock(elements=[more]))
    text = "\n".join([title, *lines])
    return Message(text=text[:3000], blocks=blocks)


def moved_account_reply(account: Account, previous_channel: str) -> Message:
    channel, previous = f"<#{account.channel_id}>", f"<#{previous_channel}>"
    # Translators: {company} is the customer's name; {channel} and {previous} are channels.
    return text_message(
        _(
            "Moved *{company}* to {channel}: its contracts, sessions and history go with it, and "
            "the clock posts there from now on. {previous} is no longer linked.",
            company=escape(account.company),
            channel=channel,
            previous=previous,
        )
    )
