"""Staff room: households of an edition from the web — import a CSV file, change a size.

The import is `zw households import` in a browser, with a check first: the uploaded file goes
through the same service (`tracker.services.imports.import_households`, all or nothing, every
bad row with its line number) inside a transaction that is rolled back, and the page shows what
would be added. The confirmation sends the file's text back (a hidden field of the same form,
within MAX_CONTENT_LENGTH) and the import runs again for real, every row checked again: what is
added is what the page showed, or the errors that appeared since. Audited as the command is.

A size change is `zw households set-size` (`services.set_household_size`), audited.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from marshmallow import ValidationError
from wtforms import StringField, TextAreaField

from tracker import services
from tracker.csvio import CsvFormatError, decode, open_rows
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Edition, Household
from tracker.schemas import household_size, messages_as_text
from tracker.services import audit
from tracker.services.imports import ImportReport, import_households
from tracker.web.common.auth import staff_required
from tracker.web.staff.cohort import household_url

bp = Blueprint("staff_household_admin", __name__, url_prefix="/equipe/defis")

REQUIRED_COLUMNS = ("household", "persons")
#: Errors listed on the page; the count says how many more there are.
ERRORS_SHOWN = 200


class ImportForm(FlaskForm):
    """The CSRF token and the raw inputs: the CSV goes through the import's own schema."""

    file = FileField()
    content = TextAreaField()  # the checked file's text, sent back by the confirmation


class SizeForm(FlaskForm):
    """The CSRF token and the raw inputs: `tracker.schemas.household_size` validates."""

    persons = StringField()
    valid_from = StringField()


def _edition(slug: str) -> Edition:
    return services.get_edition(db(), slug)


def _run(edition: Edition, data: bytes) -> tuple[ImportReport | None, str | None]:
    """The import of `data` in the request's transaction: (report, None) or (None, why the
    file cannot be read). The caller commits or rolls back."""
    try:
        with open_rows(data, REQUIRED_COLUMNS) as table:
            return import_households(db(), edition, table), None
    except CsvFormatError as exc:
        db().rollback()
        return None, _("The file cannot be read: %(error)s", error=exc)


def _page(edition: Edition, form: ImportForm, status: int = 200, **context):
    return render_template("staff/households_import.html", edition=edition, form=form,
                           errors_shown=ERRORS_SHOWN, **context), status


@bp.route("/<slug>/foyers/importer", methods=["GET", "POST"])
@staff_required
def import_check(slug: str):
    """GET: the upload form. POST: the file checked, nothing saved; what would be added."""
    edition = _edition(slug)
    form = ImportForm()
    if not form.is_submitted():
        return _page(edition, form)
    upload = form.file.data
    data = upload.read() if upload else b""
    if not data.strip():
        return _page(edition, form, 422, problem=_("Choose a CSV file to import."))
    try:
        text = decode(data)
    except UnicodeDecodeError:
        return _page(edition, form, 422, problem=_(
            "The file cannot be read: the file is neither UTF-8 nor Windows-1252 text"))
    report, problem = _run(edition, data)
    db().rollback()  # a check: nothing is kept
    if problem:
        return _page(edition, form, 422, problem=problem)
    return _page(edition, form, 200 if report.ok else 422, report=report, content=text,
                 filename=getattr(upload, "filename", "") or "")


@bp.route("/<slug>/foyers/importer/confirmer", methods=["POST"])
@staff_required
def import_confirm(slug: str):
    """Import the checked file for real: all or nothing, audited."""
    edition = _edition(slug)
    form = ImportForm()
    data = (form.content.data or "").encode("utf-8")
    if not data.strip():
        return _page(edition, form, 422, problem=_("Choose a CSV file to import."))
    report, problem = _run(edition, data)
    if problem or not report.ok:
        db().rollback()
        return _page(edition, form, 422, problem=problem, report=report)
    if report.added:
        audit.record(db(), current_user, "households.import", edition_id=edition.id,
                     added=report.added)
    db().commit()
    flash(_("%(added)s household(s) imported, %(present)s already there.",
            added=report.added, present=report.already_present), "success")
    return redirect(url_for("staff_cohort.overview", slug=edition.slug))


def _by_input(errors: dict) -> dict:
    """Errors keyed by the form's inputs (the schema and the service say `from`)."""
    return {("valid_from" if k == "from" else k): v for k, v in errors.items()}


def _household(slug: str, household_id: int) -> Household:
    edition = _edition(slug)
    found = db().get(Household, household_id)
    if found is None or found.edition_id != edition.id:
        abort(404)
    return found


@bp.route("/<slug>/foyers/<int:household_id>/taille", methods=["GET", "POST"])
@staff_required
def size(slug: str, household_id: int):
    """A change of the household's number of persons from a date on (audited)."""
    household = _household(slug, household_id)
    form = SizeForm()
    errors: dict = {}
    if form.is_submitted():
        try:
            raw = {"persons": (form.persons.data or "").strip(),
                   "from": (form.valid_from.data or "").strip()}
            values = household_size.load({k: v for k, v in raw.items() if v})
            services.set_household_size(db(), household, **values)
        except ValidationError as exc:
            errors = _by_input(messages_as_text(exc.messages))
        except DomainError as exc:
            db().rollback()
            errors = _by_input({exc.field or "_schema": [str(exc.message)]})
        else:
            audit.record(db(), current_user, "household.size", edition_id=household.edition_id,
                         household_id=household.id, persons=values["persons"],
                         valid_from=values["valid_from"].isoformat())
            db().commit()
            flash(_("From %(date)s the household has %(n)s person(s).",
                    date=values["valid_from"].strftime("%d/%m/%Y"), n=values["persons"]),
                  "success")
            return redirect(household_url(household))
    return render_template("staff/household_size.html", household=household,
                           edition=household.edition, form=form, errors=errors,
                           back=household_url(household)), 422 if errors else 200
