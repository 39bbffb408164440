"""Staff room: enter a weigh-in for a family (a paper sheet, a phone call) or correct one.

The family's form, schema and rules (`tracker.web.common.weighin_form`: `WeighInForm`, `load` with
`tracker.schemas.weighin_input`; `services.record_weighin`, `services.correct_weighin`), so a
weight staff type is read and refused exactly as the family's would be. A weigh-in entered here
has the source `staff`; a correction keeps the weigh-in's source (a scale's reading stays the
scale's) and both are audited with the weights before and after.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template
from flask_babel import format_decimal, gettext as _
from flask_login import current_user

from tracker import clock, services
from tracker.domain import STREAM_LABELS, DomainError, Source, WeighInStatus
from tracker.extensions import db
from tracker.models import Household, WeighIn
from tracker.services import audit
from tracker.web.common.auth import staff_required
from tracker.web.common.weighin_form import (WeighInForm, changes, domain_errors, load,
                                             local_text, prefill)
from tracker.web.staff.cohort import household_url

bp = Blueprint("staff_weighins", __name__, url_prefix="/equipe/defis")


def _household(slug: str, household_id: int) -> Household:
    edition = services.get_edition(db(), slug)
    found = db().get(Household, household_id)
    if found is None or found.edition_id != edition.id:
        abort(404)
    return found


def _page(household: Household, form, errors: dict, weighin=None):
    edition = household.edition
    return render_template("staff/weighin_form.html", form=form, errors=errors,
                           streams=[(s, STREAM_LABELS.get(s, s)) for s in edition.streams],
                           household=household, edition=edition, weighin=weighin,
                           back=household_url(household),
                           max_time=local_text(clock.now(), edition.timezone)), \
        422 if errors else 200


def _kg(grams: int) -> str:
    return format_decimal(grams / 1000, format="#,##0.###")


@bp.route("/<slug>/foyers/<int:household_id>/pesees/nouvelle", methods=["GET", "POST"])
@staff_required
def add(slug: str, household_id: int):
    """A weigh-in typed by staff for the household (source `staff`), audited."""
    household = _household(slug, household_id)
    tz = household.edition.timezone
    form = WeighInForm()
    errors: dict = {}
    if form.is_submitted():
        values, errors = load(form, tz)
        if values is not None:
            if values.get("measured_at") is None:
                values["measured_at"] = clock.now()
            try:
                weighin = services.record_weighin(db(), household, source=Source.STAFF, **values)
            except DomainError as exc:
                db().rollback()
                errors = domain_errors(exc)
            else:
                audit.record(db(), current_user, "weighin.staff_add",
                             edition_id=household.edition_id, household_id=household.id,
                             weighin=weighin.id, stream=weighin.stream,
                             weight_g=weighin.weight_g, status=weighin.status)
                db().commit()
                flash(_("Weigh-in of %(kg)s kg saved for the household.", kg=_kg(weighin.weight_g))
                      + (" " + _("It looks unusual: it waits for a review before it counts.")
                         if weighin.status == WeighInStatus.FLAGGED else ""),
                      "warning" if weighin.status == WeighInStatus.FLAGGED else "success")
                return redirect(household_url(household))
    else:
        form.stream.data = household.edition.streams[0]
    if not form.measured_at.data:
        form.measured_at.data = form.measured_at_shown.data = local_text(clock.now(), tz)
    return _page(household, form, errors)


@bp.route("/<slug>/pesees/<int:weighin_id>/corriger", methods=["GET", "POST"])
@staff_required
def correct(slug: str, weighin_id: int):
    """Correct a weigh-in of a household of the edition; only what changed is sent, audited."""
    found = db().get(WeighIn, weighin_id)
    if found is None:
        abort(404)
    household = _household(slug, found.household_id)
    tz = household.edition.timezone
    weighin = services.get_weighin(db(), household, weighin_id)
    form = WeighInForm()
    errors: dict = {}
    stored_time = local_text(weighin.measured_at, tz)
    before = {"stream": weighin.stream, "weight_g": weighin.weight_g}
    if form.is_submitted():
        form.measured_at_shown.data = stored_time  # an unchanged time is not re-checked
        values, errors = load(form, tz)
        if values is not None:
            changed = changes(values, weighin)
            try:
                weighin = services.correct_weighin(db(), household, weighin_id, **changed)
            except DomainError as exc:
                db().rollback()
                errors = domain_errors(exc)
            else:
                if changed:
                    audit.record(db(), current_user, "weighin.staff_correct",
                                 edition_id=household.edition_id, household_id=household.id,
                                 weighin=weighin.id, fields=sorted(changed),
                                 before_g=before["weight_g"], weight_g=weighin.weight_g,
                                 before_stream=before["stream"], stream=weighin.stream)
                db().commit()
                flash(_("Weigh-in corrected.") if changed else _("Nothing was changed."),
                      "success")
                return redirect(household_url(household))
    else:
        prefill(form, weighin, stored_time)
    form.measured_at_shown.data = stored_time
    return _page(household, form, errors, weighin)
