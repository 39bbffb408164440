"""Privacy (GDPR): a household's data as JSON or CSV, erasure requests, and erasure itself.

The download is the household's right of access: everything kept about it, including what staff
decided about it (absences, accepted months and their reason) and its members' signed-in
browsers and API tokens (names and dates; never a hash or a secret). A table added later that
holds the household's data belongs in `export_household` too.

Erasure deletes the household and everything that names it or was measured for it (weigh-ins,
sizes, accounts with their sign-in links, scales, registrations, settings, mails, the sign-up
request), the dead letters of its scales, and anonymises the audit entries that named it
(`tracker.services.erasure`). The live cohort figures are computed from the weigh-ins, so they
no longer include it; a published report keeps the figures frozen when it was published
(`tracker.services.published`). The audit log keeps one entry with the household's id and the
counts of what went, nothing personal.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from dashboards.csvsafe import csv_text
from tracker import clock
from tracker.domain import DomainError, RegistrationStatus, _l
from tracker.models import (Absence, AcceptedMonth, Account, ApiToken, Device, Household,
                            HouseholdSize, SignIn, WeighIn)
from tracker.models import (Enrolment, Event, EventRegistration, HouseholdSettings,
                                 OutgoingMail)
from tracker.services import audit
from tracker.services.preferences import household_settings


def _iso(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def export_household(session: Session, household: Household) -> dict:
    """Everything stored about a household, as plain JSON-ready values (no secrets or hashes)."""
    settings = session.get(HouseholdSettings, household.id)
    weighins = session.scalars(select(WeighIn).where(WeighIn.household_id == household.id)
                               .order_by(WeighIn.measured_at, WeighIn.id)).all()
    accounts = session.scalars(select(Account).where(Account.household_id == household.id)
                               .order_by(Account.id)).all()
    devices = session.scalars(select(Device).where(Device.household_id == household.id)).all()
    registrations = session.execute(
        select(Event.title, Event.starts_at, EventRegistration.status,
               EventRegistration.created_at)
        .join(Event).where(EventRegistration.household_id == household.id)
        .order_by(Event.starts_at)).all()
    enrolment = session.scalar(select(Enrolment).where(Enrolment.household_id == household.id))
    mails = session.scalars(select(OutgoingMail).where(OutgoingMail.household_id == household.id)
                            .order_by(OutgoingMail.id)).all()
    account_ids = [a.id for a in accounts] or [0]
    absences = session.scalars(select(Absence).where(Absence.household_id == household.id)
                               .order_by(Absence.date_from, Absence.id)).all()
    accepted = session.scalars(select(AcceptedMonth)
                               .where(AcceptedMonth.household_id == household.id)
                               .order_by(AcceptedMonth.month)).all()
    sign_ins = session.execute(select(Account.email, SignIn.label, SignIn.created_at)
                               .join(SignIn, SignIn.account_id == Account.id)
                               .where(Account.id.in_(account_ids))
                               .order_by(SignIn.created_at, SignIn.id)).all()
    tokens = session.execute(select(Account.email, ApiToken.name, ApiToken.created_at,
                                    ApiToken.last_used_at)
                             .join(ApiToken, ApiToken.account_id == Account.id)
                             .where(Account.id.in_(account_ids))
                             .order_by(ApiToken.created_at, ApiToken.id)).all()
    edition = household.edition
    return {
        "exported_at": clock.now().isoformat(),
        "edition": {"slug": edition.slug, "name": edition.name,
                    "start_date": edition.start_date.isoformat(), "months": edition.months},
        "household": {"id": household.id, "name": household.name, "commune": household.commune,
                      "emails": household.emails, "created_at": _iso(household.created_at)},
        "sizes": [{"persons": s.persons, "valid_from": _iso(s.valid_from)}
                  for s in household.sizes],
        "members": [{"email": a.email, "display_name": a.display_name, "role": a.role,
                     "locale": a.locale, "has_password": a.password_hash is not None,
                     "created_at": _iso(a.created_at)} for a in accounts],
        "settings": None if settings is None else {
            "reminders_enabled": settings.reminders_enabled,
            "leaderboard_hidden": settings.leaderboard_hidden,
            "team": settings.team.name if settings.team else None,
            "last_reminder_at": _iso(settings.last_reminder_at),
            "erasure_requested_at": _iso(settings.erasure_requested_at)},
        "enrolment": None if enrolment is None else {
            "consent_at": _iso(enrolment.consent_at), "created_at": _iso(enrolment.created_at),
            "decided_at": _iso(enrolment.decided_at)},
        "weighins": [{"id": w.id, "measured_at": _iso(w.measured_at), "stream": w.stream,
                      "weight_g": w.weight_g, "source": w.source, "status": w.status,
                      "device_id": w.device_id, "seq": w.seq, "note": w.note,
                      "flag_reason": w.flag_reason, "created_at": _iso(w.created_at),
                      "updated_at": _iso(w.updated_at)} for w in weighins],
        "devices": [{"id": d.id, "label": d.label, "stream": d.stream, "firmware": d.firmware,
                     "created_at": _iso(d.created_at), "revoked_at": _iso(d.revoked_at),
                     "last_seen": _iso(d.last_seen), "battery_pct": d.battery_pct}
                    for d in devices],
        "event_registrations": [{"event": title, "starts_at": _iso(starts), "status": status,
                                 "registered_at": _iso(created)}
                                for title, starts, status, created in registrations],
        "emails_sent": [{"to": m.to_addr, "subject": m.subject, "created_at": _iso(m.created_at),
                         "sent_at": _iso(m.sent_at)} for m in mails],
        # what the household declared or staff decided about it (the staff member's address
        # is theirs, not the household's: only whether a member or staff declared it)
        "absences": [{"date_from": _iso(a.date_from), "date_to": _iso(a.date_to),
                      "declared_by": _declared_by(a.created_by_id, account_ids),
                      "created_at": _iso(a.created_at)} for a in absences],
        "accepted_months": [{"month": m.month, "reason": m.reason,
                             "accepted_at": _iso(m.accepted_at)} for m in accepted],
        # the members' signed-in browsers and API tokens (names and dates, never a hash)
        "sign_ins": [{"member": email, "label": label, "created_at": _iso(created)}
                     for email, label, created in sign_ins],
        "api_tokens": [{"member": email, "name": name, "created_at": _iso(created),
                        "last_used_at": _iso(used)} for email, name, created, used in tokens],
    }


def _declared_by(account_id: int | None, member_ids: list[int]) -> str:
    return "household" if account_id in member_ids else "staff"


def export_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def export_zip(data: dict) -> bytes:
    """The export as a ZIP of CSV files, one per kind of record (UTF-8 with BOM for Excel)."""
    tables = {
        "household.csv": [{**data["household"], "edition": data["edition"]["slug"]}],
        "sizes.csv": data["sizes"],
        "members.csv": data["members"],
        "weighins.csv": data["weighins"],
        "devices.csv": data["devices"],
        "event_registrations.csv": data["event_registrations"],
        "emails_sent.csv": data["emails_sent"],
        "settings.csv": [data["settings"]] if data["settings"] else [],
        "absences.csv": data["absences"],
        "accepted_months.csv": data["accepted_months"],
        "sign_ins.csv": data["sign_ins"],
        "api_tokens.csv": data["api_tokens"],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            text = csv_text(list(rows[0]), rows, lineterminator="\r\n") if rows else ""
            archive.writestr(name, "\ufeff" + text)
    return buffer.getvalue()


def request_erasure(session: Session, household: Household, *, cancel: bool = False) -> None:
    """A member asks staff to erase the household (or withdraws the request)."""
    settings = household_settings(session, household)
    settings.erasure_requested_at = None if cancel else (settings.erasure_requested_at
                                                         or clock.now())
    session.flush()


def erase_household(session: Session, household: Household, actor: Account,
                    confirm_name: str) -> tuple[dict, list[str], list]:
    """Delete the household and its data, and clear its traces elsewhere (dead letters, audit
    details: `tracker.services.erasure`); returns (counts, outbox files to delete after the
    commit, waiting registrations promoted to the seats it held)."""
    if (confirm_name or "").strip() != household.name:
        raise DomainError(_l("Type the household's name exactly to confirm."), "confirm_name")
    from tracker.services import erasure

    hid, edition_id = household.id, household.edition_id
    traces = erasure.traces_of(session, household)
    emails = sorted(traces.emails)
    mail_filter = or_(OutgoingMail.household_id == hid,
                      func.lower(OutgoingMail.to_addr).in_(emails or [""]))
    outbox_files = [f for f in session.scalars(select(OutgoingMail.outbox_file)
                                               .where(mail_filter)) if f]
    # Seats the household held in coming events go to the waiting lists afterwards.
    seats = list(session.scalars(select(EventRegistration.event_id).join(Event).where(
        EventRegistration.household_id == hid,
        EventRegistration.status == RegistrationStatus.CONFIRMED,
        Event.starts_at > clock.now())))
    counts = {}
    for name, model, where in (
            ("weighins", WeighIn, WeighIn.household_id == hid),
            ("devices", Device, Device.household_id == hid),
            ("registrations", EventRegistration, EventRegistration.household_id == hid),
            ("mails", OutgoingMail, mail_filter),
            ("accounts", Account, Account.household_id == hid),
            ("enrolments", Enrolment, or_(Enrolment.household_id == hid,
                                          func.lower(Enrolment.email).in_(emails or [""]))),
            ("settings", HouseholdSettings, HouseholdSettings.household_id == hid),
            ("sizes", HouseholdSize, HouseholdSize.household_id == hid)):
        counts[name] = session.execute(delete(model).where(where)
                                       .execution_options(synchronize_session=False)).rowcount
    session.execute(delete(Household).where(Household.id == hid)
                    .execution_options(synchronize_session=False))
    counts["dead_letters"] = erasure.delete_dead_letters(session, traces.device_ids)
    session.expire_all()
    counts["audit_anonymised"] = erasure.anonymise_audit(session, traces)
    audit.record(session, actor, "household.erase", edition_id=edition_id, household_id=hid,
                 **{k: v for k, v in counts.items() if k != "settings"})
    from tracker.services.events import _promote

    promoted = [r for event_id in seats for r in _promote(session, session.get(Event, event_id))]
    return counts, outbox_files, promoted


def erasure_requests(session: Session) -> list[Household]:
    """Households whose members asked for erasure, oldest request first."""
    return list(session.scalars(select(Household).join(
        HouseholdSettings, HouseholdSettings.household_id == Household.id)
        .where(HouseholdSettings.erasure_requested_at.is_not(None))
        .order_by(HouseholdSettings.erasure_requested_at)))
