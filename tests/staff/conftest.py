"""Fixtures of the staff dashboard tests: a small cohort whose figures are checked by hand.

Edition `defi-2026` (from 2026-03-01, 8 months, target −20 %), "now" 2026-04-15 12:00 Paris,
so month 2 (April) has 15 days so far and its target is 20 × 1/7 = 2.857 %.

| household | persons | March (reference)      | April so far                  | g/pers./week       |
|-----------|---------|------------------------|-------------------------------|--------------------|
| Martin    | 3       | residual 9,300 g       | residual 3,600 g (+18 kg flagged on 8/04) | 700 → 560: −20 % |
| Durand    | 2       | glass 6,200 g          | residual 3,000 g on 10/04     | 700 → 700: 0 %     |
| Petit     | 1       | nothing                | residual 1,000 g on 1/04      | no baseline        |
| Bernard   | 4       | residual 12,400 g 20/03| nothing                       | 700 → no data      |

Cohort, month 2: 1 − (560×3 + 700×2)/(700×3 + 700×2) = 1 − 3080/3500 = 12.0 %; median of
(20, 0) = 10.0 %; 1 of 2 at target; 3 of 4 households reporting. Gone silent on 15/04 (no
weigh-in for 14 days or more): Petit (last on 1/04, 14 days) and Bernard (20/03, 26 days).
"""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from tests.conftest import _csrf_from, sign_in
from tracker import services
from tracker.services import coverage
from tracker.models import Edition, Household

UTC = dt.timezone.utc
SLUG = "defi-2026"


def at(day: int, month: int = 4, hour: int = 8) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def cohort(app, world, now_in_edition):
    """The four households of the table above; returns their ids and the flagged weigh-in."""
    with app.extensions["zw_db"].session() as s:
        edition = s.get(Edition, world["edition"])
        martin, durand = s.get(Household, world["martin"]), s.get(Household, world["durand"])
        petit = services.create_household(s, edition, name="Petit", persons=1)
        bernard = services.create_household(s, edition, name="Bernard", persons=4)

        def add(household, stream, grams, when):
            return services.record_weighin(s, household, stream=stream, weight_g=grams,
                                           measured_at=when, source="web")

        add(martin, "residual", 9300, at(10, 3))
        add(martin, "residual", 3600, at(5))
        flagged = add(martin, "residual", 18000, at(8))
        assert flagged.status == "flagged"
        add(durand, "glass", 6200, at(12, 3))
        add(durand, "residual", 3000, at(10))
        add(petit, "residual", 1000, at(1))
        add(bernard, "residual", 12400, at(20, 3))
        # One or two weigh-ins a month: not reliable by the weeks they cover. Staff accepted
        # March and April of everyone, so that these tests check the arithmetic above (the
        # coverage rules have their own tests: tests/dashboards/test_coverage.py,
        # tests/web/test_coverage_pages.py).
        for household in (martin, durand, petit, bernard):
            for month in (1, 2):
                coverage.accept_month(s, household, month=month, reason="chiffres à la main")
        s.commit()
        return {**world, "petit": petit.id, "bernard": bernard.id, "flagged": flagged.id}


@pytest.fixture
def staff(client, world):
    """The client signed in as staff."""
    assert sign_in(client, "staff@example.org").status_code == 302
    return client


@pytest.fixture
def family(client, world):
    """The client signed in as the Martin family."""
    assert sign_in(client, "martin@example.org").status_code == 302
    return client


def page_text(response) -> str:
    """The page's HTML with entities decoded and no-break spaces made plain."""
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ").replace(
        "\u202f", " ")


def without_charts(text: str) -> str:
    """The page without its plotly scripts (their JSON holds the figures' labels too)."""
    return re.sub(r"<script.*?</script>", "", text, flags=re.S)


def csrf(client, path: str = "/equipe/") -> str:
    return _csrf_from(client.get(path).get_data(as_text=True))


def rows(text: str, table_class: str = "households") -> list[str]:
    """The row headers (first cell text) of a table, in order."""
    body = text[text.index(f'class="numbers {table_class}"'):]
    body = body[:body.index("</table>")]
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r'<th scope="row">(.*?)</th>', body, re.S)]
