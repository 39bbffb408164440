"""Staff room: a household's absences and the months staff accept as reliable (audited).

Forms on the household's staff page post here and come back to it with a message.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Absence, Household
from tracker.services import coverage
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import Raw, WholeNumber
from tracker.web.family.absences import parse_day
from tracker.web.staff.cohort import _edition_or_404, household_url

bp = Blueprint("staff_coverage", __name__, url_prefix="/equipe/defis")


class AbsenceForm(FlaskForm):
    date_from = Raw()
    date_to = Raw()


class AcceptForm(FlaskForm):
    """A month accepted as reliable, with the reason (the service checks both)."""

    month = WholeNumber()
    reason = Raw()


def _household(slug: str, household_id: int) -> Household:
    edition = _edition_or_404(slug)
    found = db().get(Household, household_id)
    if found is None or found.edition_id != edition.id:
        abort(404)
    return found


def _done(household: Household, message: str):
    db().commit()
    flash(message, "success")
    return redirect(household_url(household) + "#coverage")


def _refused(household: Household, exc: DomainError):
    db().rollback()
    flash(str(exc.message), "error")
    return redirect(household_url(household) + "#coverage")


@bp.route("/<slug>/foyers/<int:household_id>/absences", methods=["POST"])
@staff_required
def declare(slug: str, household_id: int):
    """Declare the household away on some dates."""
    household, form = _household(slug, household_id), AbsenceForm()
    try:
        coverage.declare_absence(db(), household,
                                 date_from=parse_day(form.date_from.data),
                                 date_to=parse_day(form.date_to.data),
                                 actor=current_user)
    except DomainError as exc:
        return _refused(household, exc)
    return _done(household, _("Absence saved."))


@bp.route("/<slug>/absences/<int:absence_id>/supprimer", methods=["POST"])
@staff_required
def withdraw(slug: str, absence_id: int):
    """Withdraw an absence of a household of this edition."""
    absence = db().get(Absence, absence_id)
    if absence is None:
        abort(404)
    household = _household(slug, absence.household_id)
    try:
        coverage.delete_absence(db(), household, absence_id, actor=current_user)
    except DomainError:
        db().rollback()
        abort(404)
    return _done(household, _("Absence withdrawn."))


@bp.route("/<slug>/foyers/<int:household_id>/mois-acceptes", methods=["POST"])
@staff_required
def accept(slug: str, household_id: int):
    """Accept a household-month as reliable, with a reason (audited)."""
    household, form = _household(slug, household_id), AcceptForm()
    month = form.month.data
    try:
        coverage.accept_month(db(), household, month=month if month is not None else 0,
                              reason=form.reason.data, actor=current_user)
    except DomainError as exc:
        return _refused(household, exc)
    return _done(household, _("Month %(month)s accepted as reliable.", month=month))
