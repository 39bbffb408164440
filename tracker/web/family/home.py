"""Family pages, phone-first: record a weigh-in, the history (correct, delete), the progress.

Forms go through the same marshmallow schema as the API (`tracker.schemas.weighin_input`) and
the same service functions; CSRF is checked for every POST by the app-wide CSRFProtect.
"""
from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker import clock, services
from tracker.domain import STREAM_LABELS, DomainError, Source, WeighInStatus
from tracker.extensions import db
from tracker.models import WeighIn
from tracker.services.offline import record_once
from tracker.web.common.auth import family_required
from tracker.web.common.progress_view import family_progress
from tracker.web.common.weighin_form import (SOURCE_LABELS, STATUS_LABELS, WeighInForm,
                                             changes, domain_errors, load, local_text,
                                             prefill)

bp = Blueprint("family", __name__)

PAGE_SIZE = 20


def _household():
    return current_user.household


def _last_stream(household) -> str | None:
    return db().scalar(select(WeighIn.stream).where(WeighIn.household_id == household.id)
                       .order_by(WeighIn.created_at.desc(), WeighIn.id.desc()).limit(1))


def _client_uuid(value: str | None) -> str | None:
    """The form's entry number when it is a UUID; anything else is ignored (no guard)."""
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None


def _saved_message(weighin: WeighIn) -> str:
    message = _("Weigh-in saved: %(weight)s kg (%(bin)s)",
                weight=format_decimal(weighin.weight_g / 1000, format="#,##0.###"),
                bin=str(STREAM_LABELS.get(weighin.stream, weighin.stream)).lower())
    if weighin.status == WeighInStatus.FLAGGED:
        message += ". " + _("This reading looks unusual: the team will check it before it counts.")
    return message


def _render_form(template, form, household, errors, status=200, **context):
    edition = household.edition
    streams = [(s, STREAM_LABELS.get(s, s)) for s in edition.streams]
    return render_template(template, form=form, errors=errors, streams=streams,
                           household=household, edition=edition, **context), status


@bp.app_context_processor
def _locale_context() -> dict:
    """The page's language for <html lang> and the other one for the language switch."""
    current = str(get_locale() or "fr")
    return {"current_locale": current, "other_locale": "en" if current == "fr" else "fr"}


@bp.route("/")
def home():
    """Families land on the weigh-in page, staff on their index, others on the sign-in."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    if current_user.household_id is None:
        return redirect(url_for("staff.index")) if current_user.is_staff else \
            redirect(url_for("auth.sign_in"))
    return redirect(url_for("family.weigh"))


@bp.route("/pesee", methods=["GET", "POST"])
@family_required
def weigh():
    """The weigh-in form: bin, weight, (date), save."""
    household = _household()
    tz = household.edition.timezone
    form = WeighInForm()
    errors: dict = {}
    if request.method == "POST":
        values, errors = load(form, tz)
        if values is not None:
            if values.get("measured_at") is None:
                values["measured_at"] = clock.now()
            try:
                weighin, created = record_once(db(), household, source=Source.WEB,
                                               client_uuid=_client_uuid(form.client_uuid.data),
                                               **values)
            except DomainError as exc:
                errors = domain_errors(exc)
            else:
                db().commit()
                if created:
                    flash(_saved_message(weighin),
                          "warning" if weighin.status == WeighInStatus.FLAGGED else "success")
                else:
                    flash(_("This weigh-in was saved already: it counts once."), "success")
                return redirect(url_for("family.weigh"))
    else:
        form.stream.data = _last_stream(household) or household.edition.streams[0]
    shown = local_text(clock.now(), tz)
    if not form.measured_at.data:
        form.measured_at.data = form.measured_at_shown.data = shown
    past = _past_day(request.args.get("jour"), household.edition, shown)
    if request.method == "GET" and past:  # a forgotten week (progress page): that day, noon
        form.measured_at.data = past
    return _render_form("family/weigh.html", form, household, errors,
                        422 if errors else 200, max_time=shown, open_date=bool(past))


def _past_day(raw: str | None, edition, now_text: str) -> str | None:
    """`?jour=YYYY-MM-DD` as the form's time (noon) when it is within the edition and not
    in the future; None otherwise."""
    try:
        day = dt.date.fromisoformat(raw or "")
    except ValueError:
        return None
    text = f"{day.isoformat()}T12:00"
    if day < edition.start_date or text[:10] > now_text[:10]:
        return None
    return min(text, now_text)


@bp.route("/historique")
@family_required
def history():
    """The household's weigh-ins, newest first, a page at a time."""
    household = _household()
    page = max(1, request.args.get("page", 1, type=int))
    rows = services.list_weighins(db(), household, limit=PAGE_SIZE + 1,
                                  offset=(page - 1) * PAGE_SIZE)
    zone = ZoneInfo(household.edition.timezone)
    return render_template("family/history.html", weighins=rows[:PAGE_SIZE], page=page,
                           days=by_local_day(rows[:PAGE_SIZE], zone),
                           has_next=len(rows) > PAGE_SIZE, household=household, zone=zone,
                           stream_labels=STREAM_LABELS, source_labels=SOURCE_LABELS,
                           status_labels=STATUS_LABELS)


def by_local_day(weighins, zone) -> list[tuple]:
    """Weigh-ins (newest first) grouped by local date: [(date, weigh-ins, accepted kg)]."""
    days: dict = {}
    for w in weighins:
        days.setdefault(w.measured_at.astimezone(zone).date(), []).append(w)
    return [(day, ws, sum(w.weight_g for w in ws if w.status != WeighInStatus.REJECTED) / 1000.0)
            for day, ws in days.items()]


@bp.route("/pesees/<int:weighin_id>/corriger", methods=["GET", "POST"])
@family_required
def correct(weighin_id: int):
    """The weigh-in form prefilled; only what changed is sent to the service."""
    household = _household()
    tz = household.edition.timezone
    weighin = services.get_weighin(db(), household, weighin_id)
    form = WeighInForm()
    errors: dict = {}
    stored_time = local_text(weighin.measured_at, tz)
    if request.method == "POST":
        form.measured_at_shown.data = stored_time  # an unchanged time is not re-checked
        values, errors = load(form, tz)
        if values is not None:
            try:
                weighin = services.correct_weighin(db(), household, weighin_id,
                                                   **changes(values, weighin))
            except DomainError as exc:
                errors = domain_errors(exc)
            else:
                db().commit()
                flash(_("Weigh-in corrected."), "success")
                return redirect(url_for("family.history"))
    else:
        prefill(form, weighin, stored_time)
    form.measured_at_shown.data = stored_time
    return _render_form("family/correct.html", form, household, errors,
                        422 if errors else 200, weighin=weighin,
                        max_time=local_text(clock.now(), tz))


@bp.route("/pesees/<int:weighin_id>/supprimer", methods=["GET", "POST"])
@family_required
def delete(weighin_id: int):
    """GET: ask for confirmation; POST: delete."""
    household = _household()
    weighin = services.get_weighin(db(), household, weighin_id)
    if request.method == "POST":
        services.delete_weighin(db(), household, weighin_id)
        db().commit()
        flash(_("Weigh-in deleted."), "success")
        return redirect(url_for("family.history"))
    return render_template("family/delete.html", weighin=weighin, household=household,
                           zone=ZoneInfo(household.edition.timezone),
                           stream_labels=STREAM_LABELS)


@bp.route("/progres")
@family_required
def progress():
    """Where the household stands against its reference month and the target path."""
    return render_template("family/progress.html", stream_labels=STREAM_LABELS,
                           **family_progress(db(), _household()))
