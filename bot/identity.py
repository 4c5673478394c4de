"""Who is asking: staff of the installing workspace, or an external (Slack Connect) user."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Installation:
    """The workspace (and enterprise grid, if any) that installed the app."""

    team_id: str | None
    enterprise_id: str | None = None


def is_staff(user_team_id: str | None, user_enterprise_id: str | None, home: Installation) -> bool:
    """Staff belong to the installing team, or to its enterprise grid on an org-wide install."""
    if not user_team_id and not user_enterprise_id:
        return False
    if home.team_id and user_team_id == home.team_id:
        return True
    return bool(home.enterprise_id) and user_enterprise_id == home.enterprise_id
