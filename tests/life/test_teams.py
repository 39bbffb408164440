"""Teams: ranked on their weighted reduction (never raw kg), hidden households left out."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, sign_in
from tests.life.helpers import post, text
from tracker import clock, services
from tracker.models import Edition, Household
from tracker.services import teams
from tracker.services.preferences import edition_settings

PARIS = dt.timezone(dt.timedelta(hours=1))
# household: (persons, March grams, April grams) -> reduction 20, 40, 10, 60, 90 %
HOUSEHOLDS = {"Martin": (3, 31000, 24000), "Durand": (2, 31000, 18000),
              "Bernard": (1, 31000, 27000), "Leroy": (5, 31000, 12000),
              "Petit": (4, 31000, 3000)}


@pytest.fixture
def league(app, world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 5, 2, 10, tzinfo=dt.timezone.utc))
    ids = {}
    with app.extensions["zw_db"].session() as s:
        edition = s.get(Edition, world["edition"])
        edition_settings(s, edition).teams_enabled = True
        for name, (persons, march, april) in HOUSEHOLDS.items():
            household = s.scalar(select(Household).where(
                Household.edition_id == edition.id, Household.name == name))
            if household is None:
                household = services.create_household(s, edition, name=name, persons=persons)
                services.create_account(s, email=f"{name.lower()}@example.org",
                                        password=PASSWORD, household=household)
            else:
                services.set_household_size(s, household, persons=persons,
                                            valid_from=edition.start_date)
            for month, grams in ((3, march), (4, april)):
                for day, stream in ((10, "residual"), (12, "packaging"), (14, "residual"),
                                    (16, "glass")):  # under 15 kg each: never flagged
                    services.record_weighin(s, household, stream=stream, weight_g=grams // 4,
                                            source="web", check_median=False,
                                            measured_at=dt.datetime(2026, month, day, 9,
                                                                    tzinfo=PARIS))
            ids[name] = household.id
        a = teams.create_team(s, edition, "Les Colibris")
        b = teams.create_team(s, edition, "Les Hérissons")
        for name in ("Martin", "Durand"):
            teams.assign(s, s.get(Household, ids[name]), a)
        for name in ("Bernard", "Leroy", "Petit"):
            teams.assign(s, s.get(Household, ids[name]), b)
    return ids


def _board(app, world):
    with app.extensions["zw_db"].session() as s:
        board = teams.leaderboard(s, s.get(Edition, world["edition"]))
        return board.month, [(st.team.name, st.rank, None if st.reduction_pct is None
                              else round(st.reduction_pct, 1)) for st in board.standings]


def test_leaderboard_ranks_on_weighted_reduction(app, world, league):
    month, rows = _board(app, world)
    assert month == 2
    # Colibris: 1 - (800 + 600) / 2000 = 30 %; Hérissons: 1 - (900 + 400 + 100) / 3000 = 53.3 %
    assert rows == [("Les Hérissons", 1, 53.3), ("Les Colibris", 2, 30.0)]


def test_hiding_leaves_the_household_out(app, client, world, league):
    sign_in(client, "petit@example.org")
    page = text(client.get("/foyer/equipes"))
    assert "Les Hérissons" in page and "53,3" in page
    post(client, "/foyer/equipes/visibilite", {"hidden": "y"}, token_from="/foyer/equipes")
    _month, rows = _board(app, world)
    # Hérissons without Petit: 1 - (900 + 400) / 2000 = 35 %
    assert rows == [("Les Hérissons", 1, 35.0), ("Les Colibris", 2, 30.0)]
    # with only one household with data left, a team is not ranked
    sign_in(other := app.test_client(), "leroy@example.org")
    post(other, "/foyer/equipes/visibilite", {"hidden": "y"}, token_from="/foyer/equipes")
    _month, rows = _board(app, world)
    assert rows == [("Les Colibris", 1, 30.0), ("Les Hérissons", None, None)]
    assert "kg" not in text(client.get("/foyer/equipes")).split("<main")[1].split("</table>")[0]


def test_staff_assign_households(app, client, world, league):
    sign_in(client, "staff@example.org")
    path = "/equipe/defis/defi-2026/equipes"
    assert "Les Colibris" in text(client.get(path))
    from sqlalchemy import select
    from tracker.models import Team

    with app.extensions["zw_db"].session() as s:
        ids = {t.name: t.id for t in s.scalars(select(Team))}
    # Martin moves to the Hérissons; Durand stays alone in the Colibris
    form = {f"team-{league['Durand']}": str(ids["Les Colibris"]),
            **{f"team-{league[n]}": str(ids["Les Hérissons"])
               for n in ("Martin", "Bernard", "Leroy", "Petit")}}
    post(client, path + "/repartition", form, token_from=path)
    _month, rows = _board(app, world)
    # Hérissons: 1 - (800 + 900 + 400 + 100) / 4000 = 45 %; one household is not a team figure
    assert rows == [("Les Hérissons", 1, 45.0), ("Les Colibris", None, None)]


def test_team_pages_access(app, client, world, now_in_edition):
    sign_in(client, "martin@example.org")
    assert client.get("/foyer/equipes").status_code == 404  # teams not switched on
    assert client.get("/equipe/defis/defi-2026/equipes").status_code == 403
    anonymous = app.test_client()
    assert "/connexion" in anonymous.get("/foyer/equipes").headers["Location"]
