"""The one CSV writer of the project: no cell it writes can run as a spreadsheet formula.

Excel and LibreOffice read a cell that starts with `=`, `+`, `-` or `@` as a formula (and a
leading tab or carriage return is dropped before that check), so a household named
`=HYPERLINK("https://evil.example";"Voir")` or a note `@SUM(1+1)*cmd|' /C calc'!A0` would run
on a staff computer when the export is opened (CSV injection). DESIGN.md: "A text cell that
starts with =, +, -, @, a tab or a carriage return is written with a leading ' in every CSV the
project produces." Every CSV the project writes (progress export, weigh-in export, GDPR
archive, staff downloads) goes through `write_csv` below, and a test
(tests/security/test_csv_injection.py) checks that no module builds a `csv.writer` of its own.

Which cells are text is decided by the type of the column or of the value, never by the
content, so that a negative number stays a number (`reduction_pct` -3.0 is written `-3.0`):
- a Python number (int, float, Decimal, numpy numbers; not bool) is a number;
- a cell of a column the caller declares numeric is a number: the caller has formatted it
  (e.g. `-3.0`, `1.250`); as a safety net such a cell is still treated as text when it is not
  a plain decimal number, so nothing but a number can start with `-` or `+`;
- every other cell (names, notes, communes, labels, dates, booleans, headers) is text.

The module is in `dashboards/` because the progress export lives here and `dashboards/` may
import nothing from `tracker/`; the tracker imports it (imports point inward).
"""
from __future__ import annotations

import io
import math
import numbers
import re
from typing import Any, Iterable, Mapping, Sequence

#: What makes a spreadsheet read a cell as a formula (DESIGN.md, Progress CSV).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: What a cell starting with one of them gets in front.
ESCAPE = "'"
#: A number as our formatters write it (`-3.0`, `1.250`, `12`, `1,5` for French Excel).
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?\Z")


def text_cell(value: Any) -> str:
    """A text cell made safe: a leading `'` when it starts like a formula."""
    text = "" if value is None else str(value)
    return ESCAPE + text if text.startswith(FORMULA_STARTS) else text


def safe_cell(value: Any, numeric: bool = False) -> Any:
    """One cell as the writer writes it (see the module docstring for what a number is)."""
    if value is None:
        return ""
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        # a number, but "-inf" or "nan" would read as a (broken) formula or a name: text
        return value if not isinstance(value, numbers.Real) or math.isfinite(value) \
            else text_cell(value)
    if numeric and isinstance(value, str) and (value == "" or _PLAIN_NUMBER.match(value)):
        return value
    return text_cell(value)


def write_csv(out, columns: Sequence[str], rows: Iterable[Sequence | Mapping], *,
              numeric: Iterable[str] = (), header: Sequence[str] | None = None,
              delimiter: str = ",", lineterminator: str = "\n") -> None:
    """Write a header and rows (sequences in `columns` order, or mappings by column name) to
    the text stream `out`, every cell through `safe_cell`, quoted as RFC 4180 says."""
    numeric = frozenset(numeric)
    flags = [c in numeric for c in columns]
    out.write(delimiter.join(_quoted(text_cell(h), delimiter) for h in (header or columns))
              + lineterminator)
    for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, Mapping) else row
        out.write(delimiter.join(_quoted(safe_cell(v, flag), delimiter)
                                 for v, flag in zip(values, flags)) + lineterminator)


def _quoted(value: Any, delimiter: str) -> str:
    """One field: quoted when it holds the delimiter, a quote, a CR or a LF. The csv module
    leaves a lone CR unquoted when lines end with LF: a spreadsheet would start a new row
    there, and a `\r=HYPERLINK(...)` inside a note would become a formula cell of its own."""
    text = value if isinstance(value, str) else str(value)
    if delimiter in text or '"' in text or "\r" in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(columns: Sequence[str], rows: Iterable[Sequence | Mapping], **options) -> str:
    """`write_csv` into a string."""
    out = io.StringIO()
    write_csv(out, columns, rows, **options)
    return out.getvalue()
