"""Teams, as families see them: the leaderboard, with the choice to hide."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker.extensions import db
from tracker.services import teams
from tracker.services.preferences import edition_settings, household_settings
from tracker.web.common.auth import family_required
from tracker.web.common.forms import Flag

bp = Blueprint("family_teams", __name__)


class VisibilityForm(FlaskForm):
    hidden = Flag()


@bp.route("/foyer/equipes")
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


@bp.route("/foyer/equipes/visibilite", methods=["POST"])
@family_required
def visibility():
    """Hide the household from the leaderboard, or show it again."""
    teams.set_hidden(db(), current_user.household, VisibilityForm().hidden.data)
    db().commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".leaderboard"))


@bp.route("/equipes")
@family_required
def leaderboard_moved():
    """The leaderboard's address before issue 15 (beside staff's `/equipe`): 301 to the new."""
    return redirect(url_for(".leaderboard"), 301)
