"""Sentences and numbers follow the page's language (issue 15): an English page says where a
family stands in English, with English numbers (``1,500 kg``, ``−14%``); a French page gets the
very words and typography `dashboards.sentences.FRENCH` always wrote. dashboards stays free of
Flask: the web builds the words (tracker/web/common/figure_words.py)."""
from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest

from dashboards.sentences import FRENCH, format_change, format_number
from tests.conftest import sign_in
from tests.life.helpers import post
from tracker import clock, services
from tracker.domain import REFERENCE_SOURCE
from tracker.models import Edition, Household
from tracker.web.common.charts import chart_labels
from tracker.web.common.figure_words import reference_source, sentence_words

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 6, 20, 10, 0, tzinfo=UTC)  # June (month 4), three months complete
MINUS = "\u2212"
#: French words that must not show on an English page (its sentences, tables and charts)
FRENCH_WORDS = ("Mois", "mois", "objectif", "foyers", "Foyers", "Évolution", "déchets",
                "par rapport", "pesée", "Étape", "étape", "Cohorte", "Médiane")


def test_a_french_page_gets_exactly_the_french_words(app):
    with app.test_request_context("/?lang=fr"):
        assert sentence_words() == FRENCH
        assert chart_labels().words == FRENCH
        assert reference_source() == REFERENCE_SOURCE


def test_an_english_page_writes_english_numbers(app):
    with app.test_request_context("/?lang=en"):
        words = sentence_words()
        labels = chart_labels()
    assert (words.decimal, words.group, words.percent) == (".", ",", "%")
    assert labels.words == words and labels.separators == ".," and labels.percent_tick == "%"
    assert format_number(1234.56, 1, words) == "1,234.6"
    assert format_number(-3.25, 1, words) == f"{MINUS}3.3"  # the minus sign stays U+2212
    assert format_change(14.2, 0, words) == f"{MINUS}14%"
    assert format_change(-5.4, 1, words) == "+5.4%"
    assert format_number(1234.56, 1) == "1\u202f234,6"  # French by default


