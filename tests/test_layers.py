"""The layers can be seen in the folders, and imports only go the allowed way (README: Code map).

Every `import` and `from … import` of every module is read from its source, including imports
inside functions and under `TYPE_CHECKING`, so no layer can lean on another quietly.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("bot", "handlers", "storage")
SQL = ("sqlalchemy", "sqlmodel", "alembic", "psycopg")
BOLT_AND_SLACK = ("slack_bolt", "slack_sdk")


@dataclass(frozen=True)
class Rule:
    """Modules under `folder` may not import anything starting with one of `forbidden`, except
    what starts with one of `allowed` (a narrower exception inside a forbidden prefix)."""

    folder: str
    forbidden: tuple[str, ...]
    allowed: tuple[str, ...] = ()
    why: str = ""


RULES = (
    Rule(
        "bot/domain",
        forbidden=("bot", "handlers", "storage", *SQL, *BOLT_AND_SLACK, "babel"),
        allowed=("bot.domain",),
        why="the rules are plain Python: nothing of ours outside bot/domain, no Slack or SQL",
    ),
    Rule(
        "bot/blocks",
        forbidden=(
            "handlers",
            "slack_bolt",
            *SQL,
            "storage",
            "bot.services.container",
            "bot.app",
            "bot.web",
            "bot.clock",
            "bot.cli",
            "bot.sandbox",
        ),
        allowed=("storage.models",),
        why="message builders build from the values given (service results, row classes)",
    ),
    Rule(
        "bot/calendar",
        forbidden=(
            "handlers",
            *BOLT_AND_SLACK,
            *SQL,
            "storage",
            "bot.blocks",
            "bot.services.container",
            "bot.app",
            "bot.web",
            "bot.clock",
            "bot.cli",
            "bot.sandbox",
        ),
        allowed=("storage.models",),
        why="calendar data (RFC 5545) is built from the values given, like messages; the feed's "
        "route reads through the calendar service",
    ),
    Rule(
        "bot/services",
        forbidden=(
            "bot.blocks",
            "slack_bolt",
            "slack_sdk",
            "handlers",
            "bot.app",
            "bot.web",
            "bot.i18n",
            "babel",
        ),
        why="use cases know nothing of Slack or of how their results are shown (nor in what "
        "language: they say what to tell as a Text)",
    ),
    Rule(
        "storage",
        forbidden=("bot.services", "bot.blocks", "handlers", *BOLT_AND_SLACK, "bot.app"),
        why="storage reads and writes rows; it may turn them into domain facts",
    ),
    Rule(
        "handlers",
        forbidden=("storage", *SQL),
        why="listeners translate Slack payloads to service calls and back",
    ),
)


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in a file; `from . import x` is resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            if module in ("bot", "handlers", "storage", "bot.domain", "bot.blocks"):
                # `from bot import cli`: each name is a module of that package.
                found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, module))
    return found


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def violations(rule: Rule, root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / rule.folder).rglob("*.py")):
        for line, module in imported_modules(path, root):
            if any(_under(module, p) for p in rule.forbidden) and not any(
                _under(module, p) for p in rule.allowed
            ):
                found.append(f"{path.relative_to(root)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.folder)
def test_imports_respect_the_layers(rule: Rule) -> None:
    assert violations(rule) == [], rule.why


@pytest.mark.parametrize(
    ("folder", "source", "reported"),
    [
        ("bot/domain", "from bot.services.booking import BookingService\n", "bot.services.booking"),
        ("bot/domain", "def f():\n    import sqlalchemy\n", "sqlalchemy"),
        ("bot/blocks", "from storage.engine import read_session\n", "storage.engine"),
        ("bot/services", "from bot.blocks import ids\n", "bot.blocks.ids"),
        ("handlers", "from storage.models import Account\n", "storage.models"),
        ("storage", "import handlers.guard\n", "handlers.guard"),
    ],
    ids=[
        "domain-service",
        "domain-sql",
        "blocks-engine",
        "services-blocks",
        "handlers-rows",
        "storage-handlers",
    ],
)
def test_the_checker_reports_an_import_the_wrong_way(
    tmp_path: Path, folder: str, source: str, reported: str
) -> None:
    """The checker itself, on a copy of the layout with one offending module added."""
    (tmp_path / folder).mkdir(parents=True)
    (tmp_path / folder / "offender.py").write_text(source)
    [rule] = [r for r in RULES if r.folder == folder]
    [problem] = violations(rule, tmp_path)
    assert problem.startswith(f"{folder}/offender.py:")
    assert problem.endswith(f" imports {reported}")


def test_the_layers_are_folders() -> None:
    """The runtime is at the top of bot/; everything else sits in its layer's folder."""
    top = sorted(p.stem for p in (ROOT / "bot").glob("*.py") if p.stem != "__init__")
    assert top == [
        "app",
        "balance_refresh",
        "catalogs",
        "cli",
        "clock",
        "clock_dm",
        "clock_install",
        "clock_pool",
        "customer_cli",
        "digest_clock",
        "i18n",
        "jobs",
        "log_prompts",
        "logs",
        "modes",
        "pace_slots",
        "reports",
        "serve",
        "settings",
        "usage_warnings",
        "web",
    ]
    for layer in ("domain", "services", "blocks"):
        assert (ROOT / "bot" / layer / "__init__.py").is_file()
    kinds = sorted(p.name for p in (ROOT / "handlers").iterdir() if p.is_dir() and p.name[0] != "_")
    assert kinds == ["actions", "commands", "events", "views"]
