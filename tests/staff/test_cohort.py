"""The cohort overview: hand-checked figures, sorting, filters, silent households, past dates."""
from __future__ import annotations

import re

from tests.staff.conftest import SLUG, page_text, rows, without_charts

URL = f"/equipe/defis/{SLUG}/"


def headline(text: str) -> dict[str, str]:
    """The four big figures of the month shown."""
    block = text[text.index('class="figures"'):text.index("</dl>")]
    pairs = re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", block, re.S)
    return {dt_: re.sub(r"<[^>]+>", "", dd).strip() for dt_, dd in pairs}


def test_cohort_figures_of_the_month_in_progress(staff, cohort):
    text = without_charts(page_text(staff.get(URL)))
    figures = headline(text)
    # Read as the change in waste (DESIGN.md "How figures read"): 12 % less waste is "−12,0 %",
    # with the true minus sign, and the final goal beside the month's step.
    assert figures == {"Évolution des déchets de la cohorte (pondérée)": "−12,0 %",
                       "Étape du mois": "−2,9 % (objectif final −20,0 %)",
                       "Foyer médian": "−10,0 %",
                       "Foyers à l'objectif ou au-delà": "1 / 2"}
    assert "3 foyers sur 4 ont pesé une poubelle comptée ce mois-ci" in text
    assert "Mois 2" in text and "(en cours)" in text


