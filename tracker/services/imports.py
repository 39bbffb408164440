"""CSV imports of households and weigh-ins: all or nothing, every bad row listed, idempotent.

Rows are read as a stream (`tracker.csvio.open_rows`) and checked by the same schema and
service rules as the form and the API (`import_row`, `weighin_values`); weigh-ins go into the
database in chunks of multi-row INSERTs inside the caller's one transaction, so memory stays
flat whatever the file's size (bench/imports.py) and a file with a bad row adds nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.csvio import Row
from tracker.domain import DomainError, Source, edition_bounds
from tracker.models import Edition, Household, WeighIn
from tracker.schemas import household_row, import_row, localize, messages_as_text
from tracker.services.accounts import _normalize_email as normalize_email
from tracker.services.households import create_household
from tracker.services.weighins import flag_weight_limit, stream_median, weighin_values

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


#: Rows inserted per statement. The chunks go into the caller's transaction, so a file is still
#: all or nothing; memory holds one chunk, the errors and the import keys, never the file.
CHUNK_ROWS = 2000


def import_weighins(session: Session, edition: Edition, rows: Iterable[Row],
                    progress: Callable[[int], None] | None = None) -> ImportReport:
    """Add the weigh-ins of a CSV in one pass over its rows (streamed); with any bad row nothing
    is added: inserting stops at the first error and the caller rolls back what was added."""
    report = ImportReport()
    households = {h.name.casefold(): h for h in session.scalars(
        select(Household).where(Household.edition_id == edition.id))}
    # The import keys already in the edition (a key hashes its household's id: unique alone).
    existing = set(session.scalars(
        select(WeighIn.import_key).join(Household)
        .where(Household.edition_id == edition.id, WeighIn.import_key.is_not(None))))
    bounds = edition_bounds(edition.start_date, edition.months, edition.timezone)
    now = clock.now()
    medians: dict[tuple[int, str], float | None] = {}
    seen: Counter = Counter()  # identities of the file's rows (digests), for the import key
    chunk: list[dict] = []
    for row in rows:
        report.rows += 1
        if progress:
            progress(1)
        try:
            values = _weighin_of_row(session, row, households, edition.timezone, bounds, now,
                                     medians)
        except _RowError as exc:
            report.errors.append((row.line, exc.reason))
            continue
        identity = (values["household_id"], values.pop("local"), values["stream"],
                    values["weight_g"], values["note"])
        digest = hashlib.sha256(repr(identity).encode()).digest()
        seen[digest] += 1
        key = hashlib.sha256(repr((*identity, seen[digest])).encode()).hexdigest()[:40]
        if key in existing:
            report.already_present += 1
            continue
        report.added += 1
        if report.errors:
            continue  # nothing is added any more; the rows are still checked
        chunk.append({**values, "import_key": key})
        if len(chunk) >= CHUNK_ROWS:
            _insert(session, chunk)
    if report.ok:
        _insert(session, chunk)
    else:
        report.added = 0
    return report


class _RowError(Exception):
    def __init__(self, reason: str):
        self.reason = reason


def _weighin_of_row(session, row: Row, households, zone: str, bounds, now, medians) -> dict:
    """One row checked by the import schema and the weigh-in rules: its column values, plus
    its local time (`local`, for the import key); _RowError with the reason otherwise."""
    if "__extra__" in row.values:
        raise _RowError(_("too many columns (check the separator)"))
    try:
        data = import_row.load(row.values)
    except ValidationError as exc:
        raise _RowError(_first_message(exc.messages)) from None
    household = households.get(data["household"].casefold())
    if household is None:
        raise _RowError(_("unknown household: %(name)s", name=data["household"]))
    local = dt.datetime.combine(data["date"], data["time"] or DEFAULT_TIME)
    mkey = (household.id, data["stream"])
    if mkey not in medians:
        medians[mkey] = stream_median(session, household.id, data["stream"])
    try:
        values = weighin_values(household, stream=data["stream"], weight_g=data["weight_g"],
                                measured_at=localize(local, zone),
                                source=Source.IMPORT, note=data["note"], median_g=medians[mkey],
                                now=now, bounds=bounds,
                                flag_weight_g=flag_weight_limit(session))
    except DomainError as exc:
        raise _RowError(f"{exc.field}: {exc.message}" if exc.field else str(exc.message)) \
            from None
    values["local"] = local.isoformat()
    return values


def _insert(session: Session, chunk: list[dict]) -> None:
    """One multi-row INSERT of the chunk (in the caller's transaction), then empty it."""
    if chunk:
        session.execute(insert(WeighIn), chunk)
        chunk.clear()


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
                    "household %(name)s exists with %(persons)s persons; change its size on "
                    "its page (or with `zw households set-size`)", name=name, persons=first)))
            else:
                report.already_present += 1
            continue
        try:
            create_household(session, edition, name=name, persons=data["persons"],
                             commune=data["commune"], emails=_emails(data["email"]))
        except DomainError as exc:
            report.errors.append((row.line, f"{exc.field}: {exc.message}" if exc.field
                                  else str(exc.message)))
            continue
        report.added += 1
    return report


def _emails(cell: str) -> str:
    """The contact addresses of a household row (`,` or `;` between them), each checked by
    the rule of the sign-up form and the accounts; stored as sign-up stores them."""
    return ", ".join(normalize_email(e) for e in re.split(r"[,;]", cell) if e.strip())
