"""The audit log of staff actions on household data: who did what, when, to which household id.

Entries never hold a household's name, email or commune, so they can outlive an erasure; the
actor is a staff account (its email is kept so the entry stays readable if the account goes).
"""
from __future__ import annotations

import getpass
import os

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.models import Account
from tracker.models import AuditEntry

#: Keys that must never reach the log (personal data of a household).
PERSONAL_KEYS = frozenset({"name", "email", "emails", "commune", "household_name", "note"})
#: Keys of credentials: a scale's secret or a password never reaches the log either.
SECRET_KEYS = frozenset({"secret", "password", "token", "api_token"})


def record(session: Session, actor: Account | None, action: str, *,
           edition_id: int | None = None, household_id: int | None = None,
           actor_name: str | None = None, **details) -> AuditEntry:
    """Append an entry; `details` are plain values without personal data (checked). Without
    an account, `actor_name` says who acted (the `zw` command: `record_command`), else "system"."""
    leaked = (PERSONAL_KEYS | SECRET_KEYS).intersection(details)
    if leaked:
        raise ValueError(f"personal data or a credential in an audit entry: {sorted(leaked)}")
    entry = AuditEntry(at=clock.now(), actor_id=actor.id if actor else None,
                       actor=actor.email if actor else (actor_name or "system"), action=action,
                       edition_id=edition_id, household_id=household_id, details=details)
    session.add(entry)
    session.flush()
    return entry


def record_command(session: Session, action: str, **kwargs) -> AuditEntry:
    """`record` for a `zw` command: the actor is the system user who ran it (staff run the
    command on the server), as `zw (<user>)`."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name for this uid (a container): the uid
        user = f"uid {os.getuid()}"
    return record(session, None, action, actor_name=f"zw ({user})", **kwargs)


def entries(session: Session, *, limit: int = 100, offset: int = 0,
            household_id: int | None = None) -> tuple[list[AuditEntry], int]:
    """Entries, newest first, and their total count."""
    query = select(AuditEntry)
    count = select(func.count(AuditEntry.id))
    if household_id is not None:
        query = query.where(AuditEntry.household_id == household_id)
        count = count.where(AuditEntry.household_id == household_id)
    rows = session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                           .limit(limit).offset(offset)).all()
    return list(rows), session.scalar(count)
