"""Workshops and remote meetings: families sign up and cancel, staff publish; iCal feeds."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker import clock, services
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Edition, Household
from tracker.models_life import Event, HouseholdSettings
from tracker.services import events as event_service
from tracker.services import ical
from tracker.services.preferences import calendar_token
from tracker.web.common import mailer
from tracker.web.common.auth import family_required, staff_required
from tracker.web.common.forms import errors_of, form_int, form_text
from tracker.web.common.urls import public_host, public_url_for

bp = Blueprint("life_events", __name__)
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _notify_promoted(promoted) -> None:
    for registration in promoted:
        household, event = registration.household, registration.event
        for account in household.accounts:
            mailer.send(db(), "event_promoted", account.email, locale=account.locale,
                        household_id=household.id, event=event, household=household,
                        zone=ZoneInfo(household.edition.timezone),
                        url=mailer.absolute_url("life_events.index"))


# ------------------------------------------------------------------ family


@bp.route("/ateliers")
@family_required
def index():
    """The edition's coming events with the household's registrations, and its calendar."""
    household = current_user.household
    events = event_service.edition_events(db(), household.edition_id, upcoming_only=True)
    token = calendar_token(db(), household)
    db().commit()
    return render_template("events/index.html", events=events, household=household,
                           mine=event_service.household_registrations(db(), household),
                           zone=ZoneInfo(household.edition.timezone), now=clock.now(),
                           feed=public_url_for(".household_feed", token=token),
                           edition_feed=public_url_for(".edition_feed",
                                                       slug=household.edition.slug))


@bp.route("/ateliers/<int:event_id>/inscription", methods=["POST"])
@family_required
def sign_up(event_id: int):
    household = current_user.household
    event = event_service.get_event(db(), event_id, household.edition_id)
    try:
        registration = event_service.register(db(), event, household)
    except DomainError as exc:
        db().rollback()
        flash(str(exc.message), "error")
        return redirect(url_for(".index"))
    db().commit()
    flash(_("You are registered.") if registration.status == "confirmed" else
          _("The event is full: you are on the waiting list. We email you if a place frees up."),
          "success")
    return redirect(url_for(".index"))


@bp.route("/ateliers/<int:event_id>/annulation", methods=["POST"])
@family_required
def cancel(event_id: int):
    household = current_user.household
    event = event_service.get_event(db(), event_id, household.edition_id)
    _notify_promoted(event_service.cancel(db(), event, household))
    mailer.commit_and_deliver()
    flash(_("Your registration is cancelled."), "success")
    return redirect(url_for(".index"))


@bp.route("/ateliers/calendrier/renouveler", methods=["POST"])
@family_required
def renew_feed():
    """A new secret calendar address (the old one stops working)."""
    calendar_token(db(), current_user.household, renew=True)
    db().commit()
    flash(_("Your calendar has a new address: subscribe again with it."), "success")
    return redirect(url_for(".index"))


def _ics(body: str, name: str) -> Response:
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'inline; filename="{name}.ics"',
                             "Cache-Control": "private, max-age=300"})


@bp.route("/calendrier/<token>.ics")
def household_feed(token: str):
    """The household's events (secret address, no sign-in: calendar apps cannot sign in)."""
    settings = db().scalar(select(HouseholdSettings).where(
        HouseholdSettings.calendar_token == token)) if token else None
    if settings is None:
        abort(404)
    household = settings.household
    mine = event_service.household_registrations(db(), household)
    events = [(r.event, "CONFIRMED" if r.status == "confirmed" else "TENTATIVE")
              for r in sorted(mine.values(), key=lambda r: r.event.starts_at)]
    return _ics(ical.calendar(events, name=household.edition.name, host=public_host(),
                              now=clock.now(), with_links=True), "ateliers")


@bp.route("/calendrier/edition/<slug>.ics")
def edition_feed(slug: str):
    """Every event of an edition (public: video-meeting links are left out)."""
    edition = services.get_edition(db(), slug)
    events = [(e, "CONFIRMED") for e in event_service.edition_events(db(), edition.id)]
    return _ics(ical.calendar(events, name=edition.name, host=public_host(), now=clock.now(),
                              with_links=False), slug)


# ------------------------------------------------------------------ staff


def _form(zone: ZoneInfo) -> tuple[dict, dict]:
    values = {"title": form_text("title", 200), "description": form_text("description", 5000),
              "place": form_text("place", 300), "meeting_url": form_text("meeting_url", 500),
              "capacity": form_int("capacity")}
    errors = {}
    for name in ("starts_at", "ends_at"):
        raw = form_text(name, 20)
        try:
            values[name] = dt.datetime.strptime(raw, LOCAL_FORMAT).replace(tzinfo=zone)
        except ValueError:
            values[name] = None
            if name == "starts_at" or raw:
                errors[name] = [_("Enter a date and time.")]
    if form_text("capacity") and values["capacity"] is None:
        errors["capacity"] = [_("Enter a whole number, or leave empty for no limit.")]
    return values, errors


def _local(values: dict, zone: ZoneInfo) -> dict:
    return {**values, **{k: values[k].astimezone(zone).strftime(LOCAL_FORMAT)
                         for k in ("starts_at", "ends_at") if values.get(k)}}


@bp.route("/equipe/ateliers")
@staff_required
def staff_list():
    editions = db().scalars(select(Edition).order_by(Edition.start_date.desc())).all()
    return render_template("events/staff_list.html", editions=editions, now=clock.now(),
                           events={e.id: event_service.edition_events(db(), e.id)
                                   for e in editions}, ZoneInfo=ZoneInfo)


@bp.route("/equipe/ateliers/nouveau", methods=["GET", "POST"])
@bp.route("/equipe/ateliers/<int:event_id>", methods=["GET", "POST"])
@staff_required
def staff_edit(event_id: int | None = None):
    """Publish or change an event; the list of registered households."""
    session = db()
    event = event_service.get_event(session, event_id) if event_id else None
    editions = session.scalars(select(Edition).order_by(Edition.start_date.desc())).all()
    edition = event.edition if event else session.get(
        Edition, request.values.get("edition", type=int) or (editions[0].id if editions else 0))
    if edition is None:
        abort(404)
    zone = ZoneInfo(edition.timezone)
    values = _local({c: getattr(event, c) for c in ("title", "description", "place",
                                                    "meeting_url", "capacity", "starts_at",
                                                    "ends_at")}, zone) if event else {}
    errors: dict = {}
    if request.method == "POST":
        values, errors = _form(zone)
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
                _notify_promoted(promoted)
                mailer.commit_and_deliver()
                flash(_("Event saved."), "success")
                return redirect(url_for(".staff_edit", event_id=event.id))
        values = _local(values, zone)
    return render_template("events/staff_edit.html", event=event, edition=edition,
                           editions=editions, values=values, errors=errors), \
        422 if errors else 200


@bp.route("/equipe/ateliers/<int:event_id>/supprimer", methods=["POST"])
@staff_required
def staff_delete(event_id: int):
    """Cancel an event; registered households are told by email."""
    session = db()
    event = event_service.get_event(session, event_id)
    title, starts_at, zone = event.title, event.starts_at, ZoneInfo(event.edition.timezone)
    event_service.log_staff_change(session, current_user, event, "event.delete")
    for _status, household in event_service.delete_event(session, event):
        for account in household.accounts:
            mailer.send(session, "event_cancelled", account.email, locale=account.locale,
                        household_id=household.id, title=title, starts_at=starts_at, zone=zone)
    mailer.commit_and_deliver()
    flash(_("The event is cancelled; registered households were told by email."), "success")
    return redirect(url_for(".staff_list"))
