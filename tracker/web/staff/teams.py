"""Teams, as staff make them: create teams, put households in them, see the leaderboard."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from tracker import services
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Household
from tracker.services import audit, teams
from tracker.services.preferences import edition_settings, household_settings
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import Text, WholeNumber

bp = Blueprint("staff_teams", __name__)


class TeamsForm(FlaskForm):
    """The page's forms: create (name), delete (team), assign (one `team-<household>` each)."""

    action = Text(limit=20)
    name = Text(limit=100)
    team = WholeNumber()


def teams_form(households) -> TeamsForm:
    """The form, with a team choice for each of the edition's households."""
    fields = {f"team-{household.id}": WholeNumber() for household in households}
    return type("AssignTeamsForm", (TeamsForm,), fields)()


@bp.route("/equipe/defis/<slug>/equipes", methods=["GET", "POST"])
@staff_required
def index(slug: str):
    """Create teams, put households in them, see the leaderboard."""
    session = db()
    edition = services.get_edition(session, slug)
    members = session.scalars(select(Household).where(Household.edition_id == edition.id)).all()
    form = teams_form(members)
    if form.validate_on_submit():
        action = form.action.data
        try:
            if action == "create":
                teams.create_team(session, edition, form.name.data)
            elif action == "delete":
                session.delete(teams.get_team(session, edition, form.team.data or 0))
            elif action == "assign":
                for household in members:
                    team_id = form[f"team-{household.id}"].data
                    team = teams.get_team(session, edition, team_id) if team_id else None
                    before = household_settings(session, household).team_id
                    if before != (team.id if team else None):
                        teams.assign(session, household, team)
                        audit.record(session, current_user, "household.team",
                                     edition_id=edition.id, household_id=household.id,
                                     team=team.id if team else None)
        except DomainError as exc:
            session.rollback()
            flash(str(exc.message), "error")
        else:
            session.commit()
            flash(_("Saved."), "success")
        return redirect(url_for(".index", slug=slug))
    households = session.scalars(select(Household).where(Household.edition_id == edition.id)
                                 .order_by(Household.name)).all()
    settings = {h.id: household_settings(session, h) for h in households}
    board = teams.leaderboard(session, edition)
    enabled = edition_settings(session, edition).teams_enabled
    session.commit()
    return render_template("teams/staff.html", edition=edition, households=households,
                           settings=settings, teams=teams.teams_of(session, edition),
                           board=board, enabled=enabled, minimum=teams.MIN_HOUSEHOLDS)
