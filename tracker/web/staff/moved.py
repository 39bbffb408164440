"""Staff addresses that moved to the one URL tree per edition (issue 15): a bookmark of the old
address answers `301 Moved Permanently` to the new one, query string kept.

Before, an edition had two staff trees (`/equipe/editions/<slug>/...` for its settings,
households, teams and report, `/equipe/defis/<slug>/...` for its cohort and exports) and a
household's staff pages sat at `/equipe/foyers/<id>/...` outside both. `/equipe/defis` was
kept because the exports' addresses (`/equipe/defis/<slug>/progression.csv`, ...) are the ones
spreadsheets and scripts fetch. Only pages that can be bookmarked (GET) are redirected; the
forms post to the new addresses.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for

from tracker.extensions import db
from tracker.models import Household
from tracker.web.common.auth import staff_required

bp = Blueprint("staff_moved", __name__, url_prefix="/equipe")


def moved(endpoint: str, **values):
    """301 to `endpoint`, with the request's query string."""
    target = url_for(endpoint, **values)
    if request.query_string:
        target += "?" + request.query_string.decode("ascii", "replace")
    return redirect(target, 301)


@bp.route("/editions/")
@staff_required
def editions():
    return moved("staff_editions.index")


@bp.route("/editions/nouvelle")
@staff_required
def new_edition():
    return moved("staff_editions.create")


@bp.route("/editions/<slug>")
@staff_required
def edition(slug: str):
    return moved("staff_editions.edit", slug=slug)


@bp.route("/editions/<slug>/<any(foyers, bilan, equipes):page>")
@staff_required
def edition_page(slug: str, page: str):
    endpoint = {"foyers": "staff_households.index", "bilan": "staff_reports.cohort",
                "equipes": "staff_teams.index"}[page]
    return moved(endpoint, slug=slug)


def _slug(household_id: int) -> str:
    household = db().get(Household, household_id) or abort(404)
    return household.edition.slug


@bp.route("/foyers/<int:household_id>")
@staff_required
def household(household_id: int):
    return moved("staff_households.show", slug=_slug(household_id), household_id=household_id)


@bp.route("/foyers/<int:household_id>/bilan")
@staff_required
def household_report(household_id: int):
    return moved("staff_reports.household", slug=_slug(household_id), household_id=household_id)


@bp.route("/foyers/<int:household_id>/export.<any(json, zip):kind>")
@staff_required
def household_export(household_id: int, kind: str):
    return moved("staff_households.export", slug=_slug(household_id), household_id=household_id,
                 kind=kind)
