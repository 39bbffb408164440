"""Reading the CSV files people make with a spreadsheet (French Excel or LibreOffice) and writing ours.

Accepts UTF-8 (with or without BOM) or Windows-1252, `,` or `;` separators, and French or English
header names. Rows come back as dicts keyed by the canonical header, with their line number.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from dashboards.csvsafe import csv_text

from tracker.domain import _fold

HEADER_ALIASES = {
    "household": ["household", "foyer", "famille", "nom", "nom du foyer", "menage"],
    "date": ["date", "jour", "date de pesee"],
    "time": ["time", "heure"],
    "stream": ["stream", "bin", "flux", "bac", "poubelle", "type", "type de dechet"],
    "weight_kg": ["weight_kg", "weight", "poids", "poids_kg", "poids kg", "poids (kg)", "kg",
                  "masse", "masse kg"],
    "note": ["note", "remarque", "commentaire", "comment"],
    "persons": ["persons", "personnes", "nb personnes", "nombre de personnes", "taille"],
    "email": ["email", "e-mail", "mail", "courriel", "adresse mail", "emails"],
    "commune": ["commune", "ville", "city", "town"],
}
_BY_ALIAS = {_fold(a): key for key, names in HEADER_ALIASES.items() for a in names}


class CsvFormatError(ValueError):
    """The file cannot be read as a table (encoding, header)."""


@dataclass(frozen=True)
class Row:
    line: int
    values: dict


def decode(data: bytes) -> str:
    """Text of a file saved by a spreadsheet: UTF-8 (BOM or not), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")


def sniff_delimiter(first_line: str) -> str:
    """`;` when the header uses it (French spreadsheets), else `,` (tab also understood)."""
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def read_rows(path_or_data: Path | str | bytes, required: tuple[str, ...]) -> tuple[list[str],
                                                                                    list[Row]]:
    """The canonical header and the non-empty rows of a CSV file, each with its line number."""
    data = path_or_data if isinstance(path_or_data, bytes) else Path(path_or_data).read_bytes()
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        raise CsvFormatError(_("the file is neither UTF-8 nor Windows-1252 text (%(error)s)",
                               error=exc)) from None
    if "\x00" in text:
        raise CsvFormatError(_("the file contains NUL characters: is it a CSV text file?"))
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    try:
        return _table(reader, first, required)
    except csv.Error as exc:  # e.g. a cell over the csv module's 128 KiB field limit
        raise CsvFormatError(_("line %(line)s: %(error)s", line=reader.line_num,
                               error=exc)) from None


def _table(reader, first: str, required: tuple[str, ...]) -> tuple[list[str], list[Row]]:
    try:
        raw_header = next(reader)
    except StopIteration:
        raise CsvFormatError(_("the file is empty")) from None
    header = [_BY_ALIAS.get(_fold(h), _fold(h)) for h in raw_header]
    missing = [c for c in required if c not in header]
    if missing:
        raise CsvFormatError(_("missing column(s): %(columns)s (header: %(header)s)",
                               columns=", ".join(missing), header=first.strip()))
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        if len(cells) > len(header):
            values["__extra__"] = cells[len(header):]
        rows.append(Row(reader.line_num, values))
    return header, rows


def write_csv(columns: list[str], rows, numeric=()) -> str:
    """A CSV text with a header (comma separated, RFC 4180 quoting, \\n line ends); formula-like
    text cells get a leading `'` (dashboards.csvsafe: `numeric` names the columns of numbers)."""
    return csv_text(columns, rows, numeric=numeric)
