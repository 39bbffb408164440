"""The Progress CSV, JSON and xlsx exports: columns, rounding, empty cells."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboards.export import progress_csv, progress_json, progress_xlsx, round_half_up
from dashboards.method import PROGRESS_COLUMNS, cohort_progress, household_progress

from .factories import MARCH, households, noon, sizes, weighins

D = dt.date
HEADER = ("household,month,month_start,month_end,complete,weighins,counted_kg,person_days,"
          "g_per_person_week,reduction_pct,target_pct,on_track,absent_days,weeks_covered,weeks,"
          "reliable")


@pytest.fixture
def progress():
    s = sizes([(1, 2, D(2026, 1, 1)), (1, 4, D(2026, 3, 16)), (2, 3, D(2026, 3, 1))])
    w = weighins([noon(D(2026, 3, 3), 1, "residual", 5400),
                  noon(D(2026, 3, 20), 1, "packaging", 4000),
                  noon(D(2026, 4, 10), 1, "residual", 9600),
                  noon(D(2026, 4, 11), 1, "biowaste", 1000),
                  noon(D(2026, 3, 11), 2, "residual", 1234),
                  noon(D(2026, 4, 11), 2, "residual", 500, "flagged")])
    h = households([(1, "Dupont, Marie"), (2, 'Le "Nid"')])
    # Dupont weighed in weeks 1 and 3 of March (2 of 4): staff accepted the month. Le "Nid"
    # was away from March 14 to 31: 18 absent days, weeks 3 and 4 covered by the absence.
    away = pd.DataFrame({"household_id": [2], "date_from": [D(2026, 3, 14)],
                         "date_to": [D(2026, 3, 31)]})
    ok = pd.DataFrame({"household_id": [1], "month": [1]})
    return household_progress(w, s, h, MARCH, D(2026, 4, 15), absences=away, accepted=ok)


def test_progress_csv_exact(progress):
    assert progress_csv(progress) == "\n".join([
        HEADER,
        '"Dupont, Marie",1,2026-03-01,2026-04-01,true,2,9.400,94,700.0,0.0,0.0,true,0,2,4,true',
        # 1 week of 3 started covered (Apr 10; biowaste is not counted): not reliable
        '"Dupont, Marie",2,2026-04-01,2026-05-01,false,1,9.600,60,1120.0,-60.0,2.9,,0,1,3,false',
        # 1234 g / (13 days × 3 persons) × 7 = 221.5; weeks 2, 3, 4 covered
        '"Le ""Nid""",1,2026-03-01,2026-04-01,true,1,1.234,39,221.5,0.0,0.0,true,18,3,4,true',
        '"Le ""Nid""",2,2026-04-01,2026-05-01,false,0,,45,,,2.9,,0,0,3,',
        "",
    ])


def test_progress_csv_drops_extra_columns_and_reads_back(progress):
    rows = list(csv.DictReader(io.StringIO(progress_csv(progress))))
    assert list(rows[0].keys()) == PROGRESS_COLUMNS
    assert "household_id" in progress.columns


@pytest.mark.parametrize("value,places,text", [
    (12.25, 1, "12.3"), (-12.25, 1, "-12.3"), (2.675, 2, "2.68"), (0.05, 1, "0.1"),
    (-0.04, 1, "0.0"), (-0.0, 1, "0.0"), (1.0005, 3, "1.001"), (99.95, 1, "100.0"),
    (14.2857142857, 1, "14.3"), (2.8571428571, 1, "2.9"),
])
def test_round_half_up(value, places, text):
    assert format(round_half_up(value, places), "f") == text


def test_round_half_up_missing_values():
    assert round_half_up(float("nan"), 1) is None
    assert round_half_up(None, 1) is None
    assert round_half_up(pd.NA, 1) is None
    assert round_half_up(3, 1) == Decimal("3.0")


