"""Figures follow the page's language (issue 15): an English page draws English charts, a
French page French ones; dashboards stays free of Flask (the web layer passes the labels)."""
from __future__ import annotations

import datetime as dt
import json
import re

from tests.conftest import sign_in
from tracker import services
from tracker.models import Household

UTC = dt.timezone.utc


def _figures(page: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/json" data-plotly-figure="[^"]+">(.*?)'
                        r'</script>', page, re.S)
    assert blocks, "no chart on the page"
    return [json.loads(b) for b in blocks]


def _words(figure: dict) -> str:
    layout = figure["layout"]
    parts = [layout["title"]["text"], layout["yaxis"]["title"]["text"]]
    for trace in figure["data"]:
        parts += [trace.get("name", ""), trace.get("hovertemplate", "")]
        parts += [str(x) for x in trace.get("x", [])]
    return " | ".join(parts)


def _weighins(app, world):
    with app.extensions["zw_db"].session() as s:
        martin = s.get(Household, world["martin"])
        for day, stream in ((2, "residual"), (9, "glass"), (16, "residual"), (23, "residual"),
                            (3 + 31, "residual")):
            services.record_weighin(s, martin, stream=stream, weight_g=2_000,
                                    measured_at=dt.datetime(2026, 3, 1, 8, tzinfo=UTC)
                                    + dt.timedelta(days=day), source="web")


def test_the_family_chart_follows_the_page_language(app, client, world, now_in_edition):
    _weighins(app, world)
    sign_in(client, "martin@example.org")
    english = _words(_figures(client.get("/progres?lang=en").get_data(as_text=True))[0])
    french = _words(_figures(client.get("/progres?lang=fr").get_data(as_text=True))[0])
    assert "Target path" in english
    assert "Month 1<br>March 2026" in english and "Glass" in english
    assert "g per person per week" in english
    for word in ("Mois ", "mars", "Trajectoire", "Verre", "personne"):
        assert word not in english, word
    assert "Trajectoire de l'objectif" in french
    assert "Mois 1<br>mars 2026" in french and "Ordures ménagères résiduelles" in french
    assert _figures(client.get("/progres?lang=en").get_data(as_text=True))[0][
        "layout"]["separators"] == ".,"


def test_the_staff_cohort_chart_follows_the_page_language(app, client, world, now_in_edition):
    _weighins(app, world)
    sign_in(client, "staff@example.org")
    english = _words(_figures(client.get("/equipe/defis/defi-2026/?lang=en")
                              .get_data(as_text=True))[0])
    french = _words(_figures(client.get("/equipe/defis/defi-2026/?lang=fr")
                             .get_data(as_text=True))[0])
    assert "Households on target" in english and "Median household change" in english
    assert "Change in waste against the reference month (%)" in english
    assert "Progression" not in english and "Foyers" not in english
    assert "Évolution médiane des foyers" in french and "Foyers sur la trajectoire" in french
