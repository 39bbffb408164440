"""Family room: the dates the household is away (both included), declared from the phone.

Away dates count no person-days and cover their weeks (DESIGN.md "Coverage and absences"), so
a holiday reads neither as a reduction nor as forgotten weigh-ins. A family sees and withdraws
only its own absences; staff declare theirs on the household's staff page.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker.domain import DomainError
from tracker.extensions import db
from tracker.services import coverage
from tracker.web.common.auth import family_required
from tracker.web.common.forms import Text, typed

bp = Blueprint("family_absences", __name__)


class AbsenceForm(FlaskForm):
    """Away from `date_from` to `date_to` (YYYY-MM-DD; the service says what is wrong)."""

    date_from = Text(limit=20)
    date_to = Text(limit=20)


def parse_day(raw: str | None) -> dt.date | None:
    """A YYYY-MM-DD form field, or None when empty or not a date."""
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


@bp.route("/absences", methods=["GET", "POST"])
@family_required
def index():
    """The household's absences and the form to declare one."""
    household = current_user.household
    errors: dict = {}
    form = AbsenceForm()
    if form.validate_on_submit():
        try:
            coverage.declare_absence(db(), household,
                                     date_from=parse_day(form.date_from.data),
                                     date_to=parse_day(form.date_to.data),
                                     actor=current_user)
        except DomainError as exc:
            db().rollback()
            errors[exc.field or "date_from"] = str(exc.message)
        else:
            db().commit()
            flash(_("Absence saved: those days do not count as days at home."), "success")
            return redirect(url_for("family_absences.index"))
    return render_template("family/absences.html", household=household,
                           edition=household.edition, errors=errors, form=typed(form),
                           absences=coverage.absences(db(), household)), \
        422 if errors else 200


@bp.route("/absences/<int:absence_id>/supprimer", methods=["POST"])
@family_required
def delete(absence_id: int):
    """Withdraw one of the household's absences (another household's: 404)."""
    try:
        coverage.delete_absence(db(), current_user.household, absence_id, actor=current_user)
    except DomainError:
        db().rollback()
        abort(404)
    db().commit()
    flash(_("Absence withdrawn."), "success")
    return redirect(url_for("family_absences.index"))
