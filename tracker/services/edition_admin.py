"""Editions managed from the staff pages: create (through `services.create_edition`), configure.

What can change depends on the edition's phase, so that figures already shown stay true:
before the start everything but the slug; while it runs only the name, description, sign-up
and teams switches (dates, months, baseline, target and counted bins define the method); once
over, nothing (past editions are read-only).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from tracker import services
from tracker.domain import DEFAULT_STREAMS, REFERENCE_KG_YEAR, STREAMS, DomainError, _l
from tracker.models import Account, Edition
from tracker.services import audit
from tracker.services.preferences import edition_phase, edition_settings

#: Fields that may be emptied (None is a value, not "unchanged").
NULLABLE = {"reference_kg_year"}
#: Fields each phase lets staff change.
EDITABLE = {
    "upcoming": {"name", "description", "enrolment_open", "teams_enabled", "start",
                 "months", "baseline_months", "target_pct", "counted_streams",
                 "reference_kg_year"},
    # the reference figure is a comparison beside the method, not part of it
    "running": {"name", "description", "enrolment_open", "teams_enabled", "reference_kg_year"},
    "past": set(),
}


def create_configured_edition(session: Session, actor: Account | None, *, slug: str, name: str,
                              start: dt.date, months: int, baseline_months: int,
                              target_pct: float, counted_streams, description: str = "",
                              enrolment_open: bool = False, teams_enabled: bool = False,
                              reference_kg_year: float | None = REFERENCE_KG_YEAR) -> Edition:
    """A new edition with its challenge-life settings."""
    if start is None:
        raise DomainError(_l("The start date is required."), "start")
    edition = services.create_edition(session, slug=slug, name=name, start=start, months=months,
                                      baseline_months=baseline_months, target_pct=target_pct,
                                      counted_streams=counted_streams)
    _check_reference(reference_kg_year)
    edition.reference_kg_year = reference_kg_year
    settings = edition_settings(session, edition)
    settings.description = description or ""
    settings.enrolment_open, settings.teams_enabled = enrolment_open, teams_enabled
    audit.record(session, actor, "edition.create", edition_id=edition.id)
    session.flush()
    return edition


def update_edition(session: Session, edition: Edition, actor: Account | None, *,
                   now: dt.datetime | None = None, **changes) -> Edition:
    """Apply the changes the edition's phase allows; refuse the others."""
    phase = edition_phase(edition, now)
    allowed = EDITABLE[phase]
    current = _current(session, edition)
    changed = {k: v for k, v in changes.items()
               if (v is not None or k in NULLABLE) and k in current and current.get(k) != v}
    refused = sorted(set(changed) - allowed)
    if refused:
        message = (_l("This edition is over: it can no longer be changed.") if phase == "past"
                   else _l("This edition has started: its dates, target and bins can no "
                           "longer be changed."))
        raise DomainError(message, refused[0])
    merged = {**current, **changed}
    _check(merged)
    settings = edition_settings(session, edition)
    edition.name = merged["name"].strip()
    settings.description = merged["description"] or ""
    settings.enrolment_open = bool(merged["enrolment_open"])
    settings.teams_enabled = bool(merged["teams_enabled"])
    edition.reference_kg_year = merged["reference_kg_year"]
    if phase == "upcoming":
        edition.start_date, edition.months = merged["start"], merged["months"]
        edition.baseline_months, edition.target_pct = (merged["baseline_months"],
                                                       float(merged["target_pct"]))
        counted = list(dict.fromkeys(merged["counted_streams"]))
        edition.counted_streams = counted
        edition.streams = list(dict.fromkeys([*DEFAULT_STREAMS, *counted]))
    if changed:
        audit.record(session, actor, "edition.update", edition_id=edition.id,
                     fields=sorted(changed))
    session.flush()
    return edition


def _current(session: Session, edition: Edition) -> dict:
    settings = edition_settings(session, edition)
    return {"name": edition.name, "description": settings.description,
            "enrolment_open": settings.enrolment_open, "teams_enabled": settings.teams_enabled,
            "start": edition.start_date, "months": edition.months,
            "baseline_months": edition.baseline_months, "target_pct": float(edition.target_pct),
            "counted_streams": list(edition.counted_streams),
            "reference_kg_year": edition.reference_kg_year}


def _check_reference(reference: float | None) -> None:
    if reference is not None and not 0 < reference <= 2000:
        raise DomainError(_l("The reference figure is in kg per person per year, between 0 and "
                             "2,000 (leave it empty for no comparison)."), "reference_kg_year")


def _check(values: dict) -> None:
    """The rules of `services.create_edition`, for a change."""
    if not (values["name"] or "").strip():
        raise DomainError(_l("The name is required."), "name")
    if values["start"] is None:
        raise DomainError(_l("The start date is required."), "start")
    if not isinstance(values["months"], int) or not 2 <= values["months"] <= 24:
        raise DomainError(_l("An edition lasts 2 to 24 months."), "months")
    if not isinstance(values["baseline_months"], int) or \
            not 1 <= values["baseline_months"] < values["months"]:
        raise DomainError(_l("The baseline lasts at least one month and less than the edition."),
                          "baseline_months")
    if values["target_pct"] is None or not 0 < values["target_pct"] < 100:
        raise DomainError(_l("The target must be between 0 and 100 %."), "target_pct")
    _check_reference(values.get("reference_kg_year"))
    counted = values["counted_streams"] or []
    unknown = [s for s in counted if s not in STREAMS]
    if unknown or not counted:
        raise DomainError(_l("Unknown or missing streams: %(names)s", names=", ".join(unknown)),
                          "counted_streams")
