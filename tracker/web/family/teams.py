"""Teams: the families' leaderboard (with the choice to hide), staff make and fill teams."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker import services
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Household
from tracker.services import audit, teams
from tracker.services.preferences import edition_settings, household_settings
from tracker.web.common.auth import family_required, staff_required
from tracker.web.common.forms import form_bool, form_int, form_text

bp = Blueprint("life_teams", __name__)


@bp.route("/equipes")
@family_required
def leaderboard():
    household = current_user.household
    edition = household.edition
    if not edition_settings(db(), edition).teams_enabled:
        abort(404)
    settings = household_settings(db(), household)
    board = teams.leaderboard(db(), edition)
    db().commit()
    return render_template("teams/leaderboard.html", board=board, settings=settings,
                           edition=edition, minimum=teams.MIN_HOUSEHOLDS)


@bp.route("/equipes/visibilite", methods=["POST"])
@family_required
def visibility():
    """Hide the household from the leaderboard, or show it again."""
    teams.set_hidden(db(), current_user.household, form_bool("hidden"))
    db().commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".leaderboard"))


@bp.route("/equipe/editions/<slug>/equipes", methods=["GET", "POST"])
@staff_required
def staff_teams(slug: str):
    """Create teams, put households in them, see the leaderboard."""
    session = db()
    edition = services.get_edition(session, slug)
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "create":
                teams.create_team(session, edition, form_text("name", 100))
            elif action == "delete":
                session.delete(teams.get_team(session, edition, form_int("team") or 0))
            elif action == "assign":
                for household in session.scalars(select(Household).where(
                        Household.edition_id == edition.id)):
                    team_id = form_int(f"team-{household.id}")
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
        return redirect(url_for(".staff_teams", slug=slug))
    households = session.scalars(select(Household).where(Household.edition_id == edition.id)
                                 .order_by(Household.name)).all()
    settings = {h.id: household_settings(session, h) for h in households}
    board = teams.leaderboard(session, edition)
    enabled = edition_settings(session, edition).teams_enabled
    session.commit()
    return render_template("teams/staff.html", edition=edition, households=households,
                           settings=settings, teams=teams.teams_of(session, edition),
                           board=board, enabled=enabled, minimum=teams.MIN_HOUSEHOLDS)