def test_progress_csv_rounds_half_away_from_zero():
    df = pd.DataFrame([{
        "household": "X", "month": 3, "month_start": D(2026, 5, 1), "month_end": D(2026, 6, 1),
        "complete": True, "weighins": 4, "counted_kg": 1.2345, "person_days": 62,
        "g_per_person_week": 12.25, "reduction_pct": -0.04, "target_pct": 5.75,
        "on_track": pd.NA, "absent_days": 0, "weeks_covered": 4, "weeks": 4,
        "reliable": True}])
    df["on_track"] = df["on_track"].astype("boolean")
    line = progress_csv(df).splitlines()[1]
    assert line == "X,3,2026-05-01,2026-06-01,true,4,1.235,62,12.3,0.0,5.8,,0,4,4,true"


def test_progress_json(progress):
    records = json.loads(progress_json(progress))
    assert len(records) == 4
    assert list(records[0].keys()) == PROGRESS_COLUMNS
    assert records[0] == {
        "household": "Dupont, Marie", "month": 1, "month_start": "2026-03-01",
        "month_end": "2026-04-01", "complete": True, "weighins": 2, "counted_kg": 9.4,
        "person_days": 94, "g_per_person_week": 700.0, "reduction_pct": 0.0,
        "target_pct": 0.0, "on_track": True, "absent_days": 0, "weeks_covered": 2, "weeks": 4,
        "reliable": True}
    assert records[1]["on_track"] is None and records[1]["reliable"] is False
    assert records[3]["reliable"] is None and records[2]["absent_days"] == 18
    assert records[3]["counted_kg"] is None and records[3]["on_track"] is None
    assert records[3]["reduction_pct"] is None and records[3]["target_pct"] == 2.9
    assert records[1]["reduction_pct"] == -60.0
    assert records[2]["household"] == 'Le "Nid"'


def test_progress_xlsx(progress):
    progress = progress.copy()
    progress.loc[progress["household_id"] == 2, "household"] = "=1+1"
    data = progress_xlsx(progress, cohort_progress(progress))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Progression", "Cohorte"]
    ws = wb["Progression"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == PROGRESS_COLUMNS
    assert len(rows) == 5
    first = dict(zip(PROGRESS_COLUMNS, rows[1]))
    assert first["month_start"].date() == D(2026, 3, 1)
    assert first["counted_kg"] == 9.4 and first["complete"] is True
    last = dict(zip(PROGRESS_COLUMNS, rows[4]))
    assert last["household"] == "=1+1"  # text, not a formula
    assert ws.cell(row=5, column=1).data_type == "s"
    assert last["g_per_person_week"] is None and last["on_track"] is None
    assert ws.cell(row=2, column=9).number_format == "0.0"
    cohort = list(wb["Cohorte"].iter_rows(values_only=True))
    assert cohort[0][:3] == ("month", "month_start", "month_end")
    assert len(cohort) == 3


def test_every_progress_column_has_a_french_header():
    from dashboards.export import FRENCH_HEADERS
    from dashboards.method import PROGRESS_COLUMNS

    assert [c for c in PROGRESS_COLUMNS if c not in FRENCH_HEADERS] == []


def test_french_excel_text_cells_never_run_as_formulas():
    from dashboards.export import excel_fr_csv

    hostile = ("=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx")
    body = excel_fr_csv(["Foyer", "Poids (kg)"], [[t, "-1,5"] for t in (*hostile, "Martin")],
                        numeric={"Poids (kg)"}).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))[1:]
    assert [r[0] for r in rows] == ["'" + t for t in hostile] + ["Martin"]
    assert {r[1] for r in rows} == {"-1,5"}  # a number stays a number


def test_french_excel_keeps_negative_numbers_as_numbers():
    import datetime as dt

    import pandas as pd

    from dashboards.export import progress_csv_excel_fr
    from dashboards.method import PROGRESS_COLUMNS

    row = {c: None for c in PROGRESS_COLUMNS}
    row.update(household="-Martin", month=2, month_start=dt.date(2026, 4, 1),
               month_end=dt.date(2026, 5, 1), complete=True, weighins=3, counted_kg=4.2,
               person_days=90, g_per_person_week=735.0, reduction_pct=-5.04, target_pct=2.857,
               on_track=False)
    text = progress_csv_excel_fr(pd.DataFrame([row])).decode("utf-8-sig")
    cells = text.split("\r\n")[1].split(";")
    assert cells[0] == "'-Martin" and "-5,0" in cells and "2,9" in cells
    assert cells[2:5] == ["01/04/2026", "01/05/2026", "oui"] and "non" in cells
