"""What a deployer reads: every setting documented, the Procfile's processes real commands."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented_in_env_example_and_readme() -> None:
    read = set(re.findall(r'get\("([A-Z_]+)"\)', (ROOT / "bot" / "settings.py").read_text()))
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"} <= read
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in read:
        assert re.search(rf"^#? ?{name}=", example, re.MULTILINE), f"{name} not in .env.example"
        assert f"`{name}`" in readme, f"{name} not in README's settings"


def test_procfile_has_release_web_and_clock_as_real_commands() -> None:
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert set(processes) == {"release", "web", "clock"}
    expected = {"release": ["db", "upgrade"], "web": ["web", "--workers", "2"], "clock": ["clock"]}
    parser = build_parser()
    for name, command in processes.items():
        program, *args = shlex.split(command)
        assert program == "oura-bot"
        assert args == expected[name]
        parser.parse_args(args)  # exits on an unknown subcommand


def test_readme_quick_start_is_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in block.splitlines()] == ["make run", "make test"]
