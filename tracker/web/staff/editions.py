"""Staff: editions side by side; create one, configure it (what its phase allows)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from tracker import services
from tracker.domain import (DEFAULT_COUNTED, REFERENCE_KG_YEAR, REFERENCE_SOURCE,
                            STREAM_LABELS, STREAMS, DomainError)
from tracker.extensions import db
from tracker.models import Edition, Household
from tracker.services import edition_admin
from tracker.services.preferences import edition_end, edition_phase, edition_settings
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import Flag, Many, Text, WholeNumber, errors_of

bp = Blueprint("staff_editions", __name__, url_prefix="/equipe/defis")


class EditionForm(FlaskForm):
    """An edition's settings (the service checks them); `slug` only when creating one."""

    slug = Text(limit=64)
    name = Text(limit=200)
    description = Text(limit=5000)
    enrolment_open = Flag()
    teams_enabled = Flag()
    start = Text(limit=10)
    months = WholeNumber()
    baseline_months = WholeNumber()
    target_pct = Text(limit=10)
    reference_kg_year = Text(limit=12)
    counted_streams = Many()


def _form_values(form: EditionForm) -> dict:
    target = form.target_pct.data.replace(",", ".")
    try:
        target_pct = float(target)
    except ValueError:
        target_pct = None
    raw = form.reference_kg_year.data.replace(",", ".").replace("\u202f", "").strip()
    try:
        reference = float(raw) if raw else None
    except ValueError:
        reference = -1.0  # refused by the service with its message
    try:
        start = dt.date.fromisoformat(form.start.data)
    except ValueError:
        start = None
    values = {"name": form.name.data, "description": form.description.data,
              "enrolment_open": form.enrolment_open.data,
              "teams_enabled": form.teams_enabled.data, "start": start,
              "months": form.months.data, "baseline_months": form.baseline_months.data,
              "target_pct": target_pct, "reference_kg_year": reference,
              "counted_streams": [s for s in form.counted_streams.data if s in STREAMS]}
    if not form.reference_kg_year.raw_data:  # not sent: unchanged (empty means none)
        del values["reference_kg_year"]
    return values


def _page(template: str, status: int = 200, **context):
    return render_template(template, streams=[(s, STREAM_LABELS[s]) for s in STREAMS],
                           reference_default=REFERENCE_KG_YEAR,
                           reference_source=REFERENCE_SOURCE, **context), status


@bp.route("/")
@staff_required
def index():
    """Every edition, newest first, with its phase, switches and number of households."""
    session = db()
    editions = session.scalars(select(Edition).order_by(Edition.start_date.desc())).all()
    counts = dict(session.execute(select(Household.edition_id, func.count(Household.id))
                                  .group_by(Household.edition_id)).all())
    rows = [(e, edition_phase(e), edition_settings(session, e), counts.get(e.id, 0),
             edition_end(e) - dt.timedelta(days=1)) for e in editions]
    session.commit()  # default settings rows created on first view
    return render_template("editions/index.html", rows=rows)


@bp.route("/nouveau", methods=["GET", "POST"])
@staff_required
def create():
    """A new edition: dates, months, baseline, target, counted bins, switches."""
    errors: dict = {}
    values = {"slug": "", "name": "", "description": "", "start": None, "months": 8,
              "baseline_months": 1, "target_pct": 20.0, "counted_streams": list(DEFAULT_COUNTED),
              "reference_kg_year": REFERENCE_KG_YEAR,
              "enrolment_open": False, "teams_enabled": False}
    form = EditionForm()
    if form.validate_on_submit():
        values = {"reference_kg_year": REFERENCE_KG_YEAR, **_form_values(form),
                  "slug": form.slug.data.lower()}
        try:
            edition = edition_admin.create_configured_edition(db(), current_user, **values)
        except DomainError as exc:
            db().rollback()
            errors = errors_of(exc)
        else:
            db().commit()
            flash(_("Edition %(name)s created.", name=edition.name), "success")
            return redirect(url_for(".edit", slug=edition.slug))
    return _page("editions/form.html", 422 if errors else 200, values=values, errors=errors,
                 edition=None, phase="upcoming", editable=edition_admin.EDITABLE["upcoming"])


@bp.route("/<slug>/reglages", methods=["GET", "POST"])
@staff_required
def edit(slug: str):
    """Configure an edition; a past one is shown read-only."""
    session = db()
    edition = services.get_edition(session, slug)
    phase = edition_phase(edition)
    errors: dict = {}
    values = edition_admin._current(session, edition)
    form = EditionForm()
    if form.validate_on_submit():
        posted = _form_values(form)
        # A past edition gets every posted value, so that the service refuses the change.
        changes = {k: v for k, v in posted.items()
                   if k in edition_admin.EDITABLE[phase] or phase == "past"}
        try:
            edition_admin.update_edition(session, edition, current_user, **changes)
        except DomainError as exc:
            session.rollback()
            errors, values = errors_of(exc), {**values, **changes}
        else:
            session.commit()
            flash(_("Edition saved."), "success")
            return redirect(url_for(".edit", slug=slug))
    session.commit()
    return _page("editions/form.html", 422 if errors else 200, values=values, errors=errors,
                 edition=edition, phase=phase, editable=edition_admin.EDITABLE[phase])
