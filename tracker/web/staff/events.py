"""Workshops and remote meetings, as staff run them: publish, change, cancel."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from tracker import clock
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Edition
from tracker.services import events as event_service
from tracker.web.common import mailer
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import Text, WholeNumber, errors_of
from tracker.web.common.notices import notify_promoted

bp = Blueprint("staff_events", __name__)


LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class EventForm(FlaskForm):
    """An event (the service checks the values; the dates are local, YYYY-MM-DDTHH:MM)."""

    edition = WholeNumber()
    title = Text(limit=200)
    description = Text(limit=5000)
    place = Text(limit=300)
    meeting_url = Text(limit=500)
    capacity = WholeNumber()
    starts_at = Text(limit=20)
    ends_at = Text(limit=20)


def _form(form: EventForm, zone: ZoneInfo) -> tuple[dict, dict]:
    values = {name: form[name].data for name in ("title", "description", "place",
                                                 "meeting_url", "capacity")}
    errors = {}
    for name in ("starts_at", "ends_at"):
        raw = form[name].data
        try:
            values[name] = dt.datetime.strptime(raw, LOCAL_FORMAT).replace(tzinfo=zone)
        except ValueError:
            values[name] = None
            if name == "starts_at" or raw:
                errors[name] = [_("Enter a date and time.")]
    if (form.capacity.raw_data or [""])[0].strip() and values["capacity"] is None:
        errors["capacity"] = [_("Enter a whole number, or leave empty for no limit.")]
    return values, errors


def _local(values: dict, zone: ZoneInfo) -> dict:
    return {**values, **{k: values[k].astimezone(zone).strftime(LOCAL_FORMAT)
                         for k in ("starts_at", "ends_at") if values.get(k)}}


@bp.route("/equipe/ateliers")
@staff_required
def index():
    editions = db().scalars(select(Edition).order_by(Edition.start_date.desc())).all()
    return render_template("events/staff_list.html", editions=editions, now=clock.now(),
                           events={e.id: event_service.edition_events(db(), e.id)
                                   for e in editions}, ZoneInfo=ZoneInfo)


@bp.route("/equipe/ateliers/nouveau", methods=["GET", "POST"])
@bp.route("/equipe/ateliers/<int:event_id>", methods=["GET", "POST"])
@staff_required
def edit(event_id: int | None = None):
    """Publish or change an event; the list of registered households."""
    session = db()
    event = event_service.get_event(session, event_id) if event_id else None
    editions = session.scalars(select(Edition).order_by(Edition.start_date.desc())).all()
    form = EventForm()
    chosen = request.args.get("edition", type=int) or form.edition.data
    edition = event.edition if event else session.get(
        Edition, chosen or (editions[0].id if editions else 0))
    if edition is None:
        abort(404)
    zone = ZoneInfo(edition.timezone)
    values = _local({c: getattr(event, c) for c in ("title", "description", "place",
                                                    "meeting_url", "capacity", "starts_at",
                                                    "ends_at")}, zone) if event else {}
    errors: dict = {}
    if form.validate_on_submit():
        values, errors = _form(form, zone)
        if not errors:
            try:
                if event is None:
                    event = event_service.create_event(session, edition, current_user, **values)
                    promoted = []
                else:
                    promoted = event_service.update_event(session, event, **values)
                    event_service.log_staff_change(session, current_user, event, "event.update")
            except DomainError as exc:
                session.rollback()
                errors = errors_of(exc)
            else:
                notify_promoted(promoted)
                mailer.commit_and_queue()
                flash(_("Event saved."), "success")
                return redirect(url_for(".edit", event_id=event.id))
        values = _local(values, zone)
    return render_template("events/staff_edit.html", event=event, edition=edition,
                           editions=editions, values=values, errors=errors), \
        422 if errors else 200


@bp.route("/equipe/ateliers/<int:event_id>/supprimer", methods=["POST"])
@staff_required
def delete(event_id: int):
    """Cancel an event; registered households are told by email."""
    session = db()
    event = event_service.get_event(session, event_id)
    title, starts_at, zone = event.title, event.starts_at, ZoneInfo(event.edition.timezone)
    event_service.log_staff_change(session, current_user, event, "event.delete")
    for _status, household in event_service.delete_event(session, event):
        for account in household.accounts:
            mailer.send(session, "event_cancelled", account.email, locale=account.locale,
                        household_id=household.id, title=title, starts_at=starts_at, zone=zone)
    mailer.commit_and_queue()
    flash(_("The event is cancelled; registered households were told by email."), "success")
    return redirect(url_for(".index"))
