"""The `zw` commands through the Flask CLI runner (SQLite and PostgreSQL)."""
import json

import pytest
from sqlalchemy import func, select

from tracker.models import Edition, Household, WeighIn


def _count(app, model=WeighIn):
    with app.extensions["zw_db"].session() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.fixture
def edition(runner):
    result = runner.invoke(args=["challenges", "create", "--slug", "defi-2026", "--name",
                                 "Défi 2026", "--start", "2026-03-01"])
    assert result.exit_code == 0, result.output
    return "defi-2026"


@pytest.fixture
def households(runner, edition, tmp_path):
    path = tmp_path / "foyers.csv"
    path.write_text("household;persons;email;commune\nMartin;3;martin@example.org;Orsay\n"
                    "Durand;2;;Bures-sur-Yvette\nÉlise Noël;1;;Gif\n", encoding="utf-8")
    result = runner.invoke(args=["households", "import", str(path), "--challenge", edition])
    assert result.exit_code == 0, result.output
    assert "Imported 3 household(s)" in result.output
    return path


def test_challenges_create_and_refusal(runner, app, edition):
    with app.extensions["zw_db"].session() as s:
        e = s.scalar(select(Edition))
        assert (e.slug, e.months, e.baseline_months, e.target_pct) == ("defi-2026", 8, 1, 20.0)
        assert e.counted_streams == ["residual", "packaging", "glass"]
    again = runner.invoke(args=["challenges", "create", "--slug", "defi-2026", "--name", "X",
                                "--start", "2026-03-01"])
    assert again.exit_code == 1 and "already exists" in again.output
    bad = runner.invoke(args=["challenges", "create", "--slug", "x2", "--name", "X", "--start",
                              "01/03/2026"])
    assert bad.exit_code == 2


def test_households_import_twice_adds_nothing(runner, app, households, edition):
    result = runner.invoke(args=["households", "import", str(households), "--challenge", edition])
    assert result.exit_code == 0 and "Imported 0" in result.output
    assert "3 already present" in result.output
    assert _count(app, Household) == 3


