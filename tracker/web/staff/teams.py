"""Teams, as staff make them: create teams, put households in them, see the leaderboard.
One POST endpoint per form: create, assign (the households' teams), delete."""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker import services
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.services import teams
from tracker.services.preferences import edition_settings, household_settings
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import Text, WholeNumber

bp = Blueprint("staff_teams", __name__)


class CreateForm(FlaskForm):
    """A new team's name (the service checks it)."""

    name = Text(limit=100)


def assign_form(households) -> FlaskForm:
    """A team choice (`team-<household id>`, empty: no team) for each of these households."""
    fields = {f"team-{household.id}": WholeNumber() for household in households}
    return type("AssignForm", (FlaskForm,), fields)()


def _saved(slug: str, change: Callable[[], object]):
    """Make the change and commit it, or roll back and say why; back to the teams page."""
    try:
        change()
    except DomainError as exc:
        db().rollback()
        flash(str(exc.message), "error")
    else:
        db().commit()
        flash(_("Saved."), "success")
    return redirect(url_for(".index", slug=slug))


@bp.route("/equipe/defis/<slug>/equipes")
@staff_required
def index(slug: str):
    """Create teams, put households in them, see the leaderboard."""
    session = db()
    edition = services.get_edition(session, slug)
    households = teams.households_of(session, edition)
    settings = {h.id: household_settings(session, h) for h in households}
    board = teams.leaderboard(session, edition)
    enabled = edition_settings(session, edition).teams_enabled
    session.commit()
    return render_template("teams/staff.html", edition=edition, households=households,
                           settings=settings, teams=teams.teams_of(session, edition),
                           board=board, enabled=enabled, minimum=teams.MIN_HOUSEHOLDS)


@bp.route("/equipe/defis/<slug>/equipes/nouvelle", methods=["POST"])
@staff_required
def create(slug: str):
    """Create a team in the edition."""
    edition = services.get_edition(db(), slug)
    name = CreateForm().name.data
    return _saved(slug, lambda: teams.create_team(db(), edition, name))


@bp.route("/equipe/defis/<slug>/equipes/repartition", methods=["POST"])
@staff_required
def assign(slug: str):
    """Put the edition's households in teams; each change is audited."""
    edition = services.get_edition(db(), slug)
    households = teams.households_of(db(), edition)
    form = assign_form(households)
    choices = {h.id: form[f"team-{h.id}"].data for h in households}
    return _saved(slug, lambda: teams.assign_all(db(), edition, choices, current_user))


@bp.route("/equipe/defis/<slug>/equipes/<int:team_id>/supprimer", methods=["POST"])
@staff_required
def delete(slug: str, team_id: int):
    """Delete a team of the edition (another edition's: 404); its households have none."""
    team = teams.get_team(db(), services.get_edition(db(), slug), team_id)
    return _saved(slug, lambda: teams.delete_team(db(), team))
