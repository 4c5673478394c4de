"""manifest.yml creates the app in one step: it must validate against Slack's own schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.domain.commands import COMMAND

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_NAME = "manifest.schema.1.0.0.json"
SHARED_SCHEMA = ROOT.parent / "shared" / "slack" / SCHEMA_NAME
# A copy (MIT, Slack's licence beside it) so a clean clone in CI validates too.
VENDORED_SCHEMA = ROOT / "tests" / "slack_schema" / SCHEMA_NAME


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


@pytest.mark.parametrize("schema_path", [SHARED_SCHEMA, VENDORED_SCHEMA], ids=["shared", "copy"])
def test_manifest_validates_against_slacks_schema(schema_path: Path) -> None:
    if not schema_path.exists():
        pytest.skip(f"Slack's manifest schema is not at {schema_path}")
    schema = json.loads(schema_path.read_text())
    jsonschema.Draft7Validator(schema).validate(manifest())


def test_the_schema_copy_is_slacks_own() -> None:
    if not SHARED_SCHEMA.exists():
        pytest.skip(f"Slack's manifest schema is not at {SHARED_SCHEMA} to compare with")
    assert VENDORED_SCHEMA.read_bytes() == SHARED_SCHEMA.read_bytes()


def test_the_schema_rejects_a_broken_manifest() -> None:
    """The validation can fail: a manifest without its display name is refused."""
    broken = manifest()
    del broken["display_information"]["name"]
    schema = json.loads(VENDORED_SCHEMA.read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_manifest_declares_the_command_and_the_scopes_the_code_calls() -> None:
    data = manifest()
    [command] = data["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["url"].endswith("/slack/events")
    assert data["settings"]["interactivity"]["request_url"] == command["url"]
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    source = "\n".join(
        p.read_text() for folder in ("handlers", "bot") for p in (ROOT / folder).rglob("*.py")
    )
    calls = set(re.findall(r"client\.(\w+)\(", source))
    needed = {
        # The email is what a calendar invite names a person by (handlers/invites.py).
        "users_info": {"users:read", "users:read.email"},
        "chat_postMessage": {"chat:write"},
        "chat_postEphemeral": {"chat:write"},
        "chat_update": {"chat:write"},
        "chat_delete": {"chat:write"},
        "conversations_join": {"channels:join"},
        "conversations_history": {"channels:history", "groups:history"},
        "conversations_info": {"channels:read", "groups:read"},
        "conversations_open": {"im:write"},
        "files_getUploadURLExternal": {"files:write"},
        "files_completeUploadExternal": {"files:write"},
        "files_info": {"files:read"},
        "pins_add": {"pins:write"},  # the living balance (handlers/balance.py)
        "files_upload_v2": {"files:write"},  # calendar invites (.ics) to a DM
        "views_open": set(),
        "views_publish": set(),
        "auth_test": set(),  # the clock: does Slack accept the token again (a reinstall)
    }
    assert calls <= set(needed), f"add the scopes for {calls - set(needed)} to this test"
    assert set().union(*(needed[c] for c in calls)) | {"commands"} == scopes


def test_manifest_subscribes_to_exactly_the_events_handled_and_enables_the_app_home() -> None:
    data = manifest()
    source = "\n".join(p.read_text() for p in (ROOT / "handlers").rglob("*.py"))
    handled = set(re.findall(r"app\.event\(\"(\w+)\"\)", source))
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == handled
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["features"]["bot_user"]["display_name"]
