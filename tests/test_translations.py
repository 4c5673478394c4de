"""The catalogs: every sentence marked, extracted, and translated to Finnish with the same
placeholders (README: Translations). These run in CI, so an untranslated sentence fails it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.catalogs import KEYWORDS, TEMPLATE, extract, po_path, read, untranslated
from bot.domain.text import placeholders

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def extracted():
    return extract()


@pytest.fixture(scope="module")
def finnish():
    return read(po_path("fi"), "fi")


def _ids(catalog) -> set:
    return {(message.context, message.id) for message in catalog if message.id}


def test_the_catalogs_hold_exactly_what_the_code_marks(extracted, finnish) -> None:
    """A sentence added or changed in the code without `oura-bot messages` fails here."""
    template, _ = extracted
    in_code = _ids(template)
    assert _ids(read(TEMPLATE)) == in_code, "run `oura-bot messages` to update the template"
    missing = in_code - _ids(finnish)
    stale = _ids(finnish) - in_code
    assert not missing and not stale, "run `oura-bot messages`, then translate what is new"


def test_no_marked_sentence_is_an_f_string(extracted) -> None:
    """Babel skips a marked f-string: it would reach every reader in English."""
    _, warnings = extracted
    assert warnings == []


def test_every_sentence_has_a_finnish_translation(finnish) -> None:
    todo = [message.id for message in untranslated(finnish)]
    assert todo == [], f"{len(todo)} sentences have no (confirmed) Finnish translation"


def test_translations_keep_every_placeholder(finnish) -> None:
    """A translation that drops or adds a `{name}` would fail (or lie) when it is filled."""
    wrong = []
    for message in finnish:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            wanted = placeholders(plural) | placeholders(singular)
            for form in message.string:
                # The singular may say "one" in words instead of `{n}`.
                if placeholders(form) - wanted or (wanted - {"n"}) - placeholders(form):
                    wrong.append((message.id, form))
        elif placeholders(message.string) != placeholders(message.id):
            wrong.append((message.id, message.string))
    assert wrong == []


# -- no sentence left unmarked -----------------------------------------------------------------

# Where sentences for people are written. The CLI, logs and exceptions for developers are not.
SCANNED = ("bot/blocks", "bot/domain", "bot/services", "handlers", "bot/clock.py")
# A string literal with two words in it is a sentence (or part of one) …
SENTENCE = re.compile(r"[A-Za-z]{2,}[ ,.:;!?'\u2019]+[A-Za-z]{2,}")
# … unless it is given to one of these: the markers, loggers, developers' exceptions.
NOT_FOR_PEOPLE = {
    "debug", "info", "warning", "error", "exception", "critical",  # logging
    "ValueError", "TypeError", "AssertionError", "RuntimeError", "KeyError", "SettingsError",
    "getLogger", "compile", "match", "fullmatch", "search", "sub", "strptime", "strftime",
    "Field", "Column", "select", "text", "where", "ForeignKey", "Index", "UniqueConstraint",
}  # fmt: skip
MARKERS = set(KEYWORDS) | {"say"}
# A product name or a code stays as it is in every language: say so on its line.
ALLOWED_PRAGMAS = ("# not for people", "# a name")


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def unmarked_sentences(path: Path) -> list[str]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in docstrings or not SENTENCE.search(node.value):
            continue
        if any(pragma in lines[node.lineno - 1] for pragma in ALLOWED_PRAGMAS):
            continue
        parent = parents.get(node)
        allowed = False
        while parent is not None:
            if isinstance(parent, ast.Call) and _call_name(parent) in MARKERS | NOT_FOR_PEOPLE:
                allowed = True
                break
            if isinstance(parent, ast.Subscript | ast.Compare):  # a dict key, a comparison
                allowed = True
                break
            parent = parents.get(parent)
        if not allowed:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
    return found


def _scanned_files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        where = ROOT / name
        files.extend(sorted(where.rglob("*.py")) if where.is_dir() else [where])
    return files


@pytest.mark.parametrize("path", _scanned_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_sentence_for_people_is_marked(path: Path) -> None:
    """A sentence written as a bare string would reach a Finnish reader in English. Mark it
    (`_`, `n_`, `Text`, an error's message) or, if no person reads it, say so on its line
    with `# not for people`."""
    assert unmarked_sentences(path) == []


def test_the_unmarked_sentence_check_can_fail(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        '"""Docstrings are for developers."""\n'
        "log.info('a log line for us')\n"
        "text = 'Your session is booked.'\n"
        "marked = _('Your session is booked.')\n"
        "kept = 'Shown to nobody at all'  # not for people\n"
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert unmarked_sentences(module) == ["module.py:3: 'Your session is booked.'"]
    finally:
        ROOT = saved
