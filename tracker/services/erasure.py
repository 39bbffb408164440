"""What an erased household leaves outside its own rows, and how erasure clears it.

`privacy.erase_household` deletes the rows that reference the household (weigh-ins, sizes,
accounts and through them their sign-in links and API token, scales, registrations, settings
with the team membership and calendar token, queued mails, the sign-up request). Three places
name the household without a foreign key, so no cascade reaches them; this module clears them:

- dead letters: refused MQTT messages keep the scale id in their topic and column and the raw
  payload; every one of the household's scales counts, revoked ones included, and so do the
  scales named in its audit entries (a scale removed earlier still left its messages);
- the audit log: an entry must outlive the household (the fact that staff acted stays), so its
  details are anonymised instead: scale ids, emails and names become ``[erased]``, and an
  entry made by one of the household's accounts loses that account's address;
- outbox ``.eml`` copies (no SMTP configured): they hold the address and live sign-in links
  (`mail.forget_outbox_mentions`, called by the web view after the commit).

The storage itself keeps deleted bytes until they are overwritten: see `tracker.db` (SQLite's
``secure_delete`` and the WAL checkpoint) and docs/production.md (PostgreSQL, backups).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from tracker.models import Account, DeadLetter, Device, Household
from tracker.models import AuditEntry, Enrolment

#: What replaces a scale id, an email or a name in the audit log.
ERASED = "[erased]"
#: Scale ids per DELETE statement (each one is two conditions).
_CHUNK = 200
_TOPIC_ROOT = "zw/scales/"


@dataclass(frozen=True)
class Traces:
    """The identifiers of a household that other rows may carry."""

    household_id: int
    account_ids: frozenset[int]
    emails: frozenset[str]          # lower case
    names: frozenset[str]           # the household's name, its members' display names
    device_ids: frozenset[str]


def _split_emails(text: str) -> set[str]:
    return {part.strip().lower() for part in re.split(r"[,;\s]+", text or "") if "@" in part}


def traces_of(session: Session, household: Household) -> Traces:
    """Collect the household's identifiers before its rows are deleted."""
    hid = household.id
    accounts = session.execute(select(Account.id, Account.email, Account.display_name)
                               .where(Account.household_id == hid)).all()
    emails = {email.lower() for _, email, _ in accounts} | _split_emails(household.emails)
    emails |= {e.lower() for e in session.scalars(select(Enrolment.email)
                                                   .where(Enrolment.household_id == hid))}
    devices = set(session.scalars(select(Device.id).where(Device.household_id == hid)))
    for details in session.scalars(select(AuditEntry.details)
                                   .where(AuditEntry.household_id == hid)):
        device = (details or {}).get("device")
        if isinstance(device, str) and device:
            devices.add(device)
    names = {household.name} | {name for _, _, name in accounts if name and name.strip()}
    return Traces(hid, frozenset(a for a, _, _ in accounts), frozenset(emails),
                  frozenset(n.strip() for n in names if n.strip()), frozenset(devices))


def delete_dead_letters(session: Session, device_ids) -> int:
    """Delete the refused messages of these scales: by column, or by topic (an old row, or a
    message whose id was only in its topic)."""
    ids, gone = sorted(device_ids), 0
    for start in range(0, len(ids), _CHUNK):
        conditions = []
        for device_id in ids[start:start + _CHUNK]:
            prefix = f"{_TOPIC_ROOT}{device_id}/"
            # substr, not LIKE: a scale id may hold "_", a LIKE wildcard.
            conditions += [DeadLetter.device_id == device_id,
                           DeadLetter.topic == prefix[:-1],
                           func.substr(DeadLetter.topic, 1, len(prefix)) == prefix]
        gone += session.execute(delete(DeadLetter).where(or_(*conditions))
                                .execution_options(synchronize_session=False)).rowcount
    return gone


def _pattern(traces: Traces) -> re.Pattern | None:
    """One regular expression for every identifier, whole tokens only ("sc-1" is not in
    "sc-10"), case-insensitive."""
    token = r"[\w.@:+-]"
    parts = [rf"(?<!{token}){re.escape(v)}(?!{token})"
             for v in sorted(traces.device_ids | traces.emails, key=len, reverse=True)]
    parts += [rf"(?<!\w){re.escape(v)}(?!\w)" for v in sorted(traces.names, key=len,
                                                                reverse=True)]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _scrub(value, pattern: re.Pattern):
    """The value with every identifier replaced, walking dicts and lists."""
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        return {_scrub(k, pattern): _scrub(v, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, pattern) for v in value]
    return value


def anonymise_audit(session: Session, traces: Traces) -> int:
    """Replace the household's identifiers in audit entries; return how many changed.

    Every entry is read: details are free-form JSON, and a scale id can appear in an entry of
    another action (a staff member's search, a bulk command). The log holds thousands of rows
    per edition, and an erasure is rare.
    """
    pattern = _pattern(traces)
    if pattern is None:
        return 0
    changed = 0
    rows = session.execute(select(AuditEntry.id, AuditEntry.actor, AuditEntry.actor_id,
                                  AuditEntry.details)).all()
    for entry_id, actor, actor_id, details in rows:
        values = {}
        if actor_id in traces.account_ids or (actor or "").lower() in traces.emails:
            values.update(actor=ERASED, actor_id=None)
        scrubbed = _scrub(details, pattern)
        if scrubbed != details:
            values["details"] = scrubbed
        if values:
            entry = session.get(AuditEntry, entry_id)
            for key, value in values.items():
                setattr(entry, key, value)
            changed += 1
    session.flush()
    return changed
