"""Reading the CSV files people make with a spreadsheet (French Excel or LibreOffice) and writing ours.

Accepts UTF-8 (with or without BOM) or Windows-1252, `,` or `;` separators, and French or English
header names. Rows come back as dicts keyed by the canonical header, with their line number,
streamed (`open_rows`) so that a file of any size is read in constant memory. A quote left open
(which would swallow the next rows into one cell) refuses the file with its line.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from flask_babel import gettext as _

from dashboards.csvsafe import csv_text

from tracker.domain import fold_name

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
_BY_ALIAS = {fold_name(a): key for key, names in HEADER_ALIASES.items() for a in names}


class CsvFormatError(ValueError):
    """The file cannot be read as a table (encoding, header, quotes)."""


@dataclass(frozen=True)
class Row:
    line: int
    values: dict


#: Bytes read at a time: the file is never held in memory whole (a 100,000-row import stays
#: within a few MB of the command's own footprint; bench/imports.py).
CHUNK = 1 << 20
#: Bytes Windows-1252 leaves undefined: a file holding one is neither UTF-8 nor Windows-1252.
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


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


class CsvTable:
    """A CSV file open for one pass: the canonical `header`, about how many data `lines` it
    has (for a progress bar), and its non-empty rows as an iterator of `Row` (streamed: the
    file is read as the rows are consumed). A format error met on the way (a quote left open,
    a cell over the csv module's limit) raises CsvFormatError from the iteration."""

    def __init__(self, binary, encoding: str, lines: int, required: tuple[str, ...]):
        self._binary = binary
        text = io.TextIOWrapper(binary, encoding=encoding, newline="")
        first = text.readline()
        self.delimiter = sniff_delimiter(first.split("\n", 1)[0])
        self._reader = csv.reader(itertools.chain([first], text), delimiter=self.delimiter,
                                  strict=True)
        try:
            raw_header = next(self._reader)
        except StopIteration:
            self.close()
            raise CsvFormatError(_("the file is empty")) from None
        except csv.Error as exc:
            self.close()
            raise _format_error(exc, 1) from None
        self.header = [_BY_ALIAS.get(fold_name(h), fold_name(h)) for h in raw_header]
        missing = [c for c in required if c not in self.header]
        if missing:
            self.close()
            raise CsvFormatError(_("missing column(s): %(columns)s (header: %(header)s)",
                                   columns=", ".join(missing), header=first.strip()))
        self.lines = max(0, lines - 1)

    def __iter__(self) -> Iterator[Row]:
        header, reader = self.header, self._reader
        try:
            while True:
                start = reader.line_num + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise _format_error(exc, start) from None
                if not any(c.strip() for c in cells):
                    continue
                if reader.line_num > start:
                    _check_open_quote(cells, start, self.delimiter, len(header))
                values = {h: (cells[i].strip() if i < len(cells) else "")
                          for i, h in enumerate(header)}
                if len(cells) > len(header):
                    values["__extra__"] = cells[len(header):]
                yield Row(start, values)
        finally:
            self.close()

    def close(self) -> None:
        self._binary.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _format_error(exc: csv.Error, line: int) -> CsvFormatError:
    text = str(exc)
    if "expected after" in text or "unexpected end of data" in text:
        return _quote_error(line)
    # e.g. a cell over the csv module's 128 KiB field limit
    return CsvFormatError(_("line %(line)s: %(error)s", line=line, error=exc))


def _quote_error(line: int) -> CsvFormatError:
    """A quote opened and never closed swallows the next lines into one cell (2 rows in, 1
    row read): such a file is refused with the line, never imported in part."""
    return CsvFormatError(_(
        "line %(line)s: a quote (\") opens a cell and is not closed where it should be, so "
        "the next lines would be read into that cell; close the quote or remove it (a quote "
        "inside a cell is written twice: \"\")", line=line))


def _check_open_quote(cells: list[str], line: int, delimiter: str, columns: int) -> None:
    """A quoted cell running over several lines is allowed (a note typed with Alt+Enter),
    unless one of its lines reads as a row of its own: then a closing quote is missing."""
    for cell in cells:
        for part in cell.splitlines()[1:]:
            if part.count(delimiter) >= max(1, columns - 1):
                raise _quote_error(line)


def _scan(binary) -> tuple[str, int]:
    """One pass over the bytes: the encoding (UTF-8, else Windows-1252) and the line count;
    refuses NUL characters and bytes of neither encoding."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, undefined, lines, last = True, None, 0, b""
    while chunk := binary.read(CHUNK):
        if b"\x00" in chunk:
            raise CsvFormatError(_("the file contains NUL characters: is it a CSV text file?"))
        lines += chunk.count(b"\n")
        last = chunk
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        if undefined is None:
            undefined = _CP1252_UNDEFINED.search(chunk)
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if not utf8 and undefined is not None:
        try:
            undefined.group().decode("cp1252")
        except UnicodeDecodeError as exc:
            raise CsvFormatError(_("the file is neither UTF-8 nor Windows-1252 text "
                                   "(%(error)s)", error=exc)) from None
    if last and not last.endswith(b"\n"):
        lines += 1
    return ("utf-8-sig" if utf8 else "cp1252"), lines


def open_rows(path_or_data: Path | str | bytes, required: tuple[str, ...]) -> CsvTable:
    """The CSV file opened for one streaming pass (header checked now, rows as read)."""
    def opener():
        return io.BytesIO(path_or_data) if isinstance(path_or_data, bytes) else \
            open(path_or_data, "rb")

    with opener() as binary:
        encoding, lines = _scan(binary)
    return CsvTable(opener(), encoding, lines, required)


def read_rows(path_or_data: Path | str | bytes, required: tuple[str, ...]) -> tuple[list[str],
                                                                                    list[Row]]:
    """The canonical header and the non-empty rows of a CSV file, each with its line number
    (all in memory: for small files; imports stream with `open_rows`)."""
    table = open_rows(path_or_data, required)
    return table.header, list(table)


def write_csv(columns: list[str], rows, numeric=()) -> str:
    """A CSV text with a header (comma separated, RFC 4180 quoting, \\n line ends); formula-like
    text cells get a leading `'` (dashboards.csvsafe: `numeric` names the columns of numbers)."""
    return csv_text(columns, rows, numeric=numeric)
