"""CSV imports of households and weigh-ins: all or nothing, every bad row listed, idempotent."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.csvio import Row
from tracker.domain import DomainError
from tracker.models import Edition, Household, WeighIn
from tracker.schemas import household_row, import_row, localize, messages_as_text
from tracker.services.households import create_household
from tracker.services.weighins import record_weighin, stream_median

#: A weigh-in imported without a time is placed at noon, local time, away from any day boundary.
DEFAULT_TIME = dt.time(12, 0)


@dataclass
class ImportReport:
    """What an import did, or why it did nothing."""

    rows: int = 0
    added: int = 0
    already_present: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _first_message(messages) -> str:
    text = messages_as_text(messages)
    parts = []
    for key, value in (text.items() if isinstance(text, dict) else [("", text)]):
        msg = value[0] if isinstance(value, list) else value
        parts.append(f"{key}: {msg}" if key and key != "_schema" else str(msg))
    return "; ".join(parts)


def import_weighins(session: Session, edition: Edition, rows: Iterable[Row],
                    progress: Callable[[int], None] | None = None) -> ImportReport:
    """Add the weigh-ins of a CSV; with any bad row nothing is added (the caller rolls back)."""
    report = ImportReport()
    households = {h.name.casefold(): h for h in session.scalars(
        select(Household).where(Household.edition_id == edition.id))}
    existing = set(session.execute(
        select(WeighIn.household_id, WeighIn.import_key).join(Household)
        .where(Household.edition_id == edition.id, WeighIn.import_key.is_not(None))).all())
    medians: dict[tuple[int, str], float | None] = {}
    seen: Counter = Counter()
    for row in rows:
        report.rows += 1
        if progress:
            progress(1)
        if "__extra__" in row.values:
            report.errors.append((row.line, _("too many columns (check the separator)")))
            continue
        try:
            data = import_row.load(row.values)
        except ValidationError as exc:
            report.errors.append((row.line, _first_message(exc.messages)))
            continue
        household = households.get(data["household"].casefold())
        if household is None:
            report.errors.append((row.line, _("unknown household: %(name)s",
                                              name=data["household"])))
            continue
        local = dt.datetime.combine(data["date"], data["time"] or DEFAULT_TIME)
        measured_at = localize(local, edition.timezone)
        identity = (household.id, local.isoformat(), data["stream"], data["weight_g"],
                    data["note"])
        seen[identity] += 1
        key = hashlib.sha256(repr((*identity, seen[identity])).encode()).hexdigest()[:40]
        if (household.id, key) in existing:
            report.already_present += 1
            continue
        mkey = (household.id, data["stream"])
        if mkey not in medians:
            medians[mkey] = stream_median(session, household.id, data["stream"])
        try:
            record_weighin(session, household, stream=data["stream"],
                           weight_g=data["weight_g"], measured_at=measured_at, source="import",
                           note=data["note"], import_key=key, median_g=medians[mkey],
                           check_median=False, flush=False)
        except DomainError as exc:
            report.errors.append((row.line, f"{exc.field}: {exc.message}" if exc.field
                                  else str(exc.message)))
            continue
        report.added += 1
    if report.ok:
        session.flush()
    return report


def import_households(session: Session, edition: Edition, rows: Iterable[Row]) -> ImportReport:
    """Add the households of a CSV (`household,persons,email,commune`); known ones are skipped."""
    report = ImportReport()
    known = {h.name.casefold(): h for h in session.scalars(
        select(Household).where(Household.edition_id == edition.id))}
    in_file: dict[str, int] = {}
    for row in rows:
        report.rows += 1
        try:
            data = household_row.load(row.values)
        except ValidationError as exc:
            report.errors.append((row.line, _first_message(exc.messages)))
            continue
        name = data["household"].strip()
        if name.casefold() in in_file:
            report.errors.append((row.line, _("household %(name)s already on line %(line)s",
                                              name=name, line=in_file[name.casefold()])))
            continue
        in_file[name.casefold()] = row.line
        existing = known.get(name.casefold())
        if existing is not None:
            first = existing.sizes[0].persons if existing.sizes else None
            if first != data["persons"]:
                report.errors.append((row.line, _(
                    "household %(name)s exists with %(persons)s persons; use `zw households "
                    "set-size`", name=name, persons=first)))
            else:
                report.already_present += 1
            continue
        try:
            create_household(session, edition, name=name, persons=data["persons"],
                             commune=data["commune"], emails=data["email"])
        except DomainError as exc:
            report.errors.append((row.line, str(exc.message)))
            continue
        report.added += 1
    return report