def test_the_cohort_table_month_by_month_is_the_chart_alternative(staff, cohort):
    text = without_charts(page_text(staff.get(URL)))
    table = text[text.index("La cohorte mois par mois"):]
    table = table[:table.index("</table>")]
    march, april = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:3]
    cells = lambda row: [re.sub(r"<[^>]+>", "", c).strip()  # noqa: E731
                         for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    # target, cohort, median, at target, reporting, g/pers./week, kg/pers./year
    assert cells(march)[:5] == ["0,0 %", "0,0 %", "0,0 %", "3 / 3", "3 / 4"]
    assert cells(april)[:5] == ["−2,9 %", "−12,0 %", "−10,0 %", "1 / 2", "3 / 4"]
    # (560 × 3 + 700 × 2) / 5 = 616 g; × 52.18 / 1000 = 32.1 kg
    assert cells(april)[5:] == ["616 g", "32,1"]
    assert 'id="cohort-chart"' in staff.get(URL).get_data(as_text=True)


def test_households_against_the_target_path(staff, cohort):
    text = without_charts(page_text(staff.get(URL)))
    text = text[text.index('id="households-title"'):]
    martin = text[text.index(">Martin</a>"):]
    martin = martin[:martin.index("</tr>")]
    assert "700 g" in martin and "560 g" in martin and "−20,0 %" in martin
    assert "−2,9 %" in martin and "dans l'objectif" in martin
    durand = text[text.index(">Durand</a>"):]
    assert "0,0 %" in durand[:durand.index("</tr>")] and "en retard" in durand[:durand.index("</tr>")]
    petit = text[text.index(">Petit</a>"):]
    petit = petit[:petit.index("</tr>")]
    assert "sans référence" in petit and "0,0 %" not in petit  # no data is not zero


def test_sorted_by_progress_without_javascript(staff, cohort):
    best_first = rows(without_charts(page_text(staff.get(URL + "?tri=progres&sens=desc"))))
    assert best_first == ["Martin", "Durand", "Bernard", "Petit"]
    worst_first = rows(without_charts(page_text(staff.get(URL + "?tri=progres&sens=asc"))))
    assert worst_first == ["Durand", "Martin", "Bernard", "Petit"]  # no data stays last
    by_name = rows(without_charts(page_text(staff.get(URL + "?tri=nom"))))
    assert by_name == ["Bernard", "Durand", "Martin", "Petit"]
    by_silence = rows(without_charts(page_text(staff.get(URL + "?tri=silence&sens=desc"))))
    assert by_silence == ["Bernard", "Petit", "Martin", "Durand"]


def test_sort_links_toggle_the_direction(staff, cohort):
    text = page_text(staff.get(URL + "?tri=progres&sens=desc"))
    assert f'href="{URL}?tri=progres&sens=asc"' in text
    assert 'aria-sort="descending"' in text


def test_gone_silent_and_no_baseline(staff, cohort):
    text = without_charts(page_text(staff.get(URL)))
    silent = text[text.index('id="silent-title"'):text.index('id="nobase-title"')]
    assert re.findall(r">(\w+)</a>", silent) == ["Bernard", "Petit"]
    assert "dernière le 20/03/2026" in silent and "dernière le 01/04/2026" in silent
    nobase = text[text.index('id="nobase-title"'):text.index('id="households-title"')]
    assert re.findall(r">(\w+)</a>", nobase) == ["Petit"]
    assert rows(without_charts(page_text(staff.get(URL + "?filtre=silencieux&tri=nom")))) == [
        "Bernard", "Petit"]
    assert rows(without_charts(page_text(staff.get(URL + "?filtre=objectif")))) == ["Martin"]
    assert rows(without_charts(page_text(staff.get(URL + "?filtre=retard")))) == ["Durand"]
    assert rows(without_charts(page_text(staff.get(URL + "?filtre=sans-donnees")))) == [
        "Bernard"]


def test_a_flagged_reading_is_activity_for_silence(staff, cohort):
    # Martin's latest weigh-in is the flagged one of 8 April: 7 days, not silent.
    text = without_charts(page_text(staff.get(URL)))
    martin = text[text.index(">Martin</a>"):]
    assert "08/04/2026" in martin[:martin.index("</tr>")]


def test_looking_at_a_past_date(staff, cohort):
    text = without_charts(page_text(staff.get(URL + "?date=2026-03-31")))
    assert headline(text)["Évolution des déchets de la cohorte (pondérée)"] == "0,0 %"
    assert "Mois 1" in text and "(en cours)" in text
    silent = text[text.index('id="silent-title"'):text.index('id="nobase-title"')]
    # on 31 March: Durand last weighed on 12/03 (19 days), Martin on 10/03 (21), Petit never
    assert re.findall(r">(\w+)</a>", silent) == ["Durand", "Martin", "Petit"]
    assert "jamais pesé" in silent


def test_a_past_month_can_be_chosen(staff, cohort):
    text = without_charts(page_text(staff.get(URL + "?mois=1")))
    assert "Foyers au mois 1" in text
    assert headline(text)["Foyers à l'objectif ou au-delà"] == "3 / 3"


def test_before_the_start_and_a_bad_date(staff, cohort):
    text = page_text(staff.get(URL + "?date=2026-02-01"))
    assert "Le défi n'avait pas commencé à cette date (01/02/2026)." in text
    response = staff.get(URL + "?date=hier")
    assert response.status_code == 200
    assert "« hier » n'est pas une date" in page_text(response)


def test_the_table_is_paged(staff, cohort, monkeypatch):
    from tracker.web.staff import cohort as staff_cohort

    monkeypatch.setattr(staff_cohort, "PAGE_SIZE", 3)
    first = page_text(staff.get(URL + "?tri=nom"))
    assert rows(without_charts(first)) == ["Bernard", "Durand", "Martin"]
    assert "Page 1 sur 2" in first
    second = page_text(staff.get(URL + "?tri=nom&page=2"))
    assert rows(without_charts(second)) == ["Petit"]


def test_progress_csv_export(staff, cohort):
    response = staff.get(URL + "progression.csv?date=2026-04-15")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("household,month,month_start")
    martin_april = [line for line in lines if line.startswith("Martin,2,")][0]
    assert ",560.0,20.0,2.9,true" in martin_april


def test_progress_export_for_french_excel(staff, cohort, session):
    """`;`, a UTF-8 BOM, French headers, decimal comma, oui/non, DD/MM/YYYY, CRLF; the same
    rows as the CSV of the contract; a name Excel would run as a formula stays text."""
    from tracker.models import Household

    session.get(Household, cohort["petit"]).name = "=HYPERLINK(\"http://x\")"
    session.commit()
    response = staff.get(URL + "progression-excel.csv?date=2026-04-15")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "excel" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    lines = raw.decode("utf-8-sig").split("\r\n")
    header = lines[0].split(";")
    assert header[:4] == ["Foyer", "Mois", "Début du mois", "Fin du mois (exclue)"]
    assert "Baisse par rapport à la référence (%)" in header
    martin_april = next(line for line in lines if line.startswith("Martin;2;")).split(";")
    cells = dict(zip(header, martin_april))
    assert cells["Début du mois"] == "01/04/2026" and cells["Mois complet"] == "non"
    assert cells["g par personne et par semaine"] == "560,0"
    assert cells["Baisse par rapport à la référence (%)"] == "20,0"
    assert cells["Objectif du mois (%)"] == "2,9" and cells["Dans l'objectif"] == "oui"
    assert any(line.startswith("\"'=HYPERLINK(") for line in lines)
    english = staff.get(URL + "progression.csv?date=2026-04-15").get_data(as_text=True)
    assert len([x for x in lines if x]) == len(english.splitlines())


def test_weighins_export_for_french_excel(staff, cohort, session):
    from tracker.models import WeighIn

    session.get(WeighIn, cohort["flagged"]).note = "@cmd|' /C calc'!A0"
    session.commit()
    response = staff.get(URL + "pesees-excel.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = [line.split(";") for line in raw.decode("utf-8-sig").split("\r\n") if line]
    assert lines[0][:5] == ["Foyer", "Date", "Heure", "Poubelle", "Poids (kg)"]
    assert len(lines) == 1 + 7  # the seven weigh-ins of the cohort, oldest first
    flagged = next(line for line in lines if line[4] == "18,000")
    assert flagged[:4] == ["Martin", "08/04/2026", "10:00:00", "Ordures ménagères"]
    assert flagged[6] == "À vérifier" and flagged[9].startswith("'@cmd")


def test_too_early_in_the_month_no_percentage_and_no_verdict(staff, cohort):
    """The 6th of April (6 days elapsed): Martin weighed on the 5th, yet nothing is judged."""
    text = without_charts(page_text(staff.get(URL + "?date=2026-04-06")))
    assert 'class="figures"' not in text
    assert "Trop tôt pour juger ce mois-ci : les chiffres de la cohorte" in text
    table = text[text.index('id="households-title"'):]
    martin = table[table.index(">Martin</a>"):]
    martin = martin[:martin.index("</tr>")]
    # no change in waste, only the month's step on the target path
    assert "trop tôt pour juger" in martin and martin.count("%") == 1 and "−2,9 %" in martin
    assert "dans l'objectif" not in table and "en retard" not in table
    assert "Dans l'objectif (0)" in text and "En retard (0)" in text
    assert "Sans données ce mois-ci (0)" in text  # too early is not "no data" either
    # From the 7th day on, the month is judged again.
    judged = without_charts(page_text(staff.get(URL + "?date=2026-04-07")))
    assert 'class="figures"' in judged and "trop tôt pour juger" not in judged