@pytest.fixture
def seeded(app, world, monkeypatch):
    """Martin weighs every week from March to June, less and less; Durand a little less."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    with app.extensions["zw_db"].session() as s:
        edition = s.get(Edition, world["edition"])
        edition.reference_kg_year = 1500.0  # a thousands separator in the sentence
        for name, grams in (("martin", (3000, 2700, 2500, 2300)),
                            ("durand", (2000, 1900, 1800, 1700))):
            household = s.get(Household, world[name])
            for month, weight in zip((3, 4, 5, 6), grams):
                for day in (2, 9, 16):
                    services.record_weighin(s, household, stream="residual", weight_g=weight,
                                            measured_at=dt.datetime(2026, month, day, 8,
                                                                    tzinfo=UTC),
                                            source="web", now=NOW, check_median=False)
                    services.record_weighin(s, household, stream="packaging",
                                            weight_g=weight // 3,
                                            measured_at=dt.datetime(2026, month, day, 9,
                                                                    tzinfo=UTC),
                                            source="web", now=NOW, check_median=False)
                if month < 6:
                    services.record_weighin(s, household, stream="residual", weight_g=weight,
                                            measured_at=dt.datetime(2026, month, 24, 8,
                                                                    tzinfo=UTC),
                                            source="web", now=NOW, check_median=False)
        s.commit()
    return world


def _page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _paragraph(page: str, css: str) -> str:
    found = re.search(rf'<p class="{css}"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no {css} on the page"
    return re.sub(r"[ \t\n]+", " ", found.group(1)).strip()  # no-break spaces kept


def _visible(page: str) -> str:
    body = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def _chart_texts(page: str) -> str:
    texts = []
    for block in re.findall(r'data-plotly-figure="[^"]+">(.*?)</script>', page, re.S):
        figure = json.loads(block)
        layout = figure["layout"]
        texts.append(str((layout.get("title"), layout.get("yaxis"), layout.get("yaxis2"))))
        for trace in figure["data"]:
            texts += [str(trace.get(k, "")) for k in ("name", "hovertemplate", "x",
                                                       "customdata")]
    return " | ".join(texts)


def _no_french(where: str, text: str) -> None:
    found = [w for w in FRENCH_WORDS if re.search(rf"\b{w}\b", text)]
    assert not found, (where, found, text[:2000])


def test_the_family_progress_page_speaks_the_page_language(client, seeded):
    sign_in(client, "martin@example.org")
    english = _page(client.get("/progres?lang=en"))
    glance = _paragraph(english, "sentence glance")
    assert glance.startswith(f"Your waste: {MINUS}") and "compared with the reference month" \
        in glance, glance
    assert "final goal −20%" in glance and "What changed most: " in glance, glance
    forecast = _paragraph(english, "forecast")
    assert forecast.startswith("If the trend of your 3 complete months goes on, in month 8 "
                               "your waste would be at "), forecast
    assert forecast.endswith("; final goal: −20%."), forecast
    pace = _paragraph(english, "pace")
    assert pace.startswith("At the pace of month 3 (the last complete month): "), pace
    assert "a national average of 1,500\u00a0kg per inhabitant (ADEME, national waste " \
           "characterisation campaign MODECOM 2017)." in pace, pace
    for text in (glance, forecast, pace):
        assert "\u00a0%" not in text and "\u202f" not in text, text
    _no_french("/progres sentences", " ".join((glance, forecast, pace)))
    _no_french("/progres chart", _chart_texts(english))
    # the French page: the same sentences as ever
    french = _page(client.get("/progres?lang=fr"))
    glance = _paragraph(french, "sentence glance")
    assert glance.startswith(f"Vos déchets\u00a0: {MINUS}") and "objectif final " \
        f"{MINUS}20\u00a0%" in glance and "Ce qui a le plus changé\u00a0: " in glance, glance
    assert _paragraph(french, "forecast").startswith("Si la tendance de vos 3 mois complets")
    assert "moyenne nationale de 1\u202f500\u00a0kg par habitant (ADEME, campagne nationale" \
        in _paragraph(french, "pace")


def test_the_too_early_sentence_in_english(client, seeded, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 6, 3, 10, tzinfo=UTC))
    sign_in(client, "martin@example.org")
    page = _page(client.get("/progres?lang=en"))
    sentences = re.findall(r'<p class="sentence"[^>]*>(.*?)</p>', page, re.S)
    assert any(s.startswith("Too early to judge this month (3 days elapsed): 2 weigh-ins so "
                            "far.") for s in sentences), sentences


def test_the_staff_pages_speak_the_page_language(client, seeded):
    sign_in(client, "staff@example.org")
    cohort = _page(client.get("/equipe/defis/defi-2026/?lang=en"))
    charts = _chart_texts(cohort)
    assert re.search(rf"'{MINUS}\d+\.\d%'", charts), charts  # hover labels: "−12.3%"
    assert "\u00a0%" not in charts
    _no_french("cohort chart", charts)
    household = _page(client.get(f"/equipe/defis/defi-2026/foyers/{seeded['martin']}?lang=en"))
    sentence = _paragraph(household, "sentence")
    assert sentence.startswith(f"This month: {MINUS}") and "the month's step: " in sentence \
        and "(final goal: −20%)" in sentence, sentence
    _no_french("staff household sentence", sentence)
    french = _page(client.get(f"/equipe/defis/defi-2026/foyers/{seeded['martin']}?lang=fr"))
    assert _paragraph(french, "sentence").startswith(f"Ce mois-ci\u00a0: {MINUS}")
    compare = _chart_texts(_page(client.get("/equipe/comparaison/?lang=en")))
    assert "Month 2" in compare and "The month's step (goal −20%)" in compare, compare
    _no_french("comparison chart", compare)


def test_the_public_report_speaks_the_page_language(app, client, seeded):
    sign_in(client, "staff@example.org")
    post(client, "/equipe/defis/defi-2026/bilan/publier",
         token_from="/equipe/defis/defi-2026/bilan")
    anonymous = app.test_client()
    english = _page(anonymous.get("/resultats/defi-2026?lang=en"))
    charts = _chart_texts(english)
    assert "Change in waste against the reference (%)" in charts
    assert "Residual household waste" in charts and re.search(rf"{MINUS}\d+\.\d%", charts)
    _no_french("public report charts", charts)
    _no_french("public report", _visible(english))
    assert re.search(rf"{MINUS}\d+\.\d%", _visible(english))  # the page's own "−12.3%"
    french = _page(anonymous.get("/resultats/defi-2026?lang=fr"))
    assert "Évolution des déchets par rapport à la référence (%)" in _chart_texts(french)
