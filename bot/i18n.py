"""Finnish and English: every sentence a person reads goes through here.

English is the source (the message ids in the code) and the fallback. The Finnish catalog is
`bot/locale/fi/LC_MESSAGES/messages.po`, compiled in memory the first time it is needed, so a
checkout runs as it is (README: Translations). The language of the moment is set with
`speaking(language)` around whatever builds a message for one reader (their Slack locale) or
one channel (its account's language); `_`, `n_` and `say` read it.

Dates, times and money are written by Babel for that language; durations stay in minutes,
because a balance of 90 minutes must not read "2 hours".
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.domain.text import LANGUAGES, Text, render
from bot.domain.text import N_ as N_

ENGLISH, FINNISH = LANGUAGES
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("oura_language", default=ENGLISH)


def language_of(tag: str | None) -> str | None:
    """Ours of a Slack locale (`fi-FI`, `en-GB`) or a typed code (`FI`); None for others."""
    if not tag:
        return None
    code = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    return code if code in LANGUAGES else None


def locale_language(locale: object) -> str | None:
    """What a person reads, by their Slack locale: ours of it, English for a locale we do not
    write (de-DE); None when Slack did not say."""
    if not isinstance(locale, str) or not locale:
        return None
    return language_of(locale) or ENGLISH


@contextmanager
def speaking(language: str | None) -> Iterator[str]:
    """Everything built inside is in `language` (English for None or one we do not have)."""
    chosen = language_of(language) or ENGLISH
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def current() -> str:
    return _current.get()


@cache
def catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog of `language`; English (the source) translates nothing."""
    if language == ENGLISH:
        return gettext.NullTranslations()
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        messages = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, messages)  # fuzzy entries are left out: English shows instead
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str, /, **params: Any) -> str:
    """`message` in the current language, its `{placeholders}` filled from `params`."""
    translated = catalog(current()).gettext(message)
    return _fill(translated, params)


def n_(singular: str, plural: str, n: int, /, **params: Any) -> str:
    """A count with its words in the current language; `{n}` is the count."""
    translated = catalog(current()).ngettext(singular, plural, n)
    return _fill(translated, {"n": n, **params})


def p_(context: str, message: str, /, **params: Any) -> str:
    """`message` where the same English words need another translation in `context`."""
    translated = catalog(current()).pgettext(context, message)
    return _fill(translated, params)


def say(text: Text | str) -> str:
    """A `Text` from the rules (an error, a label) in the current language."""
    if isinstance(text, str):
        return _(text)
    return render(text, _pattern)


def _pattern(text: Text) -> str:
    translations = catalog(current())
    if text.plural is not None and text.n is not None:
        return translations.ngettext(text.id, text.plural, text.n)
    return translations.gettext(text.id)


def _fill(message: str, params: dict[str, Any]) -> str:
    if not params:
        return message
    return message.format(**{k: say(v) if isinstance(v, Text) else v for k, v in params.items()})


# -- dates, times and money --------------------------------------------------------------------

_DAY = {ENGLISH: "EEE dd MMM yyyy", FINNISH: "EEE d.M.yyyy"}
_MOMENT = {ENGLISH: "EEE dd MMM yyyy HH:mm", FINNISH: "EEE d.M.yyyy 'klo' H.mm"}
_MONTH = {ENGLISH: "MMMM yyyy", FINNISH: "LLLL yyyy"}


def day_text(day: date) -> str:
    """A day as people write it: `Mon 04 Jan 2027`, `ma 4.1.2027`."""
    return format_date(day, _DAY[current()], locale=current())


def moment_text(local: datetime) -> str:
    """A local date and time: `Mon 04 Jan 2027 10:00`, `ma 4.1.2027 klo 10.00`."""
    return format_datetime(local, _MOMENT[current()], tzinfo=local.tzinfo, locale=current())


def month_text(day: date) -> str:
    """A month: `January 2027`, `tammikuu 2027`."""
    return format_date(day, _MONTH[current()], locale=current())


def money(amount: Decimal, currency: str) -> str:
    """An amount with its currency code, which names it unlike `$`: `EUR 150.00`, `150,00 EUR`."""
    number = format_decimal(amount, format="#,##0.00", locale=current())
    return f"{number} {currency}" if current() == FINNISH else f"{currency} {number}"
