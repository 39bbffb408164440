"""Teams (optional per edition) and their friendly leaderboard.

A team is ranked on its reduction, computed like the cohort figure of DESIGN.md over its
households (100 × (1 − Σ rate × persons / Σ baseline × persons)), never on raw kilograms, which
would reward small households. The month ranked is the last complete month after the baseline
months. A household that chose to hide is left out of its team's figure and list; a team needs
at least MIN_HOUSEHOLDS households with data to be ranked, so no figure is one family's.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import progress
from tracker.domain import DomainError, NotFound, _l
from tracker.models import Edition, Household
from tracker.models import Account, HouseholdSettings, Team
from tracker.services import audit
from tracker.services.preferences import household_settings

MIN_HOUSEHOLDS = 2


def teams_of(session: Session, edition: Edition) -> list[Team]:
    return list(session.scalars(select(Team).where(Team.edition_id == edition.id)
                                .order_by(Team.name)))


def create_team(session: Session, edition: Edition, name: str) -> Team:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError(_l("Give the team a name (100 characters at most)."), "name")
    if session.scalar(select(Team.id).where(Team.edition_id == edition.id, Team.name == name)):
        raise DomainError(_l("A team with this name already exists."), "name")
    team = Team(edition_id=edition.id, name=name)
    session.add(team)
    session.flush()
    return team


def get_team(session: Session, edition: Edition, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None or team.edition_id != edition.id:
        raise NotFound()
    return team


def assign(session: Session, household: Household, team: Team | None) -> None:
    """Put a household in a team of its edition (None: no team)."""
    if team is not None and team.edition_id != household.edition_id:
        raise NotFound()
    household_settings(session, household).team_id = team.id if team else None
    session.flush()


def delete_team(session: Session, team: Team) -> None:
    """Delete a team; its households are left without one."""
    session.delete(team)
    session.flush()


def households_of(session: Session, edition: Edition) -> list[Household]:
    """The edition's households, by name (the ones staff put in teams)."""
    return list(session.scalars(select(Household).where(Household.edition_id == edition.id)
                                .order_by(Household.name)))


def assign_all(session: Session, edition: Edition, choices: dict[int, int | None],
               actor: Account | None) -> int:
    """Put every household of the edition in the team chosen for it (missing or None: no team).

    Only the households whose team changes are touched, each change audited
    (`household.team`); returns their number. A team of another edition is a NotFound."""
    changed = 0
    for household in households_of(session, edition):
        team_id = choices.get(household.id)
        team = get_team(session, edition, team_id) if team_id else None
        if household_settings(session, household).team_id != (team.id if team else None):
            assign(session, household, team)
            audit.record(session, actor, "household.team", edition_id=edition.id,
                         household_id=household.id, team=team.id if team else None)
            changed += 1
    return changed


def set_hidden(session: Session, household: Household, hidden: bool) -> None:
    household_settings(session, household).leaderboard_hidden = hidden
    session.flush()


@dataclass(frozen=True)
class Standing:
    team: Team
    rank: int | None
    reduction_pct: float | None
    households: int       # shown members (hidden ones left out)
    with_data: int        # households with data in the ranked month


@dataclass(frozen=True)
class Leaderboard:
    month: int | None
    month_start: dt.date | None
    standings: list[Standing]


def leaderboard(session: Session, edition: Edition, as_of: dt.date | None = None) -> Leaderboard:
    """Teams ranked on their reduction in the last complete month after the baseline."""
    teams = teams_of(session, edition)
    members = {t.id: [] for t in teams}
    for settings in session.scalars(select(HouseholdSettings).join(Household).where(
            Household.edition_id == edition.id, HouseholdSettings.team_id.is_not(None),
            HouseholdSettings.leaderboard_hidden.is_(False))):
        members.setdefault(settings.team_id, []).append(settings.household_id)
    result = progress.compute(session.connection(), edition, as_of, with_streams=False)
    table = result.households
    ranked = table[table["complete"] & (table["month"] > edition.baseline_months)]
    month = int(ranked["month"].max()) if not ranked.empty else None
    month_start = None
    figures: dict[int, tuple[float | None, int]] = {}
    if month is not None:
        team_of = {hid: team_id for team_id, ids in members.items() for hid in ids}
        part = table[(table["month"] == month) & table["household_id"].isin(team_of)].copy()
        if len(part):
            month_start = part["month_start"].iloc[0]
            # The cohort formula of DESIGN.md, one group per team (as cohort_progress does).
            part = part[part["reduction_pct"].notna() & part["persons"].notna()]
            part["team"] = part["household_id"].map(team_of)
            part["num"] = part["g_per_person_week"] * part["persons"]
            part["den"] = part["baseline_g_per_person_week"] * part["persons"]
            sums = part.groupby("team").agg(num=("num", "sum"), den=("den", "sum"),
                                            n=("household_id", "size"))
            for team_id, row in sums.iterrows():
                value = 100.0 * (1.0 - row["num"] / row["den"]) if row["den"] > 0 else None
                ok = value is not None and not math.isnan(value) and row["n"] >= MIN_HOUSEHOLDS
                figures[int(team_id)] = (float(value) if ok else None, int(row["n"]))
    rows = []
    for team in teams:
        reduction, with_data = figures.get(team.id, (None, 0))
        rows.append((team, reduction, len(members.get(team.id, [])), with_data))
    rows.sort(key=lambda r: (r[1] is None, -(r[1] or 0), r[0].name))
    standings, rank = [], 0
    for team, reduction, count, with_data in rows:
        if reduction is not None:
            rank += 1
        standings.append(Standing(team, rank if reduction is not None else None, reduction,
                                  count, with_data))
    if month_start is not None and not isinstance(month_start, dt.date):
        month_start = month_start.date()
    return Leaderboard(month, month_start, standings)
