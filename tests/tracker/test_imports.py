"""CSV imports: quotes left open, one set of rules with the form and the API, streaming."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tracker.csvio import Row
from tracker.models import Edition, Household, WeighIn
from tracker.schemas import import_row, weighin_input
from tracker.services import imports


def _count(app, model=WeighIn):
    with app.extensions["zw_db"].session() as s:
        return s.scalar(select(func.count()).select_from(model))


def _import(runner, path, kind="weighins", french=False):
    if french:
        runner.app.config["ZW_CLI_LOCALE"] = "fr"
    return runner.invoke(args=[kind, "import", str(path), "--challenge", "defi-2026"])


@pytest.mark.parametrize("second", ["Martin,2026-03-03,residual,1.0,\n",
                                    'Martin,2026-03-03,residual,1.0,"sacs"\n',
                                    "Martin,2026-03-03,residual,1.0,x\nDurand,2026-03-04,glass,2,"
                                    '"ok"\n'])
def test_a_quote_left_open_refuses_the_file_with_its_line(app, runner, world, tmp_path,
                                                          now_in_edition, second):
    """Before: the open quote swallowed the next row into the note (2 rows in, 1 imported)."""
    path = tmp_path / "pesees.csv"
    path.write_text("household,date,stream,weight_kg,note\n"
                    'Martin,2026-03-02,residual,1.2,"sac percé\n' + second, encoding="utf-8")
    result = _import(runner, path, french=True)
    assert result.exit_code == 1, result.output
    assert "ligne 2 : un guillemet (\") ouvre une cellule" in result.output
    assert _count(app) == 0


def test_a_quoted_note_on_two_lines_is_still_read(app, runner, world, tmp_path, now_in_edition):
    path = tmp_path / "pesees.csv"
    path.write_text("household;date;stream;weight_kg;note\n"
                    'Martin;02/03/2026;OMR;1,2;"sac percé\nrécupéré"\n'
                    "Durand;03/03/2026;verre;2;\n", encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    with app.extensions["zw_db"].session() as s:
        assert s.scalars(select(WeighIn.note).order_by(WeighIn.id)).all() == [
            "sac percé\nrécupéré", ""]


def test_the_note_limit_is_the_form_and_api_one(app, runner, world, tmp_path, now_in_edition):
    """Before: the import stored a note of any length; the form and the API refuse 501."""
    long_note = "x" * 501
    path = tmp_path / "pesees.csv"
    path.write_text("household;date;stream;weight_kg;note\n"
                    f"Martin;02/03/2026;OMR;1,2;{'y' * 500}\n"
                    f"Martin;03/03/2026;OMR;1,2;{long_note}\n", encoding="utf-8")
    result = _import(runner, path, french=True)
    assert result.exit_code == 1, result.output
    assert "ligne 3 : note: La note est limitée à 500 caractères." in result.output
    assert "ligne 2" not in result.output
    assert _count(app) == 0
    with app.test_request_context():  # the same message, from the same field, elsewhere
        form = weighin_input.validate({"stream": "residual", "weight_kg": "1",
                                       "note": long_note})
        row = import_row.validate({"household": "M", "date": "2026-03-02", "stream": "OMR",
                                   "weight_kg": "1", "note": long_note})
        assert [str(m) for m in form["note"]] == [str(m) for m in row["note"]]


@pytest.mark.parametrize("cell, column", [("c" * 201, "commune"), ("N" * 201, "household")])
def test_household_import_applies_the_length_limits(app, runner, world, tmp_path, cell, column):
    """Before: a commune over 200 characters was stored on SQLite and crashed PostgreSQL."""
    path = tmp_path / "foyers.csv"
    name, commune = (cell, "Orsay") if column == "household" else ("Petit", cell)
    path.write_text(f"household;persons;email;commune\nLegrand;2;;Gif\n{name};2;;{commune}\n",
                    encoding="utf-8")
    result = _import(runner, path, kind="households", french=True)
    assert result.exit_code == 1, result.output
    assert f"ligne 3 : {column}: 200 caractères au maximum." in result.output
    assert _count(app, Household) == 2  # the world's two, nothing added


def test_create_household_refuses_over_long_texts(app, world):
    from tracker import services
    from tracker.domain import DomainError

    with app.extensions["zw_db"].session() as s:
        edition = s.scalar(select(Edition))
        with pytest.raises(DomainError) as caught:
            services.create_household(s, edition, name="Petit", persons=2, commune="c" * 201)
        assert caught.value.field == "commune"


def _rows(n: int, bad_at: int | None = None):
    for i in range(n):
        day = 2 + i % 27
        weight = "abc" if i == bad_at else f"{1 + i % 9},{i % 100:02d}"
        yield Row(i + 2, {"household": "Martin", "date": f"{day:02d}/03/2026",
                          "stream": "OMR", "weight_kg": weight, "time": f"{i % 24:02d}:00",
                          "note": ""})


def test_rows_are_inserted_in_chunks_as_they_are_read(app, world, now_in_edition, monkeypatch):
    """Streamed: weigh-ins reach the transaction while the file is still being read (before,
    every row was held as an object until the end)."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 10)
    seen_in_database = []

    def rows(session):
        for row in _rows(35):
            if row.line == 30:
                seen_in_database.append(session.scalar(select(func.count(WeighIn.id))))
            yield row

    with app.extensions["zw_db"].session() as s:
        edition = s.scalar(select(Edition))
        report = imports.import_weighins(s, edition, rows(s))
    assert (report.added, report.errors) == (35, [])
    assert seen_in_database == [20]
    assert _count(app) == 35