def test_households_import_bad_rows_import_nothing(runner, app, edition, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("household,persons,email,commune\nA,2,,X\nB,zero,,Y\nA,3,,Z\nC,0,,W\n")
    result = runner.invoke(args=["households", "import", str(path), "--challenge", edition])
    assert result.exit_code == 1
    for line in ("line 3", "line 4", "line 5"):
        assert line in result.output
    assert _count(app, Household) == 0


def test_set_size(runner, app, households, edition):
    result = runner.invoke(args=["households", "set-size", "Martin", "--challenge", edition,
                                 "--persons", "4", "--from", "2026-05-10"])
    assert result.exit_code == 0, result.output
    assert "3 from 2026-03-01, 4 from 2026-05-10" in result.output
    bad = runner.invoke(args=["households", "set-size", "Nobody", "--challenge", edition,
                              "--persons", "4", "--from", "2026-05-10"])
    assert bad.exit_code == 1 and "No household" in bad.output


FRENCH_CSV = ("household;date;stream;weight_kg;time;note\n"
              "Martin;01/03/2026;OMR;1,25;08:30;\n"
              "Martin;02/03/2026;ordures ménagères;2,5;;\n"
              "Durand;2026-03-03;Emballages;0,8;;sacs jaunes\n"
              "Élise Noël;04/03/2026;verre;3;;\n"
              "Durand;05/03/2026;biodéchets;0,45;;\n"
              "Durand;05/03/2026;biodéchets;0,45;;\n")


def test_weighins_import_french_formats_and_twice(runner, app, households, edition, tmp_path,
                                                  now_in_edition):
    path = tmp_path / "pesees.csv"
    path.write_bytes(FRENCH_CSV.encode("cp1252"))
    result = runner.invoke(args=["weighins", "import", str(path), "--challenge", edition])
    assert result.exit_code == 0, result.output
    assert "Imported 6 weigh-in(s)" in result.output
    with app.extensions["zw_db"].session() as s:
        rows = s.scalars(select(WeighIn).order_by(WeighIn.measured_at)).all()
        assert [(w.stream, w.weight_g, w.source) for w in rows][:3] == [
            ("residual", 1250, "import"), ("residual", 2500, "import"),
            ("packaging", 800, "import")]
        assert rows[0].measured_at.isoformat() == "2026-03-01T07:30:00+00:00"
        assert rows[1].measured_at.hour == 11  # no time: noon in Paris (UTC+1 in March)
    again = runner.invoke(args=["weighins", "import", str(path), "--challenge", edition])
    assert again.exit_code == 0 and "Imported 0" in again.output and "6 already present" in \
        again.output
    assert _count(app) == 6


def test_weighins_import_comma_separated_with_quoted_decimals(runner, app, households, edition,
                                                              tmp_path, now_in_edition):
    path = tmp_path / "p.csv"
    path.write_text('household,date,stream,weight_kg\nMartin,2026-03-01,glass,"1,5"\n'
                    'Martin,2026-03-02,residual,2.25\n')
    result = runner.invoke(args=["weighins", "import", str(path), "--challenge", edition])
    assert result.exit_code == 0, result.output
    assert _count(app) == 2


def test_weighins_import_bad_rows_list_every_line(runner, app, households, edition, tmp_path,
                                                  now_in_edition):
    path = tmp_path / "bad.csv"
    path.write_text("household;date;stream;weight_kg\n"
                    "Martin;01/03/2026;OMR;1,25\n"        # 2 good
                    "Martin;01/03/2026;plutonium;1\n"     # 3 unknown bin
                    "Martin;32/03/2026;OMR;1\n"           # 4 bad date
                    "Inconnu;01/03/2026;OMR;1\n"          # 5 unknown household
                    "Martin;01/03/2026;OMR;-2\n"          # 6 negative
                    "Martin;01/03/2026;OMR;abc\n"         # 7 not a number
                    "Martin;01/02/2026;OMR;1\n"           # 8 before the edition
                    "Martin;01/06/2026;OMR;1\n"           # 9 in the future
                    "Martin;01/03/2026;OMR;60\n"          # 10 over 50 kg
                    "Martin;01/03/2026;textile;1\n")      # 11 bin not in the edition
    result = runner.invoke(args=["weighins", "import", str(path), "--challenge", edition])
    assert result.exit_code == 1
    assert "Nothing imported: 9 bad row(s) out of 10" in result.output
    for line in range(3, 12):
        assert f"line {line}:" in result.output
    assert "line 2:" not in result.output
    assert _count(app) == 0


def test_weighins_import_missing_column(runner, households, edition, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("household;date;weight_kg\nMartin;01/03/2026;1\n")
    result = runner.invoke(args=["weighins", "import", str(path), "--challenge", edition])
    assert result.exit_code == 1 and "missing column(s): stream" in result.output


def test_weighins_import_progress_bar_on_large_file(runner, app, households, edition, tmp_path,
                                                    now_in_edition):
    lines = ["household,date,stream,weight_kg,time"]
    for i in range(3000):
        lines.append(f"Martin,2026-03-{1 + i % 28:02d},residual,{0.5 + (i % 7) / 10},"
                     f"{i % 24:02d}:{i % 60:02d}")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(args=["weighins", "import", str(path), "--challenge", edition])
    assert result.exit_code == 0, result.output
    assert "Imported 3000" in result.output
    assert _count(app) == 3000


def test_weighins_export_csv_and_json(runner, app, households, edition, tmp_path,
                                      now_in_edition):
    path = tmp_path / "p.csv"
    path.write_text(FRENCH_CSV)
    runner.invoke(args=["weighins", "import", str(path), "--challenge", edition])
    csv_out = runner.invoke(args=["weighins", "export", "--challenge", edition])
    assert csv_out.exit_code == 0
    lines = csv_out.output.strip().splitlines()
    assert lines[0] == ("id,household,date,time,stream,weight_kg,source,status,device,seq,"
                        "note,measured_at")
    assert ",Martin,2026-03-01,08:30:00,residual,1.250,import,accepted,,,," in lines[1]
    data = json.loads(runner.invoke(args=["weighins", "export", "--challenge", edition,
                                          "--format", "json"]).output)
    assert len(data) == 6 and data[0]["weight_kg"] == 1.25 and data[0]["seq"] is None


def test_accounts_create(runner, app, households, edition):
    result = runner.invoke(args=["accounts", "create", "--email", "equipe@example.org",
                                 "--role", "staff"])
    assert result.exit_code == 0 and "Password (shown once)" in result.output
    fam = runner.invoke(args=["accounts", "create", "--email", "m@example.org", "--household",
                              "Martin", "--challenge", edition, "--password", "longenough1"])
    assert fam.exit_code == 0 and "shown once" not in fam.output


def test_db_upgrade(runner):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_progress_export(runner, app, households, edition, tmp_path, now_in_edition):
    """Hand-computed: Martin (3 persons) 31 kg in March (31 days), 24 kg in April to the 15th."""
    lines = ["household,date,stream,weight_kg"]
    lines += [f"Martin,2026-03-{d:02d},residual,1" for d in range(1, 32)]
    lines += [f"Martin,2026-04-{d:02d},glass,1.6" for d in range(1, 16)]
    lines += ["Martin,2026-04-02,biowaste,5"]  # not counted: diverted
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n")
    assert runner.invoke(args=["weighins", "import", str(path), "--challenge",
                               edition]).exit_code == 0
    result = runner.invoke(args=["progress", "export", "--challenge", edition, "--as-of",
                                 "2026-04-15"])
    assert result.exit_code == 0, result.output
    rows = result.output.strip().splitlines()
    assert rows[0] == ("household,month,month_start,month_end,complete,weighins,counted_kg,"
                       "person_days,g_per_person_week,reduction_pct,target_pct,on_track,"
                       "absent_days,weeks_covered,weeks,reliable")
    martin = [r for r in rows if r.startswith("Martin,")]
    # March: 31000 g / (31 × 3) × 7 = 2333.3 g/person/week; April: 24000 / (15 × 3) × 7 = 3733.3
    assert martin[0] == ("Martin,1,2026-03-01,2026-04-01,true,31,31.000,93,2333.3,0.0,0.0,true,"
                         "0,4,4,true")
    assert martin[1] == ("Martin,2,2026-04-01,2026-05-01,false,15,24.000,45,3733.3,-60.0,2.9,"
                         "false,0,3,3,true")  # April 15 starts its third week
    durand = [r for r in rows if r.startswith("Durand,")]
    assert durand[0] == "Durand,1,2026-03-01,2026-04-01,true,0,,62,,,0.0,,0,0,4,"
    xlsx = tmp_path / "p.xlsx"
    out = runner.invoke(args=["progress", "export", "--challenge", edition, "--as-of",
                              "2026-04-15", "--format", "xlsx", "-o", str(xlsx)])
    assert out.exit_code == 0, out.output
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["Progression", "Cohorte"]
    assert wb["Progression"].max_row == len(rows)
    data = json.loads(runner.invoke(args=["progress", "export", "--challenge", edition,
                                          "--as-of", "2026-04-15", "--format", "json"]).output)
    assert data[0]["household"] in {"Martin", "Durand", "Élise Noël"}


def test_progress_load_keeps_the_local_day_at_midnight_edges(app, world, now_in_edition):
    """A weigh-in at 23:59:59.9 and one at 00:00:00.0 local stay on their own days."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from tracker import services
    from tracker.models import Edition, Household
    from tracker.progress import load_frames

    paris = ZoneInfo("Europe/Paris")
    moments = [dt.datetime(2026, 3, 31, 23, 59, 59, 900000, tzinfo=paris),
               dt.datetime(2026, 4, 1, 0, 0, 0, tzinfo=paris)]
    with app.extensions["zw_db"].session() as s:
        martin = s.get(Household, world["martin"])
        for at in moments:
            services.record_weighin(s, martin, stream="residual", weight_g=1000,
                                    measured_at=at, source="web")
    with app.extensions["zw_db"].engine.connect() as conn:
        frames = load_frames(conn, world["edition"])
    local = frames.weighins["measured_at"].dt.tz_convert("Europe/Paris").sort_values()
    assert [t.date().isoformat() for t in local] == ["2026-03-31", "2026-04-01"]
    assert local.iloc[0].microsecond == 900000


# ---------------------------------------------------------------- the command's language

@pytest.mark.parametrize("environ, expected", [
    ({}, "fr"),
    ({"LANG": "C.UTF-8"}, "fr"),                         # a server's usual locale
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "fr"),
    ({"LANG": "de_DE.UTF-8"}, "fr"),                     # not one of ours: the default
    ({"LC_ALL": "fr_FR@euro", "LANG": "en_US.UTF-8"}, "fr"),  # LC_ALL first
    ({"LC_MESSAGES": "en_US", "LANG": "fr_FR.UTF-8"}, "en"),
    ({"ZW_LOCALE": "en", "LANG": "fr_FR.UTF-8"}, "en"),  # ZW_LOCALE above all
    ({"ZW_LOCALE": "klingon", "LANG": "en_US.UTF-8"}, "en"),
])
def test_the_command_line_language(environ, expected):
    from tracker.extensions import cli_locale

    assert cli_locale("fr", environ) == expected


def test_import_errors_in_french(app, runner, edition, tmp_path):
    """Staff work in French: with the command's language French, every line of an import's
    refusal is French (the CSV reader's, the schema's and the service's messages)."""
    app.config["ZW_CLI_LOCALE"] = "fr"
    path = tmp_path / "foyers.csv"
    path.write_text("household;persons\nMartin;0\nDurand;2\nDurand;2\n", encoding="utf-8")
    result = runner.invoke(args=["households", "import", str(path), "--challenge", edition])
    assert result.exit_code == 1
    assert "Rien n'a été importé : 2 ligne(s) incorrecte(s) sur 3." in result.output
    assert "ligne 2 : persons: Un foyer compte de 1 à 30 personnes." in result.output
    assert "ligne 4 : le foyer Durand figure déjà ligne 3" in result.output
    bad = tmp_path / "pesees.csv"
    bad.write_text("foyer;poids\n", encoding="utf-8")
    result = runner.invoke(args=["weighins", "import", str(bad), "--challenge", edition])
    assert result.exit_code == 1 and "Impossible de lire" in result.output
    assert "colonne(s) manquante(s) : date, stream" in result.output
    result = runner.invoke(args=["weighins", "export", "--challenge", "inconnu"])
    assert "Aucune édition avec l'identifiant inconnu." in result.output
    assert _count(app, Household) == 0


def test_the_zw_command_speaks_french_unless_told(tmp_path):
    """The real `zw`: French on a server's usual locale, English with ZW_LOCALE=en."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items()
           if k not in ("ZW_LOCALE", "LC_ALL", "LC_MESSAGES", "ZW_DATABASE_URL")}
    env.update(LANG="C.UTF-8", ZW_INSTANCE_PATH=str(tmp_path),
               ZW_DATABASE_URL=f"sqlite:///{tmp_path / 'zw.sqlite3'}")

    def zw(*args, **extra):
        return subprocess.run([sys.executable, "-m", "tracker.entry", *args],
                              env={**env, **extra}, capture_output=True, text=True,
                              timeout=120)

    assert zw("db", "upgrade").stdout.strip() == "Base de données à jour."
    assert zw("devices", "list").stdout.strip() == "Aucune balance."
    assert zw("devices", "list", ZW_LOCALE="en").stdout.strip() == "No scales."
    assert zw("deadletters", "list", LANG="en_US.UTF-8").stdout.strip() == "No dead letters."


def test_command_line_changes_are_in_the_audit_log(app, runner, households, tmp_path):
    """Imports and account creation through `zw` are audited like staff pages' actions: who
    (the system user), what, which edition or household; no personal data."""
    from tracker.models import AuditEntry

    result = runner.invoke(args=["accounts", "create", "--email", "martin@example.org",
                                 "--household", "Martin", "--challenge", "defi-2026"])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("household;persons\nMartin;0\n", encoding="utf-8")
    assert runner.invoke(args=["households", "import", str(bad), "--challenge",
                               "defi-2026"]).exit_code == 1  # nothing imported: no entry
    with app.extensions["zw_db"].session() as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [e.action for e in entries] == ["households.import", "account.create"]
        assert entries[0].details == {"added": 3} and entries[0].edition_id is not None
        assert entries[1].details["role"] == "family" and entries[1].household_id
        assert all(e.actor.startswith("zw (") and e.actor_id is None for e in entries)
        text = json.dumps([e.details for e in entries]) + " ".join(e.actor for e in entries)
        assert "martin@example.org" not in text and "Martin" not in text


def test_absence_and_accept_change_the_progress_export(runner, app, households, edition,
                                                       tmp_path, now_in_edition):
    """Durand (2 persons) weighs in weeks 1 and 3 of March, away March 10 to 20 (11 days):
    week 2 covered by the absence (5 dates of 7); Martin weighs once in March: staff accept
    the month."""
    from tracker.models import AuditEntry

    path = tmp_path / "w.csv"
    path.write_text("household,date,stream,weight_kg\nDurand,2026-03-02,residual,2\n"
                    "Durand,2026-03-16,residual,2\nMartin,2026-03-03,residual,3\n")
    assert runner.invoke(args=["weighins", "import", str(path), "--challenge",
                               edition]).exit_code == 0
    away = runner.invoke(args=["households", "absence", "Durand", "--challenge", edition,
                               "--from", "2026-03-10", "--to", "2026-03-20"])
    assert away.exit_code == 0, away.output
    assert "2026-03-10" in away.output and "11" in away.output
    ok = runner.invoke(args=["progress", "accept", "Martin", "--challenge", edition,
                             "--month", "1", "--reason", "Balance en panne deux semaines"])
    assert ok.exit_code == 0, ok.output
    rows = runner.invoke(args=["progress", "export", "--challenge", edition, "--as-of",
                               "2026-04-01"]).output.strip().splitlines()
    durand = [r for r in rows if r.startswith("Durand,1,")][0]
    # 4000 g / (20 days × 2) × 7 = 700.0; weeks 1, 2, 3 covered (week 4 not): 3 of 4
    assert durand == "Durand,1,2026-03-01,2026-04-01,true,2,4.000,40,700.0,0.0,0.0,true,11,3,4,true"
    martin = [r for r in rows if r.startswith("Martin,1,")][0]
    assert martin.endswith(",true,0,1,4,true")
    with app.extensions["zw_db"].session() as s:
        actions = {e.action: e.details for e in s.scalars(select(AuditEntry))}
    assert actions["progress.accept"] == {"month": 1, "reason": "Balance en panne deux semaines"}
    assert actions["absence.declare"]["date_to"] == "2026-03-20"
    for bad in (["households", "absence", "Durand", "--challenge", edition, "--from",
                 "2026-03-20", "--to", "2026-03-10"],
                ["households", "absence", "Durand", "--challenge", edition, "--from",
                 "2026-02-20", "--to", "2026-03-10"],
                ["progress", "accept", "Martin", "--challenge", edition, "--month", "9",
                 "--reason", "x"],
                ["progress", "accept", "Martin", "--challenge", edition, "--month", "2",
                 "--reason", "  "],
                ["progress", "accept", "Nobody", "--challenge", edition, "--month", "2",
                 "--reason", "x"]):
        result = runner.invoke(args=bad)
        assert result.exit_code == 1, (bad, result.output)
