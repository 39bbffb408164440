"""Exports of the progress table: the Progress CSV of DESIGN.md, JSON and an Excel workbook.

Rounding is decimal "half away from zero" applied to the shortest decimal form of the value
(12.25 -> 12.3, -12.25 -> -12.3, 2.675 -> 2.68), as a person rounding the printed number
would do; a value that rounds to zero is written without a sign. Empty cells (CSV), ``null``
(JSON) or blank cells (xlsx) stand where there is no data.
"""
from __future__ import annotations

import io
import json
import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from .csvsafe import csv_text, write_csv
from .method import COHORT_COLUMNS, PROGRESS_COLUMNS

# decimals per column; columns absent here are written as they are
DECIMALS = {
    "counted_kg": 3,
    "g_per_person_week": 1,
    "reduction_pct": 1,
    "target_pct": 1,
    "median_reduction_pct": 1,
    "baseline_g_per_person_week": 1,
    "kg_per_person_year": 1,
    "diverted_kg": 3,
    "persons": 2,
}
_DATE_COLUMNS = {"month_start", "month_end"}
_BOOL_COLUMNS = {"complete", "on_track", "reliable"}
#: Columns of numbers (written as they are; every other column is text, see dashboards.csvsafe).
NUMERIC_COLUMNS = frozenset(DECIMALS) | {"month", "weighins", "person_days", "absent_days",
                                         "weeks_covered", "weeks"}
_QUANTA = {n: Decimal(1).scaleb(-n) for n in range(6)}


def round_half_up(value, places: int) -> Decimal | None:
    """``value`` rounded half away from zero to ``places`` decimals; None when missing."""
    if value is None or value is pd.NA:
        return None
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        return None
    d = Decimal(repr(x)).quantize(_QUANTA[places], rounding=ROUND_HALF_UP)
    return abs(d) if d == 0 else d


def _cell_text(col: str, value) -> str:
    """One CSV cell."""
    if col in DECIMALS:
        d = round_half_up(value, DECIMALS[col])
        return "" if d is None else format(d, "f")
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if col in _BOOL_COLUMNS:
        return "true" if bool(value) else "false"
    if col in _DATE_COLUMNS:
        return value.isoformat()[:10]
    return str(value)


def _json_value(col: str, value):
    """One JSON value: rounded number, bool, ISO date, int, str or None."""
    if col in DECIMALS:
        d = round_half_up(value, DECIMALS[col])
        return None if d is None else float(d)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if col in _BOOL_COLUMNS:
        return bool(value)
    if col in _DATE_COLUMNS:
        return value.isoformat()[:10]
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _rows(df: pd.DataFrame, columns: list[str]):
    """Tuples of the wanted columns, in order."""
    return zip(*(df[c].tolist() for c in columns))


def progress_csv(df: pd.DataFrame) -> str:
    """The Progress CSV (DESIGN.md): exactly its columns, rounding and empty cells; a text
    cell that starts like a formula gets a leading `'` (dashboards.csvsafe)."""
    rows = ([_cell_text(c, v) for c, v in zip(PROGRESS_COLUMNS, row)]
            for row in _rows(df, PROGRESS_COLUMNS))
    return csv_text(PROGRESS_COLUMNS, rows, numeric=NUMERIC_COLUMNS)


#: French column titles of the French Excel download (staff pages), by Progress CSV column.
#: A column without one keeps its English name (a column added later is never dropped).
FRENCH_HEADERS = {
    "household": "Foyer", "month": "Mois", "month_start": "Début du mois",
    "month_end": "Fin du mois (exclue)", "complete": "Mois complet", "weighins": "Pesées",
    "counted_kg": "Déchets comptés (kg)", "person_days": "Jours-personnes",
    "g_per_person_week": "g par personne et par semaine",
    "reduction_pct": "Baisse par rapport à la référence (%)",
    "target_pct": "Objectif du mois (%)", "on_track": "Dans l'objectif",
    "absent_days": "Jours d'absence", "weeks_covered": "Semaines couvertes",
    "weeks": "Semaines", "reliable": "Mois fiable",
}
def _french_cell(col: str, value) -> str:
    """One cell for French Excel: decimal comma, oui/non, dates as DD/MM/YYYY."""
    text = _cell_text(col, value)
    if text == "":
        return ""
    if col in _BOOL_COLUMNS or col == "reliable":
        return "oui" if bool(value) else "non"
    if col in _DATE_COLUMNS:
        year, month, day = text.split("-")
        return f"{day}/{month}/{year}"
    if col in DECIMALS:
        return text.replace(".", ",")
    return text  # text cells are made safe by the writer (dashboards.csvsafe)


def excel_fr_csv(header: list[str], rows, numeric=()) -> bytes:
    """A CSV French Excel opens as it is: `;`, UTF-8 with a BOM, CRLF line ends (what Excel
    writes). Cells come in their French form; the `numeric` columns (named by their header)
    hold numbers such as "-5,0", every other cell is text made safe by dashboards.csvsafe."""
    out = io.StringIO()
    write_csv(out, header, rows, numeric=numeric, delimiter=";", lineterminator="\r\n")
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def progress_csv_excel_fr(df: pd.DataFrame) -> bytes:
    """The progress table for French Excel: French headers, decimal comma, oui/non,
    DD/MM/YYYY. Same rows and rounding as progress_csv."""
    return excel_fr_csv([FRENCH_HEADERS.get(c, c) for c in PROGRESS_COLUMNS],
                        ([_french_cell(c, v) for c, v in zip(PROGRESS_COLUMNS, row)]
                         for row in _rows(df, PROGRESS_COLUMNS)),
                        numeric={FRENCH_HEADERS.get(c, c) for c in NUMERIC_COLUMNS})


def progress_json(df: pd.DataFrame) -> str:
    """The progress table as a JSON array of objects with the Progress CSV columns."""
    records = [
        {c: _json_value(c, v) for c, v in zip(PROGRESS_COLUMNS, row)}
        for row in _rows(df, PROGRESS_COLUMNS)
    ]
    return json.dumps(records, ensure_ascii=False)


def _xlsx_sheet(wb, title: str, df: pd.DataFrame, columns: list[str]):
    """A write-only sheet: header row, typed values, rounded numbers, text never a formula."""
    from openpyxl.cell import WriteOnlyCell

    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    ws.append(columns)
    formats = {c: "0." + "0" * n for c, n in DECIMALS.items()}
    for row in _rows(df, columns):
        cells = []
        for col, value in zip(columns, row):
            v = _json_value(col, value)
            if col in _DATE_COLUMNS and v is not None:
                v = pd.Timestamp(v).date()
            cell = WriteOnlyCell(ws, value=v)
            if isinstance(v, str):
                cell.data_type = "s"  # a name starting with "=" stays text
            elif col in formats and v is not None:
                cell.number_format = formats[col]
            elif col in _DATE_COLUMNS and v is not None:
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)


def progress_xlsx(df: pd.DataFrame, cohort_df: pd.DataFrame) -> bytes:
    """An .xlsx workbook: sheet "Progression" (Progress CSV columns) and sheet "Cohorte"."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    _xlsx_sheet(wb, "Progression", df, PROGRESS_COLUMNS)
    cohort_cols = [c for c in COHORT_COLUMNS if c in cohort_df.columns]
    _xlsx_sheet(wb, "Cohorte", cohort_df, cohort_cols)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