def test_a_bad_row_after_inserted_chunks_still_adds_nothing(app, world, now_in_edition,
                                                            monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 10)
    with app.extensions["zw_db"].session() as s:
        edition = s.scalar(select(Edition))
        report = imports.import_weighins(s, edition, _rows(40, bad_at=33))
        assert report.errors and report.errors[0][0] == 35
        s.rollback()  # what the command does with a refused file
    assert _count(app) == 0
    with app.extensions["zw_db"].session() as s:  # the good file, twice: idempotent
        edition = s.scalar(select(Edition))
        assert imports.import_weighins(s, edition, _rows(40)).added == 40
    with app.extensions["zw_db"].session() as s:
        edition = s.scalar(select(Edition))
        again = imports.import_weighins(s, edition, _rows(40))
    assert (again.added, again.already_present) == (0, 40)
    assert _count(app) == 40


def test_open_rows_reads_the_file_as_it_goes(tmp_path, monkeypatch, app):
    """The file is read by chunks (the header now, the rows when asked), never whole."""
    import tracker.csvio as csvio
    from tracker.csvio import open_rows

    monkeypatch.setattr(csvio, "CHUNK", 64)
    path = tmp_path / "p.csv"
    path.write_text("household,date,stream,weight_kg\n" + "".join(
        f"Martin,2026-03-02,OMR,{i}\n" for i in range(1, 2000)), encoding="utf-8")
    with app.test_request_context():
        table = open_rows(path, ("household",))
        assert table.lines == 1999
        rows = iter(table)
        first = next(rows)
        assert first.line == 2 and first.values["weight_kg"] == "1"
        assert table._binary.tell() < path.stat().st_size / 4
        table.close()


def test_household_import_checks_emails_as_the_sign_up_form(app, runner, world, tmp_path):
    """Before: any text was stored as the household's contact addresses."""
    path = tmp_path / "foyers.csv"
    path.write_text("household;persons;email;commune\n"
                    "Legrand;2;Anne@Example.org, paul@example.org;Gif\n"
                    "Petit;2;pas une adresse;Orsay\n", encoding="utf-8")
    result = _import(runner, path, kind="households", french=True)
    assert result.exit_code == 1, result.output
    assert "ligne 3 : email: Cette adresse e-mail n'est pas valide." in result.output
    path.write_text('household,persons,email,commune\n'
                    'Legrand,2,"Anne@Example.org; paul@example.org",Gif\n', encoding="utf-8")
    result = _import(runner, path, kind="households")
    assert result.exit_code == 0, result.output
    with app.extensions["zw_db"].session() as s:
        assert s.scalar(select(Household.emails).where(Household.name == "Legrand")) == \
            "anne@example.org, paul@example.org"
