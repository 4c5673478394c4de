"""Whether Slack has the app installed, and which staff members Slack deactivated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlmodel import col

from storage.engine import insert_into, read_session, write_session
from storage.models import Account, InstallationState, StaffMember

ROW = 1


def uninstalled_since(engine: Engine) -> datetime | None:
    """When Slack said the app was uninstalled (None: it is installed)."""
    with read_session(engine) as db:
        row = db.get(InstallationState, ROW)
        return row.uninstalled_at if row is not None else None


def mark_uninstalled(engine: Engine, reason: str, now: datetime) -> bool:
    """Record the uninstall; True if the app counted as installed until now."""
    with write_session(engine) as db:
        db.execute(
            insert_into(engine, InstallationState)
            .values(id=ROW, updated_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        changed = db.execute(
            update(InstallationState)
            .where(
                col(InstallationState.id) == ROW, col(InstallationState.uninstalled_at).is_(None)
            )
            .values(uninstalled_at=now, reason=reason[:32], updated_at=now)
        ).rowcount
        return bool(changed)


def mark_reinstalled(engine: Engine, now: datetime) -> bool:
    """The app is installed again; True if it counted as uninstalled until now."""
    with write_session(engine) as db:
        changed = db.execute(
            update(InstallationState)
            .where(
                col(InstallationState.id) == ROW,
                col(InstallationState.uninstalled_at).is_not(None),
            )
            .values(uninstalled_at=None, reason=None, reinstalled_at=now, updated_at=now)
        ).rowcount
        return bool(changed)


def set_deactivated(engine: Engine, user_id: str, deactivated: bool, now: datetime) -> bool:
    """Mark (or clear) a staff member Slack deactivated; True if that changed anything. Only
    people the app knows as staff are kept: a vendor contact, or someone with settings."""
    with write_session(engine) as db:
        if not deactivated:
            return bool(
                db.execute(
                    update(StaffMember)
                    .where(
                        col(StaffMember.user_id) == user_id,
                        col(StaffMember.deactivated_at).is_not(None),
                    )
                    .values(deactivated_at=None, updated_at=now)
                ).rowcount
            )
        known = db.execute(
            select(Account.id).where(col(Account.vendor_contact_id) == user_id).limit(1)
        ).first() or db.get(StaffMember, user_id)
        if not known:
            return False
        db.execute(
            insert_into(engine, StaffMember)
            .values(user_id=user_id, deactivated_at=now, updated_at=now)
            .on_conflict_do_update(
                index_elements=["user_id"],
                set_={"deactivated_at": now, "updated_at": now},
                where=col(StaffMember.deactivated_at).is_(None),
            )
        )
        return True
