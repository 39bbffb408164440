"""The first screen of /progres (where the family stands, what changed most, one tip), the
kilos per bin month by month, and the history grouped by day."""
from __future__ import annotations

import datetime as dt
import html

from tracker.models import Household
from tracker.services import news

UTC = dt.timezone.utc


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ")


def _seed(add_weighin, household):
    for day in (2, 9, 16, 23):  # March: 3 kg residual, 1 kg packaging a week
        add_weighin(household, "residual", 3000, dt.datetime(2026, 3, day, 8, tzinfo=UTC))
        add_weighin(household, "packaging", 1000, dt.datetime(2026, 3, day, 9, tzinfo=UTC))
    for day in (2, 9):  # April so far: residual as before, packaging halved
        add_weighin(household, "residual", 3000, dt.datetime(2026, 4, day, 8, tzinfo=UTC))
        add_weighin(household, "packaging", 400, dt.datetime(2026, 4, day, 9, tzinfo=UTC))


def test_first_screen_says_where_the_family_stands_and_gives_a_tip(app, martin, world,
                                                                   add_weighin):
    _seed(add_weighin, world["martin"])
    text = _text(martin.get("/progres"))
    glance = text[text.index('class="sentence glance"'):]
    glance = glance[:glance.index("</p>")]
    assert "objectif final −20 %" in glance and "étape du mois −3 %" in glance
    assert "Ce qui a le plus changé : emballages et papiers" in glance and "en moins" in glance
    assert "Une astuce pour cette poubelle :" in text and "vrac" in text  # our own tip
    assert "Kilos par poubelle, mois par mois" in text and "4,0 kg" in text  # March packaging
    # a staff tip tagged for the bin comes first
    with app.extensions["zw_db"].session() as s:
        news.save_post(s, None, None, kind="tip", title="Le sac à vrac de l'atelier",
                       body="Cousez-le avec nous.", tags="Emballages, couture")
        s.commit()
    text = _text(martin.get("/progres"))
    tip = text[text.index("Une astuce pour cette poubelle"):]
    tip = tip[:tip.index("</p>")]
    assert "Le sac à vrac de l'atelier." in tip and "Cousez-le avec nous." in tip
    assert "bocaux" not in tip


def test_history_is_grouped_by_day(martin, world, add_weighin):
    _seed(add_weighin, world["martin"])
    text = " ".join(_text(martin.get("/historique")).split())
    assert text.count('<h2 class="day">') == 6  # 6 days with weigh-ins, newest first
    first = text.index("jeudi 9 avril 2026")
    assert first < text.index("jeudi 2 avril 2026") < text.index("lundi 23 mars 2026")
    assert "2 pesées, 3,4 kg en tout" in text[first:first + 300]
