"""The translation catalogs kept in step with the code (a developer's tool: `oura-bot messages`).

Every marked sentence is extracted from the source into `bot/locale/messages.pot`, and the
Finnish catalog is updated from it: new sentences arrive untranslated, changed ones fuzzy
(shown in English until a translator confirms them), and removed ones are dropped. The tests
fail while any sentence has no Finnish or a translation loses a placeholder
(tests/test_translations.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import redirect_stderr
from io import StringIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = LOCALE_DIR.parent.parent
SOURCES = ("bot", "handlers", "storage")
# The calls whose literal arguments are sentences for people (bot/i18n.py, bot/domain/text.py,
# and the errors that take a message id).
KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "_": None,
    "n_": (1, 2),
    "p_": ((1, "c"), 2),
    "N_": None,
    "Text": None,
    "Plural": (1, 2),
    "OuraError": None,
    "InvalidCommand": None,
    "RuleViolation": None,
    "NotFound": None,
}
COMMENT_TAGS = ("Translators:",)
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract(root: Path = ROOT) -> tuple[Catalog, list[str]]:
    """Every marked sentence in the source, with where it is and its translators' comments;
    and Babel's warnings: a marked f-string cannot be translated, so it is a mistake."""
    template = Catalog(project="oura-onboarding-bot", charset="utf-8")
    warnings = StringIO()
    with redirect_stderr(warnings):
        for folder in SOURCES:
            found = extract_from_dir(
                root / folder,
                method_map=[("**.py", "python")],
                keywords=KEYWORDS,
                comment_tags=COMMENT_TAGS,
                strip_comment_tags=True,
            )
            for filename, line, message, comments, context in found:
                where = f"{folder}/{filename}"
                template.add(
                    message, None, [(where, line)], auto_comments=comments, context=context
                )
    return template, [line for line in warnings.getvalue().splitlines() if line]


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog, width=100, sort_output=False, omit_header=False)


def update(root: Path = ROOT) -> list[str]:
    """Write the template and bring every translation up to date with it; returns what is
    left for the translators, one line a language."""
    template, warnings = extract(root)
    write(template, TEMPLATE)
    left: list[str] = list(warnings)
    for language in LANGUAGES[1:]:
        path = po_path(language)
        catalog = (
            read(path, language)
            if path.exists()
            else Catalog(locale=language, project="oura-onboarding-bot", charset="utf-8")
        )
        catalog.update(template, update_header_comment=False)
        catalog.obsolete.clear()
        write(catalog, path)
        todo = list(untranslated(catalog))
        left.append(f"{language}: {len(todo)} of {len(template)} to translate")
    return left


def untranslated(catalog: Catalog) -> Iterable[Message]:
    """The messages with no translation, or one a translator has yet to confirm (fuzzy)."""
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            yield message
