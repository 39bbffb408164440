"""Workshops and remote meetings, as families see them: sign up, cancel, the calendar's
address."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.domain import DomainError, RegistrationStatus
from tracker.extensions import db
from tracker.services import events as event_service
from tracker.services.preferences import calendar_token
from tracker.web.common import mailer
from tracker.web.common.auth import family_required
from tracker.web.common.notices import notify_promoted
from tracker.web.common.urls import public_url_for

bp = Blueprint("family_events", __name__)


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
                           feed=public_url_for("public_calendar.household_feed", token=token),
                           edition_feed=public_url_for("public_calendar.edition_feed",
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
    flash(_("You are registered.") if registration.status == RegistrationStatus.CONFIRMED else
          _("The event is full: you are on the waiting list. We email you if a place frees up."),
          "success")
    return redirect(url_for(".index"))


@bp.route("/ateliers/<int:event_id>/annulation", methods=["POST"])
@family_required
def cancel(event_id: int):
    household = current_user.household
    event = event_service.get_event(db(), event_id, household.edition_id)
    notify_promoted(event_service.cancel(db(), event, household))
    mailer.commit_and_queue()
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
